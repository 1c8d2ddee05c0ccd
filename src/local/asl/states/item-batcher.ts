/**
 * A Distributed Map's `ItemBatcher`: the selected items in batches, each one child's input
 * `{ BatchInput, Items }`, of at most `MaxItemsPerBatch` items and `MaxInputBytesPerBatch` bytes of JSON.
 */
import { resolvePayloadTemplate } from '../data-flow.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { boundedFieldValue } from '../expressions/map-field-bounds.ts';
import { readPath } from '../jsonpath.ts';
import type { StateRun } from '../state-run.ts';
import type { ItemBatcher, MapState } from '../types.ts';

/** A child's input under an ItemBatcher: `BatchInput` (when the batcher has one) and its items. */
export interface Batch {
  BatchInput?: unknown;
  Items: unknown[];
}

/**
 * Splits `items` (selected by ItemSelector) into batches, in order, each as full as its limits allow;
 * `BatchInput` is resolved against the Map state's effective input.
 *
 * @example
 * batchItems(run, { MaxItemsPerBatch: 2, BatchInput: { run: 'r1' } }, effective, [1, 2, 3]);
 * // [{ BatchInput: { run: 'r1' }, Items: [1, 2] }, { BatchInput: { run: 'r1' }, Items: [3] }]
 */
export function batchItems(
  run: StateRun<MapState>,
  batcher: ItemBatcher,
  effective: unknown,
  items: readonly unknown[],
): Batch[] {
  const read = (path: string) => readPath(path, effective, run.contextSource(), run.frame);
  const maxItems = boundedFieldValue(batcher, 'MaxItemsPerBatch', read) ?? Number.POSITIVE_INFINITY;
  const maxBytes = boundedFieldValue(batcher, 'MaxInputBytesPerBatch', read) ?? Number.POSITIVE_INFINITY;
  const template = batcher.BatchInput;
  const batchInput =
    template === undefined
      ? undefined
      : resolvePayloadTemplate(template, effective, run.contextSource(), run.frame);
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
