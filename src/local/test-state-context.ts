/**
 * TestState's `context`: the context object `$$` the tested state reads in place of the one the test's
 * execution has, checked as AWS checks it (its members and their types). Only with a mock; a Map's
 * `$$.Map` is the Map's own.
 */
import { deeperThan } from './asl/expressions/json-values.ts';
import { newTaskToken } from './asl/task-token.ts';
import { StepFunctionsApiError } from './service-errors.ts';

type Context = Record<string, unknown>;

/** What each member of the context object holds, by member, and the type of each. */
const CONTEXT_MEMBERS: Record<string, Record<string, 'string' | 'integer' | 'json'>> = {
  Execution: {
    Id: 'string',
    Input: 'json',
    Name: 'string',
    RoleArn: 'string',
    StartTime: 'string',
    RedriveCount: 'integer',
    RedriveTime: 'string',
  },
  State: { EnteredTime: 'string', Name: 'string', RetryCount: 'integer' },
  StateMachine: { Id: 'string', Name: 'string' },
  Task: { Token: 'string' },
};

function invalidContext(problem: string): StepFunctionsApiError {
  return new StepFunctionsApiError('ValidationException', `Invalid Context object provided: ${problem}`);
}

/** Whether `value` holds the type `type` of {@link CONTEXT_MEMBERS}. */
function holds(value: unknown, type: 'string' | 'integer' | 'json'): boolean {
  if (type === 'string') return typeof value === 'string';
  if (type === 'integer') return Number.isSafeInteger(value);
  return true;
}

/**
 * The context object of `text` (the request's `context`), checked: an object of `Execution`, `State`,
 * `StateMachine` and, for a `.sync` or `.waitForTaskToken` task (`allowsTask`), `Task`, each with its
 * members only, nesting no deeper than `nestingLimit`. Refused (ValidationException) without a mock, in AWS's
 * words where AWS recorded them.
 */
export function parseTestContext(
  text: string | undefined,
  mocked: boolean,
  allowsTask: boolean,
  nestingLimit: number,
): Context | undefined {
  if (text === undefined) return undefined;
  if (!mocked) {
    throw new StepFunctionsApiError(
      'ValidationException',
      'A Context object may only be specified if a mock is specified in the same request.',
    );
  }
  let context: unknown;
  try {
    context = JSON.parse(text);
  } catch {
    // The parser's message would quote the context, which the API model marks sensitive.
    throw invalidContext('it is not JSON');
  }
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw invalidContext('it must be a JSON object');
  }
  if (deeperThan(context, nestingLimit) !== undefined) {
    throw invalidContext(
      `it nests arrays and objects more than ${nestingLimit} levels deep, the local runtime's limit`,
    );
  }
  for (const [name, member] of Object.entries(context)) {
    if (name === 'Map') throw invalidContext("'Map' field is not supported when mocking a Context object");
    const fields = Object.hasOwn(CONTEXT_MEMBERS, name) ? CONTEXT_MEMBERS[name] : undefined;
    if (fields === undefined) throw invalidContext(`Field '${name}' is not allowed`);
    if (name === 'Task' && !allowsTask) {
      throw invalidContext(
        "Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern",
      );
    }
    if (member === null || typeof member !== 'object' || Array.isArray(member)) {
      throw invalidContext(`${name} must be an object`);
    }
    for (const [field, value] of Object.entries(member)) {
      const type = Object.hasOwn(fields, field) ? fields[field] : undefined;
      if (type === undefined) throw invalidContext(`Field '${field}' is not allowed`);
      if (!holds(value, type)) {
        throw invalidContext(`${name}.${field} must be ${type === 'string' ? 'a string' : 'an integer'}`);
      }
    }
  }
  return context as Context;
}

/** The name AWS's TestState gives a state tested alone, and the tested state in its context object. */
export const STANDALONE_STATE_NAME = 'StateName';

/**
 * What the tested state reads as `$$`: the `given` context (with a Map's own `$$.Map`), else its
 * execution's as AWS's TestState shows it (see {@link asTestExecution}, with `tested.roleArn`, null for none).
 * In the latter the tested state (`tested.stateName`, its name in the test's machine) is always `StateName`,
 * as AWS recorded it (test_test_state_scenarios.snapshot.json, test_state_with_variables). A mocked
 * `.waitForTaskToken` task (`needsToken`), whose stand-in has no token of its own, gets a new
 * `$$.Task.Token` unless the given context has one.
 */
export function testContext(
  given: Context | undefined,
  needsToken: boolean,
  tested: { roleArn: string | null; stateName: string },
): (own: Context) => Context {
  const Task = needsToken ? { Token: newTaskToken() } : undefined;
  if (given !== undefined) {
    const context = Task && given.Task === undefined ? { ...given, Task } : given;
    return (own) => (own.Map === undefined ? context : { ...context, Map: own.Map });
  }
  return (own) => {
    const state = own.State as Context;
    return {
      ...own,
      Execution: asTestExecution(own.Execution as Context, tested.roleArn),
      State: state.Name === tested.stateName ? { ...state, Name: STANDALONE_STATE_NAME } : state,
      ...(Task ? { Task } : {}),
    };
  };
}

/**
 * `$$.Execution` of a TestState run as AWS records it: an Express execution's, `Id`
 * `arn:aws:states:<region>:<account>:express:<machine>:<name>`, with no `RedriveCount`, its members in
 * AWS's order and `RoleArn` the test's (localstack/localstack tests/aws/services/stepfunctions/v2/test_state/
 * test_state_configuration.snapshot.json, test_map_state_failure_count; test_test_state_scenarios.snapshot.json,
 * test_state_with_variables).
 */
function asTestExecution({ Id, Input, Name, StartTime }: Context, roleArn: string | null): Context {
  return { Id: String(Id).replace(':execution:', ':express:'), Input, Name, RoleArn: roleArn, StartTime };
}
