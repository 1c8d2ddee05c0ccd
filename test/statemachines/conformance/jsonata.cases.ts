import { CreateStateMachineCommand, type HistoryEvent, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import type { ApiCaseContext, ApiErrorCase } from './api.cases.ts';
import {
  assignments,
  chain,
  type ExecutionCase,
  type Expected,
  fn,
  previousEventIds,
  single,
} from './case.ts';

const DG = 'https://docs.aws.amazon.com/step-functions/latest/dg';
const TRANSFORMING = `${DG}/transforming-data.html`;
const VARIABLES = `${DG}/workflow-variables.html`;
const PASS = `${DG}/state-pass.html`;
const TASK = `${DG}/state-task.html`;
const CHOICE = `${DG}/state-choice.html`;
const WAIT = `${DG}/state-wait.html`;
const PARALLEL = `${DG}/state-parallel.html`;
const MAP = `${DG}/state-map-inline.html`;
const SUCCEED = `${DG}/state-succeed.html`;
const FAIL = `${DG}/state-fail.html`;
const ERRORS = `${DG}/concepts-error-handling.html`;
/** The Amazon States Language specification, its JSONata sections. */
const ASL = 'https://states-language.net/spec.html';
/** JSONata 2.0.6 (the version Step Functions runs): a sequence of one value is that value. */
const JSONATA_SEQUENCES = 'https://docs.jsonata.org/predicate#singleton-array-and-value-equivalence';
/** Expectations taken from execution histories recorded on AWS Step Functions for the same definition. */
const RECORDED = 'execution history as AWS records it';
const LOCALSTACK_TESTS =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2';
/** AWS-recorded histories of JSONata and JSONPath states side by side (recorded 2024-11-07/08). */
const RECORDED_MIXED = `${LOCALSTACK_TESTS}/query_language/test_mixed_query_language.snapshot.json`;
/** AWS-recorded histories of JSONata catchers reading `$states.errorOutput` (recorded 2024-11-12). */
const RECORDED_ERROR_OUTPUT = `${LOCALSTACK_TESTS}/states_variables/test_error_output.snapshot.json`;
/** AWS-recorded histories of JSONata fields giving nothing (recorded 2024-11). */
const RECORDED_UNDEFINED = `${LOCALSTACK_TESTS}/assign/test_assign_reference_variables.snapshot.json`;
/** AWS-recorded histories of JSONata expressions in every field (recorded 2025-07-22). */
const RECORDED_EXPRESSIONS = `${LOCALSTACK_TESTS}/evaluate_jsonata/test_base_evaluate_expressions.snapshot.json`;
/** AWS-recorded histories of JSONata Wait and Map states (recorded 2024-11/12). */
const RECORDED_SCENARIOS = `${LOCALSTACK_TESTS}/scenarios/test_base_scenarios.snapshot.json`;
/**
 * Causes measured on AWS (StartExecution and TestState in us-east-1) and reported with their definitions; see
 * the issue's reproduction.
 */
const MEASURED = (issue: number) => `https://github.com/floci-io/floci/issues/${issue} (measured on AWS)`;
/** Answers floci-io/floci's JSONata evaluator tests give as measured on AWS (TestState, us-east-1, 2026-08-30). */
const MEASURED_IN_TESTS = (test: string) => `floci-io/floci JsonataEvaluatorTest ${test} (measured on AWS)`;

/*
 * The expressions of the cases that check a cause are written without spaces inside `{%` and `%}`: the cause
 * quotes the expression, and the recorded causes do not show whether AWS trims those spaces.
 */

/** What AWS records for a Map `Items` expression giving the number 1. */
const ITEMS_NUMBER_CAUSE =
  "The JSONata expression '$ItemsVar' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'number' for value: 1";

/** `1+1+...+1` of 200 terms: its evaluation nests 200 levels. */
const SUM_OF_200_ONES = Array.from({ length: 200 }, () => '1').join('+');

/** A definition whose top-level `QueryLanguage` is JSONata (its states inherit it). */
function jsonata(definition: object): object {
  return { QueryLanguage: 'JSONata', ...definition };
}

/** The cause AWS gives for an expression failing in the state `state` entered at the event `eventId`. */
function stateCause(state: string, eventId: number, cause: string): string {
  return `An error occurred while executing the state '${state}' (entered at the event id #${eventId}). ${cause}`;
}

/** An execution failing with `States.QueryEvaluationError` in the state `state` (see {@link stateCause}). */
function queryEvaluationError(state: string, eventId: number, cause: string): Expected {
  return { status: 'FAILED', error: 'States.QueryEvaluationError', cause: stateCause(state, eventId, cause) };
}

/** The cause AWS gives for an expression that returned nothing. */
function undefinedCause(expression: string, field: string): string {
  return `The JSONata expression '${expression}' specified for the field '${field}' returned nothing (undefined).`;
}

/** The cause AWS gives for an expression that JSONata stopped with an error `code: message`. */
function thrownCause(expression: string, field: string, error: string): string {
  return `The JSONata expression '${expression}' specified for the field '${field}' threw an error during evaluation. ${error}`;
}

/**
 * An execution failing with `States.QueryEvaluationError` in the state `state` entered at the event
 * `enteredId` (see {@link stateCause}), and its history from that event on as AWS records it: `[type, id,
 * previousEventId]` each, the `EvaluationFailed` event's details (`location` and all) and the
 * `ExecutionFailed` event's, which repeat the cause.
 */
function evaluationFailure(
  failure: { state: string; enteredId: number; cause: string; location?: string },
  events: readonly (readonly [string, number, number])[],
): Pick<ExecutionCase, 'expect' | 'checkHistory'> {
  const { state, enteredId, cause, location } = failure;
  const failed = { error: 'States.QueryEvaluationError', cause: stateCause(state, enteredId, cause) };
  return {
    expect: { status: 'FAILED', ...failed },
    checkHistory: (history) => {
      const tail = history.slice(-events.length);
      expect(tail.map((event) => [event.type, event.id, event.previousEventId])).toEqual(events);
      const evaluationFailed = tail.find((event) => event.type === 'EvaluationFailed');
      expect(evaluationFailed?.evaluationFailedEventDetails).toEqual({ ...failed, location, state });
      const executionFailed = tail.find((event) => event.type === 'ExecutionFailed');
      expect(executionFailed?.executionFailedEventDetails).toEqual(failed);
    },
  };
}

/** The cause a `lambda:invoke` of `fail` gives: Lambda's error JSON (its request id is random). */
const LAMBDA_EXCEPTION_CAUSE =
  /^\{"errorMessage":"Some exception was raised\.","errorType":"Exception","requestId":"[0-9a-f-]{36}","stackTrace":\[.*\]\}$/;

/** The recorded catcher machines' Task: a `lambda:invoke` of a function raising `Exception`. */
function failingInvoke(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Arguments: {
      FunctionName: fn('fail'),
      Payload: { error: 'Exception', cause: 'Some exception was raised.' },
    },
    ...extra,
  };
}

/** An item processor (or branch) of one state named `name`. */
function processor(name: string, state: Record<string, unknown>): object {
  return { ProcessorConfig: { Mode: 'INLINE' }, StartAt: name, States: { [name]: { ...state, End: true } } };
}

