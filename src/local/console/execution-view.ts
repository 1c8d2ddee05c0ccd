/**
 * What the console shows of one execution, derived from its history with the same reading as
 * `cutover watch`: the states entered, the latest traffic weights, the analysis verdicts, what a
 * database migration did, whether an approval waits, and the end.
 */
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { pendingTaskToken } from '../../cli/history.ts';
import { type ProgressLine, progressOf, progressText } from '../../cli/progress.ts';

type Verdict = Extract<ProgressLine, { kind: 'verdict' }>;
type End = Extract<ProgressLine, { kind: 'end' }>;

/** The console's view of an execution's history. Times are epoch milliseconds. */
export interface ExecutionView {
  /** Every state entered, in order, with when. */
  readonly states: readonly { readonly name: string; readonly enteredAt: number }[];
  /** The traffic weights last set, by track. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Each analysis verdict with its reason and measurements, in order. */
  readonly verdicts: readonly (Omit<Verdict, 'kind'> & { readonly at: number })[];
  /** The database migration's steps as `cutover watch` prints them (`copy public.orders: 150,000 rows, done`). */
  readonly activity: readonly { readonly at: number; readonly text: string }[];
  /** Whether a `.waitForTaskToken` approval task waits for an answer. */
  readonly approvalPending: boolean;
  readonly end?: Omit<End, 'kind'>;
}

/**
 * The view of `events` (a whole history, oldest first).
 *
 * @example
 * const view = executionView(await collectHistory((input) => service.getExecutionHistory(input), arn));
 */
export function executionView(events: readonly HistoryEvent[]): ExecutionView {
  const states: { name: string; enteredAt: number }[] = [];
  const verdicts: (Omit<Verdict, 'kind'> & { at: number })[] = [];
  const activity: { at: number; text: string }[] = [];
  let weights: Record<string, number> | undefined;
  let end: Omit<End, 'kind'> | undefined;
  for (const event of events) {
    const at = event.timestamp ? new Date(event.timestamp).getTime() : 0;
    for (const line of progressOf(event)) {
      if (line.kind === 'state') states.push({ name: line.name, enteredAt: at });
      else if (line.kind === 'weights') weights = line.weights;
      else if (line.kind === 'verdict') {
        const { kind: _kind, ...verdict } = line;
        verdicts.push({ ...verdict, at });
      } else if (line.kind === 'end') {
        const { kind: _kind, ...ended } = line;
        end = ended;
      } else {
        activity.push({ at, text: progressText(line) });
      }
    }
  }
  return {
    states,
    ...(weights ? { weights } : {}),
    verdicts,
    activity,
    approvalPending: end === undefined && pendingTaskToken(events) !== undefined,
    ...(end ? { end } : {}),
  };
}
