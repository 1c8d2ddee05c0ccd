/**
 * The views of the executions the console follows, kept up to date from the events added to their history
 * since the last poll rather than from the whole history.
 */
import { collectEventsAfter, collectHistory, type HistoryPages } from '../../cli/history.ts';
import { type ExecutionView, ExecutionViewAccumulator, type TaskDeadlines } from './execution-view.ts';

/** How many executions' views are kept; the least recently viewed is dropped first. */
export const KEPT_EXECUTION_VIEWS = 32;

interface KeptView {
  readonly accumulator: ExecutionViewAccumulator;
  /** The id of the last event added to `accumulator`, 0 before any. */
  lastEventId: number;
}

/**
 * The views of the {@link KEPT_EXECUTION_VIEWS} most recently viewed executions, each brought up to date by
 * reading only the events after the last one it read (the first read goes oldest first, in pages of 1000,
 * newer ones newest first until they reach it). An ended execution's view is final: its history is
 * not read again.
 *
 * @example
 * const views = new ExecutionViews((input) => service.getExecutionHistory(input));
 * const view = await views.viewOf(executionArn);
 */
export class ExecutionViews {
  readonly #pages: HistoryPages;
  /** By execution ARN, least recently viewed first. */
  readonly #kept = new Map<string, KeptView>();
  readonly #deadlines: TaskDeadlines | undefined;

  /** `deadlines`: when a pending task times out, as the runtime set it (default: at real time). */
  constructor(pages: HistoryPages, deadlines?: TaskDeadlines) {
    this.#pages = pages;
    this.#deadlines = deadlines;
  }

  /** The view of the execution's whole history as it is now. */
  async viewOf(executionArn: string): Promise<ExecutionView> {
    const kept = this.#keep(executionArn);
    if (!kept.accumulator.ended) {
      const events =
        kept.lastEventId === 0
          ? await collectHistory(this.#pages, executionArn)
          : await collectEventsAfter(this.#pages, executionArn, kept.lastEventId);
      // A request for the same execution may have added some of these while they were read.
      const unseen = events.filter((event) => (event.id ?? 0) > kept.lastEventId);
      kept.accumulator.add(unseen);
      kept.lastEventId = unseen.at(-1)?.id ?? kept.lastEventId;
    }
    return kept.accumulator.view(this.#deadlines);
  }

  /** The kept view of the execution, made the most recently viewed; a new one if it was not kept. */
  #keep(executionArn: string): KeptView {
    const kept = this.#kept.get(executionArn) ?? {
      accumulator: new ExecutionViewAccumulator(),
      lastEventId: 0,
    };
    this.#kept.delete(executionArn);
    this.#kept.set(executionArn, kept);
    if (this.#kept.size > KEPT_EXECUTION_VIEWS) this.#kept.delete(this.#kept.keys().next().value!);
    return kept;
  }
}
