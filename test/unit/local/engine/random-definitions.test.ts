import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { FUNCTION_ARN, fullHistory } from './harness.ts';

/** Definitions each run tries; `FUZZ_RUNS=N` tries more. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const ROLE = 'arn:aws:iam::000000000000:role/fuzz';
/** What a cause says when the runtime itself broke, rather than the state machine failing. */
const INTERNAL_FAULT =
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

const retryAndCatch = fc.record(
  {
    Retry: fc.constant([{ ErrorEquals: ['States.ALL'], MaxAttempts: 1, IntervalSeconds: 1 }]),
    Catch: fc.constant([{ ErrorEquals: ['States.ALL'], ResultPath: '$.caught', Next: '__NEXT__' }]),
  },
  { requiredKeys: [] },
);

type Flow = { StartAt: string; States: Record<string, Record<string, unknown>> };

/** A flow of `size` states `<prefix>0..`, each moving only to a later one (so every run ends). */
function flow(prefix: string, depth: number): fc.Arbitrary<Flow> {
  return fc.integer({ min: 1, max: depth === 0 ? 5 : 3 }).chain((size) =>
    fc
      .tuple(...Array.from({ length: size }, (_, index) => state(prefix, index, size, depth)))
      .map((states) => ({
        StartAt: `${prefix}0`,
        States: Object.fromEntries(states.map((body, index) => [`${prefix}${index}`, body])),
      })),
  );
}

/** State `index` of a flow of `size`: its `Next` is a later state, or it ends the flow. */
function state(
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
    const catcher = errors.Catch as { Next: string }[] | undefined;
    const target = last ? undefined : following;
    if (!catcher || !target) return { ...body, ...(errors.Retry ? { Retry: errors.Retry } : {}) };
    return { ...body, ...errors, Catch: [{ ...catcher[0], Next: target }] };
  };
  const kinds: fc.Arbitrary<Record<string, unknown>>[] = [
    fc.tuple(dataFlow, fc.option(template, { nil: undefined }), next).map(([fields, parameters, to]) => ({
      Type: 'Pass',
      ...fields,
      ...(parameters ? { Parameters: parameters } : {}),
      ...to,
    })),
    fc.tuple(dataFlow, fc.integer({ min: 0, max: 2 }), next).map(([fields, seconds, to]) => ({
      Type: 'Wait',
      Seconds: seconds,
      ...('ResultPath' in fields ? {} : fields),
      ...to,
    })),
    fc.tuple(dataFlow, template, retryAndCatch, next).map(([fields, payload, errors, to]) =>
      withCatch(
        {
          Type: 'Task',
          Resource: FUNCTION_ARN('work'),
          Parameters: { ...payload, 'input.$': '$' },
          ...fields,
          ...to,
        },
        errors,
      ),
    ),
  ];
  if (last) {
    kinds.push(
      fc.constantFrom(
        { Type: 'Fail', Error: 'Custom', Cause: 'it failed' },
        { Type: 'Fail', ErrorPath: '$.name', CausePath: '$.missing' },
        { Type: 'Succeed' },
      ),
    );
  }
  if (!last) {
    kinds.push(
      fc
        .tuple(
          fc.array(choiceRule, { minLength: 1, maxLength: 2 }),
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
          flow(`${prefix}${index}m`, depth + 1),
          fc.constantFrom('$.items', '$.missing', '$.a'),
          fc.integer({ min: 0, max: 3 }),
          dataFlow,
          retryAndCatch,
          next,
        )
        .map(([processor, itemsPath, maxConcurrency, fields, errors, to]) =>
          withCatch(
            {
              Type: 'Map',
              ItemsPath: itemsPath,
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
          fc.array(flow(`${prefix}${index}p`, depth + 1), { minLength: 1, maxLength: 2 }),
          dataFlow,
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

const inputs = fc.record({
  a: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant('text')),
  b: fc.integer({ min: -3, max: 3 }),
  name: fc.constantFrom('alpha', 'beta'),
  items: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }),
  nested: fc.record({ c: fc.boolean() }),
});

/** The function tasks invoke: fails on every other call for an input whose `a` is negative. */
function work(payload: unknown): unknown {
  const { input } = payload as { input?: { a?: unknown } };
  if (typeof input?.a === 'number' && input.a < 0) {
    // A stack of its own: the stack trace in the cause is the same in both runs.
    throw Object.assign(new Error(`negative ${input.a}`), { name: 'Negative', stack: 'Negative: at work' });
  }
  return { worked: payload };
}

/** An execution's end and history with what differs from run to run (times, ARNs, request ids) left out. */
async function runOn(sfn: LocalStepFunctions, definition: string, input: string, name: string) {
  let stateMachineArn: string;
  try {
    ({ stateMachineArn } = (await sfn.createStateMachine({ name, definition, roleArn: ROLE })) as {
      stateMachineArn: string;
    });
  } catch (error) {
    return { refused: (error as { code?: string }).code, message: (error as Error).message };
  }
  const { executionArn } = await sfn.startExecution({ stateMachineArn, input, name: 'run' });
  const done = await sfn.awaitExecution(executionArn);
  const events = await fullHistory(sfn, executionArn!);
  const stable = (text: string | undefined) =>
    text
      // A request id, also one cut short in a cause that shows 200 characters of a value.
      ?.replace(/[0-9a-f]{8}-[0-9a-f-]*/g, 'UUID')
      .replace(/arn:aws:states:[^"\s]*/g, 'ARN')
      .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'TIME');
  return {
    status: done.status,
    output: stable(done.output),
    error: done.error,
    cause: stable(done.cause),
    history: events.map(({ timestamp: _timestamp, ...event }) => stable(JSON.stringify(event))),
  };
}

describe('random JSONPath state machines', () => {
  let dataDir: string;
  let memory: LocalStepFunctions;
  let durable: LocalStepFunctions;
  let machines = 0;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cutover-random-definitions-'));
    const lambdas = () => new MapLambdaRegistry({ work });
    memory = new LocalStepFunctions({ clock: new RealClock(0), lambdas: lambdas() });
    durable = new LocalStepFunctions({ dataDir, clock: new RealClock(0), lambdas: lambdas() });
  });

  afterAll(async () => {
    await memory?.close();
    await durable?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `run ${RUNS} definitions to the same end and history in memory and on SQLite, each history whole, no internal fault`,
    async () => {
      await fc.assert(
        fc.asyncProperty(flow('S', 0), inputs, async (definition, input) => {
          const name = `random-${++machines}`;
          const json = JSON.stringify(definition);
          const inputJson = JSON.stringify(input);
          const inMemory = await runOn(memory, json, inputJson, name);
          const onDisk = await runOn(durable, json, inputJson, name);
          const label = `${json} with ${inputJson}`;
          expect(onDisk, label).toEqual(inMemory);
          if ('refused' in inMemory) {
            expect(inMemory.refused, `${label}: ${inMemory.message}`).toBe('InvalidDefinition');
            return;
          }
          expect(`${inMemory.error} ${inMemory.cause}`, label).not.toMatch(INTERNAL_FAULT);
          const types = inMemory.history.map((event) => JSON.parse(event!).type as string);
          expect(types[0], label).toBe('ExecutionStarted');
          expect(types.filter((type) => type.startsWith('Execution')).length, label).toBe(2);
          const ids = inMemory.history.map((event) => JSON.parse(event!).id as number);
          expect(ids, label).toEqual(ids.map((_, index) => index + 1));
        }),
        { numRuns: RUNS },
      );
    },
    60_000 + RUNS * 200,
  );
});
