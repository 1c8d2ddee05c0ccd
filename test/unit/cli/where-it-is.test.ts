import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GetExecutionHistoryCommandInput, HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { inPauseBranch, whereItIs } from '../../../src/cli/where-it-is.ts';

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v9';

/** History pages of 100 of `oldestFirst`, newest first, as GetExecutionHistory with reverseOrder gives them. */
function pagesOf(oldestFirst: readonly HistoryEvent[]) {
  const newestFirst = [...oldestFirst].reverse();
  return async ({ nextToken }: GetExecutionHistoryCommandInput) => {
    const start = Number(nextToken ?? 0);
    const events = newestFirst.slice(start, start + 100);
    return { events, ...(start + 100 < newestFirst.length ? { nextToken: String(start + 100) } : {}) };
  };
}

/** A `*StateEntered` event of the state `name`. */
function stateEntered(id: number, timestamp: Date, type: HistoryEventType, name: string): HistoryEvent {
  return { id, timestamp, type, stateEnteredEventDetails: { name } };
}

/** The `.waitForTaskToken` task of an approval, scheduled. */
function approvalScheduled(id: number, timestamp: Date): HistoryEvent {
  return {
    id,
    timestamp,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resource: 'invoke.waitForTaskToken',
      resourceType: 'lambda',
      region: 'us-east-1',
      parameters: JSON.stringify({
        FunctionName: 'cutover-request-approval',
        Payload: { taskToken: `token-${id}` },
      }),
    },
  };
}

const STATE_MACHINES = join(import.meta.dirname, '../../../statemachines');

interface AslStates {
  States: Record<
    string,
    { Type: string; Branches?: AslStates[]; ItemProcessor?: AslStates; Iterator?: AslStates }
  >;
}

/** The names of the states of `machine`, split by whether they run in a Parallel state's branches. */
function statesByPlace(
  machine: AslStates,
  inParallel = false,
  found = { inParallel: [] as string[], outside: [] as string[] },
) {
  for (const [name, state] of Object.entries(machine.States)) {
    (inParallel ? found.inParallel : found.outside).push(name);
    for (const branch of state.Branches ?? []) statesByPlace(branch, true, found);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) statesByPlace(processor, inParallel, found);
  }
  return found;
}

describe('inPauseBranch', () => {
  it("knows every state of the state machines' pauses, and no other", () => {
    // Prepare
    const machines = readdirSync(STATE_MACHINES).filter((file) => file.endsWith('.asl.json'));
    const places = machines.map((file) =>
      statesByPlace(JSON.parse(readFileSync(join(STATE_MACHINES, file), 'utf8')) as AslStates),
    );
    // Act
    const inParallel = places.flatMap((place) => place.inParallel).filter((name) => !inPauseBranch(name));
    const outside = places.flatMap((place) => place.outside).filter((name) => inPauseBranch(name));
    // Assess
    expect(places.flatMap((place) => place.inParallel).length).toBeGreaterThan(20);
    expect({ inParallel, outside }).toEqual({ inParallel: [], outside: [] });
  });
});

