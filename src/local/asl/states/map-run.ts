/**
 * A Distributed Map's Map Run: its children run as executions of their own, of a labelled state machine
 * (`<machine>/<label>`) whose definition is the Map's item processor, as on AWS. The parent's history records
 * `MapRunStarted`, then `MapRunSucceeded` or `MapRunFailed` (or `MapRunRedriven` when a redrive of the parent
 * runs it on); each child's states are in the child's own history.
 */
import { randomUUID } from 'node:crypto';
import type { MapRunRow } from '../../store.ts';
import { asStatesError, raiseAgain, STATES_ERRORS, StatesError, type StoredError } from '../errors.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';
import { shapedResults, type Thresholds } from './distributed-map.ts';
import { readItems } from './item-reader.ts';
import type { MapSettings } from './map.ts';
import { itemSelection, itemsOf, STATE_DATA } from './map-items.ts';
import { type MapRunChildren, mapRunChildren } from './map-run-children.ts';
import { MapRunDispatch } from './map-run-dispatch.ts';
import { labelledRevision, labelledStateMachine } from './map-run-label.ts';
import { recordFailure, recordRedrive } from './map-run-records.ts';

/** The errors after which a redrive of the parent starts a new Map Run instead of redriving the failed one. */
const RUN_ANEW_AFTER: ReadonlySet<string> = new Set([STATES_ERRORS.DataLimitExceeded, STATES_ERRORS.Runtime]);

/** How many times a Map Run may be redriven, AWS's hard limit: one more redrive is `States.Runtime`. */
export const MAP_RUN_REDRIVE_LIMIT = 1000;

/**
 * Starts the Map Run of `run`'s Distributed Map: `save` commits the Map's cursor, given the Map Run's ARN,
 * with `MapRunStarted` and the writes that record the Map Run and its children's labelled state machine (a
 * revision holding the item processor). Returns the Map Run's ARN.
 */
export function startMapRun(
  run: StateRun<MapState>,
  settings: { concurrency: number; thresholds: Thresholds },
  save: (mapRunArn: string, write: () => void) => void,
): string {
  const { engine } = run;
  const parent = run.run.row;
  const machine = labelledStateMachine(run);
  const mapRunArn = `${machine.arn.replace(':stateMachine:', ':mapRun:')}:${randomUUID()}`;
  const now = engine.clock.now();
  run.emit('MapRunStarted', { mapRunArn });
  save(mapRunArn, () => {
    engine.store.mapRuns.insert({
      arn: mapRunArn,
      executionId: parent.id,
      executionArn: parent.arn,
      stateMachineArn: machine.arn,
      revision: labelledRevision(run, machine, now),
      status: 'RUNNING',
      startDate: now,
      stopDate: null,
      maxConcurrency: settings.concurrency,
      toleratedFailurePercentage: settings.thresholds.percentage ?? null,
      toleratedFailureCount: settings.thresholds.count ?? null,
      itemCount: 0,
      childCount: 0,
      redriveCount: 0,
      redriveDate: null,
      parentRedriveCount: parent.redriveCount,
      error: null,
    });
  });
  return mapRunArn;
}

/**
 * A Distributed Map once its Map Run started: reads its items (an `ItemReader` failing fails the Map Run),
 * then runs its children as executions. A failure's MapStateFailed is the driver's to record.
 */
export async function runMapRun(run: StateRun<MapState>, mapRunArn: string): Promise<StateResult> {
  const { state, engine } = run;
  const { effective } = run.cursor;
  const mapRunOf = (arn: string) => {
    const found = engine.store.mapRuns.get(arn);
    if (!found) throw new Error(`Map Run ${arn} is missing from the store`);
    return found;
  };
  const mapRun = mapRunOf(mapRunArn);
  if (run.cursor.failure) raiseRecordedFailure(run, mapRun, run.cursor.failure);
  let map = run.cursor.map!;
  const unread = state.ItemReader !== undefined && map.read === undefined;
  const redriven = run.run.row.redriveCount > mapRun.parentRedriveCount;
  if (redriven && (unread || (mapRun.error !== null && RUN_ANEW_AFTER.has(mapRun.error)))) {
    // As AWS does, a redrive starts a new Map Run in place of one that did not read its items, or that failed
    // with States.DataLimitExceeded or States.Runtime.
    const { concurrency, distributed } = map;
    startMapRun(run, { concurrency, thresholds: distributed!.thresholds }, (arn, write) =>
      run.save({ map: { ...map, mapRunArn: arn } }, write),
    );
    map = run.cursor.map!;
  }
  if (unread) {
    const fromReader = await readItems(run, effective, map.maxItems ?? 0).catch((thrown) =>
      failBeforeChildren(run, mapRunOf(map.mapRunArn!), thrown),
    );
    run.save({ map: { ...map, read: fromReader.items, source: fromReader.source } });
    map = run.cursor.map!;
  }
  const children = await childrenOf(run, map).catch((thrown) =>
    failBeforeChildren(run, mapRunOf(map.mapRunArn!), thrown),
  );
  // Read once the items are: an UpdateMapRun meanwhile is in the row, and none can come before the run starts.
  const { results, mapRunEnd } = await runChildren(run, mapRunOf(map.mapRunArn!), children);
  engine.emitDistributedMapSucceeded(run.frame, mapRunEnd);
  return run.exit(shapedResults(state, results), state.Next);
}