/** A Parallel branch of one state named `name`. */
function branch(name: string, state: Record<string, unknown>): object {
  return { StartAt: name, States: { [name]: { ...state, End: true } } };
}

const SHA256_OF_HASH_THIS_STRING = '1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e';

/** States with `QueryLanguage: "JSONata"`: `{% %}` expressions, `$states`, Arguments, Output and Assign. */
/** An inline JSONata Map over `[1]` with a tolerated failure threshold `field` set by `expression`. */
function inlineMapWithThreshold(field: string, expression: string): object {
  const ItemProcessor = {
    ProcessorConfig: { Mode: 'INLINE' },
    StartAt: 'Process',
    States: { Process: { Type: 'Pass', End: true } },
  };
  return jsonata({
    StartAt: 'Start',
    States: { Start: { Type: 'Map', Items: [1], ItemProcessor, [field]: expression, End: true } },
  });
}

export const jsonataCases: ExecutionCase[] = [
  ...(
    [
      ['ToleratedFailureCount', '{% $variable := 1 %}', {}],
      ['ToleratedFailurePercentage', '{% $states.input.input_value %}', { input_value: 100 }],
    ] as const
  ).map(
    ([field, expression, input]): ExecutionCase => ({
      name: `Inline JSONata Map: a ${field} expression is accepted and the Map runs inline`,
      source: `${RECORDED_EXPRESSIONS} (test_base_map[TOLERATED_FAILURE_COUNT], test_base_map_from_input[TOLERATED_FAILURE_PERCENTAGE]); ${RECORDED}`,
      definition: inlineMapWithThreshold(field, expression),
      input,
      expect: { status: 'SUCCEEDED', output: [1] },
      history: [
        'ExecutionStarted',
        'MapStateEntered',
        'MapStateStarted',
        'MapIterationStarted',
        'PassStateEntered',
        'PassStateExited',
        'MapIterationSucceeded',
        'MapStateSucceeded',
        'MapStateExited',
        'ExecutionSucceeded',
      ],
      checkHistory: previousEventIds([0, 0, 2, 3, 4, 5, 6, 7, 7, 9]),
    }),
  ),
  // Pass: Output
  {
    name: 'Pass Output: `{% %}` strings are evaluated at any depth of objects and arrays; other values are kept',
    source: `${TRANSFORMING}; ${PASS}`,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: {
          top: '{% $states.input.n + 1 %}',
          nested: {
            deeper: { name: '{% $uppercase($states.input.name) %}', list: ['{% $states.input.n %}'] },
          },
          list: [1, '{% $states.input.name %}', { inList: '{% $states.input.n * 10 %}' }, null],
          literal: { flag: true, count: 3, none: null, text: 'plain' },
          'not-evaluated': '$states.input.name',
          'key.$': '$.name',
        },
      }),
    ),
    input: { n: 4, name: 'ada' },
    expect: {
      status: 'SUCCEEDED',
      output: {
        top: 5,
        nested: { deeper: { name: 'ADA', list: [4] } },
        list: [1, 'ada', { inList: 40 }, null],
        literal: { flag: true, count: 3, none: null, text: 'plain' },
        'not-evaluated': '$states.input.name',
        'key.$': '$.name',
      },
    },
  },
  {
    name: 'Pass Output: one expression for the whole field builds the output',
    source: TRANSFORMING,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: "{% {'total': $sum($states.input.prices), 'first': $states.input.prices[0]} %}",
      }),
    ),
    input: { prices: [5, 10, 20] },
    expect: { status: 'SUCCEEDED', output: { total: 35, first: 5 } },
  },
  {
    name: 'Pass Output: a literal that is not an object is the output',
    source: TRANSFORMING,
    definition: jsonata(single({ Type: 'Pass', Output: 42 })),
    input: { ignored: true },
    expect: { status: 'SUCCEEDED', output: 42 },
  },
  {
    name: 'an expression giving null keeps its key with null',
    source: MEASURED(2664),
    definition: jsonata(single({ Type: 'Pass', Output: { v: "{% $lookup($states.input, 'bar') %}" } })),
    input: { bar: null },
    expect: { status: 'SUCCEEDED', output: { v: null } },
  },
  {
    name: 'Pass, Wait and Succeed without Output pass their input on',
    source: ASL,
    definition: jsonata(chain({ Type: 'Pass' }, { Type: 'Wait', Seconds: 0 }, { Type: 'Succeed' })),
    input: { keep: [1, { a: 'b' }] },
    expect: { status: 'SUCCEEDED', output: { keep: [1, { a: 'b' }] } },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: 'Succeed Output is the execution output',
    source: SUCCEED,
    definition: jsonata(single({ Type: 'Succeed', Output: { done: '{% $states.input.id %}' } })),
    input: { id: 'order-1', other: 1 },
    expect: { status: 'SUCCEEDED', output: { done: 'order-1' } },
  },
  {
    name: '$states.context gives the context object: the state name and the execution input',
    source: `${TRANSFORMING}; ${ASL}`,
    definition: jsonata({
      StartAt: 'Describe',
      States: {
        Describe: {
          Type: 'Pass',
          Output: {
            state: '{% $states.context.State.Name %}',
            input: '{% $states.context.Execution.Input %}',
            machine: '{% $states.context.StateMachine.Name %}',
          },
          End: true,
        },
      },
    }),
    input: { a: 1 },
    expect: {
      status: 'SUCCEEDED',
      check: (output, context) =>
        expect(output).toEqual({ state: 'Describe', input: { a: 1 }, machine: context.stateMachineName }),
    },
  },
  // Task: Arguments and Output
  {
    name: 'Task Arguments are the function input; without Output the state output is the result',
    source: `${TASK}; ${ASL}`,
    definition: jsonata(
      single({ Type: 'Task', Resource: fn('add'), Arguments: { a: '{% $states.input.x %}', b: 2 } }),
    ),
    input: { x: 40 },
    expect: { status: 'SUCCEEDED', output: 42 },
  },
  {
    name: 'a .waitForTaskToken task reads $states.context.Task.Token in Arguments; Output reads the answer',
    source: `${TASK}; ${TRANSFORMING}`,
    definition: jsonata(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Arguments: {
          FunctionName: fn('capture-token'),
          Payload: { key: 'jsonata-token', token: '{% $states.context.Task.Token %}' },
        },
        Output: { approval: '{% $states.result %}', order: '{% $states.input.order %}' },
      }),
    ),
    input: { order: 7 },
    drive: async ({ client, taskToken }) => {
      const token = await taskToken('jsonata-token');
      await client.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"approved":true}' }));
    },
    expect: { status: 'SUCCEEDED', output: { approval: { approved: true }, order: 7 } },
  },
  {
    name: 'Task Arguments may be one expression for the whole field',
    source: `${TRANSFORMING}; ${ASL}`,
    definition: jsonata(
      single({
        Type: 'Task',
        Resource: fn('echo'),
        Arguments: '{% $merge([$states.input.payload, {"n": 1}]) %}',
      }),
    ),
    input: { payload: { a: 'x' }, other: true },
    expect: { status: 'SUCCEEDED', output: { a: 'x', n: 1 } },
  },
  {
    name: 'Task Output: $states.input is the raw state input even with Arguments, $states.result the result',
    source: TRANSFORMING,
    definition: jsonata(
      single({
        Type: 'Task',
        Resource: fn('add'),
        Arguments: { a: '{% $states.input.operands[0] %}', b: '{% $states.input.operands[1] %}' },
        Output: { sum: '{% $states.result %}', input: '{% $states.input %}' },
      }),
    ),
    input: { operands: [2, 3] },
    expect: { status: 'SUCCEEDED', output: { sum: 5, input: { operands: [2, 3] } } },
  },
  {
    name: 'the documented conversion of Parameters to Arguments: "$customerName" without `{% %}` stays a string',
    source: TRANSFORMING,
    definition: jsonata(
      chain(
        { Type: 'Pass', Assign: { customerName: 'María' } },
        {
          Type: 'Task',
          Resource: fn('echo'),
          Arguments: {
            static: 'Hello',
            title: '{% $states.input.title %}',
            name: '{% $customerName %}',
            'not-evaluated': '$customerName',
          },
        },
      ),
    ),
    input: { title: 'Doctor' },
    expect: {
      status: 'SUCCEEDED',
      output: { static: 'Hello', title: 'Doctor', name: 'María', 'not-evaluated': '$customerName' },
    },
  },
  {
    name: 'a JSONata Task of a function ARN in a JSONPath machine: Arguments are the event, Output and Assign read the result',
    source: `${RECORDED_MIXED} (TASK_LAMBDA_LEGACY_RESOURCE_JSONATA_TO_JSONPATH); ${RECORDED}`,
    definition: {
      StartAt: 'JsonataState',
      States: {
        JsonataState: {
          QueryLanguage: 'JSONata',
          Type: 'Task',
          Resource: fn('echo'),
          Arguments: { Payload: { foo: 'foo-1' } },
          Assign: { resultsVar: '{% $states.result %}' },
          Output: { results: '{% $states.result %}' },
          Next: 'JsonPathState',
        },
        JsonPathState: { QueryLanguage: 'JSONPath', Type: 'Pass', End: true },
      },
    },
    input: {},
    expect: { status: 'SUCCEEDED', output: { results: { Payload: { foo: 'foo-1' } } } },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ],
    checkHistory: (events) => {
      const scheduled = events.find((event) => event.type === 'LambdaFunctionScheduled')!;
      expect(JSON.parse(scheduled.lambdaFunctionScheduledEventDetails!.input!)).toEqual({
        Payload: { foo: 'foo-1' },
      });
      expect(assignments(events)).toEqual([['JsonataState', { resultsVar: '{"Payload":{"foo":"foo-1"}}' }]]);
    },
  },
  {
    name: 'a JSONata lambda:invoke after a JSONPath Pass: Arguments read $states.input and a variable, Assign and Output $states.result',
    source: `${RECORDED_MIXED} (test_task_dataflow_to_state); ${RECORDED}`,
    definition: {
      StartAt: 'StateJsonPath',
      States: {
        StateJsonPath: {
          QueryLanguage: 'JSONPath',
          Type: 'Pass',
          Result: { riddle: 'What is the answer to life, the universe, and everything?' },
          Assign: { answer: 42, 'inputData.$': '$' },
          OutputPath: '$',
          ResultPath: '$.enigma.mystery',
          Next: 'StateJsonata',
        },
        StateJsonata: {
          QueryLanguage: 'JSONata',
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: {
            FunctionName: '{% $states.input.functionName %}',
            Payload: {
              theQuestion: '{% $states.input.enigma.mystery.riddle %}',
              theAnswer: '{% $answer %}',
            },
          },
          Assign: { answer: '<omitted>', message: '{% $states.result %}' },
          Output: { result: '{% $states.result.Payload %}' },
          End: true,
        },
      },
    },
    input: { functionName: fn('echo') },
    expect: {
      status: 'SUCCEEDED',
      output: {
        result: { theQuestion: 'What is the answer to life, the universe, and everything?', theAnswer: 42 },
      },
    },
    checkHistory: (events) => {
      const scheduled = events.find((event) => event.type === 'TaskScheduled')!;
      expect(JSON.parse(scheduled.taskScheduledEventDetails!.parameters!)).toEqual({
        FunctionName: fn('echo'),
        Payload: { theQuestion: 'What is the answer to life, the universe, and everything?', theAnswer: 42 },
      });
      const [[, first], [, second]] = assignments(events) as [
        [string, Record<string, string>],
        [string, Record<string, string>],
      ];
      expect(Object.keys(first)).toEqual(['answer', 'inputData']);
      expect(second.answer).toBe('"<omitted>"');
      const message = JSON.parse(second.message!) as Record<string, unknown>;
      expect(message).toMatchObject({ ExecutedVersion: '$LATEST', StatusCode: 200 });
      expect(message.Payload).toEqual({
        theQuestion: 'What is the answer to life, the universe, and everything?',
        theAnswer: 42,
      });
    },
  },
  // Variables
  {
    name: 'Assign evaluates expressions at any depth; a later state reads the variables',
    source: VARIABLES,
    definition: jsonata(
      chain(
        {
          Type: 'Pass',
          Assign: {
            total: '{% $sum($states.input.values) %}',
            unit: 'ms',
            config: {
              region: '{% $states.input.region %}',
              limits: [1, '{% $count($states.input.values) %}'],
            },
          },
        },
        {
          Type: 'Pass',
          Output: {
            total: '{% $total %}',
            unit: '{% $unit %}',
            limit: '{% $config.limits[1] %}',
            config: '{% $config %}',
          },
        },
      ),
    ),
    input: { values: [1, 2, 3], region: 'eu-west-1' },
    expect: {
      status: 'SUCCEEDED',
      output: { total: 6, unit: 'ms', limit: 3, config: { region: 'eu-west-1', limits: [1, 3] } },
    },
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([
        ['S1', { total: '6', unit: '"ms"', config: '{"region":"eu-west-1","limits":[1,3]}' }],
      ]);
    },
  },
  {
    name: "Assign and Output of one state read the variables' values from before it ($x, $a, $nextX)",
    source: VARIABLES,
    definition: jsonata(
      chain(
        { Type: 'Pass', Assign: { x: 3, a: 6 } },
        { Type: 'Pass', Assign: { x: '{% $a %}', nextX: '{% $x %}' }, Output: { xInOutput: '{% $x %}' } },
        { Type: 'Pass', Output: { x: '{% $x %}', nextX: '{% $nextX %}', previous: '{% $states.input %}' } },
      ),
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { x: 6, nextX: 3, previous: { xInOutput: 3 } } },
  },
  {
    name: 'a variable never assigned returns nothing: States.QueryEvaluationError',
    source: `${VARIABLES}; ${MEASURED(2665)}`,
    definition: jsonata(single({ Type: 'Pass', Output: { v: '{%$neverAssigned%}' } })),
    input: {},
    expect: queryEvaluationError('S', 2, undefinedCause('$neverAssigned', 'Output/v')),
    history: ['ExecutionStarted', 'PassStateEntered', 'EvaluationFailed', 'ExecutionFailed'],
  },
  {
    name: 'a JSONPath machine: a JSONata state reads a variable a JSONPath state assigned, and the other way',
    source: `${TRANSFORMING}; ${RECORDED_MIXED} (JSONPATH_ASSIGN_JSONATA_REF); ${RECORDED}`,
    definition: {
      StartAt: 'JSONPathState',
      States: {
        JSONPathState: {
          QueryLanguage: 'JSONPath',
          Type: 'Pass',
          Assign: { theAnswer: 42 },
          Next: 'JSONataState',
        },
        JSONataState: {
          QueryLanguage: 'JSONata',
          Type: 'Pass',
          Assign: { theAnswer: 18, oldAnswer: '{% $theAnswer %}' },
          Next: 'ReadBack',
        },
        ReadBack: {
          Type: 'Pass',
          Parameters: { 'theAnswer.$': '$theAnswer', 'oldAnswer.$': '$oldAnswer' },
          End: true,
        },
      },
    },
    input: {},
    expect: { status: 'SUCCEEDED', output: { theAnswer: 18, oldAnswer: 42 } },
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([
        ['JSONPathState', { theAnswer: '42' }],
        ['JSONataState', { theAnswer: '18', oldAnswer: '42' }],
      ]);
    },
  },
  // Choice
  ...[
    { n: 12, output: { size: 'big', rule: 0 } },
    { n: 7, output: { size: 'medium', rule: 1 } },
    { n: 2, output: { size: 'small', rule: 'default' } },
  ].map(({ n, output }) => ({
    name: `Choice: n=${n} ${output.rule === 'default' ? 'matches no rule: Default with the state Output and Assign' : `matches rule ${output.rule}: its Output and Assign`}`,
    source: `${CHOICE}; ${ASL}`,
    definition: jsonata({
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [
            {
              Condition: '{% $states.input.n > 10 %}',
              Output: { size: 'big' },
              Assign: { rule: 0 },
              Next: 'Done',
            },
            {
              Condition: '{% $states.input.n > 5 %}',
              Output: { size: 'medium' },
              Assign: { rule: 1 },
              Next: 'Done',
            },
          ],
          Default: 'Done',
          Output: { size: 'small' },
          Assign: { rule: 'default' },
        },
        Done: { Type: 'Pass', Output: { size: '{% $states.input.size %}', rule: '{% $rule %}' }, End: true },
      },
    }),
    input: { n },
    expect: { status: 'SUCCEEDED' as const, output },
    checkHistory: (events: readonly HistoryEvent[]) => {
      expect(assignments(events)).toEqual([['Check', { rule: JSON.stringify(output.rule) }]]);
    },
  })),
  {
    name: 'Choice: no rule matches and there is no Default: States.NoChoiceMatched',
    source: CHOICE,
    definition: jsonata({
      StartAt: 'Check',
      States: {
        Check: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.n = 1 %}', Next: 'One' }] },
        One: { Type: 'Succeed' },
      },
    }),
    input: { n: 2 },
    expect: { status: 'FAILED', error: 'States.NoChoiceMatched' },
  },
  {
    name: 'Choice: a Condition that is not a boolean is a States.QueryEvaluationError',
    source: `${CHOICE}; ${ASL}`,
    definition: jsonata({
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [{ Condition: '{% $states.input.n %}', Next: 'One' }],
          Default: 'One',
        },
        One: { Type: 'Succeed' },
      },
    }),
    input: { n: 1 },
    expect: { status: 'FAILED', error: 'States.QueryEvaluationError' },
    history: ['ExecutionStarted', 'ChoiceStateEntered', 'EvaluationFailed', 'ExecutionFailed'],
  },
  {
    name: 'Choice: a Condition that returns nothing names the rule in the cause',
    source: MEASURED(2665),
    definition: jsonata({
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [{ Condition: '{%$states.input.missing%}', Next: 'One' }],
          Default: 'One',
        },
        One: { Type: 'Succeed' },
      },
    }),
    input: {},
    expect: queryEvaluationError('Check', 2, undefinedCause('$states.input.missing', 'Choices[0]/Condition')),
  },
  {
    name: 'Choice: the rules after the matching one are not evaluated',
    source: `${ASL}; ${MEASURED(2665)}`,
    definition: jsonata({
      StartAt: 'Check',
      States: {
        Check: {
          Type: 'Choice',
          Choices: [
            { Condition: '{% $states.input.n = 1 %}', Next: 'One' },
            { Condition: '{% $states.input.missing %}', Next: 'One' },
          ],
        },
        One: { Type: 'Succeed' },
      },
    }),
    input: { n: 1 },
    expect: { status: 'SUCCEEDED', output: { n: 1 } },
  },
  // Wait
  {
    name: 'Wait Seconds from an expression; Output and Assign apply after the wait',
    source: WAIT,
    definition: jsonata(
      chain(
        {
          Type: 'Wait',
          Seconds: '{% $states.input.delay %}',
          Assign: { waited: '{% $states.input.delay %}' },
          Output: { job: '{% $states.input.job %}' },
        },
        { Type: 'Pass', Output: { job: '{% $states.input.job %}', waited: '{% $waited %}' } },
      ),
    ),
    input: { delay: 1, job: 'j-1' },
    expect: { status: 'SUCCEEDED', output: { job: 'j-1', waited: 1 } },
  },
  {
    name: 'Wait Timestamp from an expression (in the past, so it ends at once)',
    source: WAIT,
    definition: jsonata(single({ Type: 'Wait', Timestamp: "{% $states.input.day & 'T01:59:00Z' %}" })),
    input: { day: '2016-03-14' },
    expect: { status: 'SUCCEEDED', output: { day: '2016-03-14' } },
    history: ['ExecutionStarted', 'WaitStateEntered', 'WaitStateExited', 'ExecutionSucceeded'],
  },
  // Map
  {
    name: 'Map: Items, ItemSelector with $states.context.Map.Item, MaxConcurrency from expressions; Output reads $states.result',
    source: `${MAP}; https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemselector.html; ${ASL}`,
    definition: jsonata({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Items: '{% $states.input.list %}',
          MaxConcurrency: '{% $states.input.concurrency %}',
          ItemSelector: {
            index: '{% $states.context.Map.Item.Index %}',
            value: '{% $states.context.Map.Item.Value %}',
            tag: '{% $states.input.tag %}',
          },
          ItemProcessor: processor('Label', {
            Type: 'Pass',
            Output: "{% $states.input.tag & '-' & $states.input.index & '-' & $states.input.value %}",
          }),
          Output: { results: '{% $states.result %}', count: '{% $count($states.result) %}' },
          End: true,
        },
      },
    }),
    input: { list: ['a', 'b', 'c'], concurrency: 1, tag: 't' },
    expect: { status: 'SUCCEEDED', output: { results: ['t-0-a', 't-1-b', 't-2-c'], count: 3 } },
    historyCounts: { MapIterationStarted: 3, MapIterationSucceeded: 3 },
  },
  {
    name: 'Map: Items as a JSON array; without Output the state output is the array of results',
    source: `${MAP}; ${ASL}`,
    definition: jsonata({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Items: [1, 2, '{% $states.input.third %}'],
          ItemProcessor: processor('Double', { Type: 'Pass', Output: '{% $states.input * 2 %}' }),
          End: true,
        },
      },
    }),
    input: { third: 3 },
    expect: { status: 'SUCCEEDED', output: [2, 4, 6] },
  },
  {
    name: 'Map: Items giving one object (a path matching one item) is a States.QueryEvaluationError',
    source: `${MAP}; real AWS cause "The JSONata expression '$restorableJobs' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object'"`,
    definition: jsonata({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Items: "{%$states.input.jobs[status='restorable']%}",
          ItemProcessor: processor('Item', { Type: 'Pass' }),
          End: true,
        },
      },
    }),
    input: {
      jobs: [
        { id: 1, status: 'restorable' },
        { id: 2, status: 'done' },
      ],
    },
    expect: {
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause: {
        includes: stateCause(
          'M',
          2,
          "The JSONata expression '$states.input.jobs[status='restorable']' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was 'object'",
        ),
      },
    },
  },
  {
    name: 'Map: `[]` after the path keeps a single match an array of one item',
    source: `${JSONATA_SEQUENCES}; ${MAP}`,
    definition: jsonata({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Items: "{% $states.input.jobs[status='restorable'][] %}",
          ItemProcessor: processor('Item', { Type: 'Pass', Output: '{% $states.input.id %}' }),
          End: true,
        },
      },
    }),
    input: {
      jobs: [
        { id: 1, status: 'restorable' },
        { id: 2, status: 'done' },
      ],
    },
    expect: { status: 'SUCCEEDED', output: [1] },
  },
  {
    name: 'a path matching one value gives the value, several an array, `[]` always an array',
    source: JSONATA_SEQUENCES,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: {
          one: '{% $states.input.items[n > 5] %}',
          kept: '{% $states.input.items[n > 5][] %}',
          several: '{% $states.input.items.n %}',
        },
      }),
    ),
    input: { items: [{ n: 1 }, { n: 9 }] },
    expect: { status: 'SUCCEEDED', output: { one: { n: 9 }, kept: [{ n: 9 }], several: [1, 9] } },
  },
  {
    name: 'a Map Catch for States.ALL catches a States.QueryEvaluationError of Items',
    source: `${TRANSFORMING}; ${ERRORS}`,
    definition: jsonata({
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          Items: '{% $states.input.notAList %}',
          ItemProcessor: processor('Item', { Type: 'Pass' }),
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Output: { error: '{% $states.errorOutput.Error %}' },
              Next: 'Handled',
            },
          ],
          End: true,
        },
        Handled: { Type: 'Succeed' },
      },
    }),
    input: { notAList: { a: 1 } },
    expect: { status: 'SUCCEEDED', output: { error: 'States.QueryEvaluationError' } },
  },
  // Parallel
  {
    name: 'Parallel: Arguments are the input of every branch; Output reads $states.result in branch order',
    source: `${PARALLEL}; ${ASL}`,
    definition: jsonata({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Arguments: { n: '{% $states.input.x * 2 %}' },
          Branches: [
            branch('AddOne', { Type: 'Pass', Output: '{% $states.input.n + 1 %}' }),
            branch('Echo', { Type: 'Task', Resource: fn('echo') }),
          ],
          Output: { results: '{% $states.result %}', original: '{% $states.input %}' },
          End: true,
        },
      },
    }),
    input: { x: 5 },
    expect: { status: 'SUCCEEDED', output: { results: [11, { n: 10 }], original: { x: 5 } } },
  },
  {
    name: 'Parallel without Arguments and Output: branches get the state input, the output is their results',
    source: `${PARALLEL}; ${ASL}`,
    definition: jsonata({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [
            branch('First', { Type: 'Pass' }),
            branch('Second', { Type: 'Pass', Output: '{% $states.input.x %}' }),
          ],
          End: true,
        },
      },
    }),
    input: { x: 5 },
    expect: { status: 'SUCCEEDED', output: [{ x: 5 }, 5] },
  },
  // Catch
  {
    name: "Catch Output reads $states.input and $states.errorOutput; the state's own Output is not used",
    source: `${RECORDED_ERROR_OUTPUT} (TASK_CATCH_ERROR_OUTPUT); ${RECORDED}`,
    definition: {
      StartAt: 'Task',
      States: {
        Task: failingInvoke({
          QueryLanguage: 'JSONata',
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Output: { stateInput: '{% $states.input %}', stateError: '{% $states.errorOutput %}' },
              Next: 'Fallback',
            },
          ],
          Output: { stateInput: '{% $states.input %}', stateResult: '{% $states.result %}' },
          Next: 'Finish',
        }),
        Fallback: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Output: { error: '{% $states.input %}' },
          End: true,
        },
        Finish: {
          Type: 'Pass',
          QueryLanguage: 'JSONata',
          Output: { result: '{% $states.input %}' },
          End: true,
        },
      },
    },
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { error } = output as {
          error: { stateInput: unknown; stateError: { Error: string; Cause: string } };
        };
        expect(Object.keys(output as object)).toEqual(['error']);
        expect(error.stateInput).toEqual({ inputData: 'dummy' });
        expect(Object.keys(error.stateError)).toEqual(['Error', 'Cause']);
        expect(error.stateError.Error).toBe('Exception');
        expect(error.stateError.Cause).toMatch(LAMBDA_EXCEPTION_CAUSE);
      },
    },
    history: [
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: "a catcher with only Assign outputs the error output {Error, Cause}; the state's own Assign does not run",
    source: `${RECORDED_ERROR_OUTPUT} (TASK_CATCH_ERROR_VARIABLE_SAMPLING); ${RECORDED}`,
    definition: jsonata({
      StartAt: 'Task',
      States: {
        Task: failingInvoke({
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              Assign: { inputVar: '{% $states.input %}', errorVar: '{% $states.errorOutput %}' },
              Next: 'Fallback',
            },
          ],
          Assign: { inputVar: '{% $states.input %}', resultVar: '{% $states.result %}' },
          Next: 'Finish',
        }),
        Fallback: {
          Type: 'Pass',
          Output: { error: '{% $errorVar %}', taskOutput: '{% $states.input %}' },
          End: true,
        },
        Finish: { Type: 'Pass', Output: { result: '{% $resultVar %}' }, End: true },
      },
    }),
    input: { inputData: 'dummy' },
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { error, taskOutput } = output as {
          error: { Error: string; Cause: string };
          taskOutput: unknown;
        };
        expect(Object.keys(error)).toEqual(['Error', 'Cause']);
        expect(error.Error).toBe('Exception');
        expect(error.Cause).toMatch(LAMBDA_EXCEPTION_CAUSE);
        expect(taskOutput).toEqual(error);
      },
    },
    checkHistory: (events) => {
      const [[state, values]] = assignments(events) as [[string, Record<string, string>]];
      expect(state).toBe('Task');
      expect(Object.keys(values).sort()).toEqual(['errorVar', 'inputVar']);
      expect(values.inputVar).toBe('{"inputData":"dummy"}');
    },
  },
  {
    name: 'a QueryEvaluationError of Arguments is caught by States.QueryEvaluationError; the task is not run',
    source: `${TRANSFORMING}; ${ERRORS}; ${MEASURED(2665)}`,
    definition: jsonata({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: fn('echo'),
          Arguments: { v: '{%$states.input.missing%}' },
          Catch: [
            { ErrorEquals: ['States.Timeout'], Next: 'Wrong' },
            { ErrorEquals: ['States.QueryEvaluationError'], Next: 'Handled' },
          ],
          End: true,
        },
        Wrong: { Type: 'Fail', Error: 'Wrong' },
        Handled: { Type: 'Pass', End: true },
      },
    }),
    input: {},
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const caught = output as { Error: string; Cause: string };
        expect(Object.keys(caught)).toEqual(['Error', 'Cause']);
        expect(caught.Error).toBe('States.QueryEvaluationError');
        expect(caught.Cause).toContain(undefinedCause('$states.input.missing', 'Arguments/v'));
      },
    },
    historyCounts: { LambdaFunctionScheduled: 0, TaskScheduled: 0 },
  },
  // Fail
  {
    name: 'Fail Error and Cause from expressions',
    source: FAIL,
    definition: jsonata(
      single({
        Type: 'Fail',
        Error: '{% $states.input.code %}',
        Cause: "{% 'Order ' & $states.input.id & ' failed' %}",
      }),
    ),
    input: { code: 'OrderFailed', id: 7 },
    expect: { status: 'FAILED', error: 'OrderFailed', cause: 'Order 7 failed' },
    history: ['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed'],
  },
  {
    name: 'Fail Error returning nothing fails with States.QueryEvaluationError instead',
    source: `${FAIL}; ${MEASURED(2665)}`,
    definition: jsonata(single({ Type: 'Fail', Error: '{%$states.input.code%}', Cause: 'never used' })),
    input: {},
    expect: queryEvaluationError('S', 2, undefinedCause('$states.input.code', 'Error')),
  },
  // Errors
  {
    name: 'an Output member returning nothing names its path in the cause',
    source: `${TRANSFORMING}; ${MEASURED(2665)}`,
    definition: jsonata(single({ Type: 'Pass', Output: { a: { b: '{%$states.input.missing%}' } } })),
    input: { present: 1 },
    expect: queryEvaluationError('S', 2, undefinedCause('$states.input.missing', 'Output/a/b')),
    history: ['ExecutionStarted', 'PassStateEntered', 'EvaluationFailed', 'ExecutionFailed'],
  },
  {
    name: "a catcher's own Output returning nothing fails the execution, naming the catcher; no catcher takes it",
    source: `${ERRORS}; ${MEASURED(2665)}`,
    definition: jsonata({
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: fn('fail'),
          End: true,
          Catch: [
            { ErrorEquals: ['Nothing.Matches'], Next: 'Handled' },
            {
              ErrorEquals: ['CustomError'],
              Output: { v: '{%$states.errorOutput.missing%}' },
              Next: 'Handled',
            },
            { ErrorEquals: ['States.ALL'], Next: 'Handled' },
          ],
        },
        Handled: { Type: 'Succeed' },
      },
    }),
    input: {},
    expect: queryEvaluationError('T', 2, undefinedCause('$states.errorOutput.missing', 'Catch[1]/Output/v')),
  },
  {
    name: 'a whole Output returning nothing names the field Output',
    source: `${TRANSFORMING}; ${MEASURED(2665)}`,
    definition: jsonata({
      StartAt: 'Transform',
      States: { Transform: { Type: 'Pass', Output: '{%$states.input.missing%}', End: true } },
    }),
    input: {},
    expect: queryEvaluationError('Transform', 2, undefinedCause('$states.input.missing', 'Output')),
  },
  {
    name: "a matched Choice rule's Assign returning nothing names the rule in the cause",
    source: `${CHOICE}; ${MEASURED(2665)}`,
    definition: jsonata({
      StartAt: 'Pick',
      States: {
        Pick: {
          Type: 'Choice',
          Choices: [{ Condition: '{% true %}', Assign: { x: '{%$states.input.missing%}' }, Next: 'First' }],
          Default: 'Fallback',
        },
        First: { Type: 'Pass', End: true },
        Fallback: { Type: 'Pass', End: true },
      },
    }),
    input: {},
    expect: queryEvaluationError('Pick', 2, undefinedCause('$states.input.missing', 'Choices[0]/Assign/x')),
  },
  {
    name: 'an Arguments member returning nothing names the state, its entered event and the path',
    source: `${TRANSFORMING}; real AWS cause "An error occurred while executing the state 'Run S3 Data Push' (entered at the event id #6). The JSONata expression '$states.input.pushLocation' specified for the field 'Arguments/Input/pushLocation' returned nothing (undefined)."`,
    definition: jsonata({
      StartAt: 'Prepare',
      States: {
        Prepare: { Type: 'Pass', Next: 'Run S3 Data Push' },
        'Run S3 Data Push': {
          Type: 'Task',
          Resource: fn('echo'),
          Arguments: { Input: { pushLocation: '{%$states.input.pushLocation%}' } },
          End: true,
        },
      },
    }),
    input: {},
    expect: queryEvaluationError(
      'Run S3 Data Push',
      4,
      undefinedCause('$states.input.pushLocation', 'Arguments/Input/pushLocation'),
    ),
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'EvaluationFailed',
      'ExecutionFailed',
    ],
  },
  {
    name: 'an expression JSONata stops with an error gives its code and message (T2002)',
    source: `${TRANSFORMING}; ${MEASURED(2736)}`,
    definition: jsonata(single({ Type: 'Pass', Output: { v: '{%1 + $states.input.s%}' } })),
    input: { s: 'x' },
    expect: queryEvaluationError(
      'S',
      2,
      thrownCause(
        '1 + $states.input.s',
        'Output/v',
        'T2002: The right side of the "+" operator must evaluate to a number',
      ),
    ),
  },
  {
    name: '$parse of text that is not JSON is D3137: Invalid JSON',
    source: `${TRANSFORMING}; floci-io/floci JsonataEvaluatorTest parse_rejectsJsonAwsRejects (measured on AWS)`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: "{%$parse('nope')%}" } })),
    input: {},
    expect: queryEvaluationError('S', 2, thrownCause("$parse('nope')", 'Output/r', 'D3137: Invalid JSON')),
  },
  {
    name: '$parse refuses a repeated key and a number too large for a double as D3137: Invalid JSON',
    source: `${TRANSFORMING}; ${MEASURED_IN_TESTS('parse_rejectsJsonAwsRejects')}`,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: {
          nested: `{%$parse('{"a":{"b":1},"c":[{"b":2}]}')%}`,
          repeated: `{%$parse('{"a":1,"a":2}')%}`,
        },
      }),
    ),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      thrownCause(`$parse('{"a":1,"a":2}')`, 'Output/repeated', 'D3137: Invalid JSON'),
    ),
  },
  {
    name: '$parse of a number past a double is D3137: Invalid JSON',
    source: `${TRANSFORMING}; ${MEASURED_IN_TESTS('parse_rejectsJsonAwsRejects')}`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: "{%$parse('1e400')%}" } })),
    input: {},
    expect: queryEvaluationError('S', 2, thrownCause("$parse('1e400')", 'Output/r', 'D3137: Invalid JSON')),
  },
  {
    name: '$range makes 360,145 numbers; one more is past the memory limit, refused before it is made',
    source: `${TRANSFORMING}; ${MEASURED_IN_TESTS('rangeOneElementPastTheAwsElementBoundFailsWithTheMemoryRefusal')}`,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: { r: '{%$count($range(1, 360145, 1))%}', past: '{%$range(1, 1000000000, 1)%}' },
      }),
    ),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      "The JSONata expression '$range(1, 1000000000, 1)' specified for the field 'Output/past' threw an error during evaluation: Expression evaluation memory limit exceeded: Check for excessive memory usage",
    ),
  },
  {
    name: '$partition with a negative size is D3137',
    source: `${TRANSFORMING}; https://github.com/floci-io/floci/pull/2676 (measured on AWS); its test partition_negativeChunkSizeRaisesError`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: '{%$partition([1, 2, 3], -1)%}' } })),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      thrownCause('$partition([1, 2, 3], -1)', 'Output/r', 'D3137: Second argument must be zero or greater'),
    ),
  },
  {
    name: '$hash without an algorithm gives nothing',
    source: `${TRANSFORMING}; floci-io/floci docs/services/step-functions.md ("a $hash with no algorithm" evaluates to undefined, as on AWS)`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: "{%$hash('a')%}" } })),
    input: {},
    expect: queryEvaluationError('S', 2, undefinedCause("$hash('a')", 'Output/r')),
  },
  {
    name: '$formatNumber with a picture of no digit is D3086',
    source: `${TRANSFORMING}; ${MEASURED(2737)}`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: '{%$formatNumber(1, "x")%}' } })),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      thrownCause(
        '$formatNumber(1, "x")',
        'Output/r',
        'D3086: The sub-picture must not contain a passive character that is preceded by an active character and that is followed by another active character',
      ),
    ),
  },
  {
    name: '$base64decode of text that is not Base64 fails as an internal error',
    source: `${TRANSFORMING}; https://github.com/floci-io/floci/issues/2736 (measured on AWS: "threw an internal error during evaluation." and a fresh id)`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: "{%$base64decode('!!!')%}" } })),
    input: {},
    expect: {
      status: 'FAILED',
      error: 'States.QueryEvaluationError',
      cause: {
        includes:
          "The JSONata expression '$base64decode('!!!')' specified for the field 'Output/r' threw an internal error during evaluation. ",
      },
    },
  },
  {
    name: '$eval is not available: calling it is T1006',
    source: `${TRANSFORMING}; ${MEASURED(2737)}`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: "{%$eval('1+1')%}" } })),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      thrownCause("$eval('1+1')", 'Output/r', 'T1006: Attempted to invoke a non-function'),
    ),
  },
  {
    name: 'an expression nesting its evaluation past 100 levels fails as a stack overflow (a sum of 200 terms)',
    source: `${TRANSFORMING}; ${MEASURED(2737)}`,
    definition: jsonata(single({ Type: 'Pass', Output: { r: `{%${SUM_OF_200_ONES}%}` } })),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      `The JSONata expression '${SUM_OF_200_ONES}' specified for the field 'Output/r' threw an error during evaluation: Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive`,
    ),
  },
  {
    name: 'a sequence of 873,782 numbers is within the memory limit; one more is past it',
    source: `${TRANSFORMING}; ${MEASURED(2737)}`,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: { r: '{%[1..873782] ~> $count()%}', past: '{%[1..873783] ~> $count()%}' },
      }),
    ),
    input: {},
    expect: queryEvaluationError(
      'S',
      2,
      "The JSONata expression '[1..873783] ~> $count()' specified for the field 'Output/past' threw an error during evaluation: Expression evaluation memory limit exceeded: Check for excessive memory usage",
    ),
  },
  {
    name: 'a Catch for States.ALL catches a branch expression past the memory limit',
    source: `${ERRORS}; ${MEASURED(2738)}`,
    definition: jsonata({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [branch('E', { Type: 'Pass', Output: { r: '{% $sum([1..900000]) %}' } })],
          Catch: [{ ErrorEquals: ['States.ALL'], Output: { caught: true }, Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Succeed' },
      },
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: { caught: true } },
  },
  // EvaluationFailed: AWS records the failure of a state's expression before the state fails
  {
    name: 'EvaluationFailed names the field, points where the StateEntered event points, and the execution fails after it',
    source: `${RECORDED_UNDEFINED} (BASE_UNDEFINED_OUTPUT_MULTIPLE_STATES); ${RECORDED}`,
    definition: jsonata(
      chain({ Type: 'Pass' }, { Type: 'Pass' }, { Type: 'Pass', Output: { result: '{%$doesNotExist%}' } }),
    ),
    input: {},
    ...evaluationFailure(
      {
        state: 'S3',
        enteredId: 6,
        cause: undefinedCause('$doesNotExist', 'Output/result'),
        location: 'Output/result',
      },
      [
        ['PassStateEntered', 6, 5],
        ['EvaluationFailed', 7, 5],
        ['ExecutionFailed', 8, 7],
      ],
    ),
  },
  {
    name: 'EvaluationFailed of a Task Arguments member: nothing is scheduled',
    source: `${RECORDED_UNDEFINED} (BASE_UNDEFINED_ARGUMENTS_FIELD); ${RECORDED}`,
    definition: jsonata(
      single({
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: '{%$doesNotExist%}' },
      }),
    ),
    input: {},
    ...evaluationFailure(
      {
        state: 'S',
        enteredId: 2,
        cause: undefinedCause('$doesNotExist', 'Arguments/FunctionName'),
        location: 'Arguments/FunctionName',
      },
      [
        ['TaskStateEntered', 2, 0],
        ['EvaluationFailed', 3, 0],
        ['ExecutionFailed', 4, 3],
      ],
    ),
  },
  {
    name: 'a Wait Timestamp expression giving no timestamp: EvaluationFailed points at the WaitStateEntered event',
    source: `${RECORDED_SCENARIOS} (test_wait_timestamp_jsonata[NO_T]); ${RECORDED}`,
    definition: jsonata(single({ Type: 'Wait', Timestamp: '{% $states.input.TimestampValue %}' })),
    input: { TimestampValue: '2016-12-05 21:29:29Z' },
    ...evaluationFailure(
      {
        state: 'S',
        enteredId: 2,
        cause:
          'The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: 2016-12-05 21:29:29Z',
        location: 'Timestamp',
      },
      [
        ['WaitStateEntered', 2, 0],
        ['EvaluationFailed', 3, 2],
        ['ExecutionFailed', 4, 3],
      ],
    ),
  },
  {
    name: 'Map Items giving a number: EvaluationFailed with the value, then MapStateFailed',
    source: `${RECORDED_SCENARIOS} (test_map_state_items_variable_sampling[number]); ${RECORDED}`,
    definition: jsonata({
      StartAt: 'Start',
      States: {
        Start: { Type: 'Pass', Assign: { ItemsVar: 1 }, Output: {}, Next: 'MapIterateState' },
        MapIterateState: {
          Type: 'Map',
          Items: '{%$ItemsVar%}',
          ItemProcessor: processor('Item', { Type: 'Pass' }),
          End: true,
        },
      },
    }),
    input: {},
    ...evaluationFailure(
      { state: 'MapIterateState', enteredId: 4, cause: ITEMS_NUMBER_CAUSE, location: 'Items' },
      [
        ['MapStateEntered', 4, 3],
        ['EvaluationFailed', 5, 3],
        ['MapStateFailed', 6, 5],
        ['ExecutionFailed', 7, 6],
      ],
    ),
  },
  {
    name: 'a Map without Items whose input is no array: EvaluationFailed without a location',
    source: `${RECORDED_SCENARIOS} (test_map_state_items_input_types[number]); ${RECORDED}`,
    definition: jsonata({
      StartAt: 'Start',
      States: {
        Start: { Type: 'Pass', Output: '{% $states.input.items %}', Next: 'MapIterateState' },
        MapIterateState: { Type: 'Map', ItemProcessor: processor('Item', { Type: 'Pass' }), End: true },
      },
    }),
    input: { items: 1 },
    ...evaluationFailure(
      { state: 'MapIterateState', enteredId: 4, cause: 'Map state input must be an array but was: 1' },
      [
        ['MapStateEntered', 4, 3],
        ['EvaluationFailed', 5, 3],
        ['MapStateFailed', 6, 5],
        ['ExecutionFailed', 7, 6],
      ],
    ),
  },
  // Functions Step Functions adds
  {
    name: '$partition, $range, $hash and $parse',
    source: `${TRANSFORMING}; ${MEASURED(2662)}`,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: {
          partition: '{% $partition([1, 2, 3, 4, 5], 2) %}',
          range: '{% $range(0, 10, 2) %}',
          sha256: "{% $hash('Hash this string', 'SHA-256') %}",
          sha1: "{% $hash('input', 'SHA-1') %}",
          parsed: '{% $parse($states.input.json) %}',
        },
      }),
    ),
    input: { json: '{"key":"value","list":[1,2]}' },
    expect: {
      status: 'SUCCEEDED',
      output: {
        partition: [[1, 2], [3, 4], [5]],
        range: [0, 2, 4, 6, 8, 10],
        sha256: SHA256_OF_HASH_THIS_STRING,
        sha1: '140f86aae51ab9e1cda9b4254fe98a74eb54c1a1',
        parsed: { key: 'value', list: [1, 2] },
      },
    },
  },
  {
    name: '$uuid gives a v4 UUID; $random with a seed gives the same number in [0, 1) each time',
    source: TRANSFORMING,
    definition: jsonata(
      single({
        Type: 'Pass',
        Output: {
          uuid: '{% $uuid() %}',
          first: '{% $random(42) %}',
          again: '{% $random(42) %}',
          unseeded: '{% $random() %}',
        },
      }),
    ),
    input: {},
    expect: {
      status: 'SUCCEEDED',
      check: (output) => {
        const { uuid, first, again, unseeded } = output as Record<string, unknown>;
        expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(typeof first).toBe('number');
        expect(again).toBe(first);
        for (const value of [first, unseeded] as number[]) {
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThan(1);
        }
      },
    },
  },
];

