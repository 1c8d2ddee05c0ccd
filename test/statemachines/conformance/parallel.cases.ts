import { assignments, type ExecutionCase, fn, previousEventIds } from './case.ts';

const PARALLEL = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html';

/** AWS-recorded Map and Parallel histories (LocalStack's snapshot tests, recorded against AWS). */
const RECORDED_SCENARIOS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';

/**
 * AWS-recorded histories of JSONata Parallel states whose one branch's Lambda task fails, caught by the
 * Parallel state's Catcher (LocalStack's `test_parallel_catch_error`, recorded against AWS on 2024-11-13).
 * The recording lists a branch's events with masked ids, and its ParallelStateFailed was dropped by the
 * recorder's reordering of branch events (the ids around it leave its place: 9, and 15 after a retry).
 */
const RECORDED_PARALLEL_CATCH =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/states_variables/test_error_output.snapshot.json';

/**
 * The recorded JSONata Parallel state: one branch with one failing `lambda:invoke` (with `taskAssign`), then
 * `fields` (Retry, Catch); its `Fallback` state outputs `fallbackOutput`.
 */
function failingLambdaParallel(
  fields: Record<string, unknown>,
  {
    taskAssign,
    fallbackOutput = { result: '{% $states.input %}' },
  }: { taskAssign?: object; fallbackOutput?: object } = {},
): object {
  return {
    QueryLanguage: 'JSONata',
    StartAt: 'ParallelState',
    States: {
      ParallelState: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'ExecuteLambdaTask',
            States: {
              ExecuteLambdaTask: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke',
                Arguments: { FunctionName: fn('fail'), Payload: { error: 'Exception', cause: 'raised' } },
                ...(taskAssign && { Assign: taskAssign }),
                End: true,
              },
            },
          },
        ],
        ...fields,
        Next: 'Finish',
      },
      Fallback: { Type: 'Pass', Output: fallbackOutput, End: true },
      Finish: { Type: 'Pass', End: true },
    },
  };
}

/** The history of {@link failingLambdaParallel} failing `attempts` times, then caught and handled by Fallback. */
function caughtAfterAttempts(attempts: number): string[] {
  const branch = ['TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskFailed', 'TaskStateAborted'];
  const runs = Array.from({ length: attempts }, () => ['ParallelStateStarted', ...branch]);
  return [
    'ExecutionStarted',
    'ParallelStateEntered',
    ...runs.flat(),
    'ParallelStateFailed',
    'ParallelStateExited',
    'PassStateEntered',
    'PassStateExited',
    'ExecutionSucceeded',
  ];
}

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
      'TaskStateAborted',
      'ParallelStateFailed',
      'ExecutionFailed',
    ],
  },
  {
    name: "A branch's failed Task records TaskStateAborted after its TaskFailed; a Catcher then handles the Parallel state",
    source: `${RECORDED_PARALLEL_CATCH} (test_parallel_catch_error[PARALLEL_CATCH_ERROR_OUTPUT])`,
    definition: failingLambdaParallel({
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          Output: { stateInput: '{% $states.input %}', stateError: '{% $states.errorOutput %}' },
          Next: 'Fallback',
        },
      ],
    }),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { stateInput, stateError } = (output as { result: Record<string, { Error?: string }> }).result;
        if (JSON.stringify(stateInput) !== '{"inputData":"dummy"}' || stateError?.Error !== 'Exception') {
          throw new Error(`unexpected output ${JSON.stringify(output)}`);
        }
      },
    },
    history: caughtAfterAttempts(1),
    // The branch's TaskStateAborted is no predecessor: ParallelStateFailed follows its TaskFailed.
    checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 12]),
  },
  {
    name: "A branch may assign a variable that the Parallel state's Catcher assigns; the Catcher's values are the ones kept",
    source: `${RECORDED_PARALLEL_CATCH} (test_parallel_catch_error[PARALLEL_CATCH_ERROR_VARIABLE_SAMPLING])`,
    definition: failingLambdaParallel(
      {
        Catch: [
          {
            ErrorEquals: ['States.ALL'],
            Assign: { inputVar: '{% $states.input %}', errorVar: '{% $states.errorOutput %}' },
            Next: 'Fallback',
          },
        ],
      },
      {
        taskAssign: { inputVar: '{% $states.input %}', resultVar: '{% $states.result %}' },
        fallbackOutput: { error: '{% $errorVar %}' },
      },
    ),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        if ((output as { error: { Error?: string } }).error.Error !== 'Exception') {
          throw new Error(`unexpected output ${JSON.stringify(output)}`);
        }
      },
    },
    checkHistory: (events) => {
      const [[state, values]] = assignments(events) as [[string, Record<string, string>]];
      if (state !== 'ParallelState' || values.inputVar !== '{"inputData":"dummy"}' || !values.errorVar) {
        throw new Error(`unexpected assignments ${JSON.stringify(assignments(events))}`);
      }
    },
  },
  {
    name: 'A retried Parallel state starts again from the TaskFailed of its failed branch, past its TaskStateAborted',
    source: `${RECORDED_PARALLEL_CATCH} (test_parallel_catch_error[PARALLEL_CATCH_ERROR_OUTPUT_WITH_RETRY])`,
    definition: failingLambdaParallel({
      Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Fallback' }],
    }),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        if ((output as { result: { Error?: string } }).result.Error !== 'Exception') {
          throw new Error(`unexpected output ${JSON.stringify(output)}`);
        }
      },
    },
    history: caughtAfterAttempts(2),
    checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 6, 7, 7, 9, 10, 11, 12, 13, 13, 15, 16, 17, 18]),
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
