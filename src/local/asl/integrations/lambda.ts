import { randomBytes, randomUUID } from 'node:crypto';
import {
  executedLambdaVersion,
  type LambdaInvocationContext,
  type LambdaRegistry,
} from '../../lambda-registry.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { deeperThan, MAX_JSON_DEPTH } from '../expressions/json-values.ts';
import { copyJson } from '../jsonpath.ts';
import { sdkHttpMetadata } from './sdk-http-metadata.ts';

/**
 * Invokes an in-process Lambda function with a copy of `payload`, and answers a copy of its result (the
 * interpreter never changes a value in place, and relies on task code not to). A thrown error becomes a
 * StatesError named after the error (`error.name`) with Lambda's cause JSON
 * `{ errorMessage, errorType, requestId, stackTrace }`; `Lambda.ResourceNotFoundException` for an unknown
 * function; a result nested deeper than {@link MAX_JSON_DEPTH} levels fails with `States.Runtime`. The
 * invocation gets `context.requestId`, or a new one.
 */
export async function invokeLambda(
  lambdas: LambdaRegistry,
  functionName: string,
  payload: unknown,
  context: LambdaInvocationContext,
): Promise<unknown> {
  const invocation = { ...context, requestId: context.requestId ?? randomUUID() };
  try {
    // Copies both ways: a function may change its event, or keep and later change what it returned.
    const result = await lambdas.invoke(functionName, copyJson(payload), invocation);
    if (result === undefined) return null;
    refuseDeepResult(result, functionName);
    return copyJson(result);
  } catch (thrown) {
    throw lambdaError(thrown, functionName, invocation);
  }
}

/**
 * Refuses a function's result nested deeper than the runtime takes (`States.Runtime`): the interpreter copies
 * and serializes values recursively, so a much deeper one would overflow the stack.
 */
function refuseDeepResult(result: unknown, functionName: string): void {
  const at = deeperThan(result, MAX_JSON_DEPTH);
  if (at === undefined) return;
  throw new StatesError(
    STATES_ERRORS.Runtime,
    `the result of ${functionName} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the nesting depth limit of the local runtime (at ${at.length > 60 ? `${at.slice(0, 60)}...` : at})`,
  );
}

/** A Lambda function's thrown value as the StatesError Step Functions reports. */
function lambdaError(
  thrown: unknown,
  functionName: string,
  invocation: { executionArn: string; requestId: string },
): StatesError {
  if (thrown instanceof StatesError) return thrown;
  if (thrown instanceof Error && thrown.name === 'Lambda.ResourceNotFoundException') {
    return functionNotFound(functionName, invocation);
  }
  const errorType = thrown instanceof Error ? thrown.name || 'Error' : 'Error';
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  const stackTrace =
    thrown instanceof Error && thrown.stack
      ? thrown.stack
          .split('\n')
          .slice(1)
          .map((line) => line.trim())
      : [];
  const { requestId } = invocation;
  return new StatesError(errorType, JSON.stringify({ errorMessage, errorType, requestId, stackTrace }), {
    cause: thrown,
  });
}

/**
 * Lambda's `ResourceNotFoundException` for an unknown function, naming its ARN (a name or partial ARN is
 * completed with the execution's region and account), as AWS records it (LocalStack's AWS-recorded
 * `test_no_such_function`).
 */
function functionNotFound(
  functionName: string,
  invocation: { executionArn: string; requestId: string },
): StatesError {
  const arn = functionArnOf(functionName, invocation.executionArn);
  return lambdaServiceError(
    'Lambda.ResourceNotFoundException',
    { status: 404, code: 'ResourceNotFoundException', requestId: invocation.requestId },
    `Function not found: ${arn}`,
  );
}

/**
 * The ARN of `functionName` (a name, `name:qualifier`, a partial ARN `account:function:name` or an ARN),
 * in the partition, region and account of `executionArn` where the name leaves them out.
 *
 * @example
 * functionArnOf('check', 'arn:aws:states:eu-west-1:123456789012:execution:m:e');
 * // 'arn:aws:lambda:eu-west-1:123456789012:function:check'
 */
function functionArnOf(functionName: string, executionArn: string): string {
  if (functionName.startsWith('arn:')) return functionName;
  const [, partition, , region, account] = executionArn.split(':');
  const parts = functionName.split(':');
  const partial = parts[1] === 'function';
  const owner = partial ? parts[0] : account;
  const name = partial ? parts.slice(2).join(':') : functionName;
  return `arn:${partition}:lambda:${region}:${owner}:function:${name}`;
}

/**
 * An error of Lambda's API as Step Functions reports it: `message`, then the service, HTTP status, error
 * code and request id of the call.
 */
function lambdaServiceError(
  error: string,
  call: { status: number; code: string; requestId: string },
  message: string,
): StatesError {
  return new StatesError(
    error,
    `${message} (Service: AWSLambda; Status Code: ${call.status}; Error Code: ${call.code}; ` +
      `Request ID: ${call.requestId}; Proxy: null)`,
  );
}

