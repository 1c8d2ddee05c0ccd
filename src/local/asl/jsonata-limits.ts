/**
 * How long one JSONata expression may run, how deep its evaluation may nest, and how large a value it may make,
 * with AWS's words for each limit.
 */

/**
 * The limits. JSONata evaluates on promises that are already settled, so an endless loop would hold the event
 * loop (and every other execution and the API), and an endless recursion or a runaway value would fill the
 * heap. AWS stops such expressions by limits it does not publish; measured on AWS (floci-io/floci issue 2737
 * and its tests), a state fails past an evaluation depth of 100, past `[1..873782]` or a string of 2^22
 * characters, and past `$range(1, 360145, 1)`. The depth is counted as AWS counts it (`1+1+...+1` of 100 terms
 * nests 100 levels), a value's size as 8 bytes an array member and 1 a character. `$range` has a bound of its
 * own, checked before it makes its array. The time is the local runtime's own.
 */
export const JSONATA_LIMITS = {
  milliseconds: 2_000,
  depth: 100,
  valueBytes: 873_782 * 8,
  rangeMembers: 360_145,
} as const;

/** AWS's words for each limit, after `threw an error during evaluation: `. */
export const LIMIT_EXCEEDED = {
  depth:
    'Stack overflow error: Check for non-terminating recursive function. Consider rewriting as tail-recursive',
  memory: 'Expression evaluation memory limit exceeded: Check for excessive memory usage',
  time: 'Expression evaluation timeout: Check for infinite loop',
} as const;

/** An expression went past one of {@link JSONATA_LIMITS}. */
export class JsonataLimitError extends Error {
  constructor(limit: keyof typeof LIMIT_EXCEEDED) {
    super(LIMIT_EXCEEDED[limit]);
    this.name = 'JsonataLimitError';
  }
}
