import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '#local/memory-store.ts';
import { SqliteStore } from '#local/sqlite-store.ts';
import type { ExecutionRow, MapRunRow, Store } from '#local/store.ts';
import { anExecution, ORDERS_MACHINE_ARN } from '#test/support/store-rows.ts';

const MACHINE_ARN = ORDERS_MACHINE_ARN;
const PARENT_ARN = 'arn:aws:states:us-east-1:000000000000:execution:orders:parent';
const MAP_RUN_ARN = 'arn:aws:states:us-east-1:000000000000:mapRun:orders/Fan:';

function aMapRun(
  executionId: number,
  label: string,
  overrides: Partial<MapRunRow> = {},
): Omit<MapRunRow, 'id'> {
  return {
    arn: `${MAP_RUN_ARN}${label}`,
    executionId,
    executionArn: PARENT_ARN,
    stateMachineArn: `${MACHINE_ARN}/Fan`,
    revision: 2,
    status: 'RUNNING',
    startDate: 3_000,
    stopDate: null,
    maxConcurrency: 4,
    toleratedFailurePercentage: 12.5,
    toleratedFailureCount: 3,
    itemCount: 10,
    childCount: 5,
    redriveCount: 0,
    redriveDate: null,
    parentRedriveCount: 0,
    error: null,
    ...overrides,
  };
}

/** The parent execution and a Map Run of it with `count` children (child i holds i + 1 items), ids as stored. */
function mapRunWithChildren(
  store: Store,
  count: number,
  status: (index: number) => ExecutionRow['status'] = () => 'RUNNING',
): { parentId: number; mapRunId: number; childIds: number[] } {
  const [parentId] = store.insertExecutions([anExecution('parent')]);
  const mapRunId = store.mapRuns.insert(aMapRun(parentId!, 'a'));
  const childIds = store
    .insertExecutions(
      Array.from({ length: count }, (_, index) => anExecution(`child${index}`, { status: status(index) })),
    )
    .map((id) => id!);
  for (const [index, id] of childIds.entries()) {
    store.mapRuns.insertChild({ mapRunId, index, executionId: id, itemCount: index + 1, round: 0 });
  }
  return { parentId: parentId!, mapRunId, childIds };
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'cutover-map-runs-'));
  temporaryDirectories.push(directory);
  return directory;
}

const temporaryDirectories: string[] = [];

const STORES: [string, () => Store][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => SqliteStore.open(temporaryDirectory())],
];