describe('whereItIs', () => {
  it('says which rolling batch of how many it last selected, read past the weights, when asked', async () => {
    // Prepare: batch 2 of 3 selected, its weights set, then 150 rollout checks of it (300 events)
    const at = new Date();
    const entered = (id: number, name: string, input = '{}'): HistoryEvent => ({
      id,
      timestamp: at,
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name, input },
    });
    const selected = JSON.stringify({ cursor: { index: 1 }, plan: { stepCount: 3 } });
    const weights: HistoryEvent = {
      id: 4,
      timestamp: at,
      type: 'TaskSucceeded',
      taskSucceededEventDetails: {
        resource: 'invoke',
        resourceType: 'lambda',
        output: JSON.stringify({ Payload: { weights: { blue: 40, green: 60 } } }),
      },
    };
    const checks = Array.from({ length: 150 }, (_, i): HistoryEvent[] => [
      entered(5 + 2 * i, 'CheckBatch'),
      { id: 6 + 2 * i, timestamp: at, type: 'TaskStateExited' },
    ]).flat();
    const history = [entered(2, 'SelectBatch', selected), entered(3, 'SetBatchWeights'), weights, ...checks];
    // Act
    const asked = await whereItIs(pagesOf(history), EXECUTION, { step: true });
    const notAsked = await whereItIs(pagesOf(history), EXECUTION);
    // Assess
    expect(asked).toEqual({ state: 'CheckBatch', step: 'batch 2 of 3', weights: { blue: 40, green: 60 } });
    expect(notAsked).toEqual({ state: 'CheckBatch', weights: { blue: 40, green: 60 } });
  });

  it('gives no weights set before an abort it was redriven after: its rollback has set others since', async () => {
    // Prepare: weights set, the execution aborted in its bake (and rolled back), then redriven into it
    const at = new Date();
    const weights: HistoryEvent = {
      id: 3,
      timestamp: at,
      type: 'TaskSucceeded',
      taskSucceededEventDetails: {
        resource: 'invoke',
        resourceType: 'lambda',
        output: JSON.stringify({ Payload: { weights: { stable: 90, canary: 10 } } }),
      },
    };
    const beforeAbort = [stateEntered(2, at, 'TaskStateEntered', 'SetStepWeights'), weights];
    const bake = (id: number) => stateEntered(id, at, 'WaitStateEntered', 'BakeStep');
    const aborted: HistoryEvent = { id: 5, timestamp: at, type: 'ExecutionAborted' };
    const redriven: HistoryEvent = { id: 6, timestamp: at, type: 'ExecutionRedriven' };
    // Act
    const running = await whereItIs(pagesOf([...beforeAbort, bake(4)]), EXECUTION);
    const redrivenAfterAbort = await whereItIs(
      pagesOf([...beforeAbort, bake(4), aborted, redriven, bake(7)]),
      EXECUTION,
    );
    // Assess
    expect(running).toEqual({ state: 'BakeStep', weights: { stable: 90, canary: 10 } });
    expect(redrivenAfterAbort).toEqual({ state: 'BakeStep' });
  });

  it("says a paused canary step waits for its approval after more checks than the approval's pages hold", async () => {
    // Prepare: the approval task scheduled, then 100 checks of the paused step (600 events)
    const at = new Date();
    const entered = (id: number, type: HistoryEventType, name: string) => stateEntered(id, at, type, name);
    const approval = approvalScheduled(3, at);
    const checks = Array.from({ length: 100 }, (_, i): HistoryEvent[] => [
      entered(4 + 6 * i, 'WaitStateEntered', 'WaitToCheckPausedStep'),
      { id: 5 + 6 * i, timestamp: at, type: 'WaitStateExited' },
      entered(6 + 6 * i, 'TaskStateEntered', 'CheckPausedStep'),
      { id: 7 + 6 * i, timestamp: at, type: 'TaskStateExited' },
      entered(8 + 6 * i, 'ChoiceStateEntered', 'MoreChecksWhilePaused'),
      { id: 9 + 6 * i, timestamp: at, type: 'ChoiceStateExited' },
    ]).flat();
    const history = [entered(2, 'TaskStateEntered', 'WaitForAnswer'), approval, ...checks];
    history.push(entered(history.length + 2, 'WaitStateEntered', 'WaitToCheckPausedStep'));
    // Act
    const position = await whereItIs(pagesOf(history), EXECUTION, { weights: false });
    // Assess: the pages read do not reach the pause's Parallel state, so a check's state names it
    expect(position).toEqual({ state: 'WaitToCheckPausedStep', awaitingApproval: true });
  });

  it('names a pause by its Parallel state while its checks run beside the approval', async () => {
    // Prepare: PauseAfterStep entered, its approval scheduled, then 3 checks
    const at = new Date();
    const entered = (id: number, type: HistoryEventType, name: string) => stateEntered(id, at, type, name);
    const approval = approvalScheduled(4, at);
    const checks = Array.from({ length: 3 }, (_, i): HistoryEvent[] => [
      entered(5 + 2 * i, 'WaitStateEntered', 'WaitToCheckPausedStep'),
      entered(6 + 2 * i, 'TaskStateEntered', 'CheckPausedStep'),
    ]).flat();
    const history = [
      entered(2, 'ParallelStateEntered', 'PauseAfterStep'),
      entered(3, 'TaskStateEntered', 'WaitForAnswer'),
      approval,
      ...checks,
    ];
    // Act
    const position = await whereItIs(pagesOf(history), EXECUTION, { weights: false });
    // Assess
    expect(position).toMatchObject({ state: 'PauseAfterStep', awaitingApproval: true });
  });

  it('names a pause by its Parallel state before its checks start, and after the approval is answered', async () => {
    // Prepare: PauseBatch entered, its approval scheduled; later answered, while the checks still run
    const at = new Date();
    const entered = (id: number, type: HistoryEventType, name: string) => stateEntered(id, at, type, name);
    const waiting = [
      entered(2, 'ParallelStateEntered', 'PauseBatch'),
      entered(3, 'TaskStateEntered', 'WaitForAnswer'),
      approvalScheduled(4, at),
    ];
    const answered = [...waiting, { id: 5, timestamp: at, type: 'TaskSucceeded' } as HistoryEvent];
    answered.push(entered(6, 'PassStateEntered', 'PauseAnswered'));
    // Act
    const beforeChecks = await whereItIs(pagesOf(waiting), EXECUTION, { weights: false });
    const afterAnswer = await whereItIs(pagesOf(answered), EXECUTION, { weights: false });
    // Assess
    expect(beforeChecks).toMatchObject({ state: 'PauseBatch', awaitingApproval: true });
    expect(afterAnswer).toEqual({ state: 'PauseBatch' });
  });
});

