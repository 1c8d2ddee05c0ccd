import {
  CreateStateMachineCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/test';
const PASS = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
/** Over 262,144 bytes in UTF-8 whether it is ASCII or two bytes a character (but fewer characters). */
const OVERSIZED = { ascii: JSON.stringify('x'.repeat(262_144)), utf8: JSON.stringify('é'.repeat(131_072)) };
const TOKEN = Buffer.from(`${'0'.repeat(36)}:${'1'.repeat(36)}`).toString('base64url');

const tooLong = (field: string) =>
  `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to 262144`;

let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
});

afterAll(async () => {
  await local?.close();
});

describe('the 262,144-byte limit of inputs and outputs', () => {
  it('refuses StartExecution input over it with one ValidationException, ASCII or not', async () => {
    // Prepare
    const { stateMachineArn } = await local.client.send(
      new CreateStateMachineCommand({ name: 'limits', definition: PASS, roleArn: ROLE }),
    );
    for (const [kind, input] of Object.entries(OVERSIZED)) {
      // Act
      const refused = local.client.send(new StartExecutionCommand({ stateMachineArn, input }));
      // Assess
      await expect(refused, kind).rejects.toMatchObject({
        name: 'ValidationException',
        message: tooLong('input'),
      });
    }
  });

  it('refuses SendTaskSuccess output over it with one ValidationException, ASCII or not', async () => {
    for (const [kind, output] of Object.entries(OVERSIZED)) {
      // Act
      const refused = local.client.send(new SendTaskSuccessCommand({ taskToken: TOKEN, output }));
      // Assess
      await expect(refused, kind).rejects.toMatchObject({
        name: 'ValidationException',
        message: tooLong('output'),
      });
    }
  });

  it('refuses it the same way when the service is called from code', async () => {
    // Prepare
    const sfn = new LocalStepFunctions({ lambdas: new MapLambdaRegistry({}) });
    const { stateMachineArn } = await sfn.createStateMachine({
      name: 'limits',
      definition: PASS,
      roleArn: ROLE,
    });
    // Act
    const refused = sfn.startExecution({ stateMachineArn, input: OVERSIZED.utf8 });
    // Assess
    await expect(refused).rejects.toMatchObject({ code: 'ValidationException', message: tooLong('input') });
    await sfn.close();
  });
});
