import type { CallContext } from '../activity-api.ts';
import { setMember } from '../asl/expressions/json-values.ts';
import { ApiRequestError } from './errors.ts';
import { OPERATIONS } from './operations.ts';
import { describeValidationIssues } from './request-validation.ts';

const TARGET_PREFIX = 'AWSStepFunctions.';

/** Any object with the service's operation methods (`LocalStepFunctions`). */
export type StepFunctionsService = object;

function parseRequest(body: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new ApiRequestError(
      'SerializationException',
      `Request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ApiRequestError('SerializationException', 'Request body must be a JSON object');
  }
  return withoutNullMembers(parsed as Record<string, unknown>);
}

/** How deep the API's request structures nest: deeper values are no structure's members, and are left as they are. */
const STRUCTURE_DEPTH = 8;

/**
 * `request` without its members set to null, in nested structures (and lists' objects) too: a null member
 * is absent, as in AWS's JSON protocol, so an optional one is left out and a required one missing.
 */
function withoutNullMembers(request: Record<string, unknown>, depth = 0): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === null) continue;
    setMember(kept, key, depth < STRUCTURE_DEPTH ? withoutNulls(value, depth + 1) : value);
  }
  return kept;
}

function withoutNulls(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) {
    return depth < STRUCTURE_DEPTH ? value.map((item) => withoutNulls(item, depth + 1)) : value;
  }
  if (value !== null && typeof value === 'object') {
    return withoutNullMembers(value as Record<string, unknown>, depth);
  }
  return value;
}

function operationMethod(service: StepFunctionsService, target: string | undefined) {
  const operation = target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
  const spec = operation === undefined ? undefined : OPERATIONS[operation];
  const method = spec && (service as Record<string, unknown>)[spec.method];
  if (!spec || typeof method !== 'function') {
    const shown = target === undefined ? 'missing X-Amz-Target header' : `"${target}"`;
    throw new ApiRequestError(
      'UnknownOperationException',
      `Unknown operation (${shown}); supported: ${Object.keys(OPERATIONS)
        .map((name) => TARGET_PREFIX + name)
        .join(', ')}`,
    );
  }
  return { spec, method: method as (input: unknown, context: CallContext) => Promise<unknown> };
}

/**
 * Serves one AWS JSON 1.0 call: resolves `X-Amz-Target`, parses and shape-checks the body, and calls the
 * service method with it and `context` (whose signal a long poll, GetActivityTask, ends on). `traceId`, the
 * `X-Amzn-Trace-Id` header, is the `traceHeader` of an operation that takes one from HTTP, unless empty. Throws
 * `ApiRequestError` for a bad request; returns the operation's output.
 *
 * @example
 * const output = await callStepFunctionsApi(service, 'AWSStepFunctions.ListStateMachines', '{}');
 */
export async function callStepFunctionsApi(
  service: StepFunctionsService,
  target: string | undefined,
  body: string,
  traceId?: string,
  context: CallContext = {},
): Promise<unknown> {
  const { spec, method } = operationMethod(service, target);
  const request = parseRequest(body);
  if (spec.traceHeaderFromHttp && traceId) request.traceHeader = traceId; // an empty header is none
  const checked = spec.request.safeParse(request);
  if (!checked.success) {
    throw new ApiRequestError('ValidationException', describeValidationIssues(checked.error.issues, request));
  }
  return await method.call(service, checked.data, context);
}
