import * as events from 'aws-cdk-lib/aws-events';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ABORTED_REASON,
  DATABASE_MIGRATION,
  isRollbackWorkflow,
  type RollbackInput,
} from '#core/rollback.ts';
import { pascalCase } from './discovery.ts';
import { startExecution } from './rule-targets.ts';

/** Props of {@link AbortRollbacks}. */
export interface AbortRollbacksProps {
  /** Every discovered state machine by name; the release strategies and the database migration are watched. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** The machine that restores a stopped release, or unlocks the service of a stopped database migration. */
  readonly rollback: sfn.IStateMachine;
  /** Receives the events whose rollback could not be started (see {@link startExecution}). */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * StopExecution runs no `Catch`, so a release stopped from the console (or any SDK) would stay half done,
 * and a stopped database migration would keep its service locked. One EventBridge rule per release
 * strategy machine and for the database migration's on `Step Functions Execution Status Change` with
 * status `ABORTED` starts the rollback machine with `{ strategy, executionArn, input, reason }` from the
 * event (`input` is the stopped execution's input as a JSON string). A rollback that cannot be started
 * ends in `deadLetterQueue`.
 *
 * @example
 * new AbortRollbacks(this, 'AbortRollbacks', {
 *   stateMachines: machines.byStrategy,
 *   rollback: machines.byStrategy.get('rollback')!,
 *   deadLetterQueue: deadLetters.queue,
 * });
 */
export class AbortRollbacks extends Construct {
  constructor(scope: Construct, id: string, props: AbortRollbacksProps) {
    super(scope, id);
    for (const [strategy, machine] of props.stateMachines) {
      if (!isRollbackWorkflow(strategy)) continue;
      new events.Rule(this, `${pascalCase(strategy)}Aborted`, {
        description:
          strategy === DATABASE_MIGRATION
            ? 'Cutover: unlock the service of database migrations that were stopped'
            : `Cutover: roll back ${strategy} releases that were stopped`,
        eventPattern: {
          source: ['aws.states'],
          detailType: ['Step Functions Execution Status Change'],
          detail: { status: ['ABORTED'], stateMachineArn: [machine.stateMachineArn] },
        },
        targets: [
          startExecution(
            props.rollback,
            events.RuleTargetInput.fromObject({
              strategy,
              executionArn: events.EventField.fromPath('$.detail.executionArn'),
              input: events.EventField.fromPath('$.detail.input'),
              reason: ABORTED_REASON,
            } satisfies RollbackInput),
            props.deadLetterQueue,
          ),
        ],
      });
    }
  }
}
