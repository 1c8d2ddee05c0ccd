import { runChildFrames } from '../children.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { boundedFieldValue, MAP_FIELD_BOUNDS } from '../expressions/map-field-bounds.ts';
import { readPath } from '../jsonpath.ts';
import type { MapChildrenPlan } from '../stand-ins.ts';
import type { StateResult, StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';
import { type DistributedSettings, distributedSettings, isDistributed } from './distributed-map.ts';
import { batchItems } from './item-batcher.ts';
import { maxItemsOf, readItems } from './item-reader.ts';
import { itemSelection, itemsOf, jsonataItems, STATE_DATA } from './map-items.ts';
import { runMapRun, startMapRun } from './map-run.ts';

/** `MaxConcurrency: 0` (or absent) runs up to this many iterations at once. */
export const MAP_DEFAULT_CONCURRENCY = 40;

/**
 * What a Map state's fields give when it starts: its `MaxConcurrency` (0: up to 40 at once), a Distributed Map's
 * settings, and the items its `ItemReader` read (read once: a resumed Map runs the same items).
 */
export interface MapSettings {
  concurrency: number;
  distributed?: DistributedSettings;
  read?: unknown[];
  /** Where `read` came from (`$$.Map.Item.Source`); the items of the state input are `STATE_DATA`. */
  source?: string;
  /** A Distributed Map's Map Run, once started. */
  mapRunArn?: string;
  /** What a Distributed Map's `ReaderConfig.MaxItems` gave before its Map Run started. */
  maxItems?: number;
}

/**
 * Map: one iteration per item of `ItemsPath`, each with `ItemSelector` (legacy `Parameters`) applied, through
 * `ItemProcessor` (legacy `Iterator`); outputs in item order. A Distributed Map runs a Map Run instead: one
 * child execution per item of `ItemsPath` or its `ItemReader`, or per batch, within its tolerated failure
 * thresholds (see map-run.ts).
 */
export async function runMap(run: StateRun<MapState>): Promise<StateResult> {
  const { state } = run;
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!processor)
    throw new StatesError(STATES_ERRORS.Runtime, `Map state '${run.name}' has no ItemProcessor`);
  const { mapResult } = run.engine.standIns;
  if (run.cursor.phase !== 'children') {
    // A JSONata Map keeps its evaluated `Items` (its effective input is its input).
    const effective = run.jsonata ? await jsonataItems(run) : run.effectiveInput();
    const reader = state.ItemReader;
    // As on AWS, a MaxConcurrencyPath selecting no count fails the state before it starts, and a bad
    // threshold, batch limit or MaxItemsPath after MapStateStarted; either way the cursor has no children
    // phase yet, so no MapStateFailed follows a States.Runtime error (see exitState).
    const length = reader ? 0 : itemsOf(run, effective).length; // AWS records 0 for an ItemReader
    const concurrency = await concurrencyOf(run, effective);
    run.emit('MapStateStarted', { length });
    if (isDistributed(state) && !mapResult) {
      // As on AWS, the Map Run starts once the thresholds and MaxItems are read, and reads its items then.
      const distributed = await distributedSettings(run, effective);
      const maxItems = reader && (await maxItemsOf(run, effective));
      const map = { concurrency, distributed, maxItems };
      startMapRun(run, { concurrency, thresholds: distributed.thresholds }, (mapRunArn, write) =>
        run.save({ phase: 'children', effective, map: { ...map, mapRunArn } }, write),
      );
    } else {
      const fromReader = reader && (await readItems(run, effective, await maxItemsOf(run, effective)));
      const distributed = await distributedSettingsOf(run, effective);
      const read = fromReader && { read: fromReader.items, source: fromReader.source };
      run.save({ phase: 'children', effective, map: { concurrency, distributed, ...read } });
    }
  }
  if (run.cursor.map?.mapRunArn !== undefined) return runMapRun(run, run.cursor.map.mapRunArn);
  const { effective } = run.cursor;
  // A Map started by a version of Cutover that did not keep its settings in the cursor reads them again.
  const {
    concurrency,
    distributed,
    read,
    source = STATE_DATA,
  } = run.cursor.map ?? {
    concurrency: await concurrencyOf(run, effective),
    distributed: await distributedSettingsOf(run, effective),
  };
  const items = read ?? itemsOf(run, effective);
  const selection = itemSelection(run, effective, items, source);
  const select = selection instanceof Promise ? await selection : selection;
  if (mapResult) {
    const result = await mapResult(run, childrenPlan(run, { items, select, concurrency, distributed }));
    run.emit('MapStateSucceeded');
    return run.exit(result, state.Next);
  }
  // A failure's MapStateFailed is the driver's to record: none before a retry (see exitState).
  const results = await runChildFrames(run, {
    count: items.length,
    input: select,
    concurrency: concurrency === 0 ? MAP_DEFAULT_CONCURRENCY : concurrency,
    definition: () => processor,
    startedEvent: 'MapIterationStarted',
    succeededEvent: 'MapIterationSucceeded',
    failedEvent: 'MapIterationFailed',
    abortedEvent: 'MapIterationAborted',
  });
  run.emit('MapStateSucceeded');
  return run.exit(results, state.Next);
}

