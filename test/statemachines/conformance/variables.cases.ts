import { expect } from 'vitest';
import { assignments, CONTEXT_EXECUTION_KEYS, chain, type ExecutionCase, fn, single } from './case.ts';

const VARIABLES = 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html';
const HISTORY =
  'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateExitedEventDetails.html';
const CHOICE = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html';
const LIMITS = 'https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html';
/** Expectations taken from execution histories recorded on AWS Step Functions for the same definition. */
const RECORDED = 'execution history as AWS records it';

/** A Pass state whose only effect is `Assign`. */
function assign(
  values: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { Type: 'Pass', Assign: values, ...extra };
}

/** A Map state over `$.items` whose item processor is `states`, starting at its first state. */
function mapOver(
  states: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    Type: 'Map',
    ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: Object.keys(states)[0], States: states },
    ...extra,
  };
}

/** Workflow variables of JSONPath states: `Assign` and `$name` references. */
export const variableCases: ExecutionCase[] = [
  {
    name: 'Pass Assign: `.$` values read the Result, other values are literal JSON; the exit event lists them',
    source: `${VARIABLES}; ${HISTORY}`,
    definition: chain(
      assign(
        { 'total.$': '$.sum', unit: 'ms', tags: ['a', 1], 'nested.$': '$.parts[0]', notAPath: '$.sum' },
        { Result: { sum: 3, parts: [{ x: true }] }, ResultPath: '$.ignored' },
      ),
      { Type: 'Pass', Parameters: { 'total.$': '$total', 'unit.$': '$unit', 'x.$': '$nested.x' } },
    ),
    input: { keep: 1 },
    expect: { status: 'SUCCEEDED', output: { total: 3, unit: 'ms', x: true } },
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([
        ['S1', { total: '3', unit: '"ms"', tags: '["a",1]', nested: '{"x":true}', notAPath: '"$.sum"' }],
      ]);
    },
  },
  {
    name: 'Assign resolves `.$` keys at any depth of an object, like Parameters',
    source: VARIABLES,
    definition: chain(
      assign({ config: { 'region.$': '$.region', limits: [{ 'max.$': '$.max' }], raw: '$$' } }),
      { Type: 'Pass', OutputPath: '$config' },
    ),
    input: { region: 'eu-west-1', max: 5 },
    expect: { status: 'SUCCEEDED', output: { region: 'eu-west-1', limits: [{ max: 5 }], raw: '$$' } },
  },
  {
    name: "a state's assignments all read the values from before the state (a swap)",
    source: VARIABLES,
    definition: chain(assign({ a: 'first', b: 'second' }), assign({ 'a.$': '$b', 'b.$': '$a' }), {
      Type: 'Pass',
      Parameters: { 'a.$': '$a', 'b.$': '$b' },
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: { a: 'second', b: 'first' } },
  },
  {
    name: 'Task Assign: `$` is the result after ResultSelector, not the ResultPath output',
    source: VARIABLES,
    definition: chain(
      {
        Type: 'Task',
        Resource: fn('add'),
        ResultSelector: { 'value.$': '$' },
        ResultPath: '$.sum',
        Assign: { 'sum.$': '$.value', 'selected.$': '$' },
      },
      { Type: 'Pass', Parameters: { 'sum.$': '$sum', 'selected.$': '$selected', 'input.$': '$' } },
    ),
    input: { a: 2, b: 5 },
    expect: {
      status: 'SUCCEEDED',
      output: { sum: 7, selected: { value: 7 }, input: { a: 2, b: 5, sum: { value: 7 } } },
    },
  },
  {
    name: 'variables in Parameters, intrinsic function arguments, InputPath and Task Parameters',
    source: VARIABLES,
    definition: chain(
      assign({ greeting: 'Hello', operands: { a: 40, b: 2 } }),
      {
        Type: 'Pass',
        Parameters: {
          'text.$': "States.Format('{}, {}!', $greeting, $.name)",
          'sum.$': 'States.MathAdd($operands.a, 1)',
        },
        ResultPath: '$.made',
      },
      { Type: 'Task', Resource: fn('add'), InputPath: '$operands', ResultPath: '$.added' },
    ),
    input: { name: 'Ada' },
    expect: {
      status: 'SUCCEEDED',
      output: { name: 'Ada', made: { text: 'Hello, Ada!', sum: 41 }, added: 42 },
    },
  },
  {
    name: 'Choice: rules compare variables; the matching rule assigns, the state Assign goes with Default',
    source: `${CHOICE}; ${VARIABLES}`,
    definition: {
      StartAt: 'Setup',
      States: {
        Setup: assign({ limit: 10, attempt: 0 }, { Next: 'Check' }),
        Check: {
          Type: 'Choice',
          Choices: [
            {
              Variable: '$attempt',
              NumericGreaterThanEquals: 2,
              Assign: { outcome: 'gave up', 'seen.$': '$.value' },
              Next: 'Done',
            },
            {
              Variable: '$.value',
              NumericGreaterThanPath: '$limit',
              Assign: { outcome: 'too big' },
              Next: 'Done',
            },
          ],
          Default: 'Again',
          Assign: { 'attempt.$': 'States.MathAdd($attempt, 1)' },
        },
        Again: { Type: 'Pass', Next: 'Check' },
        Done: {
          Type: 'Pass',
          Parameters: { 'outcome.$': '$outcome', 'attempt.$': '$attempt', 'seen.$': '$seen' },
          End: true,
        },
      },
    },
    input: { value: 5 },
    expect: { status: 'SUCCEEDED', output: { outcome: 'gave up', attempt: 2, seen: 5 } },
    checkHistory: (events) => {
      expect(assignments(events).map(([state, values]) => [state, Object.keys(values)])).toEqual([
        ['Setup', ['limit', 'attempt']],
        ['Check', ['attempt']],
        ['Check', ['attempt']],
        ['Check', ['outcome', 'seen']],
      ]);
    },
  },
  {
    name: 'Wait: SecondsPath reads a variable, Assign reads the effective input',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html; ${VARIABLES}`,
    definition: chain(
      assign({ delay: 3 }),
      { Type: 'Wait', SecondsPath: '$delay', InputPath: '$.job', Assign: { 'waitedFor.$': '$.id' } },
      { Type: 'Pass', Parameters: { 'waitedFor.$': '$waitedFor', 'delay.$': '$delay' } },
    ),
    input: { job: { id: 'j-1' } },
    expect: { status: 'SUCCEEDED', output: { waitedFor: 'j-1', delay: 3 } },
  },
  {
    name: 'Map: ItemsPath and MaxConcurrencyPath read variables, iterations read outer variables',
    source: VARIABLES,
    definition: chain(
      assign({ items: [1, 2, 3], factor: 'x', concurrency: 1 }),
      {
        Type: 'Map',
        ItemsPath: '$items',
        MaxConcurrencyPath: '$concurrency',
        ItemSelector: { 'n.$': '$$.Map.Item.Value', 'factor.$': '$factor' },
        ItemProcessor: {
          StartAt: 'Inner',
          States: {
            Inner: {
              Type: 'Pass',
              Assign: { 'inner.$': '$.label' },
              Parameters: { 'label.$': "States.Format('{}{}', $factor, $.n)" },
              End: true,
            },
          },
        },
        Assign: { 'count.$': 'States.ArrayLength($)' },
      },
      { Type: 'Pass', Parameters: { 'labels.$': '$[*].label', 'count.$': '$count' } },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { labels: ['x1', 'x2', 'x3'], count: 3 } },
  },
  {
    name: 'a variable assigned in a Map iteration is not visible after the Map state (States.Runtime)',
    source: VARIABLES,
    definition: chain(
      {
        Type: 'Map',
        ItemProcessor: { StartAt: 'Inner', States: { Inner: assign({ 'inner.$': '$' }, { End: true }) } },
      },
      { Type: 'Pass', Parameters: { 'inner.$': '$inner' } },
    ),
    input: [1],
    expect: { status: 'FAILED', error: 'States.Runtime' },
  },
  {
    name: 'Parallel: branches read outer variables; the state Assign reads the result after ResultSelector',
    source: VARIABLES,
    definition: chain(
      assign({ base: 10 }),
      {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'B1',
            States: {
              B1: assign(
                { 'local.$': '$base' },
                { Parameters: { 'v.$': 'States.MathAdd($base, 1)' }, End: true },
              ),
            },
          },
          {
            StartAt: 'B2',
            States: { B2: assign({ local: 'own' }, { Parameters: { 'v.$': '$base' }, End: true }) },
          },
        ],
        ResultSelector: { 'first.$': '$[0].v', 'second.$': '$[1].v' },
        ResultPath: '$.branches',
        Assign: { 'first.$': '$.first' },
      },
      { Type: 'Pass', Parameters: { 'first.$': '$first', 'branches.$': '$.branches' } },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { first: 11, branches: { first: 11, second: 10 } } },
  },
  {
    name: 'Catch Assign: `$` is the error output; the state Assign is not applied',
    source: VARIABLES,
    definition: {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: fn('fail'),
          Parameters: { error: 'DeployFailed', cause: 'no capacity' },
          Assign: { status: 'ok' },
          Catch: [
            {
              ErrorEquals: ['States.ALL'],
              ResultPath: '$.error',
              Assign: { 'status.$': '$.Error', 'reason.$': '$.Cause' },
              Next: 'Handle',
            },
          ],
          End: true,
        },
        Handle: {
          Type: 'Pass',
          Parameters: { 'status.$': '$status', 'hasError.$': '$.error.Error' },
          End: true,
        },
      },
    },
    input: {},
    expect: { status: 'SUCCEEDED', output: { status: 'DeployFailed', hasError: 'DeployFailed' } },
    checkHistory: (events) => {
      const [[state, values]] = assignments(events) as [[string, Record<string, string>]];
      expect(state).toBe('Call');
      expect(values.status).toBe('"DeployFailed"');
      expect(JSON.parse(values.reason!)).toContain('no capacity');
    },
  },
  {
    name: 'Fail ErrorPath and CausePath read variables',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/state-fail.html; ${VARIABLES}`,
    definition: chain(assign({ code: 'RolloutFailed', why: 'canary unhealthy' }), {
      Type: 'Fail',
      ErrorPath: '$code',
      CausePath: "States.Format('because: {}', $why)",
    }),
    input: {},
    expect: { status: 'FAILED', error: 'RolloutFailed', cause: 'because: canary unhealthy' },
  },
  {
    name: 'a variable never assigned fails the execution with States.Runtime',
    source: VARIABLES,
    definition: single({ Type: 'Pass', Parameters: { 'v.$': '$missing' } }),
    input: {},
    expect: { status: 'FAILED', error: 'States.Runtime', cause: { includes: "'$missing'" } },
  },
  {
    name: 'assigned values beyond 256 KiB together fail with States.DataLimitExceeded',
    source: `${LIMITS}; ${VARIABLES}`,
    definition: single({ Type: 'Pass', Assign: { 'a.$': '$.text', 'b.$': '$.text' }, OutputPath: '$.small' }),
    input: { text: 'x'.repeat(150 * 1024), small: 1 },
    expect: { status: 'FAILED', error: 'States.DataLimitExceeded' },
  },
  {
    name: 'states without Assign record no assignedVariables',
    source: HISTORY,
    definition: chain({ Type: 'Pass' }, assign({ a: 1 })),
    input: {},
    expect: { status: 'SUCCEEDED', output: {} },
    checkHistory: (events) => {
      const exits = events.filter((event) => event.stateExitedEventDetails);
      expect(exits.map((event) => 'assignedVariables' in event.stateExitedEventDetails!)).toEqual([
        false,
        true,
      ]);
    },
  },
  {
    name: 'an empty Assign sets nothing and its exit event carries no assignedVariables',
    source: `${HISTORY}; ${RECORDED}`,
    definition: single(assign({})),
    input: { input_value: 'input_value_literal' },
    expect: { status: 'SUCCEEDED', output: { input_value: 'input_value_literal' } },
    history: ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'],
    checkHistory: (events) => {
      const exited = events.find((event) => event.type === 'PassStateExited')!;
      expect(exited.stateExitedEventDetails).not.toHaveProperty('assignedVariables');
      expect(exited.stateExitedEventDetails).not.toHaveProperty('assignedVariablesDetails');
    },
  },
  {
    name: 'Assign literals: path-like strings, `$$`, intrinsic calls and `{% %}` without `.$` stay strings, also when copied',
    source: `${VARIABLES}; ${RECORDED}`,
    definition: chain(
      assign({
        'varname.$': '$.input_value',
        str_path: '$.no.such.path',
        str_context: '$$',
        str_var: '$noSuchVar.noSuchMember',
        str_intrinsic: "States.Format('Format Func {}', $varname)",
        str_jsonata: '{% $varname.varfield %}',
        list: [null, 0, 0.1, true, '$varname', '$$', [], { constant: 0 }],
        empty: {},
      }),
      assign({
        'copied_var.$': '$str_var',
        'copied_intrinsic.$': '$str_intrinsic',
        'copied_list.$': '$list',
        'copied_empty.$': '$empty',
      }),
    ),
    input: { input_value: 'input_value_literal' },
    expect: { status: 'SUCCEEDED', output: { input_value: 'input_value_literal' } },
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([
        [
          'S1',
          {
            varname: '"input_value_literal"',
            str_path: '"$.no.such.path"',
            str_context: '"$$"',
            str_var: '"$noSuchVar.noSuchMember"',
            str_intrinsic: `"States.Format('Format Func {}', $varname)"`,
            str_jsonata: '"{% $varname.varfield %}"',
            list: '[null,0,0.1,true,"$varname","$$",[],{"constant":0}]',
            empty: '{}',
          },
        ],
        [
          'S2',
          {
            copied_var: '"$noSuchVar.noSuchMember"',
            copied_intrinsic: `"States.Format('Format Func {}', $varname)"`,
            copied_list: '[null,0,0.1,true,"$varname","$$",[],{"constant":0}]',
            copied_empty: '{}',
          },
        ],
      ]);
    },
  },
  {
    name: 'Assign `$$` records the context object with its members in the order AWS writes them',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html; ${RECORDED}`,
    definition: {
      StartAt: 'State0',
      States: { State0: assign({ 'ctx.$': '$$', 'id.$': '$$.Execution.Id' }, { End: true }) },
    },
    input: { input_value: 'input_value_literal' },
    expect: { status: 'SUCCEEDED', output: { input_value: 'input_value_literal' } },
    checkHistory: (events) => {
      const [[, values]] = assignments(events) as [[string, Record<string, string>]];
      const ctx = JSON.parse(values.ctx!) as Record<string, Record<string, unknown>>;
      expect(Object.keys(ctx)).toEqual(['Execution', 'StateMachine', 'State']);
      expect(Object.keys(ctx.Execution!)).toEqual(CONTEXT_EXECUTION_KEYS);
      expect(Object.keys(ctx.State!)).toEqual(['Name', 'EnteredTime']);
      expect(ctx.Execution!.Input).toEqual({ input_value: 'input_value_literal' });
      expect(ctx.Execution!.RedriveCount).toBe(0);
      expect(ctx.State!.Name).toBe('State0');
      expect(values.id).toBe(JSON.stringify(ctx.Execution!.Id));
    },
  },
  {
    name: 'a literal "$name" in Parameters stays a string; a `.$` key in the same state reads the variable from before it',
    source: `${VARIABLES}; ${RECORDED}`,
    definition: chain(
      { Type: 'Pass', Parameters: { result: '$result' }, Assign: { result: 'foobar' } },
      { Type: 'Pass', ResultPath: '$.result', Parameters: { 'result.$': '$result' } },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: { result: { result: 'foobar' } } },
  },
  {
    name: 'InputPath, OutputPath and Assign of one state read the variables from before it (ResultPath writes the raw input)',
    source: `${VARIABLES}; ${RECORDED}`,
    definition: chain(
      assign(
        { 'question.$': '$.theQuestion', answer: 42 },
        { Result: { theQuestion: 'What is the answer to life the universe and everything?' } },
      ),
      {
        Type: 'Pass',
        InputPath: '$answer',
        ResultPath: '$.theAnswer',
        OutputPath: '$answer',
        Assign: { answer: '<omitted>' },
      },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: 42 },
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([
        ['S1', { question: '"What is the answer to life the universe and everything?"', answer: '42' }],
        ['S2', { answer: '"<omitted>"' }],
      ]);
    },
  },
  {
    name: 'Choice loop: a rule compares two variables; the state reassigned on Default makes the next pass match',
    source: `${CHOICE}; ${RECORDED}`,
    definition: {
      StartAt: 'Setup',
      States: {
        Setup: assign({ guess: 'the_guess', answer: 'the_answer' }, { Next: 'CheckAnswer' }),
        CheckAnswer: {
          Type: 'Choice',
          Choices: [{ Variable: '$guess', StringEqualsPath: '$answer', Next: 'CorrectAnswer' }],
          Default: 'WrongAnswer',
        },
        CorrectAnswer: { Type: 'Pass', Result: { state: 'CORRECT' }, End: true },
        WrongAnswer: assign({ 'guess.$': '$answer' }, { Result: { state: 'WRONG' }, Next: 'CheckAnswer' }),
      },
    },
    input: {},
    expect: { status: 'SUCCEEDED', output: { state: 'CORRECT' } },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ],
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([
        ['Setup', { guess: '"the_guess"', answer: '"the_answer"' }],
        ['WrongAnswer', { guess: '"the_answer"' }],
      ]);
    },
  },
  {
    name: 'Choice: NumericEquals on a string does not match, so the state Assign (with Default) applies',
    source: `${CHOICE}; ${RECORDED}`,
    definition: {
      StartAt: 'CheckInputState',
      States: {
        CheckInputState: {
          Type: 'Choice',
          Choices: [
            {
              Variable: '$.input_value',
              IsPresent: false,
              Assign: { status: 'UNKNOWN' },
              Next: 'FinalState',
            },
            {
              Variable: '$.input_value',
              NumericEquals: 42,
              Assign: { status: 'CORRECT' },
              Next: 'FinalState',
            },
          ],
          Assign: { status: 'INCORRECT', 'guess.$': '$.input_value' },
          Default: 'FinalState',
        },
        FinalState: { Type: 'Pass', Parameters: { 'result.$': '$status' }, End: true },
      },
    },
    input: { input_value: '42' },
    expect: { status: 'SUCCEEDED', output: { result: 'INCORRECT' } },
    checkHistory: (events) => {
      expect(assignments(events)).toEqual([['CheckInputState', { status: '"INCORRECT"', guess: '"42"' }]]);
    },
  },
  {
    name: 'Wait: SecondsPath and TimestampPath read variables',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html; ${RECORDED}`,
    definition: chain(
      assign({ waitTime: 0, startAt: '2024-11-06T09:42:03Z' }),
      { Type: 'Wait', SecondsPath: '$waitTime' },
      { Type: 'Wait', TimestampPath: '$startAt' },
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: {} },
    history: [
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'ExecutionSucceeded',
    ],
  },
  {
    name: 'intrinsic functions take variables as arguments',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html; ${RECORDED}`,
    definition: chain(
      assign({
        rawString: 'Hello World',
        encodedString: 'SGVsbG8gV29ybGQ=',
        inputString: 'Hash this string',
        json1: { a: 1, b: 2 },
        json2: { c: 3, d: 4 },
        jsonString: '{"key":"value"}',
        jsonObject: { test: 'object' },
        csvString: 'a,b,c,d,e',
      }),
      {
        Type: 'Pass',
        Parameters: {
          'encoded.$': 'States.Base64Encode($rawString)',
          'decoded.$': 'States.Base64Decode($encodedString)',
          'hashValue.$': "States.Hash($inputString, 'SHA-256')",
          'mergedJson.$': 'States.JsonMerge($json1, $json2, false)',
          'parsedJson.$': 'States.StringToJson($jsonString)',
          'stringifiedJson.$': 'States.JsonToString($jsonObject)',
          'splitString.$': "States.StringSplit($csvString, ',')",
        },
      },
    ),
    input: {},
    expect: {
      status: 'SUCCEEDED',
      output: {
        encoded: 'SGVsbG8gV29ybGQ=',
        decoded: 'Hello World',
        hashValue: '1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e',
        mergedJson: { a: 1, b: 2, c: 3, d: 4 },
        parsedJson: { key: 'value' },
        stringifiedJson: '{"test":"object"}',
        splitString: ['a', 'b', 'c', 'd', 'e'],
      },
    },
  },
  {
    name: 'nested Map iterations read the variables of every enclosing scope',
    source: `${VARIABLES}; ${RECORDED}`,
    definition: chain(
      assign(
        { bias: 4.3 },
        {
          Result: [
            [9, 44, 6],
            [82, 25, 76],
            [18, 42, 2],
          ],
        },
      ),
      mapOver(
        {
          AssignCurrentVector: assign(
            { 'xCurrent.$': '$[0]', 'yCurrent.$': '$[1]', 'zCurrent.$': '$[2]' },
            { Next: 'Calculate' },
          ),
          Calculate: mapOver(
            {
              Summate: assign(
                {
                  'Sum.$':
                    'States.MathAdd(States.MathAdd(States.MathAdd($yCurrent, $xCurrent), $zCurrent), $bias)',
                },
                { End: true },
              ),
            },
            { MaxConcurrency: 1, End: true },
          ),
        },
        { MaxConcurrency: 1 },
      ),
    ),
    input: {},
    expect: {
      status: 'SUCCEEDED',
      output: [
        [9, 44, 6],
        [82, 25, 76],
        [18, 42, 2],
      ],
    },
    historyCounts: { MapStateEntered: 4, MapIterationStarted: 12, PassStateExited: 13 },
    checkHistory: (events) => {
      const sums = assignments(events).filter(([state]) => state === 'Summate');
      expect(sums.map(([, values]) => values.Sum)).toEqual([
        '63',
        '63',
        '63',
        '187',
        '187',
        '187',
        '66',
        '66',
        '66',
      ]);
    },
  },
  {
    name: 'Parallel branches may each assign the same names; `$` in a branch is the branch input',
    source: `${VARIABLES}; ${RECORDED}`,
    definition: chain(assign({ x: 42 }), {
      Type: 'Parallel',
      Branches: ['Branch1', 'Branch21', 'Branch31'].map((name) => ({
        StartAt: name,
        States: { [name]: assign({ 'innerX.$': '$x', 'value.$': '$' }, { End: true }) },
      })),
    }),
    input: {},
    expect: { status: 'SUCCEEDED', output: [{}, {}, {}] },
    checkHistory: (events) => {
      expect(assignments(events).map(([, values]) => values)).toEqual([
        { x: '42' },
        { innerX: '42', value: '{}' },
        { innerX: '42', value: '{}' },
        { innerX: '42', value: '{}' },
      ]);
    },
  },
  {
    name: 'MaxConcurrencyPath accepts a variable holding an integer as a string',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html; ${RECORDED}`,
    definition: chain(
      assign({ maxConcurrency: '1' }, { Result: { Values: [1, 2, 3] } }),
      mapOver(
        { HandleItem: { Type: 'Pass', End: true } },
        { ItemsPath: '$.Values', MaxConcurrencyPath: '$maxConcurrency' },
      ),
    ),
    input: {},
    expect: { status: 'SUCCEEDED', output: [1, 2, 3] },
    historyCounts: { MapIterationStarted: 3, MapIterationSucceeded: 3, MapStateSucceeded: 1 },
  },
  {
    name: 'ItemSelector: a `.$` key reads a variable; "$bucket" without `.$` stays a string',
    source: `${VARIABLES}; ${RECORDED}`,
    definition: chain(
      assign({ AnswerTemplate: "It's {}!", bucket: 'test-name' }, { Result: ['Charizard', 'Pikachu'] }),
      mapOver(
        { Pass: { Type: 'Pass', End: true } },
        {
          MaxConcurrency: 1,
          ItemSelector: {
            'AnnouncePokemon.$': 'States.Format($AnswerTemplate, $$.Map.Item.Value)',
            bucketName: '$bucket',
          },
        },
      ),
    ),
    input: {},
    expect: {
      status: 'SUCCEEDED',
      output: [
        { AnnouncePokemon: "It's Charizard!", bucketName: '$bucket' },
        { AnnouncePokemon: "It's Pikachu!", bucketName: '$bucket' },
      ],
    },
  },
  {
    name: 'Task: TimeoutSecondsPath and Parameters read variables; Assign reads the result before OutputPath',
    source: `https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html; ${RECORDED}`,
    definition: chain(
      assign({ 'functionName.$': '$.FunctionName', inputData: { who: 'World' }, timeout: 300 }),
      {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        TimeoutSecondsPath: '$timeout',
        Parameters: { 'Payload.$': '$inputData', 'FunctionName.$': '$functionName' },
        Assign: { 'result.$': '$.Payload' },
        OutputPath: '$.Payload',
      },
      assign({ 'previousResult.$': '$result', timeout: 150 }),
    ),
    input: { FunctionName: fn('greet') },
    expect: { status: 'SUCCEEDED', output: 'Hello, World!' },
    checkHistory: (events) => {
      const scheduled = events.find((event) => event.type === 'TaskScheduled')!;
      expect(scheduled.taskScheduledEventDetails?.timeoutInSeconds).toBe(300);
      expect(JSON.parse(scheduled.taskScheduledEventDetails!.parameters!)).toEqual({
        Payload: { who: 'World' },
        FunctionName: fn('greet'),
      });
      expect(assignments(events).slice(1)).toEqual([
        ['S2', { result: '"Hello, World!"' }],
        ['S3', { previousResult: '"Hello, World!"', timeout: '150' }],
      ]);
    },
  },
];
