/**
 * A Distributed Map's `ItemBatcher`: the selected items in batches, each one child's input
 * `{ BatchInput, Items }`, of at most `MaxItemsPerBatch` items and `MaxInputBytesPerBatch` bytes of JSON.
 */
import { resolvePayloadTemplate } from '../data-flow.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { boundedFieldValue, MAP_FIELD_BOUNDS } from '../expressions/map-field-bounds.ts';
import { readPath } from '../jsonpath.ts';
import type { StateRun } from '../state-run.ts';
import type { ItemBatcher, MapState } from '../types.ts';

/** A child's input under an ItemBatcher: `BatchInput` (when the batcher has one) and its items. */
export interface Batch {
  BatchInput?: unknown;
  Items: unknown[];
}

/** What an ItemBatcher's fields give: the limits of a batch (none when unset), and every batch's `BatchInput`. */
export interface BatchLimits {
  maxItems?: number;
  maxBytes?: number;
  batchInput?: unknown;
}

/** A JSONPath ItemBatcher's limits and `BatchInput`, read from the Map state's effective input. */
export function jsonPathBatchLimits(
  run: StateRun<MapState>,
  batcher: ItemBatcher,
  effective: unknown,
): BatchLimits {
  const read = (path: string) => readPath(path, effective, run.contextSource(), run.frame);
  const template = batcher.BatchInput;
  return {
    maxItems: boundedFieldValue(batcher, 'MaxItemsPerBatch', read),
    maxBytes: boundedFieldValue(batcher, 'MaxInputBytesPerBatch', read),
    batchInput:
      template === undefined
        ? undefined
        : resolvePayloadTemplate(template, effective, run.contextSource(), run.frame),
  };
}

/** A JSONata ItemBatcher's limits and `BatchInput`: numbers, or `{% %}` expressions reading `$states.input`. */
export async function jsonataBatchLimits(
  run: StateRun<MapState>,
  batcher: ItemBatcher,
): Promise<BatchLimits> {
  const states = run.states();
  const limit = (field: 'MaxItemsPerBatch' | 'MaxInputBytesPerBatch') =>
    batcher[field] === undefined
      ? undefined
      : run.evaluateWithin(batcher[field], `ItemBatcher/${field}`, states, MAP_FIELD_BOUNDS[field]);
  return {
    maxItems: await limit('MaxItemsPerBatch'),
    maxBytes: await limit('MaxInputBytesPerBatch'),
    batchInput:
      batcher.BatchInput === undefined
        ? undefined
        : await run.evaluate(batcher.BatchInput, 'ItemBatcher/BatchInput', states),
  };
}

/**
 * Splits `items` (selected by ItemSelector) into batches, in order, each as full as `limits` allow.
 *
 * @example
 * batchItems(run, { maxItems: 2, batchInput: { run: 'r1' } }, [1, 2, 3]);
 * // [{ BatchInput: { run: 'r1' }, Items: [1, 2] }, { BatchInput: { run: 'r1' }, Items: [3] }]
 */
export function batchItems(run: StateRun<MapState>, limits: BatchLimits, items: readonly unknown[]): Batch[] {
  const { maxItems = Number.POSITIVE_INFINITY, maxBytes = Number.POSITIVE_INFINITY, batchInput } = limits;
  const batchOf = (Items: unknown[]): Batch =>
    batchInput === undefined ? { Items } : { BatchInput: batchInput, Items };
  const emptyBytes = Buffer.byteLength(JSON.stringify(batchOf([])));
  const batches: Batch[] = [];
  let current: unknown[] = [];
  let bytes = emptyBytes;
  items.forEach((item, index) => {
    const itemBytes = Buffer.byteLength(JSON.stringify(item ?? null));
    if (emptyBytes + itemBytes > maxBytes) {
      throw new StatesError(
        STATES_ERRORS.Runtime,
        `Item ${index} of Map state '${run.name}' makes a batch of ${emptyBytes + itemBytes} bytes alone, more than MaxInputBytesPerBatch ${maxBytes}`,
      );
    }
    // A comma separates the item from the one before it.
    if (current.length === maxItems || (current.length > 0 && bytes + 1 + itemBytes > maxBytes)) {
      batches.push(batchOf(current));
      current = [];
      bytes = emptyBytes;
    }
    bytes += (current.length > 0 ? 1 : 0) + itemBytes;
    current.push(item);
  });
  if (current.length > 0) batches.push(batchOf(current));
  return batches;
}
