import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirectoryInUseError } from '#local/errors.ts';
import { MemoryStore } from '#local/memory-store.ts';
import { SqliteStore } from '#local/sqlite-store.ts';
import { NO_PUBLICATIONS } from '#local/state-machine-versions.ts';
import {
  type ActivityRow,
  DEFAULT_ENCRYPTION_CONFIGURATION,
  DEFAULT_LOGGING_CONFIGURATION,
  DEFAULT_TRACING_CONFIGURATION,
  type EventRow,
  type StateMachineRow,
  type Store,
} from '#local/store.ts';
import { NO_TAGS } from '#local/tags.ts';
import { anExecution, ORDERS_MACHINE_ARN } from '#test/support/store-rows.ts';

const MACHINE_ARN = ORDERS_MACHINE_ARN;

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
    status: 'ACTIVE',
    loggingConfiguration: DEFAULT_LOGGING_CONFIGURATION,
    tracingConfiguration: DEFAULT_TRACING_CONFIGURATION,
    encryptionConfiguration: DEFAULT_ENCRYPTION_CONFIGURATION,
    tags: NO_TAGS,
    publications: NO_PUBLICATIONS,
    ...overrides,
  };
}

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:000000000000:activity:';

function anActivity(name: string, overrides: Partial<ActivityRow> = {}): ActivityRow {
  return {
    arn: `${ACTIVITY_ARN}${name}`,
    name,
    creationDate: 4_000,
    tags: NO_TAGS,
    encryptionConfiguration: DEFAULT_ENCRYPTION_CONFIGURATION,
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

/** Events 1..`count` of one execution, as `insertEvents` rows. */
function eventRows(executionId: number, first: number, count: number): (readonly [number, EventRow])[] {
  return Array.from({ length: count }, (_, index) => [executionId, anEvent(first + index)] as const);
}

/** Every event id of a history read page by page (`limit` per page) from `fromId`, in either direction. */
function pagedIds(
  store: Store,
  executionId: number,
  fromId: number,
  limit: number,
  reverse: boolean,
): number[][] {
  const pages: number[][] = [];
  let from = fromId;
  for (let read = 0; read < 1_000; read++) {
    const page = store.listEvents(executionId, from, limit, reverse);
    if (page.length === 0) return pages;
    pages.push(page.map((event) => event.id));
    from = page[page.length - 1]!.id + (reverse ? -1 : 1);
  }
  throw new Error(`history of execution ${executionId} still not read after 1000 pages`);
}

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'cutover-store-'));
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

