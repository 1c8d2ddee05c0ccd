/**
 * TestState: runs the definition of one state (or, by its `stateName`, one of a whole state machine's) on an
 * input, as AWS's TestState API does, and answers its
 * output and next state, or its error, and with `inspectionLevel` DEBUG or TRACE how its data flowed.
 * The state runs in a throwaway in-memory runtime (the same engine and Lambda handlers), alone in a state
 * machine where its `Next`, `Default` and `Choices` targets stand as Succeed states, so the state entered
 * after it is its next state. It runs without its `Retry` and `Catch`: an error it ends with is then
 * decided on as the engine decides (the first retrier that takes it answers RETRIABLE, without a retry;
 * else the first catcher, CAUGHT_ERROR with the catcher's output and next state). A `mock` stands in for
 * what makes a Task's, Map's or Parallel's result (see test-state-mock.ts); with one, `context` sets the
 * context object the state reads (test-state-context.ts). `stateConfiguration` sets what the state's run
 * met before (test-state-configuration.ts).
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { contextTime, executionContext } from './asl/context-object.ts';
import {
  asStatesError,
  errorOutput,
  STATES_ERRORS,
  StatesError,
  TaskTimeoutError,
  withoutStatePrefix,
} from './asl/errors.ts';
import { JAVA_INT_MAX } from './asl/expressions/java-int.ts';
import { deeperThan, MAX_JSON_DEPTH, setMember } from './asl/expressions/json-values.ts';
import {
  type IntegrationPattern,
  parseTaskResource,
  type TaskResource,
} from './asl/integrations/resource.ts';
import { evaluateJsonataField } from './asl/jsonata.ts';
import { writeResultPath } from './asl/jsonpath.ts';
import { findState } from './asl/nested-states.ts';
import type { ObjectStorage } from './asl/object-storage.ts';
import { decideOnError } from './asl/retry.ts';
import type { StateStandIns } from './asl/stand-ins.ts';
import { RETRYING_STATE_TYPES } from './asl/state-run.ts';
import type { Catcher, ErrorHandling, State } from './asl/types.ts';
import { validateDefinition } from './asl/validate.ts';
import { variableNameProblem } from './asl/variables.ts';
import { type Clock, RealClock } from './clock.ts';
import type { LocalStepFunctions } from './service.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { invalidDefinition, validateInput, validateOneOf } from './service-validation.ts';
import { parseTestConfiguration, type TestConfiguration } from './test-state-configuration.ts';
import { parseTestContext, STANDALONE_STATE_NAME, testContext } from './test-state-context.ts';
import { detailsOf, type InspectionScope, inspectionData, readerOf } from './test-state-inspection.ts';
import { MOCKED_TYPES, mockedTask, type TestFunction, type TestMock, testMock } from './test-state-mock.ts';

type Out<T> = Omit<T, '$metadata'>;

const INSPECTION_LEVELS = ['INFO', 'DEBUG', 'TRACE'] as const;
/** The role a test runs with when the request names none. */
const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/test-state';
/** How long a test may run, as on AWS: past it, it fails `States.Timeout`. */
const TEST_TIMEOUT_SECONDS = 300;
/** How deep a tested state or variables may nest: the runtime's limit less the test machine's own levels. */
const TEST_NESTING_LIMIT = MAX_JSON_DEPTH - 4;
/** What a test's runtime is opened with. */
export interface TestRuntimeParts {
  clock: Clock;
  /** A mocked Task's function, which the runtime serves with the caller's. */
  mock?: TestFunction;
  /** What stands in for parts of the tested state's run. */
  standIns?: StateStandIns;
  /** The S3 a Distributed Map's ItemReader reads, in place of the caller's. */
  objectStorage?: ObjectStorage;
  /** Told when the test runtime's store fails (the caller's runtime is not told). */
  onStoreFailure: (error: Error) => void;
}

