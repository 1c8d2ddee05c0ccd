import { chain, type ExecutionCase, single } from './case.ts';

const WAIT = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html';
/** AWS-recorded Wait histories and errors (test_wait_timestamp_path, test_wait_timestamp_invalid). */
const RECORDED_WAIT =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';
/** AWS-recorded Wait runs: test_wait_timestamppath[<suffix>] and test_base_wait_seconds_path[<seconds>]. */
const RECORDED_WAIT_PATHS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/base/test_wait.snapshot.json';
/** The error of the recorded machine `{ WaitState: { SecondsPath: '$.input.waitSeconds' } }` for `waitSeconds`. */
const secondsPathFailure = (waitSeconds: unknown, cause: string): ExecutionCase => ({
  name: `Wait SecondsPath to ${JSON.stringify(waitSeconds)} fails with States.Runtime: ${cause}`,
  source: RECORDED_WAIT_PATHS,
  definition: {
    StartAt: 'WaitState',
    States: { WaitState: { Type: 'Wait', SecondsPath: '$.input.waitSeconds', End: true } },
  },
  input: { input: { waitSeconds } },
  expect: {
    status: 'FAILED',
    error: 'States.Runtime',
    cause: `An error occurred while executing the state 'WaitState' (entered at the event id #2). The SecondsPath parameter ${cause}: $.input.waitSeconds == ${waitSeconds}`,
  },
  history: ['ExecutionStarted', 'WaitStateEntered', 'ExecutionFailed'],
});
/** The recorded machine `{ State_1: { TimestampPath: '$.start_at' } }` waiting until `2016-03-14T01:59:00<suffix>`. */
const timestampPathSuffix = (suffix: string, valid: boolean): ExecutionCase => {
  const startAt = `2016-03-14T01:59:00${suffix}`;
  return {
    name: `Wait TimestampPath to ${startAt} ${valid ? 'ends at once' : 'fails: without Z it has no offset'}`,
    source: RECORDED_WAIT_PATHS,
    definition: {
      StartAt: 'State_1',
      States: { State_1: { Type: 'Wait', TimestampPath: '$.start_at', End: true } },
    },
    input: { start_at: startAt },
    expect: valid
      ? { status: 'SUCCEEDED', output: { start_at: startAt } }
      : {
          status: 'FAILED',
          error: 'States.Runtime',
          cause:
            "An error occurred while executing the state 'State_1' (entered at the event id #2). The TimestampPath " +
            `parameter does not reference a valid ISO-8601 extended offset date-time format string: $.start_at == ${startAt}`,
        },
  };
};

/** Wait states (run with waits scaled to zero: the semantics, not the durations). */
export const waitCases: ExecutionCase[] = [
  {
    name: 'Wait Seconds passes its input through',
    source: WAIT,
    definition: single({ Type: 'Wait', Seconds: 10 }),
    input: { a: 1 },
    expect: { status: 'SUCCEEDED', output: { a: 1 } },
    history: ['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'ExecutionSucceeded'],
  },
  {
    name: 'Wait SecondsPath reads the duration from the input',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.expiredate' }),
    input: { expiredate: 3 },
    expect: { status: 'SUCCEEDED', output: { expiredate: 3 } },
  },
  {
    name: 'Wait Timestamp in the past ends at once',
    source: WAIT,
    definition: single({ Type: 'Wait', Timestamp: '2016-03-14T01:59:00Z' }),
    input: { x: true },
    expect: { status: 'SUCCEEDED', output: { x: true } },
  },
  {
    name: 'Wait TimestampPath reads the instant from the input',
    source: WAIT,
    definition: single({ Type: 'Wait', TimestampPath: '$.expirydate' }),
    input: { expirydate: '2016-03-14T01:59:00Z' },
    expect: { status: 'SUCCEEDED', output: { expirydate: '2016-03-14T01:59:00Z' } },
  },
  {
    name: 'Wait applies InputPath and OutputPath',
    source: WAIT,
    definition: single({ Type: 'Wait', Seconds: 1, InputPath: '$.a', OutputPath: '$.b' }),
    input: { a: { b: 'out' } },
    expect: { status: 'SUCCEEDED', output: 'out' },
  },
  {
    name: 'Wait SecondsPath to a missing field fails with States.Runtime, naming the path',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.missing' }),
    input: {},
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: '$.missing' } },
  },
  {
    name: 'Wait TimestampPath to a missing field fails with States.Runtime, naming the path',
    source: WAIT,
    definition: single({ Type: 'Wait', TimestampPath: '$.missing' }),
    input: {},
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: '$.missing' } },
  },
  {
    name: 'Wait SecondsPath to a string fails with States.Runtime',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.s' }),
    input: { s: 'ten' },
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  secondsPathFailure(-1, 'references a negative value'),
  secondsPathFailure(-1.5, 'cannot be parsed as a long value'),
  secondsPathFailure(1.5, 'cannot be parsed as a long value'),
  {
    name: 'Wait SecondsPath to 0 ends at once',
    source: RECORDED_WAIT_PATHS,
    definition: single({ Type: 'Wait', SecondsPath: '$.input.waitSeconds' }),
    input: { input: { waitSeconds: 0 } },
    expect: { status: 'SUCCEEDED', output: { input: { waitSeconds: 0 } } },
  },
  timestampPathSuffix('.00Z', true),
  timestampPathSuffix('.0000000Z', true),
  timestampPathSuffix('.000000', false),
  timestampPathSuffix('.000', false),
  {
    name: 'Wait SecondsPath to a number over 99999999 fails with States.Runtime, naming the value and the range',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.s' }),
    input: { s: 100_000_000 },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause: { includes: 'integer from 0 to 99999999: 100000000' },
    },
  },
  {
    name: 'Wait TimestampPath to a non-timestamp fails with States.Runtime',
    source: WAIT,
    definition: single({ Type: 'Wait', TimestampPath: '$.t' }),
    input: { t: 'tomorrow' },
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'Wait TimestampPath to a date without a time and zone (not RFC 3339) fails with States.Runtime',
    source: WAIT,
    definition: single({ Type: 'Wait', TimestampPath: '$.t' }),
    input: { t: '2016-03-14' },
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'Wait TimestampPath to a time without a zone fails with States.Runtime, naming the path and the value as AWS does',
    source: RECORDED_WAIT,
    definition: {
      StartAt: 'WaitUntil',
      States: { WaitUntil: { Type: 'Wait', TimestampPath: '$.TimestampValue', End: true } },
    },
    input: { TimestampValue: '2016-12-05T21:29:29' },
    expect: {
      status: 'FAILED',
      error: 'States.Runtime',
      cause:
        "An error occurred while executing the state 'WaitUntil' (entered at the event id #2). The TimestampPath " +
        'parameter does not reference a valid ISO-8601 extended offset date-time format string: ' +
        '$.TimestampValue == 2016-12-05T21:29:29',
    },
    history: ['ExecutionStarted', 'WaitStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'Wait between two Pass states',
    source: WAIT,
    definition: chain(
      { Type: 'Pass', Result: 1, ResultPath: '$.a' },
      { Type: 'Wait', Seconds: 5 },
      { Type: 'Pass' },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { a: 1 } },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ],
  },
];
