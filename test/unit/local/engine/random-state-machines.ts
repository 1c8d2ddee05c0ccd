/**
 * Random state machines for property tests: flows of Pass, Wait, Task (with Retry and Catch), Choice, Map
 * and Parallel states nested two deep, where every state is reachable and every run ends. JSONPath ones have
 * random paths, payload templates and intrinsic functions; JSONata ones random expressions, `Output` and
 * `Assign` (variables read by later states). Also random inputs, and the Lambda function their tasks invoke.
 */
import fc from 'fast-check';
import { FUNCTION_ARN } from './harness.ts';

/** What a cause says when the runtime itself broke, rather than the state machine failing. */
export const INTERNAL_FAULT =
  /TypeError|ReferenceError|RangeError|Cannot read prop|is not a function|is not iterable|undefined is not/;

const PATHS = [
  '$',
  '$.a',
  '$.b',
  '$.items',
  '$.items[0]',
  '$.nested.c',
  '$.missing',
  '$$.Execution.Name',
  '$$.State.Name',
];
const RESULT_PATHS = [...PATHS.filter((path) => !path.startsWith('$$')), null];
const INTRINSICS = [
  "States.Format('{} and {}', $.a, $.b)",
  'States.MathAdd($.a, 1)',
  'States.Array($.a, $.b, 3)',
  'States.ArrayLength($.items)',
  'States.ArrayGetItem($.items, 0)',
  'States.JsonToString($.nested)',
  'States.StringToJson(\'{"k": [1, 2]}\')',
  'States.ArrayContains($.items, 2)',
  'States.ArrayRange(1, 9, 2)',
  'States.ArrayUnique($.items)',
  "States.StringSplit('a,b;c', ',;')",
  "States.Hash('abc', 'SHA-256')",
  "States.Base64Encode('cutover')",
  'States.MathRandom(1, 2, 7)',
];

/** A value of a payload template: a constant, a path or an intrinsic function (as a `.$` key). */
const templateEntry = fc.oneof(
  fc
    .tuple(fc.constantFrom('a', 'b', 'c'), fc.jsonValue({ maxDepth: 2 }))
    .map(([key, value]) => [key, value] as const),
  fc
    .tuple(fc.constantFrom('a.$', 'b.$', 'p.$'), fc.constantFrom(...PATHS))
    .map(([key, path]) => [key, path] as const),
  fc
    .tuple(fc.constantFrom('f.$', 'g.$'), fc.constantFrom(...INTRINSICS))
    .map(([key, call]) => [key, call] as const),
);
const template = fc.array(templateEntry, { maxLength: 3 }).map((entries) => Object.fromEntries(entries));

/** A path field set now and then (each set one fails the state more often than not). */
const sometimes = <T>(values: readonly T[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constantFrom(...values) },
  );

const dataFlow = fc
  .record({
    InputPath: sometimes(PATHS.filter((path) => path !== '$.missing')),
    OutputPath: sometimes(['$', '$.a', '$.nested']),
    ResultPath: sometimes(RESULT_PATHS),
  })
  .map((fields) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)));

const choiceRule = fc.oneof(
  fc.record({ Variable: fc.constantFrom(...PATHS), IsPresent: fc.boolean() }),
  fc.record({ Variable: fc.constantFrom('$.a', '$.b'), NumericGreaterThan: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ Variable: fc.constantFrom('$.a', '$.b'), NumericLessThanPath: fc.constantFrom('$.a', '$.b') }),
  fc.record({ Variable: fc.constantFrom('$.a', '$.name'), StringMatches: fc.constantFrom('*', 'a*', '\\*') }),
  fc.record({ Variable: fc.constant('$.items'), IsNull: fc.boolean() }),
);

/** Whether a state retries once and whether it catches every error (its dialect's Catcher, to the next state). */
const retryAndCatch = fc.record(
  {
    Retry: fc.constant([{ ErrorEquals: ['States.ALL'], MaxAttempts: 1, IntervalSeconds: 1 }]),
    Catch: fc.constant(true),
  },
  { requiredKeys: [] },
);

/** How a query language fills the fields of the generated states. */
interface Dialect {
  /** Top-level fields of a definition. */
  readonly top: Record<string, unknown>;
  /** Data flow fields of a state of `type` (Pass, Wait, Task, Map, Parallel) in a flow nested `depth` deep. */
  fields(type: string, depth: number): fc.Arbitrary<Record<string, unknown>>;
  /** A Task's payload field. */
  readonly payload: fc.Arbitrary<Record<string, unknown>>;
  readonly choiceRule: fc.Arbitrary<Record<string, unknown>>;
  /** A Catcher's fields but Next. */
  readonly catcher: Record<string, unknown>;
  /** A Map's item fields. */
  readonly items: fc.Arbitrary<Record<string, unknown>>;
  /** The states that may end a flow (Fail, Succeed). */
  readonly ends: Record<string, unknown>[];
}

