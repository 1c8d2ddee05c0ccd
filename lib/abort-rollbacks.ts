import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ABORTED_REASON } from '#core/rollback.ts';
import { isStrategy } from '#core/strategies.ts';
import { pascalCase } from './discovery.ts';

/** Props of {@link AbortRollbacks}. */
export interface AbortRollbacksProps {
  /** Every discovered state machine by name; the release strategies among them are watched. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** The machine that restores a stopped release. */
  readonly rollback: sfn.IStateMachine;
}

/**
 * StopExecution runs no `Catch`, so a release stopped from the console (or any SDK) would stay half done.
 * One EventBridge rule per release strategy machine on `Step Functions Execution Status Change` with
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
      if (!isStrategy(strategy)) continue;
      new events.Rule(this, `${pascalCase(strategy)}Aborted`, {
        description: `Cutover: roll back ${strategy} releases that were stopped`,
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
            }),
          }),
        ],
      });
    }
  }
}
