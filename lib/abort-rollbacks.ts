import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  ABORTED_REASON,
  DATABASE_MIGRATION,
  isRollbackWorkflow,
  type RollbackInput,
} from '#core/rollback.ts';
import { pascalCase } from './discovery.ts';

/** Props of {@link AbortRollbacks}. */
export interface AbortRollbacksProps {
  /** Every discovered state machine by name; the release strategies and the database migration are watched. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** The machine that restores a stopped release, or unlocks the service of a stopped database migration. */
  readonly rollback: sfn.IStateMachine;
}

/**
 * StopExecution runs no `Catch`, so a release stopped from the console (or any SDK) would stay half done,
 * and a stopped database migration would keep its service locked. One EventBridge rule per release
 * strategy machine and for the database migration's on `Step Functions Execution Status Change` with
 * status `ABORTED` starts the rollback machine with `{ strategy, executionArn, input, reason }` from the
 * event (`input` is the stopped execution's input as a JSON string).
 *
 * @example
 * new AbortRollbacks(this, 'AbortRollbacks', { stateMachines: machines.byStrategy, rollback: machines.byStrategy.get('rollback')! });
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
          new targets.SfnStateMachine(props.rollback, {
            input: events.RuleTargetInput.fromObject({
              strategy,
              executionArn: events.EventField.fromPath('$.detail.executionArn'),
              input: events.EventField.fromPath('$.detail.input'),
              reason: ABORTED_REASON,
            } satisfies RollbackInput),
          }),
        ],
      });
    }
  }
}
