/**
 * TestState's mocks: a `mock` stands in for what makes a Task's, Map's or Parallel's result. A mocked Task
 * runs with a function of the test's runtime as its resource ({@link mockedTask}), answering the mocked
 * result or error; a mocked Map or Parallel runs its own fields (a Map its items, ItemSelector, ItemBatcher,
 * MaxConcurrency and thresholds), and a stand-in answers its result in place of its children.
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import { STATES_ERRORS, StatesError } from './asl/errors.ts';
import { deeperThan } from './asl/expressions/json-values.ts';
import type { MapChildrenPlan, StateStandIns } from './asl/stand-ins.ts';
import { exceedsThreshold, THRESHOLD_EXCEEDED_CAUSE } from './asl/states/distributed-map.ts';
import type { State } from './asl/types.ts';
import type { LocalLambdaHandler } from './lambda-registry.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { validateOneOf } from './service-validation.ts';
import { checkMockedResult, FIELD_VALIDATION_MODES } from './test-state-result-shapes.ts';

/** The function a mocked Task invokes in the test's runtime, in place of its resource. */
const MOCK_FUNCTION = 'cutover-test-state-mock';
const MOCK_FUNCTION_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${MOCK_FUNCTION}`;

/** The state types a mock stands in for: those that produce a result. */
export const MOCKED_TYPES: ReadonlySet<string> = new Set(['Task', 'Map', 'Parallel']);

/** A function of the test's runtime: its name and handler. */
export interface TestFunction {
  name: string;
  handler: LocalLambdaHandler;
}

/** What a mock puts in the test's runtime, and what it saw there. */
export interface TestMock {
  /** A mocked Task's function, which its resource becomes. */
  function?: TestFunction;
  /** A mocked Map's or Parallel's stand-in for its result. */
  standIns?: Pick<StateStandIns, 'mapResult' | 'parallelResult'>;
  /** The mocked result (parsed), when the mock gives one. */
  result?: unknown;
  /** The error the mock fails with: the test answers it as it is. */
  mockedError?: { error: string; cause?: string };
  /** What a mocked Map's children would have got, once the Map came to them. */
  plan?: MapChildrenPlan;
  /** What a mocked Parallel's branches would have got, once it came to them. */
  branchInput?: unknown;
  /** Set once the mock answered (the state came to it). */
  answered?: boolean;
}

/** What a mock's checks and a Map's thresholds take from the rest of the request. */
export interface MockLimits {
  /** `stateConfiguration.mapIterationFailureCount`. */
  mapIterationFailureCount: number;
  /** How deep a mocked result may nest. */
  nestingLimit: number;
}

/**
 * What `mock` makes of `state`: it answers `result` (JSON text), or fails with `errorOutput`'s error and
 * cause as they are; a Map whose thresholds `mapIterationFailureCount` failed iterations exceed fails
 * `States.ExceedToleratedFailureThreshold`. A Task's result is checked against what its integration returns,
 * as `fieldValidationMode` says (see test-state-result-shapes.ts).
 */
export function testMock(mock: Sfn.MockInput, state: State, limits: MockLimits): TestMock {
  const outcome = mockOutcome(mock, state, limits.nestingLimit);
  const tested: TestMock = { ...outcome };
  const answer = (): unknown => {
    tested.answered = true;
    if (outcome.mockedError) throw new StatesError(outcome.mockedError.error, outcome.mockedError.cause);
    return outcome.result;
  };
  if (state.Type === 'Task') {
    tested.function = { name: MOCK_FUNCTION, handler: answer };
    return tested;
  }
  tested.standIns = {
    parallelResult: (_run, input) => {
      tested.branchInput = input;
      return answer();
    },
    mapResult: (_run, plan) => {
      tested.plan = plan;
      if (!outcome.mockedError && exceedsThresholds(plan, limits.mapIterationFailureCount)) {
        throw new StatesError(STATES_ERRORS.ExceedToleratedFailureThreshold, THRESHOLD_EXCEEDED_CAUSE);
      }
      return answer();
    },
  };
  return tested;
}

/** Whether `failures` of the plan's items exceed the thresholds the Map sets (none set: not checked). */
function exceedsThresholds(plan: MapChildrenPlan, failures: number): boolean {
  const { toleratedFailureCount: count, toleratedFailurePercentage: percentage } = plan;
  if (count === undefined && percentage === undefined) return false;
  return exceedsThreshold({ count, percentage }, failures, plan.items.length);
}

/** The result or error `mock` gives, checked. */
function mockOutcome(
  mock: Sfn.MockInput,
  state: State,
  nestingLimit: number,
): Pick<TestMock, 'result' | 'mockedError'> {
  const { result, errorOutput, fieldValidationMode = 'STRICT' } = mock;
  const mode = validateOneOf(fieldValidationMode, 'mock.fieldValidationMode', FIELD_VALIDATION_MODES);
  if (result !== undefined && errorOutput !== undefined) {
    throw new StepFunctionsApiError(
      'ValidationException',
      'A test mock should have only one of the following fields: [result, errorOutput].',
    );
  }
  if (result === undefined && errorOutput === undefined) {
    throw new StepFunctionsApiError(
      'ValidationException',
      'mock needs result (JSON text) or errorOutput ({error, cause?})',
    );
  }
  if (errorOutput !== undefined) {
    const { error, cause } = errorOutput;
    if (typeof error !== 'string' || error === '') {
      throw new StepFunctionsApiError(
        'ValidationException',
        'mock.errorOutput.error must be a non-empty string',
      );
    }
    return { mockedError: { error, ...(cause === undefined || cause === null ? {} : { cause }) } };
  }
  let value: unknown;
  try {
    value = JSON.parse(String(result));
  } catch {
    throw new StepFunctionsApiError('ValidationException', 'Mocked result must be valid JSON');
  }
  if (deeperThan(value, nestingLimit) !== undefined) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `Mocked result nests arrays and objects more than ${nestingLimit} levels deep, the nesting depth limit of the local runtime's TestState`,
    );
  }
  refuseMockedResultShape(state, value);
  const { Resource } = state as { Resource?: unknown };
  if (typeof Resource === 'string') checkMockedResult(Resource, value, mode);
  return { result: value };
}

/**
 * A mocked Map's result is an array (an object when its `ResultWriter` exports the results to S3: the
 * export's description), a mocked Parallel's an array of one output per branch, as AWS checks them.
 */
function refuseMockedResultShape(state: State, value: unknown): void {
  const { Type, ResultWriter, Branches } = state as {
    Type: string;
    ResultWriter?: { Resource?: unknown };
    Branches?: unknown[];
  };
  if (Type === 'Map' && ResultWriter?.Resource !== undefined) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new StepFunctionsApiError('ValidationException', 'Mocked result must be a JSON object.');
    }
    return;
  }
  if (Type !== 'Map' && Type !== 'Parallel') return;
  if (!Array.isArray(value)) {
    throw new StepFunctionsApiError('ValidationException', 'Mocked result must be an array.');
  }
  const branches = Branches?.length ?? 0;
  if (Type === 'Parallel' && value.length !== branches) {
    throw new StepFunctionsApiError(
      'ValidationException',
      'Mocked result must contain the same number of items as number of Parallel branches.',
    );
  }
}

/** The state a mocked Task runs as: a Task whose resource is the mock's function, its data flow its own. */
export function mockedTask(state: State): State {
  return { ...state, Resource: MOCK_FUNCTION_ARN } as unknown as State;
}