/** What a test runs in. */
export interface TestStateOptions {
  /** A new in-memory runtime of `parts`, with the Lambda handlers, S3, region and account of the caller's. */
  openRuntime(parts: TestRuntimeParts): LocalStepFunctions;
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
  const level = validateOneOf(request.inspectionLevel ?? 'INFO', 'inspectionLevel', INSPECTION_LEVELS);
  const mocked = request.mock !== undefined && request.mock !== null;
  const { state, queryLanguage } = parseState(request.definition, request.stateName, mocked);
  if (mocked && request.revealSecrets === true) {
    throw new StepFunctionsApiError(
      'ValidationException',
      'TestState does not support RevealSecrets when a mock is specified.',
    );
  }
  if (state.Type === 'Task' && !mocked && request.roleArn === undefined) {
    throw new StepFunctionsApiError(
      'ValidationException',
      'RoleArn must be specified when testing a Task state',
    );
  }
  const configuration = parseTestConfiguration(request.stateConfiguration, state, request.mock ?? undefined);
  const limits = {
    mapIterationFailureCount: configuration.mapIterationFailureCount,
    nestingLimit: TEST_NESTING_LIMIT,
  };
  const mock = mocked ? testMock(request.mock!, state, limits) : undefined;
  const pattern = integrationPattern(state);
  const givenContext = parseTestContext(request.context, mocked, pattern !== undefined, TEST_NESTING_LIMIT);
  const input = validateInput(request.input ?? '{}', 'input', 'InvalidExecutionInput');
  const variables = parseVariables(request.variables);
  // The state's name: its own, or for a state given alone the one AWS gives it.
  const stateName = request.stateName ?? STANDALONE_STATE_NAME;
  refuseInvalidState(testMachine(state, { stateName, queryLanguage }, variables, false));
  const runs = state.Type === 'Task' && mock ? mockedTask(state) : state;
  const machine = testMachine(runs, { stateName, queryLanguage }, variables, true);
  const roleArn = request.roleArn ?? DEFAULT_ROLE;
  const context = testContext(givenContext, mocked && pattern === 'waitForTaskToken', {
    roleArn: request.roleArn ?? null,
    stateName: machine.name,
  });
  // A failure of the test's own store fails the test, and only the test.
  let failStore!: (error: Error) => void;
  const storeFailed = new Promise<never>((_, reject) => {
    failStore = reject;
  });
  storeFailed.catch(() => undefined);
  const sfn = options.openRuntime({
    // A Wait answers at once, as on AWS; every other state keeps its timeouts in real time.
    clock: new RealClock(state.Type === 'Wait' ? 0 : 1),
    mock: mock?.function,
    standIns: { ...mock?.standIns, context },
    objectStorage: readerDataStorage(configuration.mapItemReaderData),
    onStoreFailure: failStore,
  });
  try {
    const { stateMachineArn } = await sfn.createStateMachine({
      name: 'TestState',
      definition: JSON.stringify(machine.definition),
      roleArn,
    });
    const { executionArn } = await sfn.startExecution({ stateMachineArn, input });
    const ended = await Promise.race([sfn.awaitExecution(executionArn), storeFailed]);
    const { events = [] } = await sfn.getExecutionHistory({ executionArn, maxResults: 1000 });
    const entered = events.findIndex(
      (event) => event.type?.endsWith('StateEntered') && detailsOf(event)?.name === machine.name,
    );
    if (entered < 0) {
      // Only the variables' Pass state runs before it, and it cannot fail: a runtime fault.
      throw new Error(
        `TestState: the state never ran (${ended.status} ${ended.error ?? ''} ${ended.cause ?? ''})`,
      );
    }
    refuseFailureCountBeyondItems(mock, configuration);
    const ownContext = {
      ...executionContext(sfn.store.getExecution(executionArn!)!, 'TestState', roleArn),
      State: {
        Name: machine.name,
        EnteredTime: contextTime(events[entered]!.timestamp!.getTime()),
        ...(RETRYING_STATE_TYPES.has(state.Type) ? { RetryCount: 0 } : {}),
      },
    };
    const scope: InspectionScope = {
      name: machine.name,
      input: JSON.parse(input),
      context: context(ownContext),
      variables: variables ?? {},
    };
    const { errorDetails, ...outcome } = await outcomeOf(
      state,
      testedEnding(ended, mock, machine.name),
      events.slice(entered + 1),
      scope,
      configuration.retrierRetryCount,
    );
    if (level === 'INFO') return outcome;
    const inspection = inspectionData(state, input, events, scope, mock);
    return { ...outcome, inspectionData: errorDetails ? { ...inspection, errorDetails } : inspection };
  } finally {
    await sfn.close();
  }
}

