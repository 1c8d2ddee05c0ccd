import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameCursor } from '#local/asl/frame.ts';
import { type Clock, RealClock, type TimerHandle } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { MemoryStore } from '#local/memory-store.ts';
import { LocalStepFunctions } from '#local/service.ts';
import type { FrameRow } from '#local/store.ts';
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
/** The kills land from 0 to this many ms after the runtime said READY (about as long as the workload runs, redrives included). */
const LONGEST_RUN_MS = 400;
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

/** The longest a reference run delays a task, to find the executions whose branches race. */
const LONGEST_TASK_DELAY_MS = 90;
/**
 * The longest a reference run fires a timer late: timers due at one instant (two branches' retries) may then
 * fire in either order, as they may after a restart, which sets them again in the order their branches
 * resume. The workload's instants are 30 ms apart or more.
 */
const LONGEST_TIMER_DELAY_MS = 10;

/** A real clock whose timers each fire late by up to {@link LONGEST_TIMER_DELAY_MS}, drawn from `random`. */
class JitteredClock implements Clock {
  readonly #clock: RealClock;

  constructor(
    readonly scale: number,
    readonly random: () => number,
  ) {
    this.#clock = new RealClock(scale);
  }

  now(): number {
    return this.#clock.now();
  }

  setTimerAt<T>(deadline: number, wake: (target: T) => void, target?: T): TimerHandle {
    return this.#clock.setTimerAt(deadline + this.random() * LONGEST_TIMER_DELAY_MS, wake, target);
  }

  clearTimer(handle: TimerHandle): void {
    this.#clock.clearTimer(handle);
  }
}

/** Frame phases that wait for a timer (a Wait, a retry interval), a task token, an activity or a child execution. */
const WAITING_PHASES: ReadonlySet<string> = new Set(['waiting', 'retry', 'token', 'activity', 'child']);

/**
 * The in-memory store of a reference run, which finds the executions whose branches fail at once. At each
 * commit that records the failure of a Parallel or Map state's branch or iteration (the state's cursor names
 * it), it looks at the state's other children as that commit leaves them: one that failed too (a failure
 * recorded below it), or that neither finished nor waits (for a timer, or for a task whose function takes
 * time: the workload's answer at once), may fail in the same turn of the event loop. Which failure fails the
 * state is then decided by how many promise callbacks each takes, and a restart changes that count, since it
 * runs again only what was not committed: a nested Parallel whose branch's failure was committed raises it
 * again without running a state, a Wait whose instant passed ends on a turn of its own, a task in flight is
 * invoked again.
 */
class BranchRaceStore extends MemoryStore {
  /** Ids of the executions in which such a failure was recorded. */
  readonly racing = new Set<number>();
  /** Each execution's frame cursors by path, as committed. */
  readonly #cursors = new Map<number, Map<string, FrameCursor>>();
  /** Failures recorded by the open transaction: the execution, its children's path prefix and the failing child. */
  #failures: { id: number; children: string; index: number }[] = [];
  #depth = 0;

  /** `tasksTakeTime`: whether the run's task functions answer after a delay (a task in flight then waits). */
  constructor(readonly tasksTakeTime: boolean) {
    super();
  }

