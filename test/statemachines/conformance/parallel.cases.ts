import { type ExecutionCase, fn, previousEventIds } from './case.ts';

const PARALLEL = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html';

/** AWS-recorded Map and Parallel histories (LocalStack's snapshot tests, recorded against AWS). */
const RECORDED_SCENARIOS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';

let branches = 0;

/** A branch of one state, named uniquely (state names are unique across a whole state machine). */
function branch(state: Record<string, unknown>): object {
  const terminal = ['Succeed', 'Fail'].includes(String(state.Type));
  const name = `B${++branches}`;
  return { StartAt: name, States: { [name]: terminal ? state : { ...state, End: true } } };
}

function parallel(fields: Record<string, unknown>, next?: string): object {
  return {
    StartAt: 'P',
    States: { P: { Type: 'Parallel', ...fields, ...(next ? { Next: next } : { End: true }) } },
  };
}

/** Parallel states: output array in branch order, data flow, errors of a branch. */
export const parallelCases: ExecutionCase[] = [
  {
    name: 'Parallel outputs one element per branch, in branch order',
    source: PARALLEL,
    definition: parallel({
      Branches: [
        branch({ Type: 'Task', Resource: fn('add'), Parameters: { 'a.$': '$[0]', 'b.$': '$[1]' } }),
        branch({ Type: 'Pass', Parameters: { 'difference.$': 'States.MathAdd($[0], -3)' } }),
      ],
    }),
    input: [3, 2],
    expect: { status: 'SUCCEEDED', output: [5, { difference: 0 }] },
    historyCounts: {
      ParallelStateEntered: 1,
      ParallelStateStarted: 1,
      ParallelStateSucceeded: 1,
      ParallelStateExited: 1,
    },
  },
  {
    name: 'Each branch gets the same input',
    source: PARALLEL,
    definition: parallel({
      Branches: [branch({ Type: 'Pass' }), branch({ Type: 'Pass' }), branch({ Type: 'Pass' })],
    }),
    input: { v: 1 },
    expect: { status: 'SUCCEEDED', output: [{ v: 1 }, { v: 1 }, { v: 1 }] },
  },
  {
    name: 'Parallel ResultPath puts the branch outputs into the input',
    source: PARALLEL,
    definition: parallel({
      Branches: [branch({ Type: 'Pass', Result: 'a' }), branch({ Type: 'Pass', Result: 'b' })],
      ResultPath: '$.branches',
    }),
    input: { keep: true },
    expect: { status: 'SUCCEEDED', output: { keep: true, branches: ['a', 'b'] } },
  },
  {
    name: 'Parallel ResultSelector reshapes the array',
    source: PARALLEL,
    definition: parallel({
      Branches: [branch({ Type: 'Pass', Result: 'a' }), branch({ Type: 'Pass', Result: 'b' })],
      ResultSelector: { 'first.$': '$[0]', 'second.$': '$[1]' },
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: { first: 'a', second: 'b' } },
  },
  {
    name: 'Parallel Parameters build the branch input',
    source: PARALLEL,
    definition: parallel({
      Parameters: { 'x.$': '$.nested.x' },
      Branches: [branch({ Type: 'Pass', InputPath: '$.x' })],
    }),
    input: { nested: { x: 9 } },
    expect: { status: 'SUCCEEDED', output: [9] },
  },
  {
    name: 'A branch ending in Succeed contributes its input',
    source: PARALLEL,
    definition: parallel({ Branches: [branch({ Type: 'Succeed' }), branch({ Type: 'Pass', Result: 2 })] }),
    input: 'in',
    expect: { status: 'SUCCEEDED', output: ['in', 2] },
  },
  {
    name: 'A failing branch fails the Parallel state with its error',
    source: PARALLEL,
    definition: parallel({
      Branches: [
        branch({ Type: 'Pass' }),
        branch({ Type: 'Fail', Error: 'BranchBroke', Cause: 'the second branch' }),
      ],
    }),
    input: {},
    expect: { status: 'FAILED', error: 'BranchBroke', cause: 'the second branch' },
    historyCounts: { ParallelStateFailed: 1, ExecutionFailed: 1 },
  },
  {
    name: 'A branch failure aborts a running Lambda task of another branch with TaskStateAborted only',
    source: PARALLEL,
    definition: parallel({
      Branches: [
        branch({ Type: 'Task', Resource: fn('fail'), Parameters: { error: 'Oops', cause: 'first' } }),
        branch({ Type: 'Task', Resource: fn('hang') }),
      ],
    }),
    input: {},
    expect: { status: 'FAILED', error: 'Oops' },
    history: [
      'ExecutionStarted',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'TaskStateAborted',
      'ParallelStateFailed',
      'ExecutionFailed',
    ],
  },
  {
    name: 'Catch on Parallel handles a branch error',
    source: PARALLEL,
    definition: {
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            branch({
              Type: 'Task',
              Resource: fn('fail'),
              Parameters: { error: 'Oops', cause: 'task broke' },
            }),
          ],
          Catch: [{ ErrorEquals: ['Oops'], ResultPath: '$.error', Next: 'Handled' }],
          End: true,
        },
        Handled: { Type: 'Pass', End: true },
      },
    },
    input: { a: 1 },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { a, error } = output as { a: number; error: { Error: string; Cause: string } };
        if (a !== 1 || error.Error !== 'Oops' || !error.Cause.includes('task broke')) {
          throw new Error(`unexpected output ${JSON.stringify(output)}`);
        }
      },
    },
  },
  {
    name: 'Nested Parallel states',
    source: PARALLEL,
    definition: parallel({
      Branches: [
        {
          StartAt: 'Inner',
          States: {
            Inner: {
              Type: 'Parallel',
              Branches: [branch({ Type: 'Pass', Result: 1 }), branch({ Type: 'Pass', Result: 2 })],
              End: true,
            },
          },
        },
        branch({ Type: 'Pass', Result: 3 }),
      ],
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: [[1, 2], 3] },
  },
  {
    name: 'Retry on Parallel reruns every branch',
    source: PARALLEL,
    definition: parallel({
      Branches: [
        branch({
          Type: 'Task',
          Resource: fn('flaky'),
          Parameters: { key: 'parallel-retry', failures: 1, error: 'Flaky' },
        }),
      ],
      Retry: [{ ErrorEquals: ['Flaky'], IntervalSeconds: 1, MaxAttempts: 2 }],
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: [{ attempts: 2 }] },
  },
  {
    name: 'Retry on Parallel records a new ParallelStateStarted per attempt and ParallelStateFailed once, after the last',
    source: `${RECORDED_SCENARIOS} (test_parallel_state_retry)`,
    definition: {
      StartAt: 'ParallelState',
      States: {
        ParallelState: {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'Branch1',
              States: { Branch1: { Type: 'Fail', Error: 'FailureType', Cause: 'Cause description' } },
            },
          ],
          Retry: [{ ErrorEquals: ['FailureType'], MaxAttempts: 2 }],
          Next: 'Final',
        },
        Final: { Type: 'Pass', End: true },
      },
    },
    input: {},
    expect: { status: 'FAILED', error: 'FailureType', cause: 'Cause description' },
    history: [
      'ExecutionStarted',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'FailStateEntered',
      'ParallelStateStarted',
      'FailStateEntered',
      'ParallelStateStarted',
      'FailStateEntered',
      'ParallelStateFailed',
      'ExecutionFailed',
    ],
    checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 6, 7, 8, 9]),
  },
];