const JSONPATH: Dialect = {
  top: {},
  fields: (type) =>
    type === 'Wait'
      ? dataFlow.map(({ ResultPath: _, ...fields }) => fields)
      : type === 'Pass'
        ? fc
            .tuple(dataFlow, fc.option(template, { nil: undefined }))
            .map(([fields, parameters]) => (parameters ? { ...fields, Parameters: parameters } : fields))
        : dataFlow,
  payload: template.map((payload) => ({ Parameters: { ...payload, 'input.$': '$' } })),
  choiceRule,
  catcher: { ErrorEquals: ['States.ALL'], ResultPath: '$.caught' },
  items: fc.constantFrom('$.items', '$.missing', '$.a').map((path) => ({ ItemsPath: path })),
  ends: [
    { Type: 'Fail', Error: 'Custom', Cause: 'it failed' },
    { Type: 'Fail', ErrorPath: '$.name', CausePath: '$.missing' },
    { Type: 'Succeed' },
  ],
};

/** JSONata expressions of values: of the input, of the context, of the variable `x` (maybe never assigned). */
const EXPRESSIONS = [
  '{% $states.input %}',
  '{% $states.input.a %}',
  '{% $states.input.b + 1 %}',
  '{% $count($states.input.items) %}',
  '{% $sum($states.input.items) %}',
  '{% $states.input.items[0] %}',
  '{% $states.input.missing %}',
  "{% {'a': $states.input.a, 'b': $states.input.b, 'name': $states.input.name, 'items': $states.input.items} %}",
  '{% $uppercase($states.input.name) %}',
  '{% $states.context.Execution.Name %}',
  '{% $x %}',
  '{% $x + 1 %}',
  '{% [1, 2, 3] %}',
];
const expression = fc.oneof(fc.constantFrom(...EXPRESSIONS), fc.jsonValue({ maxDepth: 1 }));
/**
 * An `Assign` of a flow nested `depth` deep, maybe: `x` at the top, `y` and `z` deeper (AWS refuses to assign
 * a variable of an enclosing scope in a nested one); every flow may read `$x`.
 */
const assign = (depth: number) =>
  fc.option(
    expression.map((value) => ({ Assign: { [['x', 'y', 'z'][depth]!]: value } })),
    { nil: undefined },
  );

const JSONATA: Dialect = {
  top: { QueryLanguage: 'JSONata' },
  fields: (type, depth) =>
    fc
      .tuple(
        sometimes(
          type === 'Task'
            ? ['{% $states.result %}', "{% $merge([$states.input, {'r': $states.result}]) %}", ...EXPRESSIONS]
            : EXPRESSIONS,
        ),
        assign(depth),
      )
      .map(([output, assigned]) => ({ ...(output === undefined ? {} : { Output: output }), ...assigned })),
  payload: fc
    .dictionary(fc.constantFrom('k', 'm'), expression, { maxKeys: 2 })
    .map((payload) => ({ Arguments: { ...payload, input: '{% $states.input %}' } })),
  choiceRule: fc
    .constantFrom(
      '{% $states.input.a > 0 %}',
      '{% $exists($states.input.items) %}',
      "{% $states.input.name = 'alpha' %}",
      '{% $x = 1 %}',
      '{% $count($states.input.items) > 1 %}',
      '{% $states.input.missing %}',
    )
    .map((condition) => ({ Condition: condition })),
  catcher: {
    ErrorEquals: ['States.ALL'],
    Output: "{% $merge([$states.input, {'caught': $states.errorOutput}]) %}",
  },
  items: fc
    .record({
      Items: sometimes(['{% $states.input.items %}', '{% $states.input.a %}', '{% [1, 2] %}']),
      ItemSelector: sometimes([
        { value: '{% $states.context.Map.Item.Value %}', index: '{% $states.context.Map.Item.Index %}' },
      ]),
    })
    .map((fields) => Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))),
  ends: [
    { Type: 'Fail', Error: 'Custom', Cause: 'it failed' },
    { Type: 'Fail', Error: '{% $states.input.name %}', Cause: '{% $string($states.input.a) %}' },
    { Type: 'Succeed', Output: '{% $states.input %}' },
  ],
};

export type Flow = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** A flow of `size` states `<prefix>0..`, each moving only to a later one (so every run ends). */
function flow(dialect: Dialect, prefix: string, depth: number): fc.Arbitrary<Flow> {
  return fc.integer({ min: 1, max: depth === 0 ? 5 : 3 }).chain((size) =>
    fc
      .tuple(...Array.from({ length: size }, (_, index) => state(dialect, prefix, index, size, depth)))
      .map((states) => ({
        StartAt: `${prefix}0`,
        States: Object.fromEntries(states.map((body, index) => [`${prefix}${index}`, body])),
      })),
  );
}