/** Lambda's invocation types, as its Invoke API lists them. */
const INVOCATION_TYPES = ['Event', 'RequestResponse', 'DryRun'] as const;
type InvocationType = (typeof INVOCATION_TYPES)[number];
/** The HTTP status of Lambda's answer to each invocation type. */
const INVOCATION_STATUS: Readonly<Record<InvocationType, number>> = {
  RequestResponse: 200,
  Event: 202,
  DryRun: 204,
};

/**
 * The `lambda:invoke` integration: Lambda's Invoke with `Parameters.FunctionName`, `Payload` and
 * `InvocationType`, answered as Step Functions answers it (see {@link lambdaInvokeResponse}). A `Payload`
 * string is the request body itself, so it is parsed as JSON (`"null"` is the event `null`); no `Payload`,
 * or `null`, is the event `{}`. `Event` starts the function without waiting for it (its error is logged,
 * not retried), `DryRun` only checks that it exists.
 */
export async function invokeLambdaIntegration(
  lambdas: LambdaRegistry,
  parameters: unknown,
  context: LambdaInvocationContext,
  now: number,
): Promise<Record<string, unknown>> {
  const {
    FunctionName,
    Payload,
    InvocationType = 'RequestResponse',
  } = (parameters ?? {}) as Record<string, unknown>;
  if (typeof FunctionName !== 'string') {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      'lambda:invoke needs Parameters.FunctionName (a function name or ARN)',
    );
  }
  const requestId = randomUUID();
  const invocation = { ...context, requestId };
  const type = invocationTypeOf(InvocationType, requestId);
  const event = eventOf(Payload, requestId);
  if (type === 'RequestResponse') {
    const result = await invokeLambda(lambdas, FunctionName, event, invocation);
    const executedVersion = executedLambdaVersion(FunctionName);
    return lambdaInvokeResponse(result, { status: 200, requestId, now, executedVersion });
  }
  if (!lambdas.has(FunctionName)) throw functionNotFound(FunctionName, invocation);
  if (type === 'Event') {
    invokeLambda(lambdas, FunctionName, event, invocation).catch((error: StatesError) => {
      process.stderr.write(
        `[cutover] ${FunctionName}: asynchronous invocation ${requestId} failed: ${error.error}: ${error.causeText}\n`,
      );
    });
  }
  return lambdaInvokeResponse('', { status: INVOCATION_STATUS[type], requestId, now });
}

function invocationTypeOf(value: unknown, requestId: string): InvocationType {
  if ((INVOCATION_TYPES as readonly unknown[]).includes(value)) return value as InvocationType;
  throw lambdaServiceError(
    'Lambda.AWSLambdaException',
    { status: 400, code: 'ValidationException', requestId },
    `1 validation error detected: Value '${String(value)}' at 'invocationType' failed to satisfy constraint: ` +
      `Member must satisfy enum value set: [${INVOCATION_TYPES.join(', ')}]`,
  );
}

/** The function's event: a string Payload is the request body as is, which Lambda parses as JSON. */
function eventOf(payload: unknown, requestId: string): unknown {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== 'string') return payload;
  try {
    return JSON.parse(payload);
  } catch (error) {
    throw lambdaServiceError(
      'Lambda.InvalidRequestContentException',
      { status: 400, code: 'InvalidRequestContentException', requestId },
      `Could not parse request body into json: ${(error as Error).message}`,
    );
  }
}

/**
 * The `lambda:invoke` integration's result: Lambda's Invoke response around the function's result, its
 * keys and headers as AWS records them (`ExecutedVersion` and its header, the version that ran, for a
 * synchronous invocation only;
 * `Payload` `""` for `Event` and `DryRun`, whose answers have no body).
 */
function lambdaInvokeResponse(
  payload: unknown,
  {
    status,
    requestId,
    now,
    executedVersion,
  }: { status: number; requestId: string; now: number; executedVersion?: string },
): Record<string, unknown> {
  const synchronous = status === 200;
  // In the order Lambda sends them (AllHttpHeaders keeps it).
  const headers: [string, string][] = [
    ...(executedVersion === undefined
      ? []
      : [['X-Amz-Executed-Version', executedVersion] as [string, string]]),
    ['x-amzn-Remapped-Content-Length', '0'],
    ['Connection', 'keep-alive'],
    ['x-amzn-RequestId', requestId],
    ['Content-Length', String(synchronous ? Buffer.byteLength(JSON.stringify(payload)) : 0)],
    ['Date', new Date(now).toUTCString()],
    ['X-Amzn-Trace-Id', traceIdAt(now)],
    ['Content-Type', 'application/json'],
  ];
  return {
    ...(executedVersion !== undefined && { ExecutedVersion: executedVersion }),
    Payload: payload,
    SdkHttpMetadata: sdkHttpMetadata(headers, status),
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: status,
  };
}

/** An X-Ray trace id as Lambda's answers carry it: `root=1-<epoch seconds, hex>-<96 random bits, hex>;sampled=0`. */
function traceIdAt(now: number): string {
  return `root=1-${Math.floor(now / 1000).toString(16)}-${randomBytes(12).toString('hex')};sampled=0`;
}
