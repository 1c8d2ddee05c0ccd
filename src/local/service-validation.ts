/** Argument checks and wire shapes of the local Step Functions service. */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { exceedsPayloadLimit, NOT_TRUNCATED, PAYLOAD_LIMIT_BYTES } from './asl/state-run.ts';
import { StepFunctionsApiError, type StepFunctionsErrorCode } from './service-errors.ts';
import type { EventRow, ExecutionRow } from './store.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS forbids control characters in names
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

/**
 * A state machine or execution name: 1-80 characters, no whitespace, brackets, wildcards, control
 * characters or any of `" # % \ ^ | ~ ` $ & , ; : /`.
 */
export function validateName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length < 1 || name.length > 80) {
    throw new StepFunctionsApiError(
      'InvalidName',
      `${field} must be 1-80 characters (got ${JSON.stringify(name)})`,
    );
  }
  const bad = FORBIDDEN_NAME_CHARACTERS.exec(name);
  if (bad) {
    throw new StepFunctionsApiError(
      'InvalidName',
      `${field} must not contain whitespace, brackets, wildcards, control characters or " # % \\ ^ | ~ \` $ & , ; : / (got ${JSON.stringify(name)}, which contains ${JSON.stringify(bad[0])})`,
    );
  }
  return name;
}

const ARN_PATTERNS = {
  // The name may be qualified by a Distributed Map label (`name/label`), a version or an alias (`name:1`).
  stateMachine: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:/\s]{1,80}([/:][^:/\s]{1,80})?$/,
  execution: /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(execution|express):[^:\s]{1,80}:[^:\s]{1,80}$/,
};

/** Checks an ARN's shape (`arn:aws:states:<region>:<account>:<resource>:...`); `InvalidArn` otherwise. */
export function parseArn(arn: unknown, field: string, resource: keyof typeof ARN_PATTERNS): string {
  if (typeof arn !== 'string' || !ARN_PATTERNS[resource].test(arn)) {
    const example =
      resource === 'stateMachine'
        ? 'arn:aws:states:us-east-1:000000000000:stateMachine:name'
        : 'arn:aws:states:us-east-1:000000000000:execution:machine:name';
    throw new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: ${field} must look like ${example} (got ${JSON.stringify(arn)})`,
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
/** Execution statuses (ListExecutions' `statusFilter`). */
export const EXECUTION_STATUSES = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
] as const;
/** ListExecutions' `redriveFilter`. */
export const REDRIVE_FILTERS = ['REDRIVEN', 'NOT_REDRIVEN'] as const;

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

/** A JSON document of at most 256 KiB (execution input, task output); `code` otherwise. */
export function validateInput(value: unknown, field: string, code: StepFunctionsErrorCode): string {
  if (typeof value !== 'string') throw new StepFunctionsApiError(code, `${field} must be a string of JSON`);
  if (exceedsPayloadLimit(value)) {
    throw new StepFunctionsApiError(code, `${field} is larger than ${PAYLOAD_LIMIT_BYTES} bytes`);
  }
  try {
    JSON.parse(value);
  } catch (error) {
    const reason = (error as Error).message;
    throw new StepFunctionsApiError(
      code,
      code === 'InvalidExecutionInput'
        ? `Invalid State Machine Execution Input: '${reason}'`
        : `${field} is not valid JSON: ${reason}`,
    );
  }
  return value;
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

/** An opaque pagination token for `position`. */
export function encodePageToken(position: string | number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

/** The position in a token from {@link encodePageToken}; `InvalidToken` otherwise. */
export function decodePageToken(token: string): string | number {
  try {
    const { p } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p: unknown };
    if (typeof p === 'string' || typeof p === 'number') return p;
  } catch {
    // falls through to the error below
  }
  throw new StepFunctionsApiError('InvalidToken', `Invalid nextToken: ${JSON.stringify(token)}`);
}

/** The `...EventDetails` member a history event type carries its details in. */
export function eventDetailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
}

/**
 * A stored event of `execution` (run with the role `roleArn`) as GetExecutionHistory returns it; without
 * `includeData`, inputs and outputs are left out. ExecutionStarted gets its details from the execution.
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
      ? { input: execution.input, inputDetails: NOT_TRUNCATED, roleArn: roleArn() }
      : row.details;
  if (details !== null) {
    const { input, output, parameters, ...withoutData } = details;
    event[eventDetailsKey(row.type)] = includeData ? details : withoutData;
  }
  return event as unknown as HistoryEvent;
}
