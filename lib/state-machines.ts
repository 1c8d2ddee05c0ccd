import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { stateMachineName } from '#core/rollback.ts';
import { type DiscoveredStateMachine, pascalCase } from './discovery.ts';

/** Step Functions' limit on a state machine's name, in characters. */
export const STATE_MACHINE_NAME_LIMIT = 80;

/** Props of {@link StrategyStateMachines}. */
export interface StrategyStateMachinesProps {
  readonly machines: readonly DiscoveredStateMachine[];
  /** Task functions by their ASL substitution name (`CheckRolloutFunctionArn`). */
  readonly functions: ReadonlyMap<string, lambda.IFunction>;
  /** Values of the other substitutions (`BackupBucket`, ...). */
  readonly values: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One STANDARD state machine per strategy ASL file, from the file itself with its substitutions filled,
 * logging ALL events with execution data, X-Ray tracing on, allowed to invoke only the functions it names.
 *
 * @example
 * const machines = new StrategyStateMachines(this, 'Strategies', { machines: discoverStateMachines('statemachines'), ... });
 * machines.byStrategy.get('canary');
 */
export class StrategyStateMachines extends Construct {
  /** The state machines by strategy (`canary`, `blue-green`, ...). */
  readonly byStrategy = new Map<string, sfn.StateMachine>();

  constructor(scope: Construct, id: string, props: StrategyStateMachinesProps) {
    super(scope, id);
    for (const machine of props.machines) {
      const name = pascalCase(machine.strategy);
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        logGroupName: `/aws/vendedlogs/states/cutover-${machine.strategy}-${this.node.addr.slice(0, 8)}`,
        retention: props.logRetention,
        removalPolicy: props.removalPolicy,
      });
      const substitutions: Record<string, string> = {};
      const invoked: lambda.IFunction[] = [];
      for (const substitution of machine.substitutions) {
        const fn = props.functions.get(substitution);
        if (fn) invoked.push(fn);
        substitutions[substitution] = fn ? fn.functionArn : props.values[substitution]!;
      }
      const stateMachine = new sfn.StateMachine(this, name, {
        stateMachineName: stateMachineName(Stack.of(this).stackName, machine.strategy),
        comment: `Cutover ${machine.strategy} strategy`,
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromFile(machine.file),
        definitionSubstitutions: substitutions,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
        tracingEnabled: true,
        removalPolicy: props.removalPolicy,
      });
      for (const fn of invoked) fn.grantInvoke(stateMachine);
      this.byStrategy.set(machine.strategy, stateMachine);
    }
  }
}
