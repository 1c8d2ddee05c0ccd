/**
 * A Distributed Map (`ItemProcessor.ProcessorConfig.Mode: DISTRIBUTED`), whose child executions run here as
 * iterations of the parent execution: `ItemBatcher` batches and the tolerated failure thresholds. A failed
 * child within the thresholds stands in the results as its execution result, as AWS returns a failed child
 * (Transformation NONE); one failure too many fails the state with `States.ExceedToleratedFailureThreshold`.
 */
import type { ChildFrames } from '../children.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { boundedFieldValue, MAP_FIELD_BOUNDS } from '../expressions/map-field-bounds.ts';
import { readPath } from '../jsonpath.ts';
import type { StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';
import { type BatchLimits, batchItems, jsonataBatchLimits, jsonPathBatchLimits } from './item-batcher.ts';

/** What a Distributed Map gives its children: how many, their inputs, and what a failure means. */
export type DistributedChildren = Pick<ChildFrames, 'count' | 'input' | 'tolerateFailure'>;

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

/**
 * The children of a Distributed Map over `items`, each item selected by `select`: one per item, or one
 * per batch under an `ItemBatcher`; a failure beyond the thresholds of `settings` fails the state.
 */
export function distributedChildren(
  run: StateRun<MapState>,
  settings: DistributedSettings,
  items: readonly unknown[],
  select: (index: number) => unknown,
): DistributedChildren {
  const { thresholds, batching } = settings;
  const batches = batching
    ? batchItems(
        run,
        batching,
        items.map((_, index) => select(index)),
      )
    : undefined;
  const input = batches ? (index: number) => batches[index] : select;
  const itemsOfChild = (index: number) => batches?.[index]?.Items.length ?? 1;
  return {
    count: batches?.length ?? items.length,
    input,
    tolerateFailure: (index, error, failed) => {
      const failedItems = failed.reduce((sum, child) => sum + itemsOfChild(child), 0);
      const exceeded = exceededThreshold(thresholds, failedItems, items.length);
      if (exceeded !== undefined) {
        throw new StatesError(
          STATES_ERRORS.ExceedToleratedFailureThreshold,
          `Map state '${run.name}' failed ${failedItems} of ${items.length} items, ${exceeded}; the last failed with ${error.error ?? 'no error'}: ${error.causeText ?? 'no cause'}`,
        );
      }
      return failedChildResult(error, input(index));
    },
  };
}

/** Which threshold `failedItems` of `totalItems` exceed, in words; undefined when within them. */
export function exceededThreshold(
  thresholds: Thresholds,
  failedItems: number,
  totalItems: number,
): string | undefined {
  const { count, percentage } = thresholds;
  if (count === undefined && percentage === undefined) {
    return 'while neither ToleratedFailureCount nor ToleratedFailurePercentage is set, so none is tolerated';
  }
  if (count !== undefined && failedItems > count) return `more than its ToleratedFailureCount ${count}`;
  const failedPercentage = (failedItems * 100) / totalItems;
  if (percentage !== undefined && failedPercentage > percentage) {
    return `${Number(failedPercentage.toFixed(2))}% of them, more than its ToleratedFailurePercentage ${percentage}`;
  }
  return undefined;
}

/**
 * A failed child's execution result, as a Distributed Map returns it without ResultWriter (Transformation
 * NONE for a failed child): its error and cause, input and status. The ARNs, name and dates of the child
 * execution are left out: the local runtime runs no separate child execution.
 */
function failedChildResult(error: StatesError, input: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (error.causeText !== undefined) result.Cause = error.causeText;
  if (error.error !== undefined) result.Error = error.error;
  return Object.assign(result, {
    Input: JSON.stringify(input ?? null),
    InputDetails: { Included: true },
    Status: 'FAILED',
  });
}

/**
 * The output of a Distributed Map as its `ResultWriter.WriterConfig` shapes it: `FLATTEN` spreads each
 * child's array output into the results (one level); `COMPACT`, the default, keeps one entry per child. A
 * failed child's result stays as it is, as on AWS.
 */
export function shapedResults(state: MapState, results: unknown[]): unknown[] {
  return state.ResultWriter?.WriterConfig?.Transformation === 'FLATTEN' ? results.flat() : results;
}
