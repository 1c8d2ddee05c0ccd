/** Argument checks and wire shapes of the local Step Functions service. */
import { createHash } from 'node:crypto';
import type {
  EncryptionConfiguration,
  HistoryEvent,
  LogDestination,
  LoggingConfiguration,
  TracingConfiguration,
} from '@aws-sdk/client-sfn';
import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import { deeperThan, MAX_JSON_DEPTH } from './asl/expressions/json-values.ts';
import { jsonSyntaxError } from './asl/json-syntax-error.ts';
import { NOT_TRUNCATED } from './asl/pending-events.ts';
import type { DefinitionDiagnostic } from './asl/validate.ts';
import { StepFunctionsApiError, type StepFunctionsErrorCode } from './service-errors.ts';
import {
  DEFAULT_ENCRYPTION_CONFIGURATION,
  DEFAULT_TRACING_CONFIGURATION,
  type EventRow,
  type ExecutionRow,
} from './store.ts';

/**
 * What AWS forbids in names: whitespace, brackets, wildcards, special characters, control characters
 * (U+0000-001F, U+007F-009F, U+FFFE-FFFF), surrogates (U+D800-DFFF, here: one not part of a pair) and
 * U+10FFFF.
 */
const FORBIDDEN_NAME_CHARACTERS =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: AWS forbids control characters in names
  /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f\uFFFE\uFFFF\uD800-\uDFFF\u{10FFFF}]/u;

/** The longest name of a state machine or execution, in UTF-16 code units as AWS's API model counts (an emoji takes two). */
export const NAME_MAX_LENGTH = 80;

/**
 * A state machine or execution name: 1 to {@link NAME_MAX_LENGTH} UTF-16 code units, none of
 * {@link FORBIDDEN_NAME_CHARACTERS}.
 */
export function validateName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > NAME_MAX_LENGTH) {
    const got = typeof name === 'string' ? `${name.length}: ${JSON.stringify(name)}` : JSON.stringify(name);
    throw new StepFunctionsApiError(
      'InvalidName',
      `${field} must be 1-${NAME_MAX_LENGTH} UTF-16 code units long (got ${got})`,
    );
  }
  const bad = FORBIDDEN_NAME_CHARACTERS.exec(name);
  if (bad) {
    throw new StepFunctionsApiError(
      'InvalidName',
      // AWS's words first ("Invalid Name: '<name>'", as recorded), then which rule the name breaks.
      `Invalid Name: '${name}': ${field} must not contain whitespace, brackets, wildcards, control characters, U+FFFE, U+FFFF, unpaired surrogates, U+10FFFF or " # % \\ ^ | ~ \` $ & , ; : / (it contains ${shownCharacter(bad[0])})`,
    );
  }
  return name;
}

