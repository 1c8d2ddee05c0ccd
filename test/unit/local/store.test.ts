import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '#local/memory-store.ts';
import { SqliteStore } from '#local/sqlite-store.ts';
import type { EventRow, ExecutionRow, StateMachineRow, Store } from '#local/store.ts';

const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:orders';

function aMachine(overrides: Partial<StateMachineRow> = {}): StateMachineRow {
  return {
    arn: MACHINE_ARN,
    name: 'orders',
    type: 'STANDARD',
    roleArn: 'arn:aws:iam::000000000000:role/orders',
    definition: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}',
    revisionId: 'r1',
    revision: 1,
    creationDate: 1_000,
    description: null,
    ...overrides,
  };
}

function anExecution(name: string, overrides: Partial<ExecutionRow> = {}): Omit<ExecutionRow, 'id'> {
  return {
    arn: `arn:aws:states:us-east-1:000000000000:execution:orders:${name}`,
    stateMachineArn: MACHINE_ARN,
    name,
    revision: 1,
    status: 'RUNNING',
    input: '{}',
    output: null,
    error: null,
    cause: null,
    startDate: 2_000,
    stopDate: null,
    deadline: null,
    parentArn: null,
    ...overrides,
  };
}

function anEvent(id: number): EventRow {
  return {
    id,
    type: 'PassStateEntered',
    previousEventId: id - 1,
    timestamp: 3_000 + id,
    details: { n: id, inputDetails: { truncated: false } },
  };
}

const temporaryDirectories: string[] = [];

const STORES: [string, () => Store][] = [
  ['MemoryStore', () => new MemoryStore()],
  [
    'SqliteStore',
    () => {
      const directory = mkdtempSync(join(tmpdir(), 'cutover-store-'));
      temporaryDirectories.push(directory);
      return SqliteStore.open(directory);
    },
  ],
];

