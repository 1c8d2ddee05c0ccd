/**
 * The three workloads of the runtime benchmark, as ASL definitions both engines accept, with the number
 * of states each execution enters (the unit of "transitions" for every engine) and a check of each output.
 */
import { isDeepStrictEqual } from 'node:util';

/** One long loop: Check (Choice) -> Increment (Pass) -> Check ... -> Done; enters 2n + 2 states. */
export const LOOP_DEFINITION = {
  Comment: 'Counts $.i up to $.n',
  StartAt: 'Check',
  States: {
    Check: {
      Type: 'Choice',
      Choices: [{ Variable: '$.i', NumericLessThanPath: '$.n', Next: 'Increment' }],
      Default: 'Done',
    },
    Increment: {
      Type: 'Pass',
      Parameters: { 'i.$': 'States.MathAdd($.i, 1)', 'n.$': '$.n' },
      Next: 'Check',
    },
    Done: { Type: 'Succeed' },
  },
};

/** States entered by one loop execution of `n` iterations. */
export const loopTransitions = (n: number): number => 2 * n + 2;

/** A short execution: Tag (Pass) -> Route (Choice) -> Double (Pass) -> Done; enters 4 states. */
export const SHORT_DEFINITION = {
  Comment: 'Doubles $.id',
  StartAt: 'Tag',
  States: {
    Tag: { Type: 'Pass', Result: 'short', ResultPath: '$.kind', Next: 'Route' },
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.id', NumericGreaterThanEquals: 0, Next: 'Double' }],
      Default: 'Negative',
    },
    Double: {
      Type: 'Pass',
      Parameters: { 'id.$': '$.id', 'kind.$': '$.kind', 'sum.$': 'States.MathAdd($.id, $.id)' },
      Next: 'Done',
    },
    Negative: { Type: 'Fail', Error: 'Negative', Cause: 'id below 0' },
    Done: { Type: 'Succeed' },
  },
};

export const SHORT_TRANSITIONS = 4;

/** Parks each execution in a one-hour Wait: Prepare (Pass) -> Park (Wait) -> Done. */
export const PARK_DEFINITION = {
  Comment: 'Waits one hour',
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Result: 'parked', ResultPath: '$.phase', Next: 'Park' },
    Park: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

/** States entered by a parked execution when it is parked (Prepare, Park). */
export const PARKED_TRANSITIONS = 2;

/** Throws unless `actual` deep-equals `expected` (object members in any order). */
export function expectOutput(label: string, actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${label}: wrong output ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}
