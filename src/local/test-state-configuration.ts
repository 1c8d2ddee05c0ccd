/**
 * TestState's `stateConfiguration`: what the test sets about the tested state's run, checked against the
 * state it is for. `retrierRetryCount` for any state with a Retry; `mapIterationFailureCount` and
 * `mapItemReaderData` for a Map; `errorCausedByState` for a Map's or Parallel's mocked error.
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import { findState, nestedFlows } from './asl/nested-states.ts';
import { RETRYING_STATE_TYPES } from './asl/state-run.ts';
import type { State } from './asl/types.ts';
import { MAX_STATE_NAME_LENGTH } from './asl/validate.ts';
import { StepFunctionsApiError } from './service-errors.ts';

/** The request's `stateConfiguration`, checked, with its defaults. */
export interface TestConfiguration {
  /** How many retries the retrier that takes the error made before. */
  retrierRetryCount: number;
  /** How many of a mocked Map's iterations failed. */
  mapIterationFailureCount: number;
  /** What a Distributed Map's `ItemReader` reads, as its source holds it (the text of the S3 object). */
  mapItemReaderData?: string;
  /** The state inside a Map or Parallel that a mocked error comes from. */
  errorCausedByState?: string;
}

const CONFIGURATION_FIELDS = [
  'retrierRetryCount',
  'mapIterationFailureCount',
  'mapItemReaderData',
  'errorCausedByState',
];
/** The longest `mapItemReaderData`, as the API bounds it. */
const MAX_READER_DATA_LENGTH = 262_144;

function refuse(message: string): StepFunctionsApiError {
  return new StepFunctionsApiError('ValidationException', `stateConfiguration.${message}`);
}

function wholeNumber(
  configuration: Sfn.TestStateConfiguration,
  field: keyof Sfn.TestStateConfiguration,
): number {
  const value = configuration[field] ?? 0;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw refuse(`${field} must be a whole number of 0 or more (got ${JSON.stringify(value)})`);
  }
  return value as number;
}

/**
 * The `configuration` of a test of `state`, whose `mock` is given or not: each field checked for its type
 * and for the state it configures.
 */
export function parseTestConfiguration(
  configuration: Sfn.TestStateConfiguration | undefined,
  state: State,
  mock: Sfn.MockInput | undefined,
): TestConfiguration {
  if (configuration === undefined || configuration === null) {
    return errorCauseOf({ retrierRetryCount: 0, mapIterationFailureCount: 0 }, state, mock);
  }
  const unknown = Object.keys(configuration).filter((field) => !CONFIGURATION_FIELDS.includes(field));
  if (unknown.length > 0) {
    throw refuse(`${unknown[0]} is not a field of stateConfiguration: ${CONFIGURATION_FIELDS.join(', ')}`);
  }
  const parsed: TestConfiguration = {
    retrierRetryCount: wholeNumber(configuration, 'retrierRetryCount'),
    mapIterationFailureCount: wholeNumber(configuration, 'mapIterationFailureCount'),
  };
  if (configuration.retrierRetryCount !== undefined && !RETRYING_STATE_TYPES.has(state.Type)) {
    throw refuse(
      `retrierRetryCount is for a state with a Retry: a Task, Map or Parallel (the tested state is a ${state.Type})`,
    );
  }
  if (configuration.mapIterationFailureCount !== undefined && state.Type !== 'Map') {
    throw refuse(`mapIterationFailureCount is for a Map state (the tested state is a ${state.Type})`);
  }
  const { mapItemReaderData: data, errorCausedByState } = configuration;
  if (data !== undefined) parsed.mapItemReaderData = readerData(data, state);
  if (errorCausedByState !== undefined) parsed.errorCausedByState = errorCausedByState;
  return errorCauseOf(parsed, state, mock);
}

/** `mapItemReaderData`, for a Map whose `ItemReader` reads one S3 object: text of at most 256 KiB. */
function readerData(data: unknown, state: State): string {
  if (typeof data !== 'string' || data.length > MAX_READER_DATA_LENGTH) {
    throw refuse(
      `mapItemReaderData must be the text the ItemReader reads, at most ${MAX_READER_DATA_LENGTH} characters`,
    );
  }
  const reader = (state as { ItemReader?: { Resource?: unknown } }).ItemReader;
  if (
    state.Type !== 'Map' ||
    typeof reader?.Resource !== 'string' ||
    !reader.Resource.endsWith(':getObject')
  ) {
    throw refuse(
      'mapItemReaderData is for a Map state whose ItemReader reads an S3 object (arn:aws:states:::s3:getObject)',
    );
  }
  return data;
}

/**
 * `errorCausedByState` checked: a mocked error of a Map or Parallel needs it, naming a state inside the
 * state (in one of its branches or its item processor); nothing else takes it.
 */
function errorCauseOf(
  parsed: TestConfiguration,
  state: State,
  mock: Sfn.MockInput | undefined,
): TestConfiguration {
  const name = parsed.errorCausedByState;
  const nests = state.Type === 'Map' || state.Type === 'Parallel';
  const mockedError = mock?.errorOutput !== undefined && mock.errorOutput !== null;
  if (!nests || !mockedError) {
    if (name === undefined) return parsed;
    throw refuse('errorCausedByState is for a mocked error (mock.errorOutput) of a Map or Parallel state');
  }
  const flows = nestedFlows(state as unknown as Record<string, unknown>);
  const named =
    typeof name === 'string' &&
    name.length <= MAX_STATE_NAME_LENGTH &&
    flows.some((flow) => findState(flow, name) !== undefined);
  if (!named) {
    throw refuse(
      `errorCausedByState must name the state inside the ${state.Type} state that the mocked error comes from (got ${JSON.stringify(name ?? null)})`,
    );
  }
  return parsed;
}
