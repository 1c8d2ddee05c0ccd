import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { fullHistory } from './harness.ts';
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
  return {
    status: done.status,
    output: withoutRunDetails(done.output),
    error: done.error,
    cause: withoutRunDetails(done.cause),
    history: events.map(({ timestamp: _timestamp, ...event }) => withoutRunDetails(JSON.stringify(event))),
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
        fc.asyncProperty(randomDefinition, randomInput, async (definition, input) => {
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
