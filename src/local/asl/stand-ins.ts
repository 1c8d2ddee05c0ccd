/**
 * What a runtime may put in place of parts of a state's run: TestState's runtime answers a mocked Map's or
 * Parallel's result without running its children, and gives states the context object the test sets.
 */
import type { StateRun } from './state-run.ts';
import type { MapState, ParallelState } from './types.ts';

/** What a Map state's children would get, as its fields make it before they start. */
export interface MapChildrenPlan {
  /** The items: selected by ItemsPath (JSONata: `Items`), or read by the ItemReader. */
  items: unknown[];
  /** Each item as ItemSelector (legacy `Parameters`) makes it, when the state has one. */
  selected?: unknown[];
  /** The children's inputs under an ItemBatcher. */
  batches?: unknown[];
  /** `MaxConcurrency` as set (0 when not: up to 40 at once). */
  maxConcurrency: number;
  /** A Distributed Map's tolerated failure thresholds, those set. */
  toleratedFailureCount?: number;
  toleratedFailurePercentage?: number;
}

/** Stand-ins for parts of a state's run (each optional: the engine runs the part itself without it). */
export interface StateStandIns {
  /** The context object `$$` states read, from the one the engine built (`own`). */
  context?: (own: Record<string, unknown>) => Record<string, unknown>;
  /** A Map state's result (before ResultSelector), from what its children would get, in place of running them. */
  mapResult?: (run: StateRun<MapState>, plan: MapChildrenPlan) => unknown;
  /** A Parallel state's result (before ResultSelector), in place of running its branches on `input`. */
  parallelResult?: (run: StateRun<ParallelState>, input: unknown) => unknown;
}
