import {
  CreateStateMachineCommand,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

/** The definition CDK synthesizes for `chain`, as `cdk deploy` would send it to Step Functions. */
function synthesized(chain: sfn.IChainable): string {
  const stack = new Stack(new App(), 'Variables');
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(chain) });
  const [machine] = Object.values(
    Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'),
  );
  return (machine as { Properties: { DefinitionString: string } }).Properties.DefinitionString;
}

describe('a state machine CDK builds with workflow variables (assign)', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    local = await startTestRuntime();
  });
  afterAll(async () => {
    await local?.close();
  });

  it('runs on the local runtime as written: variables set early, read after a Choice and inside a Map', async () => {
    // Prepare: the order's id and currency kept in variables while the state's data moves on
    const remember = new sfn.Pass(null as never, 'Remember', {
      assign: { orderId: sfn.JsonPath.stringAt('$.order.id'), currency: 'EUR' },
      outputPath: '$.order',
    });
    const label = new sfn.Map(null as never, 'Label', {
      itemsPath: '$.lines',
      itemSelector: { 'sku.$': '$$.Map.Item.Value.sku' },
      resultPath: '$.labels',
    }).itemProcessor(
      new sfn.Pass(null as never, 'Stamp', {
        parameters: { 'label.$': "States.Format('{}/{} in {}', $orderId, $.sku, $currency)" },
      }),
    );
    const large = new sfn.Pass(null as never, 'Large', {
      parameters: { 'order.$': '$orderId', 'labels.$': '$.labels[*].label', 'size.$': '$size' },
    });
    const sort = new sfn.Choice(null as never, 'Sort')
      .when(sfn.Condition.numberGreaterThan('$.count', 1), large, { assign: { size: 'large' } })
      .otherwise(large);
    const count = new sfn.Pass(null as never, 'Count', {
      parameters: { 'labels.$': '$.labels', 'count.$': 'States.ArrayLength($.labels)' },
    });
    const definition = synthesized(remember.next(label).next(count).next(sort));
    expect(definition).toContain('"Assign"');
    // Act
    const { stateMachineArn } = await local.client.send(
      new CreateStateMachineCommand({
        name: 'cdk-variables',
        definition,
        roleArn: 'arn:aws:iam::000000000000:role/cdk-variables',
      }),
    );
    const input = { order: { id: 'o-7', lines: [{ sku: 'tea' }, { sku: 'cup' }] } };
    const { executionArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
    );
    const execution = await waitForExecution(local.client, executionArn!);
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({
      order: 'o-7',
      labels: ['o-7/tea in EUR', 'o-7/cup in EUR'],
      size: 'large',
    });
    const { events } = await local.client.send(new GetExecutionHistoryCommand({ executionArn }));
    const exited = events!.find((event) => event.stateExitedEventDetails?.name === 'Remember');
    expect(exited?.stateExitedEventDetails?.assignedVariables).toEqual({
      orderId: '"o-7"',
      currency: '"EUR"',
    });
  });
});