  override transaction<T>(fn: () => T): T {
    this.#depth++;
    try {
      return super.transaction(fn);
    } finally {
      if (--this.#depth === 0) this.#judgeFailures();
    }
  }

  override putFrames(rows: readonly (readonly [executionId: number, frame: FrameRow])[]): void {
    super.putFrames(rows);
    for (const [id, { path, cursor }] of rows) {
      const cursors = this.#cursors.get(id) ?? new Map<string, FrameCursor>();
      this.#cursors.set(id, cursors);
      const before = cursors.get(path);
      const after = JSON.parse(cursor) as FrameCursor;
      cursors.set(path, after);
      if (after.failure && !(before?.failure && before.state === after.state))
        this.#failures.push({ id, children: `${path}/${after.state}/`, index: after.failure.index });
    }
  }

  override deleteFramesBelow(executionId: number, path: string): void {
    super.deleteFramesBelow(executionId, path);
    const cursors = this.#cursors.get(executionId);
    for (const below of cursors?.keys() ?? []) if (below.startsWith(`${path}/`)) cursors!.delete(below);
  }

  #judgeFailures(): void {
    const waits = (cursor: FrameCursor) =>
      WAITING_PHASES.has(cursor.phase) || (this.tasksTakeTime && cursor.phase === 'running');
    for (const { id, children, index } of this.#failures) {
      const frames = [...this.#cursors.get(id)!];
      const under = (prefix: string) => frames.filter(([path]) => path.startsWith(prefix));
      const unsettled = ([path, cursor]: [string, FrameCursor]) =>
        Number(path.slice(children.length).split('/')[0]) !== index &&
        (cursor.failure !== undefined ||
          (cursor.phase === 'children'
            ? !under(`${path}/${cursor.state}/`).some(([, child]) => waits(child))
            : cursor.phase !== 'done' && !waits(cursor)));
      if (under(children).some(unsettled)) this.racing.add(id);
    }
    this.#failures = [];
  }
}

/**
 * How the executions end on a fresh in-memory runtime whose clock runs at `scale`, all started at once: the
 * ends of the workload's first attempts (a redrive's end is not compared: it runs a stopped branch on from
 * where the stop found it, which a restart moves), undefined for one in which branches or iterations failed
 * at once (see {@link BranchRaceStore}). With `delays`, each task's function answers after a
 * delay of its own (0 to {@link LONGEST_TASK_DELAY_MS} ms) and each timer fires late (0 to
 * {@link LONGEST_TIMER_DELAY_MS} ms), drawn from that seed.
 */
async function endsAt(
  scale: number,
  runs: readonly Planned[],
  delays?: number,
): Promise<(End | undefined)[]> {
  const random = delays === undefined ? undefined : seededRandom(delays);
  const delayed = async (payload: unknown) => {
    await setTimeout(Math.floor(random!() * LONGEST_TASK_DELAY_MS));
    return work(payload);
  };
  const store = new BranchRaceStore(random !== undefined);
  const sfn = new LocalStepFunctions({
    store,
    clock: random ? new JitteredClock(scale, random) : new RealClock(scale),
    lambdas: new MapLambdaRegistry({ work: random ? delayed : (payload) => work(payload) }),
  });
  try {
    return await Promise.all(
      runs.map(async ({ name, definition, input }) => {
        const { stateMachineArn } = await sfn.createStateMachine({ name, definition, roleArn: ROLE });
        const { executionArn } = await sfn.startExecution({ stateMachineArn, name: 'run', input });
        const end = endOf(await sfn.awaitExecution(executionArn));
        return store.racing.has(store.getExecution(executionArn!)!.id) ? undefined : end;
      }),
    );
  } finally {
    await sfn.close();
  }
}

/**
 * {@link DEFINITIONS} random definitions the runtime accepts, each with an input, and how each ends when
 * nothing stops it: undefined for one whose branches race, so that a restart (which invokes again a task in
 * flight, resumes timers due at one instant in another order, and replays what was not committed) may change
 * which one fails first. Such a one ends otherwise in one of four runs (waits that take no time, waits as
 * long as in the workload, and twice that with tasks and timers delayed at random), or has branches or
 * iterations that fail at once in one of them (see {@link BranchRaceStore}).
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
  const [instant, ...others] = await Promise.all([
    endsAt(0, planned),
    endsAt(WORKLOAD_WAIT_SCALE, planned),
    endsAt(WORKLOAD_WAIT_SCALE, planned, seed + 1),
    endsAt(WORKLOAD_WAIT_SCALE, planned, seed + 2),
  ]);
  const ends = instant.map((end, index) =>
    end !== undefined && others.every((other) => isDeepStrictEqual(end, other[index])) ? end : undefined,
  );
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

  it(`ends ${DEFINITIONS} executions as runs nothing stopped do (those whose branches do not race), then ends the redrive of each that failed, each history whole (seed ${seed})`, async () => {
    expect(planned).toHaveLength(DEFINITIONS);
    // Most end the same whatever their waits and tasks take: their end is checked.
    expect(ends.filter((end) => end !== undefined).length).toBeGreaterThan(DEFINITIONS / 2);
    let redriven = 0;
    for (const [index, { name, definition, input }] of planned.entries()) {
      // Act
      const executionArn = `arn:aws:states:us-east-1:000000000000:execution:${name}:run`;
      const execution = await sfn.describeExecution({ executionArn });
      const events = await fullHistory(sfn, executionArn);
      // Assess
      const label = `${definition} with ${input} (seed ${seed})`;
      const failed = events.find((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails;
      const firstEnd = failed ? endOf({ status: 'FAILED', ...failed }) : endOf(execution);
      if (events.some((event) => event.type === 'ExecutionRedriven')) redriven++;
      if (ends[index]) expect(firstEnd, label).toEqual(ends[index]);
      expect(['SUCCEEDED', 'FAILED'], label).toContain(execution.status);
      expect(historyFaults(events), label).toEqual([]);
    }
    // Many fail (their task refuses a negative number), so the kills land in redrives too.
    expect(redriven).toBeGreaterThan(0);
  });
});