/** State `index` of a flow of `size`: its `Next` is a later state, or it ends the flow. */
function state(
  dialect: Dialect,
  prefix: string,
  index: number,
  size: number,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const last = index === size - 1;
  // Each state moves on to the next one (a Choice may skip ahead), so that every state is reachable.
  const following = `${prefix}${index + 1}`;
  const next = fc.constant(last ? { End: true } : { Next: following });
  const withCatch = (body: Record<string, unknown>, errors: Record<string, unknown>) => {
    const target = last ? undefined : following;
    if (!errors.Catch || !target) return { ...body, ...(errors.Retry ? { Retry: errors.Retry } : {}) };
    return { ...body, ...errors, Catch: [{ ...dialect.catcher, Next: target }] };
  };
  const kinds: fc.Arbitrary<Record<string, unknown>>[] = [
    fc.tuple(dialect.fields('Pass', depth), next).map(([fields, to]) => ({ Type: 'Pass', ...fields, ...to })),
    fc
      .tuple(dialect.fields('Wait', depth), fc.integer({ min: 0, max: 2 }), next)
      .map(([fields, seconds, to]) => ({
        Type: 'Wait',
        Seconds: seconds,
        ...fields,
        ...to,
      })),
    fc
      .tuple(dialect.fields('Task', depth), dialect.payload, retryAndCatch, next)
      .map(([fields, payload, errors, to]) =>
        withCatch({ Type: 'Task', Resource: FUNCTION_ARN('work'), ...payload, ...fields, ...to }, errors),
      ),
  ];
  if (last) kinds.push(fc.constantFrom(...dialect.ends));
  else {
    kinds.push(
      fc
        .tuple(
          fc.array(dialect.choiceRule, { minLength: 1, maxLength: 2 }),
          fc.integer({ min: index + 1, max: size - 1 }),
          fc.boolean(),
        )
        .map(([rules, to, withDefault]) => ({
          Type: 'Choice',
          Choices: rules.map((rule, number) => ({
            ...rule,
            Next: number === 0 ? following : `${prefix}${to}`,
          })),
          ...(withDefault ? { Default: `${prefix}${to}` } : {}),
        })),
    );
  }
  if (depth < 2) {
    kinds.push(
      fc
        .tuple(
          flow(dialect, `${prefix}${index}m`, depth + 1),
          dialect.items,
          fc.integer({ min: 0, max: 3 }),
          dialect.fields('Map', depth),
          retryAndCatch,
          next,
        )
        .map(([processor, items, maxConcurrency, fields, errors, to]) =>
          withCatch(
            {
              Type: 'Map',
              ...items,
              MaxConcurrency: maxConcurrency,
              ItemProcessor: processor,
              ...fields,
              ...to,
            },
            errors,
          ),
        ),
      fc
        .tuple(
          fc.array(flow(dialect, `${prefix}${index}p`, depth + 1), { minLength: 1, maxLength: 2 }),
          dialect.fields('Parallel', depth),
          retryAndCatch,
          next,
        )
        .map(([branches, fields, errors, to]) =>
          withCatch(
            {
              Type: 'Parallel',
              // State names are unique in a definition: each branch's states get their own prefix.
              Branches: branches.map((branch, number) => renamed(branch, `b${number}`)),
              ...fields,
              ...to,
            },
            errors,
          ),
        ),
    );
  }
  return fc.oneof(...kinds);
}

/** `flow` with `tag` added to each state name (and every reference to one). */
function renamed(flow: Flow, tag: string): Flow {
  const json = JSON.stringify(flow).replace(/"([A-Za-z0-9]+)"/g, (match, name: string) =>
    /^S\d/.test(name) ? `"${name}${tag}"` : match,
  );
  return JSON.parse(json) as Flow;
}

export const randomInput = fc.record({
  a: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant('text')),
  b: fc.integer({ min: -3, max: 3 }),
  name: fc.constantFrom('alpha', 'beta'),
  items: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  nested: fc.record({ c: fc.boolean() }),
});

/**
 * The function the tasks invoke (`work`): echoes its payload; with `failNegative` (the default), fails for
 * an input whose `a` is negative.
 */
export function work(payload: unknown, failNegative = true): unknown {
  const { input } = payload as { input?: { a?: unknown } };
  if (failNegative && typeof input?.a === 'number' && input.a < 0) {
    // A stack of its own: the stack trace in the cause is the same in both runs.
    throw Object.assign(new Error(`negative ${input.a}`), { name: 'Negative', stack: 'Negative: at work' });
  }
  return { worked: payload };
}

/** Scale of the clock of the runtime the kill test runs them on: a one-second Wait or retry interval takes 30 ms. */
export const WORKLOAD_WAIT_SCALE = 0.03;

/** A random definition: a flow of states `S0`, `S1`..., in JSONPath or (one in three) JSONata. */
export const randomDefinition = fc.oneof(
  { weight: 2, arbitrary: flow(JSONPATH, 'S', 0) },
  { weight: 1, arbitrary: flow(JSONATA, 'S', 0).map((definition) => ({ ...JSONATA.top, ...definition })) },
);

/** `text` without what differs from run to run: ARNs, request ids (also cut short), times. */
export function withoutRunDetails(text: string | undefined): string | undefined {
  return text
    ?.replace(/[0-9a-f]{8}-[0-9a-f-]*/g, 'UUID')
    .replace(/arn:aws:states:[^"\s]*/g, 'ARN')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME');
}