describe.each(STORES)('%s', (_name, open) => {
  it('numbers executions from 1 and refuses a second execution with the same ARN', () => {
    // Prepare
    const store = open();

    // Act
    const first = store.insertExecutions([anExecution('a')])[0];
    const second = store.insertExecutions([anExecution('b')])[0];
    const duplicate = store.insertExecutions([anExecution('a', { input: '{"other":true}' })])[0];

    // Assess
    expect([first, second, duplicate]).toEqual([1, 2, undefined]);
    expect(store.getExecution(anExecution('a').arn)).toMatchObject({ id: 1, input: '{}' });
    store.close();
  });

  it('keeps the traceHeader an execution was started with, and null for one started without', () => {
    // Prepare
    const store = open();
    const traced = anExecution('traced', { traceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
    // Act
    store.insertExecutions([traced, anExecution('plain')]);
    // Assess
    expect(store.getExecution(traced.arn)?.traceHeader).toBe('Root=1-5759e988-bd862e3fe1be46a994272793');
    expect(store.getExecution(anExecution('plain').arn)?.traceHeader).toBeNull();
    store.close();
  });

  it('inserts many executions at once, the first of a repeated ARN only, ids in order', () => {
    // Prepare
    const store = open();
    store.insertExecutions([anExecution('existing')]);
    const names = Array.from({ length: 45 }, (_, index) => `e${index}`);

    // Act
    const ids = store.insertExecutions([
      ...names.map((name) => anExecution(name)),
      anExecution('e3', { input: '{"again":true}' }),
      anExecution('existing'),
    ]);

    // Assess
    expect(ids).toEqual([...names.map((_, index) => index + 2), undefined, undefined]);
    expect(store.getExecution(anExecution('e3').arn)).toMatchObject({ id: 5, input: '{}' });
    expect(store.listRunningExecutions()).toHaveLength(46);
    store.close();
  });

  it('finishes and saves frames of many executions at once', () => {
    // Prepare
    const store = open();
    const ids = store.insertExecutions(Array.from({ length: 41 }, (_, index) => anExecution(`e${index}`)));
    store.putFrames(ids.map((id) => [id!, { path: '', cursor: '{"state":"A"}', input: `{"id":${id}}` }]));
    store.putTaskToken('token-2', ids[1]!, '');

    // Act
    store.putFrames([[ids[0]!, { path: '', cursor: '{"state":"B"}', input: '{}' }]]);
    store.finishExecutions(
      ids.slice(1).map((id) => [id!, { status: 'SUCCEEDED', output: `{"id":${id}}`, stopDate: 7 }]),
    );

    // Assess
    expect(store.listRunningExecutions().map((row) => row.id)).toEqual([ids[0]]);
    expect(store.listFrames(ids[0]!)).toEqual([{ path: '', cursor: '{"state":"B"}', input: '{}' }]);
    expect(store.listFrames(ids[40]!)).toEqual([]);
    expect(store.getTaskToken('token-2')).toBeUndefined();
    expect(store.getExecution(anExecution('e40').arn)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"id":41}',
      stopDate: 7,
    });
    store.close();
  });

  it('undoes every write of a transaction that throws, and keeps those of one that returns', () => {
    // Prepare
    const store = open();
    store.insertStateMachine(aMachine());
    const id = store.insertExecutions([anExecution('kept')])[0]!;
    store.putFrames([[id, { path: '', cursor: '{"state":"A"}', input: '{}' }]]);

    // Act
    const failing = () =>
      store.transaction(() => {
        const other = store.insertExecutions([anExecution('undone')])[0]!;
        store.insertEvents([
          [id, anEvent(1)],
          [other, anEvent(1)],
        ]);
        store.putFrames([[id, { path: '', cursor: '{"state":"B"}', input: '{"changed":true}' }]]);
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

  it('keeps the version and alias an execution started with, and lists the executions started with one', () => {
    // Prepare
    const store = open();
    const version = `${MACHINE_ARN}:1`;
    const alias = `${MACHINE_ARN}:prod`;
    store.insertExecutions([
      anExecution('plain'),
      anExecution('by-version', { versionArn: version }),
      anExecution('by-alias', { versionArn: version, aliasArn: alias }),
    ]);
    const listed = (startedWith?: string) =>
      store
        .listExecutions(MACHINE_ARN, { status: null, startedWith }, Number.MAX_SAFE_INTEGER, 10)
        .map((row) => row.name);

    // Act
    const byAlias = store.getExecution(anExecution('by-alias').arn);

    // Assess
    expect(byAlias).toMatchObject({ versionArn: version, aliasArn: alias });
    expect(store.getExecution(anExecution('plain').arn)).toMatchObject({ versionArn: null, aliasArn: null });
    expect(listed()).toEqual(['by-alias', 'by-version', 'plain']);
    expect(listed(version)).toEqual(['by-alias', 'by-version']);
    expect(listed(alias)).toEqual(['by-alias']);
    store.close();
  });

  it("keeps a state machine's publications, undone with a throwing transaction", () => {
    // Prepare
    const store = open();
    store.insertStateMachine(aMachine());
    const published =
      '{"lastVersion":1,"versions":[{"version":1,"revision":1,"description":null,"creationDate":5}],"aliases":[]}';
    store.updateStateMachine(aMachine({ publications: published }));

    // Act
    const undone = () =>
      store.transaction(() => {
        store.updateStateMachine(aMachine({ publications: NO_PUBLICATIONS }));
        throw new Error('rolled back');
      });

    // Assess
    expect(undone).toThrow('rolled back');
    expect(store.getStateMachine(MACHINE_ARN)?.publications).toBe(published);
    store.close();
  });

  it('lists executions newest first, by status, before an id', () => {
    // Prepare
    const store = open();
    for (const name of ['a', 'b', 'c', 'd']) store.insertExecutions([anExecution(name)])[0];
    store.finishExecutions([[2, { status: 'SUCCEEDED', output: '{}', stopDate: 5_000 }]]);

    // Act
    const firstPage = store.listExecutions(MACHINE_ARN, { status: null }, Number.MAX_SAFE_INTEGER, 2);
    const nextPage = store.listExecutions(MACHINE_ARN, { status: null }, 3, 2);
    const running = store.listExecutions(MACHINE_ARN, { status: 'RUNNING' }, Number.MAX_SAFE_INTEGER, 10);

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
    const id = store.insertExecutions([anExecution('a')])[0]!;
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

  it('pages a history written in many commits, across their boundaries, in both directions', () => {
    // Prepare: execution a gets 1, 2, 3, ... events per commit, interleaved with execution b's
    const store = open();
    const a = store.insertExecutions([anExecution('a')])[0]!;
    const b = store.insertExecutions([anExecution('b')])[0]!;
    let next = 1;
    for (let size = 1; next <= 45; size++) {
      const rows = eventRows(a, next, size);
      store.insertEvents(rows.flatMap((row, index) => [row, [b, anEvent(next + index)] as const]));
      next += size;
    }
    const all = Array.from({ length: next - 1 }, (_, index) => index + 1);

    // Act
    const forward = pagedIds(store, a, 1, 7, false);
    const reverse = pagedIds(store, a, Number.MAX_SAFE_INTEGER, 7, true);
    const middle = store.listEvents(a, 12, 9, false);
    const middleBack = store.listEvents(a, 12, 9, true);

    // Assess
    expect(forward.flat()).toEqual(all);
    expect(forward.slice(0, -1).every((page) => page.length === 7)).toBe(true);
    expect(reverse.flat()).toEqual([...all].reverse());
    expect(middle).toEqual(Array.from({ length: 9 }, (_, index) => anEvent(12 + index)));
    expect(middleBack.map((event) => event.id)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4]);
    expect(store.listEvents(a, next, 5, false)).toEqual([]);
    expect(store.listEvents(b, 1, 1_000, false)).toEqual(all.map(anEvent));
    expect(store.lastEventId(a)).toBe(next - 1);
    store.close();
  });

  it('keeps 20,000 events of three executions written in turns, each history whole in both directions', () => {
    // Prepare
    const store = open();
    const ids = ['a', 'b', 'c'].map((name) => store.insertExecutions([anExecution(name)])[0]!);
    const perExecution = 6_667;
    for (let first = 1; first <= perExecution; first += 500) {
      const count = Math.min(500, perExecution - first + 1);
      store.transaction(() =>
        store.insertEvents(
          Array.from({ length: count * ids.length }, (_, index) => {
            const event = anEvent(first + Math.floor(index / ids.length));
            return [ids[index % ids.length]!, event] as const;
          }),
        ),
      );
    }
    const all = Array.from({ length: perExecution }, (_, index) => index + 1);

    // Act
    const forward = ids.map((id) => pagedIds(store, id, 1, 1_000, false).flat());
    const reverse = pagedIds(store, ids[1]!, Number.MAX_SAFE_INTEGER, 1_000, true).flat();
    const middle = store.listEvents(ids[2]!, 6_000, 3, false);

    // Assess
    for (const ofExecution of forward) expect(ofExecution).toEqual(all);
    expect(reverse).toEqual([...all].reverse());
    expect(middle).toEqual([anEvent(6_000), anEvent(6_001), anEvent(6_002)]);
    expect(ids.map((id) => store.lastEventId(id))).toEqual([perExecution, perExecution, perExecution]);
    store.close();
  });

  it('undoes events a throwing transaction added to histories that had events, and appends after them again', () => {
    // Prepare
    const store = open();
    const id = store.insertExecutions([anExecution('a')])[0]!;
    const other = store.insertExecutions([anExecution('b')])[0]!;
    store.transaction(() => store.insertEvents([...eventRows(id, 1, 3), ...eventRows(other, 1, 1)]));

    // Act
    const failing = () =>
      store.transaction(() => {
        store.insertEvents([...eventRows(id, 4, 2), ...eventRows(other, 2, 1)]);
        throw new Error('boom');
      });
    expect(failing).toThrow('boom');
    const afterUndo = store.listEvents(id, 1, 10, false);
    store.transaction(() => store.insertEvents([...eventRows(other, 2, 1), ...eventRows(id, 4, 1)]));

    // Assess
    expect(afterUndo).toEqual(eventRows(id, 1, 3).map(([, event]) => event));
    expect(store.listEvents(id, 1, 10, false)).toEqual(eventRows(id, 1, 4).map(([, event]) => event));
    expect(store.listEvents(id, 10, 10, true).map((event) => event.id)).toEqual([4, 3, 2, 1]);
    expect(store.listEvents(other, 1, 10, false)).toEqual(eventRows(other, 1, 2).map(([, event]) => event));
    store.close();
  });

  it('keeps the history of an execution whose events came one commit at a time', () => {
    // Prepare
    const store = open();
    const id = store.insertExecutions([anExecution('a')])[0]!;
    const other = store.insertExecutions([anExecution('b')])[0]!;

    // Act
    for (let event = 1; event <= 150; event++)
      store.transaction(() => store.insertEvents(eventRows(id, event, 1)));

    // Assess
    expect(store.listEvents(id, 1, 1_000, false)).toEqual(eventRows(id, 1, 150).map(([, event]) => event));
    expect(store.listEvents(id, 140, 3, true).map((event) => event.id)).toEqual([140, 139, 138]);
    expect(pagedIds(store, id, 1, 64, false).map((page) => page.length)).toEqual([64, 64, 22]);
    expect(store.lastEventId(id)).toBe(150);
    expect(store.lastEventId(other)).toBe(0);
    expect(store.listEvents(other, 1, 10, false)).toEqual([]);
    store.close();
  });

  it('reads a state machine as last written, as a copy, and forgets one whose insert was undone', () => {
    // Prepare
    const store = open();
    store.insertStateMachine(aMachine());
    store.getStateMachine(MACHINE_ARN)!.definition = 'changed by the caller';
    const otherArn = `${MACHINE_ARN}-undone`;

    // Act
    store.updateStateMachine(aMachine({ definition: '{"v":2}', revision: 2, description: 'second' }));
    const updated = store.getStateMachine(MACHINE_ARN);
    const failing = () =>
      store.transaction(() => {
        store.insertStateMachine(aMachine({ arn: otherArn, name: 'undone' }));
        store.getStateMachine(otherArn);
        throw new Error('boom');
      });

    // Assess
    expect(updated).toEqual(aMachine({ definition: '{"v":2}', revision: 2, description: 'second' }));
    expect(failing).toThrow('boom');
    expect(store.getStateMachine(otherArn)).toBeUndefined();
    store.deleteStateMachine(MACHINE_ARN);
    expect(store.getStateMachine(MACHINE_ARN)).toBeUndefined();
    store.close();
  });

  it('finishing an execution unsuccessfully records its end and removes its task tokens, keeping its frames', () => {
    // Prepare
    const store = open();
    const id = store.insertExecutions([anExecution('a')])[0]!;
    const other = store.insertExecutions([anExecution('b')])[0]!;
    store.putFrames([[id, { path: '', cursor: '{}', input: '{}' }]]);
    store.putTaskToken('token-a', id, '');
    store.putTaskToken('token-b', other, '');

    // Act
    store.finishExecutions([[id, { status: 'FAILED', error: 'Boom', cause: 'why', stopDate: 9_000 }]]);

    // Assess
    expect(store.getExecution(anExecution('a').arn)).toMatchObject({
      status: 'FAILED',
      error: 'Boom',
      cause: 'why',
      output: null,
      stopDate: 9_000,
    });
    expect(store.listFrames(id)).toEqual([{ path: '', cursor: '{}', input: '{}' }]);
    expect(store.getTaskToken('token-a')).toBeUndefined();
    expect(store.getTaskToken('token-b')).toEqual({
      executionId: other,
      path: '',
      outcome: null,
      heartbeatDeadline: null,
    });
    store.close();
  });

  it('keeps an error, a cause and a trace header whole when they hold NUL or other control characters', () => {
    // Prepare: SendTaskFailure and StopExecution take any text, the trace header any ASCII
    const store = open();
    const id = store.insertExecutions([anExecution('a', { traceHeader: 'Root=a\u0000b' })])[0]!;
    store.insertExecutions([anExecution('b')]);
    const ended = {
      status: 'FAILED',
      error: 'E\u0000rr',
      cause: 'C\u0000ause \u00e9\u0001',
      stopDate: 9_000,
    } as const;
    // Act
    store.finishExecutions([[id, ended]]);
    const read = store.getExecution(anExecution('a').arn);
    const listed = store.listExecutions(MACHINE_ARN, { status: 'FAILED' }, Number.MAX_SAFE_INTEGER, 10);
    // Assess
    expect(read).toMatchObject({
      error: 'E\u0000rr',
      cause: 'C\u0000ause \u00e9\u0001',
      traceHeader: 'Root=a\u0000b',
    });
    expect(listed).toEqual([read]);
    expect(store.getExecution(anExecution('b').arn)).toMatchObject({
      error: null,
      cause: null,
      traceHeader: null,
    });
    store.close();
  });

  it('redriving an ended execution makes it RUNNING again with the frames given, and counts the redrive', () => {
    // Prepare
    const store = open();
    const [id, other] = store.insertExecutions([anExecution('a'), anExecution('b')]);
    store.putFrames([[id!, { path: '/P/0', cursor: '{"state":"X","phase":"running"}', input: '{}' }]]);
    store.finishExecutions([
      [id!, { status: 'FAILED', error: 'Boom', cause: 'why', stopDate: 9_000 }],
      [other!, { status: 'ABORTED', stopDate: 9_000 }],
    ]);

    // Act
    const entering = { path: '', cursor: '{"state":"A","phase":"enter"}', input: '{"n":1}' };
    store.transaction(() =>
      store.redriveExecution(id!, { redriveDate: 10_000, deadline: 70_000, frames: [entering] }),
    );

    // Assess
    expect(store.getExecution(anExecution('a').arn)).toMatchObject({
      status: 'RUNNING',
      error: null,
      cause: null,
      stopDate: null,
      deadline: 70_000,
      redriveCount: 1,
      redriveDate: 10_000,
    });
    expect(store.listFrames(id!)).toEqual([entering]);
    expect(store.hasFrames(id!)).toBe(true);
    expect(store.hasFrames(other!)).toBe(false);
    expect(store.listRunningExecutions().map((row) => row.id)).toEqual([id]);
    const listed = (redriven?: boolean) =>
      store
        .listExecutions(MACHINE_ARN, { status: null, redriven }, Number.MAX_SAFE_INTEGER, 10)
        .map((row) => row.name);
    expect(listed(true)).toEqual(['a']);
    expect(listed(false)).toEqual(['b']);
    expect(listed()).toEqual(['b', 'a']);
    store.close();
  });

  it("keeps a redrive's clientTokens with the execution, and drops those of a redrive undone", () => {
    // Prepare
    const store = open();
    const [id, other] = store.insertExecutions([anExecution('a'), anExecution('b')]);
    const ended = { status: 'FAILED', stopDate: 9_000 } as const;
    store.finishExecutions([[id!, ended]]);
    const tokens = [{ token: 'retry-1', redriveDate: 10_000 }];

    // Act
    store.transaction(() =>
      store.redriveExecution(id!, { redriveDate: 10_000, deadline: null, frames: [], redriveTokens: tokens }),
    );
    store.finishExecutions([[id!, ended]]);
    expect(() =>
      store.transaction(() => {
        store.redriveExecution(id!, {
          redriveDate: 11_000,
          deadline: null,
          frames: [],
          redriveTokens: [...tokens, { token: 'retry-2', redriveDate: 11_000 }],
        });
        throw new Error('undone');
      }),
    ).toThrow('undone');
    store.transaction(() => store.redriveExecution(id!, { redriveDate: 12_000, deadline: null, frames: [] }));

    // Assess: a redrive without a token keeps the tokens before it
    expect(store.redriveTokens(id!)).toEqual(tokens);
    expect(store.redriveTokens(other!)).toEqual([]);
    expect(store.getExecution(anExecution('a').arn)).toMatchObject({ redriveCount: 2, redriveDate: 12_000 });
    store.close();
  });

  it('deletes only the frames below a path', () => {
    // Prepare
    const store = open();
    const id = store.insertExecutions([anExecution('a')])[0]!;
    for (const path of ['', '/Map', '/Map/0', '/Map/1', '/Mapper/0'])
      store.putFrames([[id, { path: path, cursor: '{}', input: '{}' }]]);

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

  it('keeps a task token, its heartbeat deadline as heartbeats move it, and the outcome sent for it', () => {
    // Prepare
    const store = open();
    const id = store.insertExecutions([anExecution('a')])[0]!;
    store.putTaskToken('token', id, '/Task', 10_000);
    store.putTaskToken('no-heartbeat', id, '/Other');

    // Act
    store.setTaskTokenHeartbeat('token', 18_000);
    store.setTaskTokenOutcome('token', '{"output":"{}"}');

    // Assess
    expect(store.getTaskToken('token')).toEqual({
      executionId: id,
      path: '/Task',
      outcome: '{"output":"{}"}',
      heartbeatDeadline: 18_000,
    });
    expect(store.getTaskToken('no-heartbeat')?.heartbeatDeadline).toBeNull();
    store.deleteTaskToken('token');
    expect(store.getTaskToken('token')).toBeUndefined();
    store.close();
  });

  it('keeps the outcome sent for a task token when the token is put again (a task resumed in flight)', () => {
    // Prepare
    const store = open();
    const id = store.insertExecutions([anExecution('a')])[0]!;
    store.putTaskToken('token', id, '/Task');
    store.setTaskTokenOutcome('token', '{"output":"{}"}');

    // Act
    store.putTaskToken('token', id, '/Task');

    // Assess
    expect(store.getTaskToken('token')?.outcome).toBe('{"output":"{}"}');
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
      loggingConfiguration: DEFAULT_LOGGING_CONFIGURATION,
      tracingConfiguration: DEFAULT_TRACING_CONFIGURATION,
      encryptionConfiguration: DEFAULT_ENCRYPTION_CONFIGURATION,
    });
    expect(store.getRevision(revision + 1)).toBeUndefined();
    store.close();
  });

  it('keeps activities by ARN: lists them after a given one, replaces one put again, and undoes a throwing transaction', () => {
    // Prepare
    const store = open();
    for (const name of ['c', 'a', 'b']) store.putActivity(anActivity(name));

    // Act
    const customerKey = '{"type":"CUSTOMER_MANAGED_KMS_KEY","kmsKeyId":"alias/approvals"}';
    store.putActivity(
      anActivity('a', { tags: '[{"key":"team","value":"payments"}]', encryptionConfiguration: customerKey }),
    );
    const page = store.listActivities(`${ACTIVITY_ARN}a`, 5);
    expect(() =>
      store.transaction(() => {
        store.deleteActivity(`${ACTIVITY_ARN}c`);
        store.putActivity(anActivity('d'));
        throw new Error('undone');
      }),
    ).toThrow('undone');
    store.deleteActivity(`${ACTIVITY_ARN}b`);

    // Assess
    expect(page.map((row) => row.name)).toEqual(['b', 'c']);
    expect(store.listActivities('', 5).map((row) => row.name)).toEqual(['a', 'c']);
    expect(store.getActivity(`${ACTIVITY_ARN}a`)).toEqual(
      anActivity('a', { tags: '[{"key":"team","value":"payments"}]', encryptionConfiguration: customerKey }),
    );
    expect(store.getActivity(`${ACTIVITY_ARN}d`)).toBeUndefined();
    store.close();
  });

  it('keeps a state machine and revision without a revisionId, with their configuration, through an update', () => {
    // Prepare
    const store = open();
    const logging = '{"level":"ALL","includeExecutionData":true,"destinations":[]}';
    const created = aMachine({ revisionId: null, tracingConfiguration: '{"enabled":true}' });
    const first = store.insertRevision(created, 1_000);
    store.insertStateMachine({ ...created, revision: first });
    const encryption = '{"type":"CUSTOMER_MANAGED_KMS_KEY","kmsKeyId":"alias/orders"}';
    const updated = {
      ...created,
      revisionId: 'r2',
      loggingConfiguration: logging,
      encryptionConfiguration: encryption,
    };
    // Act
    const second = store.insertRevision(updated, 2_000);
    store.updateStateMachine({ ...updated, revision: second });
    // Assess
    expect(store.getRevision(first)).toMatchObject({
      revisionId: null,
      tracingConfiguration: '{"enabled":true}',
      encryptionConfiguration: DEFAULT_ENCRYPTION_CONFIGURATION,
    });
    expect(store.getRevision(second)).toMatchObject({
      revisionId: 'r2',
      loggingConfiguration: logging,
      encryptionConfiguration: encryption,
    });
    expect(store.getStateMachine(MACHINE_ARN)).toEqual({ ...updated, revision: second });
    expect(store.listStateMachines('', 5)).toEqual([{ ...updated, revision: second }]);
    store.close();
  });

  it('keeps a state machine DELETING once an update says so, in reads and lists', () => {
    // Prepare
    const store = open();
    store.insertStateMachine(aMachine());

    // Act
    store.updateStateMachine(aMachine({ status: 'DELETING' }));

    // Assess
    expect(store.getStateMachine(MACHINE_ARN)?.status).toBe('DELETING');
    expect(store.listStateMachines('', 5).map((row) => row.status)).toEqual(['DELETING']);
    store.close();
  });

  it('hands out copies: changing a returned row or a sent message changes nothing stored', () => {
    // Prepare
    const store = open();
    store.insertExecutions([anExecution('a')])[0];
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

describe('SqliteStore file', () => {
  it('refuses a second store on an open data directory, naming the holder, until the first closes', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertStateMachine(aMachine());
    // Act
    const second = () => SqliteStore.open(directory);
    // Assess
    expect(second).toThrow(DataDirectoryInUseError);
    expect(second).toThrow(
      `the data directory ${directory} is in use by another Cutover runtime (process ${process.pid}): ` +
        'stop it, or use another data directory (--data-dir)',
    );
    expect(first.listStateMachines('', 10)).toHaveLength(1);
    first.close();
    const reopened = SqliteStore.open(directory);
    expect(reopened.listStateMachines('', 10)).toHaveLength(1);
    reopened.close();
  });

  it('keeps history, state machines and activities across a reopen', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertStateMachine(aMachine());
    first.putActivity(anActivity('worker'));
    const id = first.insertExecutions([anExecution('a')])[0]!;
    first.insertEvents(eventRows(id, 1, 3));
    first.insertEvents(eventRows(id, 4, 2));
    first.close();

    // Act
    const reopened = SqliteStore.open(directory);

    // Assess
    expect(reopened.listEvents(id, 5, 10, true)).toEqual(
      eventRows(id, 1, 5)
        .map(([, event]) => event)
        .reverse(),
    );
    expect(reopened.getStateMachine(MACHINE_ARN)).toEqual(aMachine());
    expect(reopened.getActivity(`${ACTIVITY_ARN}worker`)).toEqual(anActivity('worker'));
    reopened.close();
  });

  it('keeps a DELETING state machine across a reopen', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertStateMachine(aMachine());
    first.updateStateMachine(aMachine({ status: 'DELETING' }));
    first.close();

    // Act
    const reopened = SqliteStore.open(directory);

    // Assess
    expect(reopened.getStateMachine(MACHINE_ARN)).toEqual(aMachine({ status: 'DELETING' }));
    reopened.close();
  });

  it('opens a file written before state machines had a status with every one ACTIVE, revision ids kept', () => {
    // Prepare: a state machine whose only revision has an id (as an update gives), then no status column
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    const revision = first.insertRevision(aMachine({ revisionId: 'r1' }), 1_000);
    first.insertStateMachine(aMachine({ revisionId: 'r1', revision }));
    first.close();
    const earlier = new Database(join(directory, 'cutover.db'));
    earlier.exec('ALTER TABLE state_machines DROP COLUMN status');
    earlier.close();

    // Act
    const store = SqliteStore.open(directory);

    // Assess
    expect(store.getStateMachine(MACHINE_ARN)).toEqual(aMachine({ revisionId: 'r1', revision }));
    expect(store.getRevision(revision)?.revisionId).toBe('r1');
    store.close();
  });

  it('throws the error of a transaction SQLite rolled back by itself (as on a full disk), not a failed rollback, and keeps nothing of it', () => {
    // Prepare: a trigger that makes SQLite roll back the whole transaction, as SQLITE_FULL does
    const directory = temporaryDirectory();
    const store = SqliteStore.open(directory);
    const other = new Database(join(directory, 'cutover.db'));
    other.exec(
      "CREATE TRIGGER full BEFORE INSERT ON executions WHEN NEW.name = 'second' BEGIN SELECT RAISE(ROLLBACK, 'database or disk is full'); END",
    );
    other.close();
    // Act
    const thrown = (() => {
      try {
        store.transaction(() => {
          store.insertExecutions([anExecution('first')]);
          store.insertExecutions([anExecution('second')]);
        });
      } catch (error) {
        return error as Error;
      }
    })();
    // Assess
    expect(thrown?.message).toBe('database or disk is full');
    expect(store.getExecution(anExecution('first').arn)).toBeUndefined();
    store.close();
  });

  it('leaves an empty write-ahead log when it closes, however much it wrote', () => {
    // Prepare: 2,000 executions of 1 KB each, committed 10 at a time
    const directory = temporaryDirectory();
    const store = SqliteStore.open(directory);
    for (let batch = 0; batch < 200; batch++) {
      const rows = Array.from({ length: 10 }, (_, i) =>
        anExecution(`e${batch}-${i}`, { input: 'x'.repeat(1000) }),
      );
      store.transaction(() => store.insertExecutions(rows));
    }
    const wal = join(directory, 'cutover.db-wal');
    const written = statSync(wal).size;
    // Act
    store.close();
    // Assess
    expect(written).toBeGreaterThan(1_000_000);
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
    const reopened = SqliteStore.open(directory);
    expect(reopened.getExecution(anExecution('e199-9').arn)?.input).toHaveLength(1000);
    reopened.close();
  });

  it('opens a file written before executions kept a traceHeader, its executions without one', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertExecutions([anExecution('old')]);
    first.close();
    const earlier = new Database(join(directory, 'cutover.db'));
    earlier.exec('ALTER TABLE executions DROP COLUMN trace_header');
    earlier.close();
    // Act
    const store = SqliteStore.open(directory);
    store.insertExecutions([anExecution('new', { traceHeader: 'Root=1' })]);
    // Assess
    expect(store.getExecution(anExecution('old').arn)).toEqual({ id: 1, ...anExecution('old') });
    expect(store.getExecution(anExecution('new').arn)?.traceHeader).toBe('Root=1');
    store.close();
  });

  it('opens a file written before versions and aliases: none published, executions started with neither', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertStateMachine(aMachine());
    first.insertExecutions([anExecution('old')]);
    first.close();
    const earlier = new Database(join(directory, 'cutover.db'));
    earlier.exec(
      `ALTER TABLE state_machines DROP COLUMN publications; ALTER TABLE executions DROP COLUMN version_arn;
       ALTER TABLE executions DROP COLUMN alias_arn`,
    );
    earlier.close();
    // Act
    const store = SqliteStore.open(directory);
    // Assess
    expect(store.getStateMachine(MACHINE_ARN)?.publications).toBe(NO_PUBLICATIONS);
    expect(store.getExecution(anExecution('old').arn)).toMatchObject({ versionArn: null, aliasArn: null });
    store.close();
  });

  it('opens a file written before executions could be redriven, each never redriven', () => {
    // Prepare
    const directory = temporaryDirectory();
    const first = SqliteStore.open(directory);
    first.insertExecutions([anExecution('old', { status: 'FAILED', stopDate: 3_000 })]);
    first.close();
    const earlier = new Database(join(directory, 'cutover.db'));
    earlier.exec(
      `ALTER TABLE executions DROP COLUMN redrive_count; ALTER TABLE executions DROP COLUMN redrive_date;
       ALTER TABLE executions DROP COLUMN redrive_tokens`,
    );
    earlier.close();
    // Act
    const store = SqliteStore.open(directory);
    // Assess
    expect(store.getExecution(anExecution('old').arn)).toMatchObject({ redriveCount: 0, redriveDate: null });
    expect(store.redriveTokens(1)).toEqual([]);
    expect(
      store.listExecutions(MACHINE_ARN, { status: null, redriven: false }, Number.MAX_SAFE_INTEGER, 10),
    ).toHaveLength(1);
    store.close();
  });

  it('moves the history of a file written with one row per event into chunks when opened', () => {
    // Prepare: the former layout, one RUNNING execution with 150 events and a finished one with 2
    const directory = temporaryDirectory();
    const legacy = new Database(join(directory, 'cutover.db'));
    legacy.exec(`
      CREATE TABLE executions (
        id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, state_machine_arn TEXT NOT NULL, name TEXT NOT NULL,
        revision INTEGER NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL, output TEXT, error TEXT, cause TEXT,
        start_date INTEGER NOT NULL, stop_date INTEGER, deadline INTEGER, parent_arn TEXT);
      CREATE TABLE events (
        execution_id INTEGER NOT NULL, id INTEGER NOT NULL, type TEXT NOT NULL, previous_id INTEGER NOT NULL,
        timestamp INTEGER NOT NULL, details TEXT, PRIMARY KEY (execution_id, id)) WITHOUT ROWID;`);
    const insertExecution = legacy.prepare(
      `INSERT INTO executions (id, arn, state_machine_arn, name, revision, status, input, start_date)
       VALUES (?, ?, ?, ?, 1, ?, '{}', 2000)`,
    );
    insertExecution.run(1, anExecution('running').arn, MACHINE_ARN, 'running', 'RUNNING');
    insertExecution.run(2, anExecution('done').arn, MACHINE_ARN, 'done', 'SUCCEEDED');
    const insertEvent = legacy.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)');
    for (const [executionId, event] of [...eventRows(1, 1, 150), ...eventRows(2, 1, 2)]) {
      insertEvent.run(
        executionId,
        event.id,
        event.type,
        event.previousEventId,
        event.timestamp,
        JSON.stringify(event.details),
      );
    }
    insertEvent.run(2, 3, 'ExecutionSucceeded', 2, 5_000, null);
    legacy.close();

    // Act
    const store = SqliteStore.open(directory);

    // Assess
    expect(store.listRunningExecutions().map((row) => row.name)).toEqual(['running']);
    expect(store.listEvents(1, 1, 1_000, false)).toEqual(eventRows(1, 1, 150).map(([, event]) => event));
    expect(store.listEvents(1, 102, 4, true).map((event) => event.id)).toEqual([102, 101, 100, 99]);
    expect(store.listEvents(2, 3, 5, true)).toEqual([
      { id: 3, type: 'ExecutionSucceeded', previousEventId: 2, timestamp: 5_000, details: null },
      anEvent(2),
      anEvent(1),
    ]);
    expect(store.lastEventId(1)).toBe(150);
    store.insertEvents(eventRows(1, 151, 1));
    expect(store.listEvents(1, 149, 10, false).map((event) => event.id)).toEqual([149, 150, 151]);
    store.close();
    const migrated = new Database(join(directory, 'cutover.db'));
    const tables = migrated
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'event%' ORDER BY name")
      .all();
    expect(tables.map((table) => (table as { name: string }).name)).toEqual(['event_chunks']);
    migrated.close();
  });
  it("keeps a short execution's history on disk in about its own size, with no page of its own", () => {
    // Prepare: 200 executions of ten events each, as a short run writes them (about 1.2 KB of JSON)
    const directory = temporaryDirectory();
    const store = SqliteStore.open(directory);
    const executions = Array.from({ length: 200 }, (_, index) => anExecution(`short-${index}`));
    store.transaction(() => store.insertExecutions(executions));
    const input = JSON.stringify({ id: 12_345, kind: 'short', sum: 24_690 });
    const events = (executionId: number) =>
      Array.from({ length: 10 }, (_, index) => {
        const event: EventRow = {
          id: index + 1,
          type: 'PassStateEntered',
          previousEventId: index,
          timestamp: 1_796_381_035_765 + index,
          details: { name: `State${index}`, input, inputDetails: { truncated: false } },
        };
        return [executionId, event] as const;
      });
    // Act
    store.transaction(() => store.insertEvents(executions.flatMap((_, index) => events(index + 1))));
    store.close();
    // Assess
    const file = new Database(join(directory, 'cutover.db'));
    const [stored] = file
      .prepare("SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name LIKE 'event_chunks%'")
      .all() as { bytes: number }[];
    const [json] = file.prepare('SELECT SUM(length(events)) AS bytes FROM event_chunks').all() as {
      bytes: number;
    }[];
    file.close();
    expect(json!.bytes / 200).toBeGreaterThan(1_100);
    expect(stored!.bytes / json!.bytes).toBeLessThan(1.5);
  });

  it('moves history kept in a table without rowids (a page per chunk past 1 KB) into the current table when opened', () => {
    // Prepare: a file whose event_chunks is the former WITHOUT ROWID table, one execution with two chunks
    const directory = temporaryDirectory();
    const store = SqliteStore.open(directory);
    store.transaction(() => store.insertExecutions([anExecution('running')]));
    store.close();
    const former = new Database(join(directory, 'cutover.db'));
    former.exec(`
      DROP TABLE event_chunks;
      CREATE TABLE event_chunks (
        execution_id INTEGER NOT NULL, first_id INTEGER NOT NULL, last_id INTEGER NOT NULL, events TEXT NOT NULL,
        PRIMARY KEY (execution_id, first_id)) WITHOUT ROWID;`);
    const chunk = (first: number, count: number) =>
      JSON.stringify(
        eventRows(1, first, count).map(([, event]) => [
          event.type,
          event.previousEventId,
          event.timestamp,
          event.details,
        ]),
      );
    const insert = former.prepare('INSERT INTO event_chunks VALUES (1, ?, ?, ?)');
    insert.run(1, 30, chunk(1, 30));
    insert.run(31, 40, chunk(31, 10));
    former.close();
    // Act
    const reopened = SqliteStore.open(directory);
    // Assess
    expect(reopened.listEvents(1, 1, 1_000, false)).toEqual(eventRows(1, 1, 40).map(([, event]) => event));
    expect(reopened.listEvents(1, 32, 3, true).map((event) => event.id)).toEqual([32, 31, 30]);
    expect(reopened.lastEventId(1)).toBe(40);
    reopened.transaction(() => reopened.insertEvents(eventRows(1, 41, 1)));
    expect(reopened.listEvents(1, 39, 10, false).map((event) => event.id)).toEqual([39, 40, 41]);
    reopened.close();
    const migrated = new Database(join(directory, 'cutover.db'));
    const tables = migrated
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name LIKE 'event%'")
      .all() as { name: string; sql: string }[];
    migrated.close();
    expect(tables.map((table) => table.name)).toEqual(['event_chunks']);
    expect(tables[0]!.sql).not.toMatch(/WITHOUT ROWID/i);
  });
});