/** `text` parsed as a JSON object; otherwise an error of `code` saying so of `field`. */
function parseJsonObject(
  text: string,
  field: string,
  code: 'InvalidDefinition' | 'ValidationException',
  shape: string,
): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new StepFunctionsApiError(code, `${field} is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new StepFunctionsApiError(code, `${field} must be ${shape}`);
  }
  const tooDeep = deeperThan(parsed, TEST_NESTING_LIMIT);
  if (tooDeep !== undefined) {
    throw new StepFunctionsApiError(
      code,
      `${field} nests arrays and objects more than ${TEST_NESTING_LIMIT} levels deep, the nesting depth limit of the local runtime's TestState (at ${tooDeep.slice(0, 60) || '/'})`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** The fields of a state that name a task's resource. */
interface TaskFields {
  Type?: unknown;
  Resource?: unknown;
}

/** The integration pattern of a Task `state` calling a service; undefined for another state or resource. */
function integrationPattern(state: TaskFields): IntegrationPattern | undefined {
  const resource = taskResourceOf(state);
  return resource?.kind === 'service' && resource.pattern !== 'request-response'
    ? resource.pattern
    : undefined;
}

/** The resource of a Task `state`, parsed; undefined for another state or a resource the runtime does not serve. */
function taskResourceOf(state: TaskFields): TaskResource | undefined {
  if (state.Type !== 'Task' || typeof state.Resource !== 'string') return undefined;
  try {
    return parseTaskResource(state.Resource);
  } catch {
    return undefined; // a resource the runtime does not serve fails the test as it fails an execution
  }
}

/**
 * Why TestState does not run `state` without a mock, as the end of a sentence; undefined for a state it
 * runs. As on AWS: activity, `.sync` and `.waitForTaskToken` tasks.
 */
function unservedReason(state: TaskFields): string | undefined {
  const withoutMock = 'without a mock, as on AWS';
  if (taskResourceOf(state)?.kind === 'activity') return `an activity task ${withoutMock}`;
  const pattern = integrationPattern(state);
  return pattern === undefined ? undefined : `a .${pattern} task ${withoutMock}`;
}

/** The state a request tests, and the query language of the machine it is part of, if any. */
interface TestedState {
  state: State;
  queryLanguage?: string;
}

/**
 * The state a request tests: its `definition`, or with a `stateName` the state of that name in the state
 * machine `definition` is (checked whole, the state taking its `QueryLanguage`). Refused in AWS's words: a
 * Map or Parallel without a mock, a mock of a state that produces no result.
 */
function parseState(definition: unknown, stateName: string | undefined, mocked: boolean): TestedState {
  const parsed = parseJsonObject(
    String(definition),
    'definition',
    'InvalidDefinition',
    stateName === undefined ? 'one state, a JSON object' : 'a state machine, a JSON object',
  );
  const state = stateName === undefined ? parsed : stateOfMachine(String(definition), parsed, stateName);
  if (!mocked && (state.Type === 'Map' || state.Type === 'Parallel')) {
    throw new StepFunctionsApiError(
      'InvalidDefinition',
      'TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]',
    );
  }
  if (mocked && !MOCKED_TYPES.has(state.Type as string)) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `State type '${String(state.Type)}' is not supported when a mock is specified`,
    );
  }
  const unserved = mocked ? undefined : unservedReason(state);
  if (unserved) throw new StepFunctionsApiError('ValidationException', `TestState does not run ${unserved}`);
  // The states nested in a state of a whole machine take the machine's query language, as the state does.
  const { QueryLanguage } = stateName === undefined ? {} : (parsed as { QueryLanguage?: string });
  return {
    state: state as unknown as State,
    ...(QueryLanguage === undefined ? {} : { queryLanguage: QueryLanguage }),
  };
}

/**
 * The state `stateName` of the state machine `machine` (its JSON `definition`), at the top level or in a
 * branch or item processor, with the machine's `QueryLanguage` unless it has its own; the whole machine must
 * be valid, as CreateStateMachine checks it.
 */