afterEach(() => {
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe.each(STORES)('%s Map Runs', (_name, open) => {
  it('reads a Map Run back with every field, its float percentage included', () => {
    // Prepare
    const store = open();
    const [parentId] = store.insertExecutions([anExecution('parent')]);
    const row = aMapRun(parentId!, 'a', {
      stopDate: 9_000,
      status: 'FAILED',
      redriveCount: 2,
      redriveDate: 8_000,
    });

    // Act
    const id = store.mapRuns.insert({ ...row, parentRedriveCount: 1 });

    // Assess
    expect(store.mapRuns.get(row.arn)).toEqual({ ...row, parentRedriveCount: 1, id });
    store.close();
  });

  it('answers undefined for a Map Run ARN it does not know', () => {
    // Prepare
    const store = open();
    // Act
    const row = store.mapRuns.get(`${MAP_RUN_ARN}unknown`);
    // Assess
    expect(row).toBeUndefined();
    store.close();
  });

  it('does not let a caller change a stored Map Run or child execution through a row it read', () => {
    // Prepare
    const store = open();
    const { parentId, mapRunId } = mapRunWithChildren(store, 1);
    // Act
    store.mapRuns.get(`${MAP_RUN_ARN}a`)!.status = 'SUCCEEDED';
    store.mapRuns.list(parentId, 0, 10)[0]!.maxConcurrency = 99;
    store.mapRuns.listChildren(mapRunId)[0]!.execution.status = 'FAILED';
    // Assess
    expect(store.mapRuns.get(`${MAP_RUN_ARN}a`)).toMatchObject({ status: 'RUNNING', maxConcurrency: 4 });
    expect(store.mapRuns.listChildren(mapRunId)[0]?.execution.status).toBe('RUNNING');
    store.close();
  });

  it("lists an execution's Map Runs oldest first, after an id, at most a limit", () => {
    // Prepare
    const store = open();
    const [parentId, otherId] = store.insertExecutions([anExecution('parent'), anExecution('other')]);
    const ids = ['a', 'b', 'c', 'd'].map((label) => store.mapRuns.insert(aMapRun(parentId!, label)));
    store.mapRuns.insert(aMapRun(otherId!, 'other'));

    // Act
    const all = store.mapRuns.list(parentId!, 0, 10);
    const page = store.mapRuns.list(parentId!, ids[0]!, 2);

    // Assess
    expect(all.map((row) => row.id)).toEqual(ids);
    expect(page.map((row) => row.arn)).toEqual([`${MAP_RUN_ARN}b`, `${MAP_RUN_ARN}c`]);
    expect(store.mapRuns.list(otherId!, 0, 10).map((row) => row.arn)).toEqual([`${MAP_RUN_ARN}other`]);
    store.close();
  });

  it('updates only the fields given', () => {
    // Prepare
    const store = open();
    const [parentId] = store.insertExecutions([anExecution('parent')]);
    const row = aMapRun(parentId!, 'a');
    const id = store.mapRuns.insert(row);

    // Act
    store.mapRuns.update(id, { status: 'SUCCEEDED', stopDate: 9_000, toleratedFailurePercentage: 7.25 });
    store.mapRuns.update(id, { redriveDate: null, maxConcurrency: 0, itemCount: 12, childCount: 3 });

    // Assess
    expect(store.mapRuns.get(row.arn)).toEqual({
      ...row,
      id,
      status: 'SUCCEEDED',
      stopDate: 9_000,
      toleratedFailurePercentage: 7.25,
      maxConcurrency: 0,
      itemCount: 12,
      childCount: 3,
    });
    store.close();
  });

  it('lists the children by index with their execution rows', () => {
    // Prepare
    const store = open();
    const [parentId] = store.insertExecutions([anExecution('parent')]);
    const mapRunId = store.mapRuns.insert(aMapRun(parentId!, 'a'));
    const [first, second] = store.insertExecutions([anExecution('first'), anExecution('second')]);

    // Act: inserted out of index order
    store.mapRuns.insertChild({ mapRunId, index: 1, executionId: second!, itemCount: 3, round: 1 });
    store.mapRuns.insertChild({ mapRunId, index: 0, executionId: first!, itemCount: 2, round: 0 });

    // Assess
    expect(store.mapRuns.listChildren(mapRunId)).toEqual([
      { index: 0, itemCount: 2, round: 0, execution: { ...anExecution('first'), id: first } },
      { index: 1, itemCount: 3, round: 1, execution: { ...anExecution('second'), id: second } },
    ]);
    expect(store.mapRuns.listChildren(mapRunId + 1)).toEqual([]);
    store.close();
  });

  it("lists a Map Run's child executions newest first, of a status, below an id, at most a limit", () => {
    // Prepare: children 0..5, the odd ones SUCCEEDED
    const store = open();
    const { mapRunId, childIds } = mapRunWithChildren(store, 6, (index) =>
      index % 2 ? 'SUCCEEDED' : 'RUNNING',
    );
    const ids = (rows: { execution: ExecutionRow }[]) => rows.map((row) => row.execution.id);

    // Act
    const any = { status: null, pendingRound: 0 };
    const onlySucceeded = { status: 'SUCCEEDED', pendingRound: 0 };
    const all = store.mapRuns.listExecutions(mapRunId, any, Number.MAX_SAFE_INTEGER, 100);
    const succeeded = store.mapRuns.listExecutions(mapRunId, onlySucceeded, Number.MAX_SAFE_INTEGER, 100);
    const page = store.mapRuns.listExecutions(mapRunId, any, childIds[4]!, 2);
    const succeededPage = store.mapRuns.listExecutions(mapRunId, onlySucceeded, childIds[5]!, 1);

    // Assess
    expect(ids(all)).toEqual([...childIds].reverse());
    expect(ids(succeeded)).toEqual([childIds[5], childIds[3], childIds[1]]);
    expect(ids(page)).toEqual([childIds[3], childIds[2]]);
    expect(succeededPage).toEqual([
      {
        index: 3,
        itemCount: 4,
        round: 0,
        execution: { ...anExecution('child3', { status: 'SUCCEEDED' }), id: childIds[3] },
      },
    ]);
    store.close();
  });

  it("lists only a Map Run's redriven, or never redriven, child executions when asked", () => {
    // Prepare: children 0..3, the first two redriven
    const store = open();
    const { mapRunId } = mapRunWithChildren(store, 0);
    const childIds = store
      .insertExecutions(Array.from({ length: 4 }, (_, index) => anExecution(`child${index}`)))
      .map((id) => id!);
    for (const [index, id] of childIds.entries()) {
      store.mapRuns.insertChild({ mapRunId, index, executionId: id, itemCount: 1, round: 0 });
    }
    for (const id of childIds.slice(0, 2)) {
      store.redriveExecution(id, { redriveDate: 3_000, deadline: null, frames: [] });
    }
    const names = (redriven: boolean) =>
      store.mapRuns
        .listExecutions(
          mapRunId,
          { status: 'RUNNING', redriven, pendingRound: 0 },
          Number.MAX_SAFE_INTEGER,
          100,
        )
        .map((row) => row.execution.name);

    // Act, Assess
    expect(names(true)).toEqual(['child1', 'child0']);
    expect(names(false)).toEqual(['child3', 'child2']);
    store.close();
  });

  it('keeps a threshold the Map does not set as null, and one set to 0 as 0', () => {
    // Prepare
    const store = open();
    const [parentId] = store.insertExecutions([anExecution('parent')]);
    const id = store.mapRuns.insert({
      ...aMapRun(parentId!, 'unset'),
      toleratedFailureCount: null,
      toleratedFailurePercentage: 0,
    });

    // Act
    const stored = store.mapRuns.get(`${MAP_RUN_ARN}unset`);

    // Assess
    expect(stored).toMatchObject({ id, toleratedFailureCount: null, toleratedFailurePercentage: 0 });
    store.close();
  });

  it('records the round a redriven child runs in, and a transaction that throws undoes it', () => {
    // Prepare
    const store = open();
    const { mapRunId, childIds } = mapRunWithChildren(store, 2);
    // Act
    store.mapRuns.setRound(childIds[1]!, 2);
    expect(() =>
      store.transaction(() => {
        store.mapRuns.setRound(childIds[0]!, 5);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    // Assess
    expect(store.mapRuns.listChildren(mapRunId).map((child) => child.round)).toEqual([0, 2]);
    store.close();
  });

  it('lists as PENDING_REDRIVE the unsuccessful children of a round before the pending one, and them only', () => {
    // Prepare: children 0..3 FAILED, SUCCEEDED, TIMED_OUT, FAILED; 0 and 1 last ran in round 0, 2 and 3 in round 1
    const store = open();
    const statuses = ['FAILED', 'SUCCEEDED', 'TIMED_OUT', 'FAILED'] as const;
    const { mapRunId, childIds } = mapRunWithChildren(store, 4, (index) => statuses[index]!);
    for (const id of childIds.slice(2)) store.mapRuns.setRound(id, 1);
    const names = (status: string, pendingRound: number) =>
      store.mapRuns
        .listExecutions(mapRunId, { status, pendingRound }, Number.MAX_SAFE_INTEGER, 100)
        .map((row) => row.execution.name);

    // Act, Assess: round 1 pending, child0 waits; round 2 pending, child2 and child3 wait too
    expect(names('PENDING_REDRIVE', 1)).toEqual(['child0']);
    expect(names('FAILED', 1)).toEqual(['child3']);
    expect(names('PENDING_REDRIVE', 2)).toEqual(['child3', 'child2', 'child0']);
    expect(names('FAILED', 2)).toEqual([]);
    expect(names('SUCCEEDED', 2)).toEqual(['child1']);
    expect(names('PENDING_REDRIVE', 0)).toEqual([]);
    expect(names('TIMED_OUT', 0)).toEqual(['child2']);
    store.close();
  });

  it('answers the Map Run of a child execution, and undefined for any other', () => {
    // Prepare
    const store = open();
    const { parentId, childIds } = mapRunWithChildren(store, 3);
    // Act
    const ofChild = store.mapRuns.ofExecution(childIds[2]!);
    const ofParent = store.mapRuns.ofExecution(parentId);
    // Assess
    expect(ofChild).toEqual({ mapRunArn: `${MAP_RUN_ARN}a`, round: 0 });
    expect(ofParent).toBeUndefined();
    store.close();
  });

  it('undoes the Map Run writes of a transaction that throws', () => {
    // Prepare
    const store = open();
    const { mapRunId, childIds } = mapRunWithChildren(store, 1);
    const [extra] = store.insertExecutions([anExecution('extra')]);

    // Act
    expect(() =>
      store.transaction(() => {
        store.mapRuns.update(mapRunId, { status: 'ABORTED' });
        store.mapRuns.insertChild({ mapRunId, index: 1, executionId: extra!, itemCount: 1, round: 0 });
        store.mapRuns.insert(aMapRun(childIds[0]!, 'nested'));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');

    // Assess
    expect(store.mapRuns.get(`${MAP_RUN_ARN}a`)?.status).toBe('RUNNING');
    expect(store.mapRuns.listChildren(mapRunId)).toHaveLength(1);
    expect(store.mapRuns.ofExecution(extra!)).toBeUndefined();
    expect(store.mapRuns.get(`${MAP_RUN_ARN}nested`)).toBeUndefined();
    store.close();
  });
});

describe('SqliteStore Map Run file', () => {
  it('keeps Map Runs and their children across a reopen', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    const { parentId, mapRunId, childIds } = mapRunWithChildren(first, 2);
    first.mapRuns.update(mapRunId, { status: 'SUCCEEDED', stopDate: 9_000 });
    const stored = first.mapRuns.get(`${MAP_RUN_ARN}a`);
    const children = first.mapRuns.listChildren(mapRunId);
    first.close();

    // Act
    const reopened = SqliteStore.open(directory);

    // Assess
    expect(reopened.mapRuns.get(`${MAP_RUN_ARN}a`)).toEqual(stored);
    expect(reopened.mapRuns.list(parentId, 0, 10)).toEqual([stored]);
    expect(reopened.mapRuns.listChildren(mapRunId)).toEqual(children);
    expect(reopened.mapRuns.ofExecution(childIds[1]!)).toEqual({ mapRunArn: `${MAP_RUN_ARN}a`, round: 0 });
    reopened.close();
  });

  it('opens a file written before Map Runs and records them', () => {
    // Prepare: a file without the Map Run tables
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertExecutions([anExecution('earlier')]);
    first.close();
    const earlier = new Database(join(directory, 'cutover.db'));
    earlier.exec('DROP TABLE map_run_children; DROP TABLE map_runs');
    earlier.close();

    // Act
    const store = SqliteStore.open(directory);
    const { mapRunId, childIds } = mapRunWithChildren(store, 2);

    // Assess
    expect(store.getExecution(anExecution('earlier').arn)?.id).toBe(1);
    expect(store.mapRuns.get(`${MAP_RUN_ARN}a`)?.id).toBe(mapRunId);
    expect(store.mapRuns.listChildren(mapRunId).map((child) => child.execution.id)).toEqual(childIds);
    store.close();
  });

  it("opens a file written before a Map Run kept its error, keeping its Map Runs, and records a failed one's error", () => {
    // Prepare: a file whose map_runs table has no error column, with a Map Run
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    const { mapRunId } = mapRunWithChildren(first, 1);
    first.close();
    const earlier = new Database(join(directory, 'cutover.db'));
    earlier.exec('ALTER TABLE map_runs DROP COLUMN error');
    earlier.close();

    // Act
    const store = SqliteStore.open(directory);
    const kept = store.mapRuns.get(`${MAP_RUN_ARN}a`);
    store.mapRuns.update(mapRunId, { status: 'FAILED', error: 'States.Runtime' });

    // Assess
    expect(kept).toMatchObject({ id: mapRunId, status: 'RUNNING', error: null });
    expect(store.mapRuns.get(`${MAP_RUN_ARN}a`)).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    store.close();
  });
});
