/**
 * The shapes of what the service integrations the local runtime serves return, from the services' API
 * models (member names as Step Functions gives them), for TestState to check a mocked Task result the way
 * AWS does with `fieldValidationMode`: `STRICT` (the default) checks the types of the members given and
 * that the required ones are there, `PRESENT` only the types, `NONE` nothing. A member the model does not
 * have is let through, as on AWS.
 */
import { lookupTable } from '#core/lookup-table.ts';
import { type IntegrationPattern, parseTaskResource } from './asl/integrations/resource.ts';
import { StepFunctionsApiError } from './service-errors.ts';

/** A member's shape, as far as a mocked result is checked against it. */
type Shape =
  | { type: 'string' | 'timestamp' | 'integer' | 'document' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; member: Shape }
  | { type: 'structure'; members: Record<string, Shape>; required?: readonly string[] };

const STRING: Shape = { type: 'string' };
const TIMESTAMP: Shape = { type: 'timestamp' };
const INTEGER: Shape = { type: 'integer' };
const DOCUMENT: Shape = { type: 'document' };
const EXECUTION_STATUS: Shape = {
  type: 'enum',
  values: ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'],
};

/** DescribeExecution's answer, as a `.sync` task returns it; `.sync:2` gives `Input` and `Output` as JSON. */
function describedExecution(data: Shape): Shape {
  const details: Shape = { type: 'structure', members: { Included: { type: 'document' } } };
  return {
    type: 'structure',
    members: {
      ExecutionArn: STRING,
      StateMachineArn: STRING,
      Name: STRING,
      Status: EXECUTION_STATUS,
      StartDate: TIMESTAMP,
      StopDate: TIMESTAMP,
      Input: data,
      InputDetails: details,
      Output: data,
      OutputDetails: details,
      Error: STRING,
      Cause: STRING,
      TraceHeader: STRING,
      MapRunArn: STRING,
      StateMachineVersionArn: STRING,
      StateMachineAliasArn: STRING,
      RedriveCount: INTEGER,
      RedriveDate: TIMESTAMP,
      RedriveStatus: STRING,
      RedriveStatusReason: STRING,
    },
    required: ['ExecutionArn', 'StateMachineArn', 'Status', 'StartDate'],
  };
}

/** What each integration returns, by `service:action` and its pattern. */
const RESULT_SHAPES: Readonly<Record<string, Shape>> = lookupTable<Shape>({
  'lambda:invoke': {
    type: 'structure',
    members: {
      StatusCode: INTEGER,
      FunctionError: STRING,
      LogResult: STRING,
      Payload: DOCUMENT,
      ExecutedVersion: STRING,
    },
  },
  'sns:publish': { type: 'structure', members: { MessageId: STRING, SequenceNumber: STRING } },
  'events:putEvents': {
    type: 'structure',
    members: {
      FailedEntryCount: INTEGER,
      Entries: {
        type: 'list',
        member: { type: 'structure', members: { EventId: STRING, ErrorCode: STRING, ErrorMessage: STRING } },
      },
    },
  },
  'states:startExecution': {
    type: 'structure',
    members: { ExecutionArn: STRING, StartDate: TIMESTAMP },
    required: ['ExecutionArn', 'StartDate'],
  },
  'states:startExecution.sync': describedExecution(STRING),
  'states:startExecution.sync:2': describedExecution(DOCUMENT),
});

/** The field validation modes of a mock, as AWS's API model lists them. */
export const FIELD_VALIDATION_MODES = ['STRICT', 'PRESENT', 'NONE'] as const;
export type FieldValidationMode = (typeof FIELD_VALIDATION_MODES)[number];

/** The shape of what `resource` returns; undefined for a resource whose result has none here. */
function resultShape(resource: string): Shape | undefined {
  let pattern: IntegrationPattern;
  let key: string;
  try {
    const parsed = parseTaskResource(resource);
    if (parsed.kind !== 'service') return undefined;
    pattern = parsed.pattern;
    key = `${parsed.service}:${parsed.action}`;
  } catch {
    return undefined;
  }
  if (pattern === 'waitForTaskToken') return undefined; // the callback's output, whatever it is
  return RESULT_SHAPES[pattern === 'request-response' ? key : `${key}.${pattern}`];
}

function invalid(problem: string): StepFunctionsApiError {
  return new StepFunctionsApiError('ValidationException', `Mock result schema validation error: ${problem}`);
}

/** The JSON type a shape's values have, in AWS's words. */
function expectedType(shape: Shape): string {
  if (shape.type === 'integer') return 'a number';
  if (shape.type === 'list') return 'an array';
  if (shape.type === 'structure') return 'an object';
  return 'a string';
}

function holdsType(shape: Shape, value: unknown): boolean {
  switch (shape.type) {
    case 'document':
      return true;
    case 'integer':
      return typeof value === 'number';
    case 'list':
      return Array.isArray(value);
    case 'structure':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return typeof value === 'string';
  }
}

/** Refuses `value` of the member `field` unless it fits `shape` (`strict`: its required members too). */
function check(shape: Shape, value: unknown, field: string, strict: boolean): void {
  if (!holdsType(shape, value)) throw invalid(`Field '${field}' must be ${expectedType(shape)}`);
  if (shape.type === 'enum' && !shape.values.includes(value as string)) {
    throw invalid(`Field '${field}' is not an expected value`);
  }
  if (shape.type === 'list') {
    for (const item of value as unknown[]) check(shape.member, item, field, strict);
  }
  if (shape.type === 'structure') checkMembers(shape, value as Record<string, unknown>, strict);
}

function checkMembers(
  shape: Extract<Shape, { type: 'structure' }>,
  value: Record<string, unknown>,
  strict: boolean,
): void {
  if (strict) {
    const missing = shape.required?.find((name) => !Object.hasOwn(value, name));
    if (missing !== undefined) throw invalid(`Required field '${missing}' is missing`);
  }
  for (const [name, member] of Object.entries(value)) {
    const memberShape = Object.hasOwn(shape.members, name) ? shape.members[name] : undefined;
    if (memberShape !== undefined && member !== null) check(memberShape, member, name, strict);
  }
}

/**
 * Refuses (ValidationException, in AWS's words) a mocked `result` of a Task whose `resource` this runtime
 * serves, unless it fits what that integration returns as `mode` checks it.
 *
 * @example
 * checkMockedResult('arn:aws:states:::lambda:invoke', { StatusCode: '200' }, 'STRICT');
 * // throws: Mock result schema validation error: Field 'StatusCode' must be a number
 */
export function checkMockedResult(resource: string, result: unknown, mode: FieldValidationMode): void {
  const shape = mode === 'NONE' ? undefined : resultShape(resource);
  if (shape === undefined || shape.type !== 'structure') return;
  if (!holdsType(shape, result)) throw invalid('the mocked result must be a JSON object');
  checkMembers(shape, result as Record<string, unknown>, mode === 'STRICT');
}
