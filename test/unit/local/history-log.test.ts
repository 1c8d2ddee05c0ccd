import { describe, expect, it } from 'vitest';
import { DetailedEvent, StateEnteredEvent, StateExitedEvent } from '#local/asl/pending-events.ts';
import { type HistoryChain, HistoryLog } from '#local/history-log.ts';

const AT = Date.parse('2026-12-04T08:00:00.123Z');

function numbered<T extends { id: number; previousEventId: number }>(event: T, id: number): T {
  event.id = id;
  event.previousEventId = id - 1;
  return event;
}

describe('HistoryLog', () => {
  it('reads back the events of the engine as GetExecutionHistory shows them, details built on read', () => {
    // Prepare
    const log = new HistoryLog();
    const chain: HistoryChain = { firstEvent: 0, lastEvent: 0, eventCount: 0 };
    const started = numbered(new DetailedEvent('ExecutionStarted', AT, 1, null), 1);
    const entered = numbered(new StateEnteredEvent('PassStateEntered', AT + 1, 2, 'Tag', '{"id":1}'), 2);
    const exited = numbered(new StateExitedEvent('PassStateExited', AT + 2, 3, 'Tag', '{"id":2}'), 3);
    const assigned = { name: 'Tag', output: '{}', assignedVariables: { x: '1' } };
    const exitedAssigning = numbered(new DetailedEvent('PassStateExited', AT + 3, 4, assigned), 4);

    // Act
    for (const event of [started, entered, exited, exitedAssigning]) log.append(chain, event);
    const [readStarted, readEntered, readExited, readAssigning] = log.read(chain, 1, 4);

    // Assess
    expect(readStarted).toEqual({
      id: 1,
      type: 'ExecutionStarted',
      previousEventId: 0,
      timestamp: AT,
      details: null,
    });
    expect(readEntered).toEqual({
      id: 2,
      type: 'PassStateEntered',
      previousEventId: 1,
      timestamp: AT + 1,
      details: { name: 'Tag', input: '{"id":1}', inputDetails: { truncated: false } },
    });
    expect(readExited?.details).toEqual({
      name: 'Tag',
      output: '{"id":2}',
      outputDetails: { truncated: false },
    });
    expect(readAssigning?.details).toEqual(assigned);
    expect(readAssigning?.details).not.toBe(assigned);
  });

  it('refuses an event whose id does not follow the last of its execution, and keeps the history as it was', () => {
    // Prepare
    const log = new HistoryLog();
    const chain: HistoryChain = { firstEvent: 0, lastEvent: 0, eventCount: 0 };
    log.append(chain, numbered(new DetailedEvent('ExecutionStarted', AT, 1, null), 1));

    // Act
    const appendGap = () =>
      log.append(chain, numbered(new DetailedEvent('PassStateEntered', AT, 2, null), 3));

    // Assess
    expect(appendGap).toThrow("event 3 cannot follow event 1 of an execution's history");
    expect(chain.eventCount).toBe(1);
    expect(log.length).toBe(1);
    expect(log.read(chain, 1, 1).map((event) => event.type)).toEqual(['ExecutionStarted']);
  });

  it('keeps the type of every event of 256 types, and refuses a 257th type rather than mistake it for another', () => {
    // Prepare
    const log = new HistoryLog();
    const chain: HistoryChain = { firstEvent: 0, lastEvent: 0, eventCount: 0 };
    for (let id = 1; id <= 256; id++)
      log.append(chain, numbered(new DetailedEvent(`Type${id}`, AT, 0, null), id));

    // Act
    const appendAnother = () => log.append(chain, numbered(new DetailedEvent('Type257', AT, 0, null), 257));

    // Assess
    expect(appendAnother).toThrow('a history log holds at most 256 kinds of events');
    expect(log.read(chain, 255, 256).map((event) => event.type)).toEqual(['Type255', 'Type256']);
    expect(chain.eventCount).toBe(256);
  });
});