function stateOfMachine(
  definition: string,
  machine: Record<string, unknown>,
  stateName: string,
): Record<string, unknown> {
  const errors = validateDefinition(definition).filter((diagnostic) => diagnostic.severity === 'ERROR');
  if (errors.length > 0) throw invalidDefinition(errors);
  const found = findState(machine, stateName);
  if (!found) {
    throw new StepFunctionsApiError('ValidationException', 'State not found in definition');
  }
  const { QueryLanguage } = machine;
  return found.QueryLanguage === undefined && QueryLanguage !== undefined
    ? { ...found, QueryLanguage }
    : found;
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

/**
 * The S3 a test's Distributed Map reads `mapItemReaderData` from: every object it reads holds that text.
 * Undefined without it (the Map reads the caller's S3).
 */
function readerDataStorage(data: string | undefined): ObjectStorage | undefined {
  if (data === undefined) return undefined;
  return {
    getObjectText: async () => data,
    listObjects: async () => {
      throw new Error('mapItemReaderData is the text of one S3 object: the Map lists no bucket');
    },
  };
}

/** Refuses a `mapIterationFailureCount` above the number of items of the mocked Map (known once it ran). */
function refuseFailureCountBeyondItems(mock: TestMock | undefined, configuration: TestConfiguration): void {
  const items = mock?.plan?.items.length;
  const failures = configuration.mapIterationFailureCount;
  if (items !== undefined && failures > items) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `stateConfiguration.mapIterationFailureCount (${failures}) cannot exceed the number of items of the Map state (${items})`,
    );
  }
}

function parseVariables(variables: string | undefined): Record<string, unknown> | undefined {
  if (variables === undefined) return undefined;
  const parsed = parseJsonObject(
    variables,
    'variables',
    'ValidationException',
    'a JSON object of variable names and their values',
  );
  for (const name of Object.keys(parsed)) {
    const problem = variableNameProblem(name);
    if (problem) throw new StepFunctionsApiError('ValidationException', `variables: ${problem}`);
  }
  return parsed;
}

/** The names a state may go on to: its Next, Default and Choices' Next, and its Catchers' when `caught`. */
function targetsOf(state: State, caught: boolean): string[] {
  const { Next, Default, Choices, Catch } = state as {
    Next?: string;
    Default?: string;
    Choices?: { Next?: string }[];
    Catch?: { Next?: string }[];
  };
  const catchers = caught ? (Catch ?? []) : [];
  const targets = [Next, Default, ...[...(Choices ?? []), ...catchers].map((rule) => rule.Next)];
  return [...new Set(targets.filter((target): target is string => typeof target === 'string'))];
}

/** A name for a state of the test machine that none of `taken` has. */
function freeName(base: string, taken: readonly string[]): string {
  let name = base;
  for (let n = 1; taken.includes(name); n++) name = `${base}-${n}`;
  return name;
}

/**
 * The state machine a test runs (`runnable`: the state without its Retry and Catch), or validates (the
 * state whole), the state named `stateName` unless a state it goes on to has that name, in the
 * `queryLanguage` of the machine it came from. Variables are assigned first, by a Pass state whose literal
 * `Result` they are read from.
 */
function testMachine(
  state: State,
  { stateName, queryLanguage }: { stateName: string; queryLanguage?: string },
  variables: Record<string, unknown> | undefined,
  runnable: boolean,
): TestMachine {
  const targets = targetsOf(state, !runnable);
  const taken = targetsOf(state, true);
  const name = freeName(stateName, taken);
  const { Retry: _retry, Catch: _catch, ...withoutErrorHandling } = state as State & ErrorHandling;
  const states: Record<string, unknown> = { [name]: runnable ? withoutErrorHandling : state };
  // Set as members: a state may be named `__proto__`.
  for (const target of targets) setMember(states, target, { Type: 'Succeed' });
  let startAt = name;
  if (variables !== undefined) {
    startAt = freeName('AssignVariables', [...taken, name]);
    const assign = Object.fromEntries(Object.keys(variables).map((key) => [`${key}.$`, `$.${key}`]));
    const seed = {
      Type: 'Pass',
      QueryLanguage: 'JSONPath',
      Result: variables,
      ResultPath: null,
      Assign: assign,
    };
    setMember(states, startAt, { ...seed, Next: name });
  }
  // A Wait runs on a clock scaled to 0, where the 5 minutes would be over at once: it ends at once anyway.
  const timeout = state.Type === 'Wait' ? {} : { TimeoutSeconds: TEST_TIMEOUT_SECONDS };
  const language = queryLanguage === undefined ? {} : { QueryLanguage: queryLanguage };
  return { definition: { ...language, StartAt: startAt, ...timeout, States: states }, name };
}

/**
 * How the tested state ended, as TestState answers it. A mocked error is the state's as it was given (the
 * engine prefixes a States.Runtime cause, for one). Any other error has no prefix naming the state: AWS's
 * TestState answers the bare cause that an execution prefixes (a JSONata expression's error: floci-io/floci
 * pull request 2689 and the TestState causes measured in issue 2737; a Map's ItemsPath that selects no array:
 * localstack/localstack tests/aws/services/stepfunctions/v2/test_state/test_state_context_object.snapshot.json,
 * test_state_map_context_object).
 */