describe('whereItIs: a database migration copying', () => {
  const at = new Date('2026-12-02T10:00:00Z');
  const sliceCopied = (id: number, table: string, rowsCopied: number, done: boolean): HistoryEvent => ({
    id,
    timestamp: at,
    type: 'TaskSucceeded',
    taskSucceededEventDetails: {
      resource: 'invoke',
      resourceType: 'lambda',
      output: JSON.stringify({
        Payload: { table, lastKey: [String(rowsCopied)], rowsCopied, done, estimatedRows: 150_000 },
      }),
    },
  });
  const copying = [
    stateEntered(1, at, 'TaskStateEntered', 'Migrate'),
    stateEntered(2, at, 'MapStateEntered', 'CopyTables'),
    stateEntered(3, at, 'TaskStateEntered', 'CopySlice'),
    sliceCopied(4, 'public.orders', 50_000, false),
    stateEntered(5, at, 'ChoiceStateEntered', 'TableDone'),
    stateEntered(6, at, 'TaskStateEntered', 'CopySlice'),
  ];

  it('gives the last copy slice reported while it copies', async () => {
    // Act
    const position = await whereItIs(pagesOf(copying), EXECUTION);
    // Assess
    expect(position).toMatchObject({
      state: 'CopySlice',
      copy: { table: 'public.orders', rowsCopied: 50_000, done: false, estimatedRows: 150_000 },
    });
  });

  it('gives none once the copy is over', async () => {
    // Prepare
    const validating = [
      ...copying,
      sliceCopied(7, 'public.orders', 150_000, true),
      stateEntered(8, at, 'TaskStateEntered', 'Validate'),
    ];
    // Act
    const position = await whereItIs(pagesOf(validating), EXECUTION);
    // Assess
    expect(position.state).toBe('Validate');
    expect(position.copy).toBeUndefined();
  });
});
