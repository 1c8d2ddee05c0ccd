import { chain, type ExecutionCase, single } from './case.ts';

const WAIT = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html';
/** AWS-recorded Wait histories and errors (test_wait_timestamp_path, test_wait_timestamp_invalid). */
const RECORDED_WAIT =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';

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
    name: 'Wait SecondsPath to a missing field fails with States.Runtime',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.missing' }),
    input: {},
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'Wait SecondsPath to a string fails with States.Runtime',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.s' }),
    input: { s: 'ten' },
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'Wait SecondsPath to a negative number fails with States.Runtime',
    source: WAIT,
    definition: single({ Type: 'Wait', SecondsPath: '$.s' }),
    input: { s: -1 },
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: '-1' } },
  },
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