/** A character of a message: quoted when visible or a space, else its code point (`U+007F`), which no terminal hides. */
function shownCharacter(character: string): string {
  if (/^[!-~ ]$/.test(character)) return JSON.stringify(character);
  return `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

const ARN_PATTERNS = {
  // The name may be qualified by a Distributed Map label (`name/label`, `name/outer/inner` for a nested one),
  // a version or an alias (`name:1`).
  stateMachine:
    /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:/\s]{1,80}((\/[^:/\s]{1,80})+|:[^:/\s]{1,80})?$/,
  // An Express execution StartSyncExecution ran has an id after its name.
  // A Map Run's child execution names its Map Run's labelled state machine (`machine/label`).
  execution:
    /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(execution:[^:/\s]{1,80}(\/[^:/\s]{1,80})*:[^:\s]{1,80}|express:[^:\s]{1,80}:[^:\s]{1,80}(:[^:\s]{1,80})?)$/,
  mapRun: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:mapRun:[^:/\s]{1,80}(\/[^:/\s]{1,80})+:[^:\s]{1,80}$/,
  activity: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:[^:/\s]{1,80}$/,
};

/** Whether `arn` is an Express execution's ARN (`...:express:<machine>:<name>:<id>`). */
export function isExpressExecutionArn(arn: unknown): boolean {
  return isArn(arn, 'execution') && arn.split(':')[5] === 'express';
}

/** Whether `arn` has the shape of a `resource` ARN. */
export function isArn(arn: unknown, resource: keyof typeof ARN_PATTERNS): arn is string {
  return typeof arn === 'string' && ARN_PATTERNS[resource].test(arn);
}

/** An ARN of each kind, as the errors of {@link parseArn} show it. */
const ARN_EXAMPLES: Record<keyof typeof ARN_PATTERNS, string> = {
  stateMachine: 'arn:aws:states:us-east-1:000000000000:stateMachine:name',
  execution: 'arn:aws:states:us-east-1:000000000000:execution:machine:name',
  activity: 'arn:aws:states:us-east-1:000000000000:activity:name',
  mapRun: 'arn:aws:states:us-east-1:000000000000:mapRun:machine/label:id',
};

/**
 * AWS's `InvalidArn` for a value that does not start as an ARN does (`arn:`), as recorded:
 * `Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'`; undefined for one that does.
 */
export function invalidArnPrefix(arn: unknown): StepFunctionsApiError | undefined {
  if (typeof arn !== 'string' || arn.startsWith('arn:')) return undefined;
  return new StepFunctionsApiError('InvalidArn', `Invalid Arn: 'Invalid ARN prefix: ${arn}'`);
}

/**
 * Checks an ARN's shape (`arn:aws:states:<region>:<account>:<resource>:...`); `InvalidArn` otherwise, in
 * AWS's words for a value without the `arn:` prefix.
 */
export function parseArn(arn: unknown, field: string, resource: keyof typeof ARN_PATTERNS): string {
  if (!isArn(arn, resource)) {
    const prefix = invalidArnPrefix(arn);
    if (prefix) throw prefix;
    throw new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: ${field} must look like ${ARN_EXAMPLES[resource]} (got ${JSON.stringify(arn)})`,
    );
  }
  return arn;
}

/**
 * What qualifies a well-formed state machine ARN: `label` for a Distributed Map state (`name/label`),
 * `version or alias` for `name:1` or `name:PROD`, undefined for an unqualified ARN.
 */
export function arnQualifier(stateMachineArn: string): 'label' | 'version or alias' | undefined {
  const qualifier = /:stateMachine:[^:/]+([/:])/.exec(stateMachineArn)?.[1];
  if (qualifier === undefined) return undefined;
  return qualifier === '/' ? 'label' : 'version or alias';
}

/** State machine types (CreateStateMachine, ValidateStateMachineDefinition). */
export const STATE_MACHINE_TYPES = ['STANDARD', 'EXPRESS'] as const;
/** `includedData` of DescribeStateMachine, DescribeStateMachineForExecution and DescribeExecution. */
export const INCLUDED_DATA = ['ALL_DATA', 'METADATA_ONLY'] as const;
/** ValidateStateMachineDefinition's `severity`: the least severe diagnostics to return. */
export const DIAGNOSTIC_SEVERITIES = ['ERROR', 'WARNING'] as const;
/** Execution statuses (ListExecutions' `statusFilter`), in the order AWS lists them when it refuses another. */
export const EXECUTION_STATUSES = [
  'SUCCEEDED',
  'TIMED_OUT',
  'PENDING_REDRIVE',
  'ABORTED',
  'FAILED',
  'RUNNING',
] as const;
/** ListExecutions' `redriveFilter`. */
export const REDRIVE_FILTERS = ['REDRIVEN', 'NOT_REDRIVEN'] as const;

/** Log levels of a state machine's `loggingConfiguration`. */
export const LOG_LEVELS = ['ALL', 'ERROR', 'FATAL', 'OFF'] as const;
/** A CloudWatch Logs log group ARN ending with `:*`, as a log destination must be. */
const LOG_GROUP_ARN = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w.\-/#]{1,512}:\*$/;

function invalidLogging(reason: string): StepFunctionsApiError {
  return new StepFunctionsApiError('InvalidLoggingConfiguration', `Invalid Logging Configuration: ${reason}`);
}

/** One log destination, with only what AWS keeps of it; `InvalidLoggingConfiguration` for a bad log group. */
function logDestination(destination: LogDestination | undefined): LogDestination {
  const logGroupArn = destination?.cloudWatchLogsLogGroup?.logGroupArn;
  if (typeof logGroupArn !== 'string' || !LOG_GROUP_ARN.test(logGroupArn)) {
    throw invalidLogging(
      `logGroupArn must be a CloudWatch Logs log group ARN ending with :* (arn:aws:logs:<region>:<account>:log-group:<name>:*), got ${JSON.stringify(logGroupArn)}`,
    );
  }
  return { cloudWatchLogsLogGroup: { logGroupArn } };
}

/**
 * A `loggingConfiguration` as AWS keeps and answers it, as JSON: `level` OFF and `includeExecutionData`
 * false unless given, and its destination. `InvalidLoggingConfiguration` for more than one destination,
 * none with a level other than OFF, or a log group ARN that does not end with `:*`.
 */
export function loggingConfigurationJson(logging: LoggingConfiguration | undefined): string {
  const level = validateOneOf(logging?.level ?? 'OFF', 'loggingConfiguration.level', LOG_LEVELS);
  const destinations = logging?.destinations ?? [];
  if (destinations.length > 1 || (level !== 'OFF' && destinations.length === 0)) {
    throw invalidLogging('Must specify exactly one Log Destination.');
  }
  return JSON.stringify({
    level,
    includeExecutionData: logging?.includeExecutionData === true,
    // Destinations given (even none) are answered, as AWS answers them.
    ...(logging?.destinations === undefined ? {} : { destinations: destinations.map(logDestination) }),
  });
}

/** A `tracingConfiguration` as JSON (disabled when none is given); `InvalidTracingConfiguration` when `enabled` is not set. */
export function tracingConfigurationJson(tracing: TracingConfiguration | undefined): string {
  if (tracing === undefined) return DEFAULT_TRACING_CONFIGURATION;
  if (typeof tracing.enabled !== 'boolean') {
    throw new StepFunctionsApiError(
      'InvalidTracingConfiguration',
      'Invalid Tracing Configuration: enabled must be set to true or false',
    );
  }
  return JSON.stringify({ enabled: tracing.enabled });
}

/**
 * An `encryptionConfiguration` as kept and answered, as JSON: an AWS owned key when none is given.
 * `InvalidEncryptionConfiguration` for a customer managed key without `kmsKeyId`, as AWS refuses it.
 * (Nothing is encrypted locally: the configuration is recorded, not acted upon.)
 */
export function encryptionConfigurationJson(encryption: EncryptionConfiguration | undefined): string {
  if (encryption === undefined) return DEFAULT_ENCRYPTION_CONFIGURATION;
  const { type, kmsKeyId, kmsDataKeyReusePeriodSeconds } = encryption;
  if (type === 'CUSTOMER_MANAGED_KMS_KEY' && !kmsKeyId) {
    throw new StepFunctionsApiError(
      'InvalidEncryptionConfiguration',
      'Invalid Encryption Configuration: kmsKeyId is required when type is CUSTOMER_MANAGED_KMS_KEY',
    );
  }
  return JSON.stringify({ type, kmsKeyId, kmsDataKeyReusePeriodSeconds });
}

/** The most tags a state machine may have (AWS's quota). */
const TAGS_PER_RESOURCE = 50;

/**
 * Refuses a resource `arn` that would have `count` tags, more than {@link TAGS_PER_RESOURCE}, `TooManyTags`,
 * as AWS does.
 */
export function refuseTooManyTags(arn: string, count: number): void {
  if (count <= TAGS_PER_RESOURCE) return;
  throw new StepFunctionsApiError(
    'TooManyTags',
    `Too many tags: a resource may have at most ${TAGS_PER_RESOURCE} tags, '${arn}' would have ${count}`,
  );
}

/** `value` when it is one of `allowed`; a `ValidationException` naming `field` and the allowed values otherwise. */
export function validateOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `${field} must be one of: ${allowed.join(', ')} (got ${JSON.stringify(value)})`,
    );
  }
  return value as T;
}

/**
 * AWS's `ValidationException` message for constraint violations, each detail worded
 * `Value ... at '<field>' failed to satisfy constraint: <constraint>`.
 */
export function validationErrorMessage(details: readonly string[]): string {
  return `${details.length} validation error${details.length === 1 ? '' : 's'} detected: ${details.join('; ')}`;
}

/**
 * A JSON document (execution input, task output) of at most 256 KiB in UTF-8: a `ValidationException`
 * when it is longer, as AWS answers a length constraint, and `code` when it is not JSON or nests arrays
 * and objects deeper than {@link MAX_JSON_DEPTH}.
 */
export function validateInput(value: unknown, field: string, code: StepFunctionsErrorCode): string {
  if (typeof value !== 'string') throw new StepFunctionsApiError(code, `${field} must be a string of JSON`);
  if (exceedsPayloadLimit(value)) {
    throw new StepFunctionsApiError(
      'ValidationException',
      validationErrorMessage([
        `Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_LIMIT_BYTES}`,
      ]),
    );
  }
  // AWS's answer to an empty execution input (recorded), which says nothing of JSON.
  const reason =
    code === 'InvalidExecutionInput' && value.trim() === '' ? 'Invalid execution input.' : jsonProblem(value);
  if (reason !== undefined) {
    throw new StepFunctionsApiError(
      code,
      code === 'InvalidExecutionInput'
        ? `Invalid State Machine Execution Input: '${reason}'`
        : `Invalid ${field}: ${reason}`,
    );
  }
  return value;
}

/**
 * Why the runtime cannot take the JSON text `json`, or undefined: a syntax error in the words of Jackson, the
 * parser AWS reads it with (`Unrecognized token 'not': was expecting ...`, recorded), or nesting too deep.
 */
function jsonProblem(json: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    // AWS gives Jackson's message without its location (`\n at [Source: ...]`).
    const jackson = jsonSyntaxError(json)?.message;
    return jackson === undefined ? (error as Error).message : jackson.slice(0, jackson.lastIndexOf('\n at '));
  }
  return deeperThan(value, MAX_JSON_DEPTH) === undefined
    ? undefined
    : `arrays and objects nest more than ${MAX_JSON_DEPTH} levels deep, the nesting depth limit of the local runtime`;
}

/** The most characters of a task token: AWS's API model bounds `taskToken` to 1-2048. */
export const TASK_TOKEN_MAX_LENGTH = 2048;

/**
 * A task token of 1 to {@link TASK_TOKEN_MAX_LENGTH} characters; otherwise a `ValidationException` worded
 * as AWS words a field's constraint (the token, a sensitive field, is not repeated).
 */
export function validateTaskTokenLength(token: unknown): string {
  const constraint = taskTokenConstraint(token);
  if (constraint === undefined) return token as string;
  const value = token === undefined || token === null ? 'Value null' : 'Value';
  throw new StepFunctionsApiError(
    'ValidationException',
    validationErrorMessage([`${value} at 'taskToken' failed to satisfy constraint: ${constraint}`]),
  );
}

function taskTokenConstraint(token: unknown): string | undefined {
  if (token === undefined || token === null) return 'Member must not be null';
  if (typeof token !== 'string') return 'Member must be of type string';
  if (token.length < 1) return 'Member must have length greater than or equal to 1';
  if (token.length > TASK_TOKEN_MAX_LENGTH) {
    return `Member must have length less than or equal to ${TASK_TOKEN_MAX_LENGTH}`;
  }
  return undefined;
}

/** `maxResults`: absent or 0 means 100; otherwise 1 to `max`. */
export function pageSize(maxResults: number | undefined, max: number): number {
  if (maxResults === undefined || maxResults === 0) return 100;
  if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > max) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `maxResults must be an integer from 0 to ${max} (got ${maxResults})`,
    );
  }
  return maxResults;
}

/** A short digest of a paged request: its operation and the arguments that select what it lists. */
function requestDigest(request: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 22);
}

/** How long a pagination token serves after it is issued: 24 hours, as on AWS. */
const PAGE_TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;

/**
 * An opaque pagination token, issued at `now` (epoch milliseconds), for `position` in what `request` lists:
 * the operation name, then the arguments that select the items (not `maxResults`). {@link pagePosition}
 * takes it for that request only, for 24 hours.
 *
 * @example
 * encodePageToken(42, ['ListExecutions', stateMachineArn, statusFilter ?? null, redriveFilter ?? null], clock.now());
 */
export function encodePageToken(position: string | number, request: readonly unknown[], now: number): string {
  const token = { p: position, o: request[0], r: requestDigest(request), t: now };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/**
 * Where a page of `request` starts: `first` without a token, else the position in a token that
 * {@link encodePageToken} made for the same request at most 24 hours before `now`. `InvalidToken`
 * otherwise: AWS asks to keep all other arguments unchanged when passing a `nextToken`, and expires it
 * after 24 hours.
 */
export function pagePosition<T extends string | number>(
  token: string | undefined,
  request: readonly unknown[],
  first: T,
  now: number,
): T {
  if (token === undefined) return first;
  // p: the position; o: the operation that issued the token; r: its request's digest; t: when it issued it
  let decoded: { p?: unknown; o?: unknown; r?: unknown; t?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    // not a token of this service: refused below
  }
  if (typeof decoded?.o === 'string' && decoded.o !== request[0]) {
    throw new StepFunctionsApiError(
      'InvalidToken',
      `Invalid Token: the nextToken was issued by ${decoded.o}, not ${request[0]}: pass it to the operation that returned it`,
    );
  }
  if (
    typeof decoded?.p !== typeof first ||
    typeof decoded?.r !== 'string' ||
    typeof decoded?.t !== 'number'
  ) {
    throw new StepFunctionsApiError(
      'InvalidToken',
      `Invalid Token: ${JSON.stringify(token)} is not a nextToken this service issued`,
    );
  }
  if (decoded.r !== requestDigest(request)) {
    throw new StepFunctionsApiError(
      'InvalidToken',
      `Invalid Token: the nextToken was issued for a ${request[0]} request with other arguments: keep all other arguments unchanged`,
    );
  }
  if (now - decoded.t > PAGE_TOKEN_LIFETIME_MS) {
    throw new StepFunctionsApiError(
      'InvalidToken',
      'Invalid Token: the nextToken has expired (a pagination token expires after 24 hours)',
    );
  }
  return decoded.p as T;
}

/** The `...EventDetails` member a history event type carries its details in. */
export function eventDetailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

/**
 * A stored event of `execution` (run with the role `roleArn`) as GetExecutionHistory returns it; without
 * `includeData`, the execution's data (inputs, outputs, task parameters, assigned variables) is left out.
 * ExecutionStarted gets its details from the execution.
 */
export function historyEvent(
  row: EventRow,
  includeData: boolean,
  execution: ExecutionRow,
  roleArn: () => string,
): HistoryEvent {
  const event: Record<string, unknown> = {
    timestamp: new Date(row.timestamp),
    type: row.type,
    id: row.id,
    previousEventId: row.previousEventId,
  };
  const details =
    row.details === null && row.type === 'ExecutionStarted'
      ? {
          input: execution.input,
          inputDetails: NOT_TRUNCATED,
          roleArn: roleArn(),
          ...startedWithArns(execution),
        }
      : row.details;
  if (details !== null) {
    const { input, output, parameters, assignedVariables, ...withoutData } = details;
    event[eventDetailsKey(row.type)] = includeData ? details : withoutData;
  }
  return event as unknown as HistoryEvent;
}

/**
 * The version and alias an execution was started with, as DescribeExecution, ListExecutions and its
 * ExecutionStarted event answer them (nothing for an execution started with the state machine's ARN).
 */
export function startedWithArns(execution: Pick<ExecutionRow, 'versionArn' | 'aliasArn'>): {
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
} {
  return {
    ...(execution.versionArn === null ? {} : { stateMachineVersionArn: execution.versionArn }),
    ...(execution.aliasArn === null ? {} : { stateMachineAliasArn: execution.aliasArn }),
  };
}

/**
 * AWS's answer to a definition with `errors`: InvalidDefinition, worded `CODE: message at /path, ...` and
 * quoted as a whole; a diagnostic without a location is `at null` there.
 */
export function invalidDefinition(errors: readonly DefinitionDiagnostic[]): StepFunctionsApiError {
  const summary = errors.map((d) => `${d.code}: ${d.message} at ${d.location ?? 'null'}`).join(', ');
  return new StepFunctionsApiError('InvalidDefinition', `Invalid State Machine Definition: '${summary}'`);
}

/**
 * One page of a list by ARN (ListStateMachines, ListActivities): `list(afterArn, limit)` reads the store,
 * `maxResults` (default 100, at most 1000) sizes the page, and a `nextToken` is made when more follow.
 *
 * @example
 * const { page, nextToken } = pageByArn('ListActivities', input, clock.now(), (after, n) => store.listActivities(after, n));
 */
export function pageByArn<T extends { arn: string }>(
  operation: string,
  input: { maxResults?: number; nextToken?: string },
  now: number,
  list: (afterArn: string, limit: number) => T[],
): { page: T[]; nextToken?: string } {
  const limit = pageSize(input.maxResults, 1000);
  const request = [operation];
  const rows = list(pagePosition(input.nextToken, request, '', now), limit + 1);
  const page = rows.slice(0, limit);
  return rows.length > limit
    ? { page, nextToken: encodePageToken(page.at(-1)!.arn, request, now) }
    : { page };
}
