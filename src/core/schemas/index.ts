import type * as z from 'zod';
import { ValidationError } from '../errors.ts';
import { oversizedRequestReason } from '../payload-limit.ts';
import { isStrategy, STRATEGIES, type Strategy } from '../strategies.ts';
import {
  admittedBlueGreenRequestSchema,
  type BlueGreenRequest,
  blueGreenRequestJsonSchema,
  blueGreenRequestSchema,
} from './blue-green.ts';
import {
  admittedCanaryRequestSchema,
  analysisWithoutSteps,
  type CanaryRequest,
  canaryRequestJsonSchema,
  canaryRequestSchema,
} from './canary.ts';
import { describeIssue, formatIssue, issuePath } from './issues.ts';
import {
  admittedRollingRequestSchema,
  type RollingRequest,
  rollingRequestJsonSchema,
  rollingRequestSchema,
} from './rolling.ts';

export { isStrategy, STRATEGIES, type Strategy } from '../strategies.ts';
export type { BlueGreenRequest } from './blue-green.ts';
export type { CanaryRequest, CanaryStep } from './canary.ts';
export type { ClusterConfig } from './cluster.ts';
export type { ApprovalTimeoutAction, DeploymentEventType, Hook, HookPhase } from './common.ts';
export { HOOK_PHASES } from './common.ts';
export type { MetricsConfig } from './metrics.ts';
export type { RollingRequest } from './rolling.ts';
export type { TrafficConfig } from './traffic.ts';

/** The normalized, defaulted request of each strategy. */
export interface RequestOf {
  canary: CanaryRequest;
  'blue-green': BlueGreenRequest;
  rolling: RollingRequest;
}
export type DeploymentRequest = RequestOf[Strategy];

/** The zod schema of each strategy's request, admission included: what starts a release. */
export const REQUEST_SCHEMAS = {
  canary: canaryRequestSchema,
  'blue-green': blueGreenRequestSchema,
  rolling: rollingRequestSchema,
} as const;

/** The zod schema each strategy's tasks read an admitted request with: {@link REQUEST_SCHEMAS} without admission. */
export const ADMITTED_REQUEST_SCHEMAS = {
  canary: admittedCanaryRequestSchema,
  'blue-green': admittedBlueGreenRequestSchema,
  rolling: admittedRollingRequestSchema,
} as const;

/** The JSON Schema of each strategy's request, for the API models, the CLI and the docs. */
export const REQUEST_JSON_SCHEMAS: Readonly<Record<Strategy, Record<string, unknown>>> = {
  canary: canaryRequestJsonSchema,
  'blue-green': blueGreenRequestJsonSchema,
  rolling: rollingRequestJsonSchema,
};

/** The strategy block of each request (`canary`, `blueGreen`, `rolling`). */
export const STRATEGY_BLOCKS: Readonly<Record<Strategy, string>> = {
  canary: 'canary',
  'blue-green': 'blueGreen',
  rolling: 'rolling',
};

/**
 * Admits a request: checks it against its strategy's schema, admission rules included (`admission.ts`), and
 * returns it normalized (defaults filled, canary steps expanded). Throws `ValidationError` naming every
 * bad field and the allowed values. For what starts a release: `cutover plan` and `run`, the release API,
 * the ValidateRequest task.
 *
 * @example
 * const request = validateRequest('canary', JSON.parse(body));
 * request.canary.steps; // [{ weight: 10, bakeSeconds: 300 }] for preset Canary10Percent5Minutes
 */
export function validateRequest<S extends Strategy>(strategy: S, input: unknown): RequestOf[S];
export function validateRequest(strategy: string, input: unknown): DeploymentRequest;
export function validateRequest(strategy: string, input: unknown): DeploymentRequest {
  // Read from the input: the defaults the schema fills in hide whether the request gave an analysis.
  const canary = strategy === 'canary' && typeof input === 'object' && input !== null && 'canary' in input;
  const problems = [
    oversizedRequestReason(input),
    canary ? analysisWithoutSteps(input.canary) : undefined,
  ].flatMap((problem) => (problem === undefined ? [] : [`\n  - ${problem}`]));
  const more = problems.join('');
  let request: DeploymentRequest;
  try {
    request = parseRequest(REQUEST_SCHEMAS, strategy, input);
  } catch (error) {
    // One answer names every bad field: the schema's, then these.
    throw error instanceof ValidationError && more ? new ValidationError(`${error.message}${more}`) : error;
  }
  if (more) throw new ValidationError(`invalid ${strategy} request:${more}`);
  return request;
}

