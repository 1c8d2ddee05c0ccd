/**
 * TestState: runs the definition of one state on an input, as AWS's TestState API does, and answers its
 * output and next state, or its error, and with `inspectionLevel` DEBUG or TRACE how its data flowed.
 * The state runs in a throwaway in-memory runtime (the same engine and Lambda handlers), alone in a state
 * machine: its `Next`, `Default`, `Choices` and `Catch` targets stand there as Succeed states, so the state
 * entered after it is its next state; its `Retry` is left out, so an error a retrier would take answers
 * RETRIABLE, as AWS's does, without a retry.
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { executionContext } from './asl/context-object.ts';
import { errorMatches } from './asl/retry.ts';
import type { Retrier, State } from './asl/types.ts';
import { validateDefinition } from './asl/validate.ts';
import { type Clock, RealClock } from './clock.ts';
import type { LocalStepFunctions } from './service.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { invalidDefinition, validateInput, validateOneOf } from './service-validation.ts';
import { inspectionData } from './test-state-inspection.ts';

type Out<T> = Omit<T, '$metadata'>;
type TestStatus = NonNullable<Sfn.TestStateOutput['status']>;

const INSPECTION_LEVELS = ['INFO', 'DEBUG', 'TRACE'] as const;
/** The role a test runs with when the request names none. */
const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/test-state';
/** How long a test may run, as on AWS: past it, it fails `States.Timeout`. */
const TEST_TIMEOUT_SECONDS = 300;
/** Fields of AWS's TestState this runtime does not serve. */
const UNSERVED_FIELDS = ['stateName', 'mock', 'context', 'stateConfiguration'] as const;

/** What a test runs in. */
export interface TestStateOptions {
  /** A new in-memory runtime on `clock`, with the Lambda handlers, S3, region and account of the caller's. */
  openRuntime(clock: Clock): LocalStepFunctions;
}

/** The test's state machine: the state under `name`, after a state assigning the variables if any. */
interface TestMachine {
  definition: object;
  name: string;
}

/**
 * Runs the state `request.definition` on `request.input` and answers as AWS's TestState does.
 *
 * @example
 * await testState({ definition: '{"Type":"Pass","Result":1,"ResultPath":"$.one","Next":"B"}', input: '{}' }, options);
 * // { status: 'SUCCEEDED', output: '{"one":1}', nextState: 'B' }
 */
export async function testState(
  request: Sfn.TestStateInput,
  options: TestStateOptions,
): Promise<Out<Sfn.TestStateOutput>> {
  for (const field of UNSERVED_FIELDS) {
    if (request[field] !== undefined) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `${field} is not served by the local runtime's TestState: give the state's own definition, input and variables`,
      );
    }
  }
  const level = validateOneOf(request.inspectionLevel ?? 'INFO', 'inspectionLevel', INSPECTION_LEVELS);
  const state = parseState(request.definition);
  const input = validateInput(request.input ?? '{}', 'input', 'InvalidExecutionInput');
  const variables = parseVariables(request.variables);
  const machine = testMachine(state, variables);
  refuseInvalidState(machine);
  const roleArn = request.roleArn ?? DEFAULT_ROLE;
  // A Wait answers at once, as on AWS; every other state keeps its timeouts in real time.
  const sfn = options.openRuntime(new RealClock(state.Type === 'Wait' ? 0 : 1));
  try {
    const { stateMachineArn } = await sfn.createStateMachine({
      name: 'TestState',
      definition: JSON.stringify(machine.definition),
      roleArn,
    });
    const { executionArn } = await sfn.startExecution({ stateMachineArn, input });
    const ended = await sfn.awaitExecution(executionArn);
    const { events = [] } = await sfn.getExecutionHistory({ executionArn, maxResults: 1000 });
    const outcome = outcomeOf(state, machine.name, ended, events);
    if (level === 'INFO') return outcome;
    const entered = events.find((event) => detailsOf(event)?.name === machine.name);
    const context = {
      ...executionContext(sfn.store.getExecution(executionArn!)!, 'TestState', roleArn),
      State: {
        Name: machine.name,
        EnteredTime: entered?.timestamp?.toISOString(),
        ...(state.Type === 'Task' ? { RetryCount: 0 } : {}),
      },
    };
    const scope = { context, variables: variables ?? {} };
    return { ...outcome, inspectionData: inspectionData(state, input, events, scope) };
  } finally {
    await sfn.close();
  }
}

/** The state a request defines: a JSON object with a `Type` TestState serves. */
function parseState(definition: unknown): State {
  let state: unknown;
  try {
    state = JSON.parse(String(definition));
  } catch (error) {
    throw new StepFunctionsApiError(
      'InvalidDefinition',
      `definition is not JSON: ${(error as Error).message}`,
    );
  }
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw new StepFunctionsApiError('InvalidDefinition', 'definition must be one state, a JSON object');
  }
  const { Type, Resource } = state as { Type?: unknown; Resource?: unknown };
  const unserved =
    Type === 'Parallel' || Type === 'Map'
      ? `a ${Type} state`
      : typeof Resource === 'string' && /:activity:/.test(Resource)
        ? 'an activity task'
        : typeof Resource === 'string' && /\.(sync(:2)?|waitForTaskToken)$/.test(Resource)
          ? `a ${Resource.slice(Resource.lastIndexOf('.'))} task`
          : undefined;
  if (unserved) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `TestState does not run ${unserved} without a mock, as on AWS (and the local runtime serves no mock)`,
    );
  }
  return state as State;
}

