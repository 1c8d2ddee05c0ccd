import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { expect } from 'vitest';
import { chain, type ExecutionCase, fn, single } from './case.ts';

const VARIABLES = 'https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html';
const HISTORY =
  'https://docs.aws.amazon.com/step-functions/latest/apireference/API_StateExitedEventDetails.html';
const CHOICE = 'https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html';
const LIMITS = 'https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html';

/** Each `...StateExited` event that assigned variables: its state and `assignedVariables`, oldest first. */
function assignments(events: readonly HistoryEvent[]): [string, Record<string, string>][] {
  return events.flatMap((event) => {
    const details = event.stateExitedEventDetails;
    if (!details?.assignedVariables) return [];
    expect(details.assignedVariablesDetails).toEqual({ truncated: false });
    return [[details.name!, details.assignedVariables]];
  });
}

/** A Pass state whose only effect is `Assign`. */
function assign(
  values: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { Type: 'Pass', Assign: values, ...extra };
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
];
