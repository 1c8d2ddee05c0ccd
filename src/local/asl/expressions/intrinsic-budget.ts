/**
 * How much the intrinsic functions of one payload template may make together. AWS publishes no such
 * limit; this one is the local runtime's own, so that a template repeating a call thousands of times
 * (`States.StringSplit($.a, ',')` over a 240 KB `$.a`) fails its state instead of filling the heap.
 */
import { PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import type { IntrinsicArgument } from './intrinsic-functions.ts';
import { isPlainObject } from './json-values.ts';

/**
 * The most the intrinsic calls of one payload template (a state's `Parameters`, `ResultSelector`, an
 * item's `ItemSelector`, ...) may make: 64 times the payload limit, counted as JSONata's limits count a
 * value (a character 1 byte, an array or object member 8).
 */
export const INTRINSIC_BUDGET_BYTES = 64 * PAYLOAD_LIMIT_BYTES;

/** The functions that take their first argument apart into new values (substrings, parsed JSON, chunks). */
const TAKE_APART_FIRST_ARGUMENT: ReadonlySet<string> = new Set([
  'States.StringSplit',
  'States.StringToJson',
  'States.ArrayPartition',
]);

/** An intrinsic call took a payload template past {@link INTRINSIC_BUDGET_BYTES}. */
export class IntrinsicBudgetExceededError extends Error {
  constructor() {
    super(
      `the intrinsic functions of this payload made more than ${INTRINSIC_BUDGET_BYTES.toLocaleString('en-US')} ` +
        "bytes, the local runtime's limit",
    );
    this.name = 'IntrinsicBudgetExceededError';
  }
}

/** What the intrinsic calls of one payload template have made so far. */
export class IntrinsicBudget {
  #spent = 0;

  /**
   * Counts what a call of `name` with `args` made (`result`, and the values it took its first argument
   * apart into); `States.ArrayGetItem` makes nothing, its result is an item of its argument.
   *
   * @throws IntrinsicBudgetExceededError past {@link INTRINSIC_BUDGET_BYTES}.
   */
  charge(name: string, args: readonly IntrinsicArgument[], result: unknown): void {
    if (name === 'States.ArrayGetItem') return;
    const takenApart = TAKE_APART_FIRST_ARGUMENT.has(name) ? sizeOf(args[0]?.value) : 0;
    this.#spent += takenApart + sizeOf(result);
    if (this.#spent > INTRINSIC_BUDGET_BYTES) throw new IntrinsicBudgetExceededError();
  }
}

/** A value's own size as the budget counts it: its characters, or 8 bytes a member (not the members' values). */
function sizeOf(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return 8 * value.length;
  if (isPlainObject(value)) return 8 * Object.keys(value).length;
  return 0;
}
