import { describe, expect, it } from 'vitest';
import { StatesError } from '#local/asl/errors.ts';
import { invokeLambdaIntegration } from '#local/asl/integrations/lambda.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';

const CONTEXT = { executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e' };
const NOW = Date.UTC(2026, 11, 1, 9, 30);

/** A registry whose `record` function keeps every event and request id it is invoked with. */
function recordingRegistry() {
  const calls: { event: unknown; requestId?: string }[] = [];
  const registry = new MapLambdaRegistry({
    record: (event, context) => {
      calls.push({ event, requestId: context.requestId });
      return { seen: event };
    },
    fail: () => {
      throw new TypeError('boom');
    },
  });
  return { registry, calls };
}

async function statesErrorOf(promise: Promise<unknown>): Promise<StatesError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(StatesError);
  return error as StatesError;
}

describe('lambda:invoke', () => {
  it('answers a synchronous invocation with the keys, headers and request id AWS records, the function seeing that id', async () => {
    // Prepare
    const { registry, calls } = recordingRegistry();
    // Act
    const response = await invokeLambdaIntegration(
      registry,
      { FunctionName: 'record', Payload: { a: 1 } },
      CONTEXT,
      NOW,
    );
    // Assess
    const requestId = calls[0]?.requestId;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Object.keys(response)).toEqual([
      'ExecutedVersion',
      'Payload',
      'SdkHttpMetadata',
      'SdkResponseMetadata',
      'StatusCode',
    ]);
    expect(response).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { seen: { a: 1 } },
      SdkHttpMetadata: {
        AllHttpHeaders: {
          'X-Amz-Executed-Version': ['$LATEST'],
          'x-amzn-Remapped-Content-Length': ['0'],
          Connection: ['keep-alive'],
          'x-amzn-RequestId': [requestId],
          'Content-Length': ['16'],
          Date: ['Tue, 01 Dec 2026 09:30:00 GMT'],
          'X-Amzn-Trace-Id': [expect.stringMatching(/^root=1-[0-9a-f]{8}-[0-9a-f]{24};sampled=0$/)],
          'Content-Type': ['application/json'],
        },
        HttpHeaders: {
          Connection: 'keep-alive',
          'Content-Length': '16',
          'Content-Type': 'application/json',
          Date: 'Tue, 01 Dec 2026 09:30:00 GMT',
          'X-Amz-Executed-Version': '$LATEST',
          'x-amzn-Remapped-Content-Length': '0',
          'x-amzn-RequestId': requestId,
          'X-Amzn-Trace-Id': expect.stringMatching(/^root=1-/),
        },
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: requestId },
      StatusCode: 200,
    });
  });

  it('reports the version a qualifier names as the one executed, and $LATEST for an alias or none', async () => {
    // Prepare
    const { registry } = recordingRegistry();
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:record';
    const executed = async (FunctionName: string) => {
      const response = await invokeLambdaIntegration(registry, { FunctionName }, CONTEXT, NOW);
      const { HttpHeaders } = response.SdkHttpMetadata as { HttpHeaders: Record<string, string> };
      return [response.ExecutedVersion, HttpHeaders['X-Amz-Executed-Version']];
    };
    // Act
    const versions = await Promise.all(
      [`${arn}:7`, 'record:12', `${arn}:live`, `${arn}:$LATEST`, arn].map(executed),
    );
    // Assess
    expect(versions).toEqual([
      ['7', '7'],
      ['12', '12'],
      ['$LATEST', '$LATEST'],
      ['$LATEST', '$LATEST'],
      ['$LATEST', '$LATEST'],
    ]);
  });

  it('starts an Event invocation without waiting for it (202, no payload), its failure failing nothing', async () => {
    // Prepare
    const { registry, calls } = recordingRegistry();
    // Act
    const event = await invokeLambdaIntegration(
      registry,
      { FunctionName: 'record', InvocationType: 'Event', Payload: '{"b":2}' },
      CONTEXT,
      NOW,
    );
    const failing = await invokeLambdaIntegration(
      registry,
      { FunctionName: 'fail', InvocationType: 'Event' },
      CONTEXT,
      NOW,
    );
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect(event).toMatchObject({ StatusCode: 202, Payload: '' });
    expect(event).not.toHaveProperty('ExecutedVersion');
    expect(failing).toMatchObject({ StatusCode: 202, Payload: '' });
    expect(calls.map((call) => call.event)).toEqual([{ b: 2 }]);
  });

  it('invokes nothing on a DryRun (204), but still refuses an unknown function', async () => {
    // Prepare
    const { registry, calls } = recordingRegistry();
    // Act
    const dryRun = await invokeLambdaIntegration(
      registry,
      { FunctionName: 'record', InvocationType: 'DryRun' },
      CONTEXT,
      NOW,
    );
    const unknown = await statesErrorOf(
      invokeLambdaIntegration(registry, { FunctionName: 'nope', InvocationType: 'DryRun' }, CONTEXT, NOW),
    );
    // Assess
    expect(dryRun).toMatchObject({ StatusCode: 204, Payload: '', SdkHttpMetadata: { HttpStatusCode: 204 } });
    expect(calls).toEqual([]);
    expect(unknown.error).toBe('Lambda.ResourceNotFoundException');
  });

  it('fails an unknown InvocationType, naming the allowed ones, and a Payload string that is no JSON, invoking nothing', async () => {
    // Prepare
    const { registry, calls } = recordingRegistry();
    // Act
    const badType = await statesErrorOf(
      invokeLambdaIntegration(registry, { FunctionName: 'record', InvocationType: 'Async' }, CONTEXT, NOW),
    );
    const badPayload = await statesErrorOf(
      invokeLambdaIntegration(registry, { FunctionName: 'record', Payload: 'hello' }, CONTEXT, NOW),
    );
    // Assess
    expect(badType.error).toBe('Lambda.AWSLambdaException');
    expect(badType.causeText).toContain(
      "Value 'Async' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
    );
    expect(badPayload.error).toBe('Lambda.InvalidRequestContentException');
    expect(badPayload.causeText).toMatch(/^Could not parse request body into json: /);
    expect(calls).toEqual([]);
  });
});