const ROLE = 'arn:aws:iam::000000000000:role/conformance';

function create(definition: object): (context: ApiCaseContext) => Promise<unknown> {
  return ({ client }) =>
    client.send(
      new CreateStateMachineCommand({
        name: `jsonata-${Math.random().toString(36).slice(2)}`,
        definition: JSON.stringify(definition),
        roleArn: ROLE,
      }),
    );
}

/** The InvalidDefinition message of one diagnostic, as CreateStateMachine words it. */
function invalidDefinition(code: string, message: string, location: string): string {
  return `Invalid State Machine Definition: '${code}: ${message} at ${location}'`;
}

/** JSONata definitions that CreateStateMachine refuses. */
export const jsonataApiCases: ApiErrorCase[] = [
  {
    name: 'CreateStateMachine with Parameters in a JSONata state',
    source: `${TRANSFORMING}; ${MEASURED(2968)}`,
    act: create(jsonata({ StartAt: 'X', States: { X: { Type: 'Pass', Parameters: { a: 1 }, End: true } } })),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      "The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage",
      '/States/X',
    ),
  },
  {
    name: 'CreateStateMachine with Output in a JSONPath state',
    source: `${TRANSFORMING}; ${MEASURED(2968)}`,
    act: create({ StartAt: 'X', States: { X: { Type: 'Pass', Output: { a: 1 }, End: true } } }),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
      '/States/X',
    ),
  },
  {
    name: 'CreateStateMachine with a JSONPath state in a JSONata state machine: its JSONata fields go unreported',
    source: MEASURED(2968),
    act: create(
      jsonata({
        StartAt: 'X',
        States: { X: { Type: 'Pass', QueryLanguage: 'JSONPath', Output: { v: '{% 1 %}' }, End: true } },
      }),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
      '/States/X',
    ),
  },
  {
    name: 'CreateStateMachine with a lowercase top-level QueryLanguage',
    source: MEASURED(2968),
    act: create({ QueryLanguage: 'jsonpath', StartAt: 'X', States: { X: { Type: 'Pass', End: true } } }),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      'Value should be one of the following: [JSONPath, JSONata]',
      '/QueryLanguage',
    ),
  },
  {
    name: 'CreateStateMachine with a JSONPath state in a JSONata state machine',
    source: MEASURED(2968),
    act: create(
      jsonata({ StartAt: 'X', States: { X: { Type: 'Pass', QueryLanguage: 'JSONPath', End: true } } }),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'SCHEMA_VALIDATION_FAILED',
      "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
      '/States/X',
    ),
  },
  {
    name: 'CreateStateMachine with a JSONata expression that does not parse',
    source: `${TRANSFORMING}; ${MEASURED(2745)}`,
    act: create(
      jsonata({ StartAt: 'Main', States: { Main: { Type: 'Pass', Output: '{% 1 + %}', End: true } } }),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'INVALID_JSONATA_EXPRESSION',
      'Unexpected end of expression',
      '/States/Main/Output',
    ),
  },
  {
    name: 'CreateStateMachine with a reference to the input at the top level of a JSONata expression',
    source: `${ASL} (JSONata Restrictions); ${MEASURED(2670)}`,
    act: create(
      jsonata({ StartAt: 'E', States: { E: { Type: 'Pass', Output: { v: '{% phone %}' }, End: true } } }),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'UNSUPPORTED_JSONATA_EXPRESSION',
      "Reference to 'phone' at the top level is not supported.",
      '/States/E/Output/v',
    ),
  },
  {
    name: 'CreateStateMachine with $states.errorOutput outside a JSONata catcher',
    source: `${TRANSFORMING}; ${VARIABLES}; ${MEASURED(2745)}`,
    act: create(
      jsonata({
        StartAt: 'Main',
        States: { Main: { Type: 'Pass', Output: '{% $states.errorOutput %}', End: true } },
      }),
    ),
    error: 'InvalidDefinition',
    message: invalidDefinition(
      'UNSUPPORTED_JSONATA_EXPRESSION',
      "Field '$states.errorOutput' does not exist.",
      '/States/Main/Output',
    ),
  },
];