function testedEnding(
  ended: Out<Sfn.DescribeExecutionCommandOutput>,
  mock: TestMock | undefined,
  stateName: string,
): Out<Sfn.DescribeExecutionCommandOutput> {
  if (ended.status !== 'FAILED') return ended;
  if (mock?.answered && mock.mockedError) {
    return { ...ended, error: mock.mockedError.error, cause: mock.mockedError.cause };
  }
  if (ended.cause === undefined) return ended;
  return { ...ended, cause: withoutStatePrefix(ended.cause, stateName) };
}

/**
 * How the test went, from the events after the tested state's entry (`afterEntered`): its output and the
 * state entered after it, or the error it ended with and what its Retry or Catch does with it.
 */
async function outcomeOf(
  state: State,
  ended: Out<Sfn.DescribeExecutionCommandOutput>,
  afterEntered: readonly HistoryEvent[],
  scope: InspectionScope,
  retrierRetryCount: number,
): Promise<Out<Sfn.TestStateOutput> & { errorDetails?: Sfn.InspectionErrorDetails }> {
  const next = afterEntered.find((event) => event.type?.endsWith('StateEntered'));
  if (next) {
    const { name: nextState, input: output } = detailsOf(next) as { name: string; input: string };
    return { status: 'SUCCEEDED', output, nextState };
  }
  if (ended.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: ended.output };
  const failure = {
    ...(ended.error === undefined ? {} : { error: ended.error }),
    ...(ended.cause === undefined ? {} : { cause: ended.cause }),
  };
  // The test's own 5 minutes are over: no Retry or Catch of the state decides on that.
  if (ended.status !== 'FAILED') return { status: 'FAILED', ...failure };
  const error =
    ended.error === STATES_ERRORS.Timeout && ended.cause === undefined
      ? new TaskTimeoutError()
      : new StatesError(ended.error, ended.cause);
  const handling = state as ErrorHandling;
  // Each retrier as if it had retried `retrierRetryCount` times: only the one that takes the error counts.
  const retries = (handling.Retry ?? []).map(() => retrierRetryCount);
  const decision = decideOnError(handling, error, retries);
  if (decision.kind === 'fail') {
    // AWS names the retrier whose attempts are used up (TestState with `retrierRetryCount`, as recorded).
    const { exhaustedRetrier: retryIndex } = decision;
    return {
      status: 'FAILED',
      ...failure,
      ...(retryIndex === undefined ? {} : { errorDetails: { retryIndex } }),
    };
  }
  if (decision.kind === 'retry') {
    // A whole number of seconds, as the API gives it, at most the largest it holds.
    const seconds = Math.min(Math.round(decision.delayMs / 1000), JAVA_INT_MAX);
    const errorDetails = { retryIndex: decision.retrier, retryBackoffIntervalSeconds: seconds };
    return { status: 'RETRIABLE', ...failure, errorDetails };
  }
  let output: unknown;
  try {
    output = await caughtOutput(state, decision.catcher, error, scope);
  } catch (thrown) {
    // The catcher's ResultPath or Output fails the state, as it fails an execution.
    const failed = asStatesError(thrown);
    return {
      status: 'FAILED',
      error: failed.error,
      ...(failed.causeText === undefined ? {} : { cause: failed.causeText }),
    };
  }
  return {
    status: 'CAUGHT_ERROR',
    ...failure,
    nextState: decision.catcher.Next,
    output: JSON.stringify(output),
    errorDetails: { catchIndex: handling.Catch!.indexOf(decision.catcher) },
  };
}

/**
 * What `catcher` passes on for `error`, as the engine's exit of a caught state makes it: its `ResultPath`
 * over the state's input (JSONPath), or its `Output` (JSONata, the error output without one).
 */
async function caughtOutput(
  state: State,
  catcher: Catcher,
  error: StatesError,
  scope: InspectionScope,
): Promise<unknown> {
  const caught = errorOutput(error);
  if (state.QueryLanguage !== 'JSONata') return writeResultPath(scope.input, catcher.ResultPath, caught);
  const { Output } = catcher as Catcher & { Output?: unknown };
  if (Output === undefined) return caught;
  const states = { input: scope.input, context: scope.context, errorOutput: caught };
  return evaluateJsonataField(Output, 'Output', states, readerOf(scope.variables));
}