/**
 * Reads the request of a release already admitted, as its tasks after ValidateRequest do: normalized as
 * {@link validateRequest} returns it, without the admission rules, which bind new requests only; so a
 * release an earlier version admitted still runs, rolls back and unlocks after an upgrade that made
 * admission stricter. Throws `ValidationError` as validateRequest does for anything else amiss.
 *
 * @example
 * const request = readAdmittedRequest('canary', event.request);
 */
export function readAdmittedRequest<S extends Strategy>(strategy: S, input: unknown): RequestOf[S];
export function readAdmittedRequest(strategy: string, input: unknown): DeploymentRequest;
export function readAdmittedRequest(strategy: string, input: unknown): DeploymentRequest {
  return parseRequest(ADMITTED_REQUEST_SCHEMAS, strategy, input);
}

function parseRequest(
  schemas: Readonly<Record<Strategy, z.ZodType<DeploymentRequest>>>,
  strategy: string,
  input: unknown,
): DeploymentRequest {
  if (!isStrategy(strategy)) {
    throw new ValidationError(
      `strategy: must be one of: ${STRATEGIES.join(', ')} (got ${JSON.stringify(strategy)})`,
    );
  }
  return parseWith(schemas[strategy], input, `${strategy} request${writtenFor(strategy, input)}`);
}

/** ` (written for canary: it has a canary block)` for a request written for another strategy; else empty. */
function writtenFor(strategy: Strategy, input: unknown): string {
  const written = detectStrategy(input);
  return written === undefined || written === strategy
    ? ''
    : ` (written for ${written}: it has a ${STRATEGY_BLOCKS[written]} block)`;
}

/**
 * A request that left out `release.replicas`, checked again with `replicas` (the live track's count, or
 * what a plan assumes): the rolling bounds depend on it. A `ValidationError` begins with `why` the count
 * was taken, then lists the problems.
 *
 * @example
 * validateWithReplicas('rolling', request, 4, 'release.replicas is not given, and the live track runs 4:');
 */
export function validateWithReplicas<S extends Strategy>(
  strategy: S,
  request: RequestOf[S],
  replicas: number,
  why: string,
): RequestOf[S] {
  try {
    // The request is normalized (an AllAtOnce canary's filled-in analysis is no analysis given): the schema only.
    const input = { ...request, release: { ...request.release, replicas } };
    return parseRequest(REQUEST_SCHEMAS, strategy, input) as RequestOf[S];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const problems = error.message.split('\n').slice(1).join('\n');
    throw new ValidationError(`${why}\n${problems}`, { cause: error });
  }
}

/**
 * Parses `input` with any schema, throwing `ValidationError` that lists every bad field of `what`.
 *
 * @example
 * const input = parseWith(z.object({ track: z.string() }), event, 'check-rollout input');
 */
export function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input, { reportInput: true, error: describeIssue });
  if (result.success) return result.data;
  // A value of the wrong type is said to be so, not also too short or too long (zod checks an array's
  // length on a string given in its place).
  const mistyped = new Set(
    result.error.issues
      .filter((issue) => issue.code === 'invalid_type')
      .map((issue) => issuePath(issue.path)),
  );
  const issues = result.error.issues.filter(
    (issue) =>
      !(issue.code === 'too_small' || issue.code === 'too_big') || !mistyped.has(issuePath(issue.path)),
  );
  // A number past 2^53 fails a field's integer and range checks with the same words: say it once.
  const lines = [...new Set(issues.map(formatIssue))];
  throw new ValidationError(`invalid ${what}:\n${lines.map((line) => `  - ${line}`).join('\n')}`);
}

/** The strategy a request is written for, from its strategy block; `undefined` when none or several. */
export function detectStrategy(input: unknown): Strategy | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const found = STRATEGIES.filter((strategy) => STRATEGY_BLOCKS[strategy] in input);
  return found.length === 1 ? found[0] : undefined;
}