afterEach(() => {
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe.each(STORES)('%s', (_name, open) => {
  it('numbers executions from 1 and refuses a second execution with the same ARN', () => {
    // Prepare
    const store = open();

    // Act
    const first = store.insertExecution(anExecution('a'));
    const second = store.insertExecution(anExecution('b'));
    const duplicate = store.insertExecution(anExecution('a', { input: '{"other":true}' }));

    // Assess
    expect([first, second, duplicate]).toEqual([1, 2, undefined]);
    expect(store.getExecution(anExecution('a').arn)).toMatchObject({ id: 1, input: '{}' });
    store.close();
  });

  it('undoes every write of a transaction that throws, and keeps those of one that returns', () => {
    // Prepare
    const store = open();
    store.insertStateMachine(aMachine());
    const id = store.insertExecution(anExecution('kept'))!;
    store.putFrame(id, '', '{"state":"A"}', '{}');

    // Act
    const failing = () =>
      store.transaction(() => {
        const other = store.insertExecution(anExecution('undone'))!;
        store.insertEvents([
          [id, anEvent(1)],
          [other, anEvent(1)],
        ]);
        store.putFrame(id, '', '{"state":"B"}', '{"changed":true}');
        store.updateStateMachine(aMachine({ definition: 'changed', revision: 2 }));
        store.insertSinkMessage('sns', 'topic', { Message: 'undone' }, 1);
        throw new Error('boom');
      });

    // Assess
    expect(failing).toThrow('boom');
    expect(store.getExecution(anExecution('undone').arn)).toBeUndefined();
    expect(store.lastEventId(id)).toBe(0);
    expect(store.listFrames(id)).toEqual([{ path: '', cursor: '{"state":"A"}', input: '{}' }]);
    expect(store.getStateMachine(MACHINE_ARN)?.revision).toBe(1);
    expect(store.listSinkMessages('sns')).toEqual([]);
    store.transaction(() => store.insertEvents([[id, anEvent(1)]]));
    expect(store.lastEventId(id)).toBe(1);
    store.close();
  });

  it('lists executions newest first, by status, before an id', () => {
    // Prepare
    const store = open();
    for (const name of ['a', 'b', 'c', 'd']) store.insertExecution(anExecution(name));
    store.finishExecution(2, { status: 'SUCCEEDED', output: '{}', stopDate: 5_000 });

    // Act
    const firstPage = store.listExecutions(MACHINE_ARN, null, Number.MAX_SAFE_INTEGER, 2);
    const nextPage = store.listExecutions(MACHINE_ARN, null, 3, 2);
    const running = store.listExecutions(MACHINE_ARN, 'RUNNING', Number.MAX_SAFE_INTEGER, 10);

    // Assess
    expect(firstPage.map((row) => row.name)).toEqual(['d', 'c']);
    expect(nextPage.map((row) => row.name)).toEqual(['b', 'a']);
    expect(running.map((row) => row.name)).toEqual(['d', 'c', 'a']);
    expect(store.listRunningExecutions().map((row) => row.id)).toEqual([1, 3, 4]);
    expect(store.countRunningExecutions(MACHINE_ARN)).toBe(3);
    store.close();
  });

  it('pages history forward and in reverse', () => {
    // Prepare
    const store = open();
    const id = store.insertExecution(anExecution('a'))!;
    store.insertEvents(Array.from({ length: 40 }, (_, index) => [id, anEvent(index + 1)] as const));

    // Act
    const forward = store.listEvents(id, 38, 5, false);
    const reverse = store.listEvents(id, 3, 5, true);
    const newest = store.listEvents(id, Number.MAX_SAFE_INTEGER, 2, true);

    // Assess
    expect(forward.map((event) => event.id)).toEqual([38, 39, 40]);
    expect(reverse.map((event) => event.id)).toEqual([3, 2, 1]);
    expect(newest.map((event) => event.id)).toEqual([40, 39]);
    expect(forward[0]).toEqual(anEvent(38));
    expect(store.lastEventId(id)).toBe(40);
    store.close();
  });

  it('finishing an execution records its end and removes its frames and task tokens', () => {
    // Prepare
    const store = open();
    const id = store.insertExecution(anExecution('a'))!;
    const other = store.insertExecution(anExecution('b'))!;
    store.putFrame(id, '', '{}', '{}');
    store.putTaskToken('token-a', id, '');
    store.putTaskToken('token-b', other, '');

    // Act
    store.finishExecution(id, { status: 'FAILED', error: 'Boom', cause: 'why', stopDate: 9_000 });

    // Assess
    expect(store.getExecution(anExecution('a').arn)).toMatchObject({
      status: 'FAILED',
      error: 'Boom',
      cause: 'why',
      output: null,
      stopDate: 9_000,
    });
    expect(store.listFrames(id)).toEqual([]);
    expect(store.getTaskToken('token-a')).toBeUndefined();
    expect(store.getTaskToken('token-b')).toEqual({ executionId: other, path: '', outcome: null });
    store.close();
  });

  it('deletes only the frames below a path', () => {
    // Prepare
    const store = open();
    const id = store.insertExecution(anExecution('a'))!;
    for (const path of ['', '/Map', '/Map/0', '/Map/1', '/Mapper/0']) store.putFrame(id, path, '{}', '{}');

    // Act
    store.deleteFramesBelow(id, '/Map');

    // Assess
    expect(
      store
        .listFrames(id)
        .map((frame) => frame.path)
        .sort(),
    ).toEqual(['', '/Map', '/Mapper/0']);
    store.close();
  });

  it('keeps a task token and the outcome sent for it', () => {
    // Prepare
    const store = open();
    const id = store.insertExecution(anExecution('a'))!;
    store.putTaskToken('token', id, '/Task');

    // Act
    store.setTaskTokenOutcome('token', '{"output":"{}"}');

    // Assess
    expect(store.getTaskToken('token')).toEqual({
      executionId: id,
      path: '/Task',
      outcome: '{"output":"{}"}',
    });
    store.deleteTaskToken('token');
    expect(store.getTaskToken('token')).toBeUndefined();
    store.close();
  });

  it('lists state machines by ARN after a given one, and revisions by id', () => {
    // Prepare
    const store = open();
    for (const name of ['c', 'a', 'b']) {
      store.insertStateMachine(aMachine({ arn: `${MACHINE_ARN}-${name}`, name }));
    }
    const revision = store.insertRevision(aMachine(), 7_000);

    // Act
    const page = store.listStateMachines(`${MACHINE_ARN}-a`, 5);
    store.deleteStateMachine(`${MACHINE_ARN}-b`);

    // Assess
    expect(page.map((row) => row.name)).toEqual(['b', 'c']);
    expect(store.listStateMachines('', 5).map((row) => row.name)).toEqual(['a', 'c']);
    expect(store.getRevision(revision)).toEqual({
      definition: aMachine().definition,
      roleArn: aMachine().roleArn,
      name: 'orders',
      updateDate: 7_000,
      revisionId: 'r1',
    });
    expect(store.getRevision(revision + 1)).toBeUndefined();
    store.close();
  });

  it('hands out copies: changing a returned row or a sent message changes nothing stored', () => {
    // Prepare
    const store = open();
    store.insertExecution(anExecution('a'));
    const message = { Message: 'hello' };
    store.insertSinkMessage('sns', 'topic', message, 1);

    // Act
    const row = store.getExecution(anExecution('a').arn)!;
    row.status = 'ABORTED';
    message.Message = 'changed';

    // Assess
    expect(store.getExecution(anExecution('a').arn)?.status).toBe('RUNNING');
    expect(store.listSinkMessages('sns')).toEqual([
      { id: 1, sink: 'sns', target: 'topic', message: { Message: 'hello' }, timestamp: 1 },
    ]);
    store.close();
  });
});
