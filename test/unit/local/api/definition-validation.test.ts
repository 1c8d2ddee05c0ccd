import { ValidateStateMachineDefinitionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';

let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
});

afterAll(async () => {
  await local?.close();
});

async function validateDefinition(definition: unknown, severity?: 'ERROR' | 'WARNING') {
  const text = typeof definition === 'string' ? definition : JSON.stringify(definition);
  return local.client.send(new ValidateStateMachineDefinitionCommand({ definition: text, severity }));
}

const codes = (output: { diagnostics?: { code?: string; severity?: string }[] }) =>
  (output.diagnostics ?? []).map(({ code, severity }) => `${severity} ${code}`);

/** A Pass state whose Parameters value looks like a path, without `.$` on its key. */
const withoutDollar = {
  StartAt: 'P',
  States: { P: { Type: 'Pass', Parameters: { id: '$.id' }, End: true } },
};

describe('ValidateStateMachineDefinition through @aws-sdk/client-sfn', () => {
  it('fails a workflow without a terminal state with MISSING_END_STATE', async () => {
    // Act
    const output = await validateDefinition({
      StartAt: 'A',
      States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } },
    });
    // Assess
    expect(output.result).toBe('FAIL');
    expect(codes(output)).toEqual(['ERROR MISSING_END_STATE']);
  });

  it('fails a Task Resource that is no ARN, or an unknown service integration, with INVALID_RESOURCE', async () => {
    for (const Resource of ['not-an-arn', 'arn:aws:states:::dynamodb:frobnicate']) {
      // Act
      const output = await validateDefinition({
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource, End: true } },
      });
      // Assess
      expect(output.result, Resource).toBe('FAIL');
      expect(codes(output), Resource).toEqual(['ERROR INVALID_RESOURCE']);
    }
  });

  it('answers a blank, a non-JSON, an empty-object and an EXPRESS callback definition as AWS recorded them', async () => {
    // Act
    const blank = await validateDefinition(' ');
    const notJson = await validateDefinition('not a definition');
    const emptyObject = await validateDefinition({});
    const express = await local.client.send(
      new ValidateStateMachineDefinitionCommand({
        type: 'EXPRESS',
        definition: JSON.stringify({
          StartAt: 'SendMessageWithWait',
          States: {
            SendMessageWithWait: {
              Type: 'Task',
              Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
              Parameters: {
                QueueUrl: 'https://sqs.us-east-1.amazonaws.com/000000000000/q',
                'MessageBody.$': '$',
              },
              End: true,
            },
          },
        }),
      }),
    );
    // Assess (localstack tests/aws/services/stepfunctions/v2/test_sfn_api_validation.snapshot.json:
    // [EMPTY_STRING] (a space), [NOT_A_DEF], [EMPTY_DICT], [ILLEGAL_WFTT], recorded against AWS)
    const { result, truncated, diagnostics } = blank;
    expect({ result, truncated, diagnostics }).toEqual({
      result: 'FAIL',
      truncated: false,
      diagnostics: [
        {
          code: 'SCHEMA_VALIDATION_FAILED',
          message: 'Definition must be a valid JSON object',
          severity: 'ERROR',
        },
      ],
    });
    expect(notJson.diagnostics).toEqual([
      {
        code: 'INVALID_JSON_DESCRIPTION',
        location: '[Source: (String)"not a definition"; line: 1, column: 4]',
        message:
          "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]",
        severity: 'ERROR',
      },
    ]);
    expect(emptyObject.diagnostics).toEqual([
      {
        code: 'SCHEMA_VALIDATION_FAILED',
        location: '/',
        message: 'These fields are required: [States, StartAt]',
        severity: 'ERROR',
      },
    ]);
    expect(express.diagnostics).toEqual([
      {
        code: 'SCHEMA_VALIDATION_FAILED',
        location: '/States/SendMessageWithWait/Resource',
        message: "Express state machine does not support '.waitForTaskToken' service integration ",
        severity: 'ERROR',
      },
    ]);
  });

  it('answers a definition without StartAt, an EXPRESS activity and an EXPRESS .sync task as AWS recorded them', async () => {
    // Act
    const express = (Resource: string) =>
      local.client.send(
        new ValidateStateMachineDefinitionCommand({
          type: 'EXPRESS',
          definition: JSON.stringify({ StartAt: 'T', States: { T: { Type: 'Task', Resource, End: true } } }),
        }),
      );
    const noStartAt = await validateDefinition({ States: { StartState: { Type: 'Pass', End: true } } });
    const activity = await express('arn:aws:states:us-east-1:000000000000:activity:approve');
    const sync = await express('arn:aws:states:::states:startExecution.sync');
    // Assess (localstack test_sfn_api_validation.snapshot.json [INVALID_BASE_NO_STARTAT] and
    // test_sfn_api_express.snapshot.json test_illegal_activity_task, test_illegal_callbacks[SYNC])
    expect(noStartAt.diagnostics).toEqual([
      {
        code: 'SCHEMA_VALIDATION_FAILED',
        location: '/',
        message: 'These fields are required: [StartAt]',
        severity: 'ERROR',
      },
    ]);
    expect(activity.diagnostics).toEqual([
      {
        code: 'SCHEMA_VALIDATION_FAILED',
        location: '/States/T/Resource',
        message: 'Express state machine does not support Activity ARN',
        severity: 'ERROR',
      },
    ]);
    expect(sync.diagnostics?.[0]?.message).toBe(
      "Express state machine does not support '.sync' service integration",
    );
  });

  it('returns warnings only with severity WARNING, and they do not fail the definition', async () => {
    // Act
    const byDefault = await validateDefinition(withoutDollar);
    const errorsOnly = await validateDefinition(withoutDollar, 'ERROR');
    const withWarnings = await validateDefinition(withoutDollar, 'WARNING');
    // Assess
    expect(byDefault).toMatchObject({ result: 'OK', diagnostics: [] });
    expect(errorsOnly).toMatchObject({ result: 'OK', diagnostics: [] });
    expect(withWarnings.result).toBe('OK');
    expect(withWarnings.diagnostics).toEqual([
      expect.objectContaining({
        severity: 'WARNING',
        code: 'NO_DOLLAR',
        location: '/States/P/Parameters/id',
      }),
    ]);
  });

  it('warns of a Pass Result with .$ keys with PASS_RESULT_IS_STATIC', async () => {
    // Act
    const output = await validateDefinition(
      { StartAt: 'P', States: { P: { Type: 'Pass', Result: { 'a.$': '$.a' }, End: true } } },
      'WARNING',
    );
    // Assess
    expect(output.result).toBe('OK');
    expect(codes(output)).toEqual(['WARNING PASS_RESULT_IS_STATIC']);
  });

  it('fails a definition nested deeper than the local limit with one diagnostic, not an InternalFailure', async () => {
    for (const [field, levels] of [
      ['Parameters', 5_000],
      ['Result', 10_000],
      ['Result', 100_000],
    ] as const) {
      // Act
      const value = `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
      const output = await validateDefinition(
        `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"${field}":${value}}}}`,
      );
      // Assess
      expect(output.result, `${field} ${levels}`).toBe('FAIL');
      expect(output.diagnostics, `${field} ${levels}`).toEqual([
        expect.objectContaining({
          severity: 'ERROR',
          code: 'SCHEMA_VALIDATION_FAILED',
          message: expect.stringContaining('more than 1000 levels deep'),
          location: expect.stringMatching(new RegExp(`^/States/P/${field}(/a){997}$`)),
        }),
      ]);
    }
  });

  it('passes a JSONata definition, and fails one whose expression does not parse, at its field', async () => {
    // Act
    const valid = await validateDefinition({
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: '{% $states.input %}', End: true } },
    });
    const invalid = await validateDefinition({
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: { P: { Type: 'Pass', Output: { total: '{% $sum($states.input.xs %}' }, End: true } },
    });
    // Assess
    expect(valid).toMatchObject({ result: 'OK', diagnostics: [] });
    expect(invalid.result).toBe('FAIL');
    expect(invalid.diagnostics).toEqual([
      expect.objectContaining({
        code: 'INVALID_JSONATA_EXPRESSION',
        message: 'Expected ")" before end of expression',
        location: '/States/P/Output/total',
      }),
    ]);
  });
});