/**
 * The children of a Map Run over its items, selected by the `ItemSelector` (under an `ItemBatcher`, all at
 * once: a selection or batch that fails fails the Map Run before its children start).
 */
async function childrenOf(run: StateRun<MapState>, map: MapSettings): Promise<MapRunChildren> {
  const { effective } = run.cursor;
  const items = map.read ?? itemsOf(run, effective);
  const selection = itemSelection(run, effective, items, map.source ?? STATE_DATA);
  const select = selection instanceof Promise ? await selection : selection;
  return mapRunChildren(run, map.distributed?.batching, items, select);
}

/**
 * Fails a Map Run before its children start (its `ItemReader` failed, or its items could not be selected
 * or batched): records `MapRunFailed` with the error and the Map Run's end, and throws the error for the
 * Map state to fail with.
 */
function failBeforeChildren(run: StateRun<MapState>, mapRun: MapRunRow, thrown: unknown): never {
  const error = asStatesError(thrown);
  recordFailure(run, mapRun, -1, error);
  throw error;
}

/**
 * Runs a Map Run's children to their ends and returns their results in order: a child's output, or for a
 * failed child within the thresholds its execution's description (as AWS returns it). A child that takes
 * the failures past the thresholds fails the Map Run (`States.ExceedToleratedFailureThreshold`) and aborts
 * the children still running. After a restart it goes on with the children it started; when the parent has
 * been redriven since the Map Run last ran, it redrives the children that did not succeed. `mapRunEnd` is
 * the id of the MapRunSucceeded it records (undefined when it was recorded before a restart).
 */
async function runChildren(
  run: StateRun<MapState>,
  mapRun: MapRunRow,
  children: MapRunChildren,
): Promise<{ results: unknown[]; mapRunEnd: number | undefined }> {
  const { engine } = run;
  if (mapRun.childCount !== children.count) {
    const update = { itemCount: children.itemCount, childCount: children.count };
    run.save({}, () => engine.store.mapRuns.update(mapRun.id, update));
    Object.assign(mapRun, update);
  }
  if (mapRun.status !== 'SUCCEEDED' && run.run.row.redriveCount > mapRun.parentRedriveCount) {
    if (mapRun.redriveCount >= MAP_RUN_REDRIVE_LIMIT) {
      throw new StatesError(
        STATES_ERRORS.Runtime,
        `The Map Run ${mapRun.arn} was redriven ${MAP_RUN_REDRIVE_LIMIT} times, the most a Map Run may be`,
      );
    }
    recordRedrive(run, mapRun);
  }
  const results = await new MapRunDispatch(run, mapRun, children).run();
  if (mapRun.status === 'SUCCEEDED') return { results, mapRunEnd: undefined };
  const ended = run.emit('MapRunSucceeded');
  const end = { status: 'SUCCEEDED', stopDate: engine.clock.now() } as const;
  run.save({}, () => engine.store.mapRuns.update(mapRun.id, end)); // numbers the event
  return { results, mapRunEnd: ended.id };
}

/**
 * Raises again the failure a Map Run recorded before a restart, once the children it had not stopped then
 * are stopped.
 */
function raiseRecordedFailure(run: StateRun<MapState>, mapRun: MapRunRow, recorded: StoredError): never {
  for (const { execution } of run.engine.store.mapRuns.listChildren(mapRun.id)) {
    if (execution.status === 'RUNNING') run.engine.stop(execution.arn);
  }
  throw raiseAgain(recorded);
}
