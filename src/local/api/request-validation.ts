import type * as z from 'zod';
import { validationErrorMessage } from '../service-validation.ts';

/** Why a field failed its shape, in the words of the AWS API's `ValidationException` messages. */
function constraintOf(issue: z.core.$ZodIssue, value: unknown): string {
  if (value === undefined || value === null) return 'Member must not be null';
  switch (issue.code) {
    case 'invalid_type':
      return `Member must be ${issue.expected === 'int' ? 'an integer' : `of type ${issue.expected}`}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.join(', ')}]`;
    case 'too_big':
      return issue.origin === 'string'
        ? `Member must have length less than or equal to ${issue.maximum}`
        : `Member must have ${issue.origin === 'array' ? 'length' : 'value'} less than or equal to ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `Member must have length greater than or equal to ${issue.minimum}`
        : `Member must have ${issue.origin === 'array' ? 'length' : 'value'} greater than or equal to ${issue.minimum}`;
    default:
      return issue.message;
  }
}

/**
 * Fields whose values AWS never repeats in a message (the API model marks them sensitive): definitions,
 * execution data, errors and causes, task tokens, version and alias descriptions, TestState's variables,
 * state name, context object, mocked result and state configuration's reader data and state name.
 */
const SENSITIVE_FIELDS = new Set([
  'definition',
  'input',
  'output',
  'error',
  'cause',
  'taskToken',
  'versionDescription',
  'description',
  'variables',
  'result',
  'stateName',
  'context',
  'mapItemReaderData',
  'errorCausedByState',
]);

/** A structure of the API model: its name and its members, in the model's order. */
interface ModelShape {
  readonly name: string;
  readonly members: readonly string[];
}

/**
 * Lists whose members AWS shows as its model's `toString` does, by the list's field: AWS-recorded,
 * `Value '[RoutingConfigurationListItem(stateMachineVersionArn=arn:...:1, weight=50), ...]'`.
 */
const LIST_MEMBER_SHAPES: Readonly<Record<string, ModelShape>> = {
  routingConfiguration: {
    name: 'RoutingConfigurationListItem',
    members: ['stateMachineVersionArn', 'weight'],
  },
};

/** A list member as the model prints it: its members in the model's order, a missing one `null`. */
function modelString(shape: ModelShape, member: unknown): string {
  if (member === null || typeof member !== 'object') return String(member);
  const fields = shape.members.map(
    (name) => `${name}=${String((member as Record<string, unknown>)[name] ?? null)}`,
  );
  return `${shape.name}(${fields.join(', ')})`;
}

/**
 * How a message shows the value: `Value null`, `Value '1001'` for a scalar, a list of known members as its
 * model's `toString`, `Value` for any other object or a sensitive field.
 */
function shownValue(value: unknown, field: string): string {
  // A sensitive field is never shown, not even as null (AWS-recorded: `Value at 'output' ... must not be null`).
  // A nested field (`mock.result`) is sensitive by its own name.
  if (SENSITIVE_FIELDS.has(field.slice(field.lastIndexOf('.') + 1))) return 'Value';
  if (value === undefined || value === null) return 'Value null';
  const memberShape = LIST_MEMBER_SHAPES[field];
  if (memberShape && Array.isArray(value)) {
    return `Value '[${value.map((member) => modelString(memberShape, member)).join(', ')}]'`;
  }
  if (typeof value === 'object') return 'Value';
  return `Value '${String(value)}'`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** A segment of a field's path as AWS writes it: a list's item by its 1-based place, `tags.1.member.key`. */
function pathSegment(key: PropertyKey): string {
  return typeof key === 'number' ? `${key + 1}.member` : String(key);
}

/**
 * Formats a request's shape errors as AWS does:
 * `1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null`.
 */
export function describeValidationIssues(issues: readonly z.core.$ZodIssue[], request: unknown): string {
  const details = issues.map((issue) => {
    const value = valueAt(request, issue.path);
    const field = issue.path.map(pathSegment).join('.') || 'request';
    return `${shownValue(value, field)} at '${field}' failed to satisfy constraint: ${constraintOf(issue, value)}`;
  });
  return validationErrorMessage(details);
}