/**
 * Refuses a state the test machine would not validate with, as CreateStateMachine words it, located in the
 * state (`/Parameters`, not `/States/TestState/Parameters`); a missing end is the test machine's own.
 */
function refuseInvalidState(machine: TestMachine): void {
  const prefix = `/States/${machine.name}`;
  const errors = validateDefinition(JSON.stringify(machine.definition))
    .filter((diagnostic) => diagnostic.severity === 'ERROR' && diagnostic.code !== 'MISSING_END_STATE')
    .map((diagnostic) => {
      const { location } = diagnostic;
      if (location !== prefix && !location?.startsWith(`${prefix}/`)) return diagnostic;
      return { ...diagnostic, location: location.slice(prefix.length) || '/' };
    });
  if (errors.length > 0) throw invalidDefinition(errors);
}

function parseVariables(variables: string | undefined): Record<string, unknown> | undefined {
  if (variables === undefined) return undefined;
  const parsed = JSON.parse(validateInput(variables, 'variables', 'ValidationException')) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `variables must be a JSON object of variable names and values (got ${variables})`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The names a state may go on to: its Next, Default, Choices' and Catchers' Next. */
function targetsOf(state: State): string[] {
  const { Next, Default, Choices, Catch } = state as {
    Next?: string;
    Default?: string;
    Choices?: { Next?: string }[];
    Catch?: { Next?: string }[];
  };
  const targets = [Next, Default, ...(Choices ?? []).map((c) => c.Next), ...(Catch ?? []).map((c) => c.Next)];
  return [...new Set(targets.filter((target): target is string => typeof target === 'string'))];
}

/** A name for a state of the test machine that none of `taken` has. */
function freeName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let n = 1; taken.includes(name); n++) name = `${base}-${n}`;
  return name;
}

function testMachine(state: State, variables: Record<string, unknown> | undefined): TestMachine {
  const targets = targetsOf(state);
  const name = freeName('TestState', targets);
  const { Retry: _retry, ...tested } = state as State & { Retry?: unknown };
  const states: Record<string, unknown> = { [name]: tested };
  for (const target of targets) states[target] = { Type: 'Succeed' };
  let startAt = name;
  if (variables !== undefined) {
    startAt = freeName('AssignVariables', [...targets, name]);
    states[startAt] = { Type: 'Pass', QueryLanguage: 'JSONPath', Assign: variables, Next: name };
  }
  // A Wait runs on a clock scaled to 0, where the 5 minutes would be over at once: it ends at once anyway.
  const timeout = state.Type === 'Wait' ? {} : { TimeoutSeconds: TEST_TIMEOUT_SECONDS };
  return { definition: { StartAt: startAt, ...timeout, States: states }, name };
}

/** The details of a history event (its one `...EventDetails` member). */
function detailsOf(event: HistoryEvent): Record<string, unknown> | undefined {
  const key = Object.keys(event).find((member) => member.endsWith('EventDetails'));
  return key === undefined ? undefined : (event[key as keyof HistoryEvent] as Record<string, unknown>);
}

/** How the test went: the tested state's output and next state, or its error and whether a retrier or catcher takes it. */
function outcomeOf(
  state: State,
  name: string,
  ended: Out<Sfn.DescribeExecutionCommandOutput>,
  events: readonly HistoryEvent[],
): Out<Sfn.TestStateOutput> {
  const entered = events.findIndex(
    (event) => event.type?.endsWith('StateEntered') && detailsOf(event)?.name === name,
  );
  const after = events.slice(entered + 1);
  const nextIndex = after.findIndex((event) => event.type?.endsWith('StateEntered'));
  const next = nextIndex < 0 ? undefined : after[nextIndex];
  // The error of the tested state: the execution's when it ended there, else the one its catcher took.
  const failure = (nextIndex < 0 ? after : after.slice(0, nextIndex))
    .map(detailsOf)
    .findLast((details) => typeof details?.error === 'string');
  const error =
    next === undefined && ended.status !== 'SUCCEEDED'
      ? { error: ended.error, cause: ended.cause }
      : failure && { error: failure.error as string, cause: failure.cause as string | undefined };
  const withError = (status: TestStatus) => ({
    status,
    ...(error?.error === undefined ? {} : { error: error.error }),
    ...(error?.cause === undefined ? {} : { cause: error.cause }),
  });
  if (error && takenByRetrier(state, error.error)) return withError('RETRIABLE');
  if (next === undefined) {
    return ended.status === 'SUCCEEDED' ? { status: 'SUCCEEDED', output: ended.output } : withError('FAILED');
  }
  const nextState = detailsOf(next)!.name as string;
  const output = detailsOf(next)!.input as string;
  return error
    ? { ...withError('CAUGHT_ERROR'), nextState, output }
    : { status: 'SUCCEEDED', output, nextState };
}

/** Whether a retrier of `state` with attempts would retry `error` (TestState answers RETRIABLE then). */
function takenByRetrier(state: State, error: string | undefined): boolean {
  const retriers = (state as { Retry?: Retrier[] }).Retry ?? [];
  const retrier = retriers.find((candidate) => errorMatches(candidate.ErrorEquals, error));
  return retrier !== undefined && (retrier.MaxAttempts ?? 3) > 0;
}