/** What {@link childrenPlan} reads: the Map's items, their selection and its settings. */
interface PlanParts {
  items: unknown[];
  select: (index: number) => unknown;
  concurrency: number;
  distributed?: DistributedSettings;
}

/** What the Map's children would get, for a stand-in of its result (see stand-ins.ts). */
function childrenPlan(run: StateRun<MapState>, parts: PlanParts): MapChildrenPlan {
  const { items, select, concurrency, distributed } = parts;
  const { state } = run;
  const selected = items.map((_, index) => select(index));
  const batching = distributed?.batching;
  const { count, percentage } = distributed?.thresholds ?? {};
  return {
    items,
    ...((state.ItemSelector ?? state.Parameters) === undefined ? {} : { selected }),
    ...(batching ? { batches: batchItems(run, batching, selected) } : {}),
    maxConcurrency: concurrency,
    ...(count === undefined ? {} : { toleratedFailureCount: count }),
    ...(percentage === undefined ? {} : { toleratedFailurePercentage: percentage }),
  };
}

/** `MaxConcurrency` as the Map sets it: 0 (up to {@link MAP_DEFAULT_CONCURRENCY} at once) when it does not. */
function concurrencyOf(run: StateRun<MapState>, effective: unknown): number | Promise<number> {
  return run.jsonata ? jsonataConcurrency(run) : jsonPathConcurrency(run, effective);
}

/** A Distributed Map's settings (see distributed-map.ts); undefined for an inline Map. */
function distributedSettingsOf(
  run: StateRun<MapState>,
  effective: unknown,
): DistributedSettings | Promise<DistributedSettings> | undefined {
  return isDistributed(run.state) ? distributedSettings(run, effective) : undefined;
}

/** A JSONata Map's `MaxConcurrency` (a number or a `{% %}` expression giving one). */
async function jsonataConcurrency(run: StateRun<MapState>): Promise<number> {
  const { MaxConcurrency } = run.state;
  if (MaxConcurrency === undefined) return 0;
  return run.evaluateWithin(MaxConcurrency, 'MaxConcurrency', run.states(), MAP_FIELD_BOUNDS.MaxConcurrency);
}

/** A JSONPath Map's `MaxConcurrency`, or the count its `MaxConcurrencyPath` selects (a number or a string of one). */
function jsonPathConcurrency(run: StateRun<MapState>, effective: unknown): number {
  const read = (path: string) => readPath(path, effective, run.contextSource(), run.frame);
  return boundedFieldValue(run.state, 'MaxConcurrency', read) ?? 0;
}
