import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DescribeExecutionCommandOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionArnIn } from '#core/api-routes.ts';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';
import {
  NESTED_WORKLOAD_ARN,
  STOPPED_EXECUTIONS,
  workloadExecutions,
} from './fixtures/mixed-workload-definition.ts';
import { fullHistory, historyFaults } from './harness.ts';
import { killSeed, runFixture, seededRandom } from './killed-runs.ts';

const KILLS = 10;
/** The kills land from 0 to this many ms after the runtime said READY. */
const LONGEST_RUN_MS = 400;
/** How many events of each type the history holds. */
function countTypes(events: readonly HistoryEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { type } of events) counts.set(String(type), (counts.get(String(type)) ?? 0) + 1);
  return counts;
}

describe('a runtime killed with SIGKILL at random moments', () => {
  const seed = killSeed();
  const random = seededRandom(seed);
  const killMoments = Array.from({ length: KILLS }, () => Math.floor(random() * LONGEST_RUN_MS));
  const executions = workloadExecutions();
  let dir: string;
  let sfn: LocalStepFunctions;
  let stateMachineArn: string;
  /** Every execution of the workload's state machines and Map Runs, with the status it must have ended with. */
  let allExecutions: { executionArn: string; status: string }[];
  /** The child executions of each workload execution's Map Run (its Distributed Map `Batches`), by name. */
  const batchChildren = new Map<string, Pick<DescribeExecutionCommandOutput, 'executionArn' | 'status'>[]>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cutover-kill-anytime-'));
    for (const moment of killMoments) await runFixture('mixed-workload.ts', [dir], moment);
    const finished = await runFixture('mixed-workload.ts', [dir]);
    expect(finished, `seed ${seed}`).toContain('DONE');
    sfn = new LocalStepFunctions({ dataDir: dir, clock: new RealClock(1), lambdas: new MapLambdaRegistry() });
    const machines = (await sfn.listStateMachines({})).stateMachines ?? [];
    stateMachineArn = machines.find((machine) => machine.name === 'mixed')!.stateMachineArn!;
    allExecutions = [];
    for (const machine of machines) {
      const listed = await sfn.listExecutions({ stateMachineArn: machine.stateMachineArn, maxResults: 1000 });
      const status = machine.name === 'parked' ? 'ABORTED' : 'SUCCEEDED';
      allExecutions.push(
        ...(listed.executions ?? []).map(({ executionArn }) => ({ executionArn: executionArn!, status })),
      );
    }
    for (const execution of executions) {
      const executionArn = executionArnIn(stateMachineArn, execution.name);
      const { mapRuns } = await sfn.listMapRuns({ executionArn });
      expect(mapRuns, `${execution.name} (seed ${seed})`).toHaveLength(1);
      const children = await sfn.listExecutions({ mapRunArn: mapRuns![0]!.mapRunArn, maxResults: 1000 });
      const described = await Promise.all(
        (children.executions ?? []).map((child) =>
          sfn.describeExecution({ executionArn: child.executionArn }),
        ),
      );
      batchChildren.set(execution.name, described);
      allExecutions.push(
        ...described.map(({ executionArn, status }) => ({ executionArn: executionArn!, status: status! })),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await sfn?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`finishes every execution once, with its output (kills at ${killMoments.join(', ')} ms; seed ${seed})`, async () => {
    // Act
    const listed = await sfn.listExecutions({ stateMachineArn, maxResults: 1000 });
    const described = await Promise.all(
      (listed.executions ?? []).map((execution) =>
        sfn.describeExecution({ executionArn: execution.executionArn }),
      ),
    );
    // Assess
    expect(described.map((execution) => execution.name).sort()).toEqual(
      executions.map((execution) => execution.name).sort(),
    );
    for (const execution of executions) {
      const found = described.find((candidate) => candidate.name === execution.name)!;
      expect({ status: found.status, output: JSON.parse(found.output ?? 'null') }).toEqual({
        status: 'SUCCEEDED',
        output: { ...execution.output, sums: execution.output.sums.map(asFailedChildDescription) },
      });
    }
    const nested = await sfn.listExecutions({ stateMachineArn: NESTED_WORKLOAD_ARN, maxResults: 1000 });
    expect(
      (nested.executions ?? []).map(({ name, status }) => `${name} ${status}`).sort(),
      `seed ${seed}`,
    ).toEqual(executions.map(({ input }) => `nested-${input.id} SUCCEEDED`).sort());
    const parkedArn = stateMachineArn.replace(/:mixed$/, ':parked');
    const stopped = await sfn.listExecutions({ stateMachineArn: parkedArn, maxResults: 1000 });
    expect(
      (stopped.executions ?? []).map(({ name, status }) => `${name} ${status}`).sort(),
      `seed ${seed}`,
    ).toEqual(STOPPED_EXECUTIONS.map((name) => `${name} ABORTED`));
  });

  it('keeps each history whole: ids 1..n, links to earlier events, times in order, one start and one end', async () => {
    for (const { executionArn, status } of allExecutions) {
      // Act
      const events = await fullHistory(sfn, executionArn);
      // Assess
      const label = `${executionArn} (seed ${seed})`;
      expect(historyFaults(events), label).toEqual([]);
      const terminal = {
        ABORTED: 'ExecutionAborted',
        FAILED: 'ExecutionFailed',
        SUCCEEDED: 'ExecutionSucceeded',
      };
      expect(events.at(-1)!.type, label).toBe(terminal[status as keyof typeof terminal]);
    }
  });

  it('records each Map iteration and Map Run child, Parallel, submitted and successful task once, and every state entered but Fail as exited', async () => {
    for (const execution of executions) {
      const executionArn = executionArnIn(stateMachineArn, execution.name);
      // Act
      const events = await fullHistory(sfn, executionArn);
      const counts = countTypes(events);
      // Assess
      const label = `${execution.name} (seed ${seed})`;
      const items = execution.input.items.length;
      const iterationIndexes = (map: string, ...types: string[]) =>
        events
          .filter((event) => types.includes(String(event.type)))
          .map((event) => event.mapIterationSucceededEventDetails ?? event.mapIterationFailedEventDetails)
          .filter((details) => details?.name === map)
          .map((details) => details!.index!)
          .sort((a, b) => a - b);
      const sums = execution.output.sums;
      expect(iterationIndexes('Squares', 'MapIterationSucceeded'), label).toEqual(
        execution.input.items.map((_, index) => index),
      );
      const children = batchChildren.get(execution.name)!;
      expect(children.map((child) => child.status).sort(), label).toEqual(
        sums.map((sum) => (typeof sum === 'number' ? 'SUCCEEDED' : 'FAILED')).sort(),
      );
      expect(counts.get('MapRunStarted'), label).toBe(1);
      expect(counts.get('MapRunSucceeded'), label).toBe(1);
      expect(
        {
          parallel: counts.get('ParallelStateSucceeded'),
          maps: counts.get('MapStateSucceeded'),
          tasks: counts.get('TaskSucceeded'),
          tasksFailed: counts.get('TaskFailed'),
          submitted: counts.get('TaskSubmitted'),
          flaky: counts.get('LambdaFunctionSucceeded'),
          flakyFailed: counts.get('LambdaFunctionFailed'),
        },
        label,
      ).toEqual({
        parallel: 1,
        maps: 2,
        // Square per item, Ask and Nest (each batch's Sum is in its child execution's history).
        tasks: items + 2,
        tasksFailed: undefined,
        submitted: 2,
        flaky: 1,
        flakyFailed: 1,
      });
      // A Fail state records no exit.
      const entered = events.filter(
        (event) => String(event.type).endsWith('StateEntered') && event.type !== 'FailStateEntered',
      );
      const exited = events.filter((event) => String(event.type).endsWith('StateExited'));
      const names = (list: HistoryEvent[]) =>
        list.map((event) => (event.stateEnteredEventDetails ?? event.stateExitedEventDetails)!.name).sort();
      expect(names(exited), label).toEqual(names(entered));
    }
  });
});

/**
 * A batch's expected result as the Map output holds it: a sum, or for a failed child its execution's
 * description, whose ARN, name and dates differ from run to run.
 */
function asFailedChildDescription(sum: unknown): unknown {
  if (typeof sum === 'number') return sum;
  return {
    ...(sum as object),
    ExecutionArn: expect.stringMatching(/:execution:mixed\/[^:]+:[0-9a-f-]{36}$/),
    Name: expect.stringMatching(/^[0-9a-f-]{36}$/),
    OutputDetails: { Included: true },
    RedriveCount: 0,
    RedriveStatus: 'REDRIVABLE_BY_MAP_RUN',
    StartDate: expect.any(String),
    StateMachineArn: expect.stringMatching(/:stateMachine:mixed\/[^:]+$/),
    StopDate: expect.any(String),
  };
}
