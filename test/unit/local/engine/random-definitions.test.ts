import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { fullHistory, historyFaults } from './harness.ts';
import {
  INTERNAL_FAULT,
  randomDefinition,
  randomInput,
  withoutRunDetails,
  work,
} from './random-state-machines.ts';

/** Definitions each run tries; `FUZZ_RUNS=N` tries more. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const ROLE = 'arn:aws:iam::000000000000:role/fuzz';

/** Creates the state machine `name` and runs `input` through it; `refused` with the API's error code if it is refused. */
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
  return { executionArn: executionArn!, ...(await endOf(sfn, executionArn!)) };
}

/**
 * An execution's end and history once it ended, without what differs from run to run (times, ARNs, request
 * ids), and what is wrong with its history (see {@link historyFaults}).
 */
async function endOf(sfn: LocalStepFunctions, executionArn: string) {
  const done = await sfn.awaitExecution(executionArn);
  const events = await fullHistory(sfn, executionArn);
  return {
    status: done.status,
    output: withoutRunDetails(done.output),
    error: done.error,
    cause: withoutRunDetails(done.cause),
    history: events.map(({ timestamp: _timestamp, ...event }) => withoutRunDetails(JSON.stringify(event))),
    faults: historyFaults(events),
  };
}

/** Odd values a mutated definition field may get: other JSON types, odd strings and numbers, paths, expressions. */
const oddField = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    '',
    '$',
    '$$',
    '$.',
    '$[',
    '$..a',
    '{% %}',
    '{% $states.input. %}',
    "States.Format('{}')",
    'States.Nope()',
    -1,
    0,
    1.5,
    2 ** 53,
    99999999,
    [],
    {},
    null,
    '__proto__',
  ),
);

/**
 * `definition` with a few random changes: a field anywhere replaced by an odd value, removed, or added
 * (the paths are drawn over the definition's own objects).
 */
function mutated(definition: unknown): fc.Arbitrary<unknown> {
  const places: (string | number)[][] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value !== 'object' || value === null) return;
    places.push(path);
    for (const [key, child] of Object.entries(value))
      walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
  };
  walk(definition, []);
  const change = fc.record({
    place: fc.constantFrom(...places),
    key: fc.constantFrom(
      'Type',
      'Next',
      'End',
      'States',
      'StartAt',
      'Seconds',
      'ItemsPath',
      'Branches',
      'Choices',
      'Default',
      'Retry',
      'Catch',
      'Parameters',
      'Assign',
      'QueryLanguage',
      'extra',
    ),
    value: oddField,
    remove: fc.boolean(),
  });
  return fc.array(change, { minLength: 1, maxLength: 3 }).map((changes) => {
    const copy = structuredClone(definition) as Record<string, unknown>;
    for (const { place, key, value, remove } of changes) {
      let target: unknown = copy;
      for (const step of place) target = (target as Record<string | number, unknown> | undefined)?.[step];
      // An earlier change may have replaced or removed what this one's place was in.
      if (typeof target !== 'object' || target === null) continue;
      const object = target as Record<string, unknown>;
      const field = Object.keys(object).length > 0 && remove ? Object.keys(object)[0]! : key;
      if (remove) delete object[field];
      else
        Object.defineProperty(object, field, { value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  });
}

describe('random state machines', () => {
  let dataDir: string;
  let memory: LocalStepFunctions;
  let durable: LocalStepFunctions;
  let machines = 0;
  /** While set, `work` fails for a negative `a`: cleared to redrive the executions that failed so. */
  const outage = { on: true };

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cutover-random-definitions-'));
    const lambdas = () => new MapLambdaRegistry({ work: (payload) => work(payload, outage.on) });
    memory = new LocalStepFunctions({ clock: new RealClock(0), lambdas: lambdas() });
    durable = new LocalStepFunctions({ dataDir, clock: new RealClock(0), lambdas: lambdas() });
  });

  afterAll(async () => {
    await memory?.close();
    await durable?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(
    `run ${RUNS} definitions to the same end and history in memory and on SQLite, also redriven, each history whole, no internal fault`,
    async () => {
      await fc.assert(
        fc.asyncProperty(randomDefinition, randomInput, async (definition, input) => {
          const name = `random-${++machines}`;
          const json = JSON.stringify(definition);
          const inputJson = JSON.stringify(input);
          outage.on = true;
          const inMemory = await runOn(memory, json, inputJson, name);
          const onDisk = await runOn(durable, json, inputJson, name);
          const label = `${json} with ${inputJson}`;
          const { executionArn: _memoryArn, ...memoryEnd } = inMemory as { executionArn?: string };
          const { executionArn: _diskArn, ...diskEnd } = onDisk as { executionArn?: string };
          expect(diskEnd, label).toEqual(memoryEnd);
          if ('refused' in inMemory) {
            expect(inMemory.refused, `${label}: ${inMemory.message}`).toBe('InvalidDefinition');
            return;
          }
          expect(`${inMemory.error} ${inMemory.cause}`, label).not.toMatch(INTERNAL_FAULT);
          expect(inMemory.faults, label).toEqual([]);
          if (inMemory.status !== 'FAILED' || 'refused' in onDisk) return;
          // Redriven once the function works again: both run on from the same kept frames.
          outage.on = false;
          await memory.redriveExecution({ executionArn: inMemory.executionArn });
          await durable.redriveExecution({ executionArn: onDisk.executionArn });
          const memoryRedriven = await endOf(memory, inMemory.executionArn);
          expect(await endOf(durable, onDisk.executionArn), `${label}, redriven`).toEqual(memoryRedriven);
          expect(`${memoryRedriven.error} ${memoryRedriven.cause}`, label).not.toMatch(INTERNAL_FAULT);
          expect(memoryRedriven.faults, `${label}, redriven`).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    },
    60_000 + RUNS * 200,
  );

  it(
    `refuse or run ${RUNS} mutated definitions: a named API error or an end, never a fault of the runtime`,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          randomDefinition.chain((definition) => mutated(definition)),
          randomInput,
          async (definition, input) => {
            const json = JSON.stringify(definition);
            const label = `${json} with ${JSON.stringify(input)}`;
            outage.on = true;
            const validated = await memory.validateStateMachineDefinition({ definition: json });
            const ran = await runOn(memory, json, JSON.stringify(input), `mutated-${++machines}`);
            // Validation and creation agree, and a refusal is the API's own error.
            expect('refused' in ran ? ran.refused : 'created', label).toBe(
              validated.result === 'OK' ? 'created' : 'InvalidDefinition',
            );
            if ('refused' in ran) return;
            expect(`${ran.error} ${ran.cause}`, label).not.toMatch(INTERNAL_FAULT);
            expect(ran.faults, label).toEqual([]);
          },
        ),
        { numRuns: RUNS },
      );
    },
    60_000 + RUNS * 200,
  );
});
