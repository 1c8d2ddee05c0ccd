import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import { fullHistory, historyFaults } from './harness.ts';
import { killSeed, runFixture, seededRandom } from './killed-runs.ts';
import {
  randomDefinition,
  randomInput,
  WORKLOAD_WAIT_SCALE,
  withoutRunDetails,
  work,
} from './random-state-machines.ts';

const DEFINITIONS = 40;
const KILLS = 6;
/** The kills land from 0 to this many ms after the runtime said READY. */
const LONGEST_RUN_MS = 150;
const ROLE = 'arn:aws:iam::000000000000:role/fuzz';

interface Planned {
  name: string;
  definition: string;
  input: string;
}

/** How an execution ended, without what differs from run to run. */
type End = ReturnType<typeof endOf>;

function endOf(execution: { status?: string; output?: string; error?: string; cause?: string }) {
  // Event ids named in causes may move on: a task in flight at a kill records its scheduling again
  // (at-least-once), and branches replayed after a restart may record their events in another order.
  const stable = (text: string | undefined) =>
    withoutRunDetails(text)?.replace(/event id #\d+/g, 'event id #N');
  return {
    status: execution.status,
    output: stable(execution.output),
    error: execution.error,
    cause: stable(execution.cause),
  };
}

/** The executions' ends on a fresh in-memory runtime whose clock runs at `scale`, all started at once. */
async function endsAt(scale: number, runs: readonly Planned[]): Promise<End[]> {
  const sfn = new LocalStepFunctions({
    clock: new RealClock(scale),
    lambdas: new MapLambdaRegistry({ work: (payload) => work(payload) }),
  });
  try {
    return await Promise.all(
      runs.map(async ({ name, definition, input }) => {
        const { stateMachineArn } = await sfn.createStateMachine({ name, definition, roleArn: ROLE });
        const { executionArn } = await sfn.startExecution({ stateMachineArn, name: 'run', input });
        return endOf(await sfn.awaitExecution(executionArn));
      }),
    );
  } finally {
    await sfn.close();
  }
}

/**
 * {@link DEFINITIONS} random definitions the runtime accepts, each with an input, and how each ends when
 * nothing stops it: undefined for one that ends otherwise when its waits take no time than when they take
 * as long as in the workload (its branches race, so a restart may change which one fails first).
 */
async function plannedRuns(seed: number): Promise<{ planned: Planned[]; ends: (End | undefined)[] }> {
  const samples = fc.sample(fc.tuple(randomDefinition, randomInput), { seed, numRuns: DEFINITIONS * 3 });
  const validator = new LocalStepFunctions({ clock: new RealClock(0), lambdas: new MapLambdaRegistry() });
  const planned: Planned[] = [];
  try {
    for (const [definition, input] of samples) {
      if (planned.length === DEFINITIONS) break;
      const json = JSON.stringify(definition);
      const { result } = await validator.validateStateMachineDefinition({ definition: json });
      if (result === 'OK')
        planned.push({ name: `random-${planned.length}`, definition: json, input: JSON.stringify(input) });
    }
  } finally {
    await validator.close();
  }
  const [instant, timed] = await Promise.all([endsAt(0, planned), endsAt(WORKLOAD_WAIT_SCALE, planned)]);
  const ends = instant.map((end, index) => (isDeepStrictEqual(end, timed[index]) ? end : undefined));
  return { planned, ends };
}

describe('random state machines on a runtime killed with SIGKILL at random moments', () => {
  const seed = killSeed();
  let dir: string;
  let sfn: LocalStepFunctions;
  let planned: Planned[];
  let ends: (End | undefined)[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-kill-random-'));
    ({ planned, ends } = await plannedRuns(seed));
    const workload = join(dir, 'workload.json');
    writeFileSync(workload, JSON.stringify(planned));
    const random = seededRandom(seed);
    const moments = Array.from({ length: KILLS }, () => Math.floor(random() * LONGEST_RUN_MS));
    for (const moment of moments) await runFixture('random-workload.ts', [dir, workload], moment);
    expect(await runFixture('random-workload.ts', [dir, workload]), `seed ${seed}`).toContain('DONE');
    sfn = new LocalStepFunctions({ dataDir: dir, clock: new RealClock(1), lambdas: new MapLambdaRegistry() });
  }, 120_000);

  afterAll(async () => {
    await sfn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`ends ${DEFINITIONS} executions as runs nothing stopped do (those whose branches do not race), each history whole (seed ${seed})`, async () => {
    expect(planned).toHaveLength(DEFINITIONS);
    // Most end the same whatever their waits take: their end is checked.
    expect(ends.filter((end) => end !== undefined).length).toBeGreaterThan(DEFINITIONS / 2);
    for (const [index, { name, definition, input }] of planned.entries()) {
      // Act
      const executionArn = `arn:aws:states:us-east-1:000000000000:execution:${name}:run`;
      const execution = await sfn.describeExecution({ executionArn });
      const events = await fullHistory(sfn, executionArn);
      // Assess
      const label = `${definition} with ${input} (seed ${seed})`;
      if (ends[index]) expect(endOf(execution), label).toEqual(ends[index]);
      else expect(['SUCCEEDED', 'FAILED'], label).toContain(execution.status);
      expect(historyFaults(events), label).toEqual([]);
    }
  });
});
