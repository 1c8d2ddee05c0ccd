/**
 * A Distributed Map's settings (`ItemProcessor.ProcessorConfig.Mode: DISTRIBUTED`): its tolerated failure
 * thresholds and `ItemBatcher` batches, and the shape of its output. Its children run as the executions of a
 * Map Run (see map-run.ts).
 */
import { boundedFieldValue, MAP_FIELD_BOUNDS } from '../expressions/map-field-bounds.ts';
import { readPath } from '../jsonpath.ts';
import type { StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';
import { type BatchLimits, jsonataBatchLimits, jsonPathBatchLimits } from './item-batcher.ts';

/** The tolerated failure thresholds set (literally, by path or by expression); neither set tolerates no failure. */
export interface Thresholds {
  count?: number;
  percentage?: number;
}

/** What a Distributed Map's fields give: its thresholds, and its batch limits under an `ItemBatcher`. */
export interface DistributedSettings {
  thresholds: Thresholds;
  batching?: BatchLimits;
}

/** Whether the Map state runs in DISTRIBUTED mode (set in its `ItemProcessor` or legacy `Iterator`). */
export function isDistributed(state: MapState): boolean {
  return (state.ItemProcessor ?? state.Iterator)?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

/**
 * What a Distributed Map's thresholds and ItemBatcher give: in a JSONPath state numbers or `...Path` fields
 * read from its `effective` input, in a JSONata state numbers or `{% %}` expressions (evaluated, so a promise).
 */
export function distributedSettings(
  run: StateRun<MapState>,
  effective: unknown,
): DistributedSettings | Promise<DistributedSettings> {
  return run.jsonata ? jsonataSettings(run) : jsonPathSettings(run, effective);
}

/** A JSONPath Distributed Map's settings: numbers, or `...Path` fields read from its effective input. */
function jsonPathSettings(run: StateRun<MapState>, effective: unknown): DistributedSettings {
  const { state } = run;
  const read = (path: string) => readPath(path, effective, run.contextSource(), run.frame);
  return {
    thresholds: {
      count: boundedFieldValue(state, 'ToleratedFailureCount', read),
      percentage: boundedFieldValue(state, 'ToleratedFailurePercentage', read),
    },
    batching: state.ItemBatcher && jsonPathBatchLimits(run, state.ItemBatcher, effective),
  };
}

/** A JSONata Distributed Map's settings: numbers, or `{% %}` expressions reading `$states.input`. */
async function jsonataSettings(run: StateRun<MapState>): Promise<DistributedSettings> {
  const { state } = run;
  const threshold = (field: 'ToleratedFailureCount' | 'ToleratedFailurePercentage') =>
    state[field] === undefined
      ? undefined
      : run.evaluateWithin(state[field], field, run.states(), MAP_FIELD_BOUNDS[field]);
  return {
    thresholds: {
      count: await threshold('ToleratedFailureCount'),
      percentage: await threshold('ToleratedFailurePercentage'),
    },
    batching: state.ItemBatcher && (await jsonataBatchLimits(run, state.ItemBatcher)),
  };
}

/** The cause AWS gives a Map Run that failed more children than it tolerates. */
export const THRESHOLD_EXCEEDED_CAUSE = 'The specified tolerated failure threshold was exceeded';

/** Whether `failedItems` of `totalItems` exceed the thresholds: either, when both are set; any failure when neither is. */
export function exceedsThreshold(thresholds: Thresholds, failedItems: number, totalItems: number): boolean {
  const { count, percentage } = thresholds;
  if (count === undefined && percentage === undefined) return failedItems > 0;
  if (count !== undefined && failedItems > count) return true;
  return percentage !== undefined && (failedItems * 100) / totalItems > percentage;
}

/**
 * The output of a Distributed Map as its `ResultWriter.WriterConfig` shapes it: `FLATTEN` spreads each
 * child's array output into the results (one level); `COMPACT`, the default, keeps one entry per child. A
 * failed child's result stays as it is, as on AWS.
 */
export function shapedResults(state: MapState, results: unknown[]): unknown[] {
  return state.ResultWriter?.WriterConfig?.Transformation === 'FLATTEN' ? results.flat() : results;
}
