/**
 * TestState's mocks: a `mock` stands in for what makes a Task's, Map's or Parallel's result. The state runs
 * as a Task whose resource is a function of the test's runtime ({@link mockFunction}) answering the mocked
 * result or error, with the state's own data flow around it ({@link mockedTask}).
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import { StatesError } from './asl/errors.ts';
import type { State } from './asl/types.ts';
import type { LocalLambdaHandler } from './lambda-registry.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { validateOneOf } from './service-validation.ts';

const FIELD_VALIDATION_MODES = ['STRICT', 'PRESENT', 'NONE'] as const;
/** The function a mocked Task invokes in the test's runtime, in place of its resource. */
const MOCK_FUNCTION = 'cutover-test-state-mock';
const MOCK_FUNCTION_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${MOCK_FUNCTION}`;

/** The state types a mock stands in for: those that produce a result. */
export const MOCKED_TYPES: ReadonlySet<string> = new Set(['Task', 'Map', 'Parallel']);
/**
 * The fields of a mocked Map or Parallel that make its result, which the mock gives instead: its items or
 * branches and what shapes their input and runs them.
 */
const RESULT_MAKING_FIELDS = [
  'Branches',
  'ItemsPath',
  'Items',
  'ItemSelector',
  'ItemProcessor',
  'Iterator',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'MaxConcurrency',
  'MaxConcurrencyPath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'Label',
  'Parameters',
  'Arguments',
];

/** A function of the test's runtime: its name and handler. */
export interface TestFunction {
  name: string;
  handler: LocalLambdaHandler;
  /** The error it fails with, when it mocks one: the test answers it as it is. */
  mockedError?: { error: string; cause?: string };
}

/**
 * The function a Task's `mock` makes: it answers `result` (JSON text), or fails with `errorOutput`'s error
 * and cause as they are. `fieldValidationMode` is checked for its values; results are not checked against
 * the service's API model.
 */
export function mockFunction(mock: Sfn.MockInput, state: State): TestFunction {
  const { result, errorOutput, fieldValidationMode } = mock;
  if (fieldValidationMode !== undefined) {
    validateOneOf(fieldValidationMode, 'mock.fieldValidationMode', FIELD_VALIDATION_MODES);
  }
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
    return {
      name: MOCK_FUNCTION,
      handler: () => {
        throw new StatesError(error, cause);
      },
      mockedError: { error, ...(cause === undefined || cause === null ? {} : { cause }) },
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(String(result));
  } catch {
    throw new StepFunctionsApiError('ValidationException', 'Mocked result must be valid JSON');
  }
  refuseMockedResultShape(state, value);
  return { name: MOCK_FUNCTION, handler: () => value };
}

/**
 * A mocked Map's result is an array (an object with a `ResultWriter`), a mocked Parallel's an array of one
 * output per branch, as AWS checks them.
 */
function refuseMockedResultShape(state: State, value: unknown): void {
  const { Type, ResultWriter, Branches } = state as {
    Type: string;
    ResultWriter?: unknown;
    Branches?: unknown[];
  };
  if (Type === 'Map' && ResultWriter !== undefined) {
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
      `Mocked result must have one output per branch: the Parallel state has ${branches}, the result ${value.length}`,
    );
  }
}

/**
 * The state a mocked state runs as: a Task whose resource is the mock's function, with the state's own data
 * flow around the result (InputPath, ResultSelector, ResultPath, OutputPath, Output, Assign). A Map or
 * Parallel leaves out the fields that would make its result.
 */
export function mockedTask(state: State): State {
  const task: Record<string, unknown> = { ...state, Type: 'Task', Resource: MOCK_FUNCTION_ARN };
  if (state.Type !== 'Task') for (const field of RESULT_MAKING_FIELDS) delete task[field];
  return task as unknown as State;
}
