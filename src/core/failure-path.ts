import { executionNameOf } from './api-routes.ts';
import { failureSummary } from './errors.ts';
import { DATABASE_MIGRATION, machineParts } from './rollback.ts';

/** A Step Functions error as a failure path holds it in `$.error`. */
export interface CaughtError {
  readonly Error: string;
  readonly Cause?: string;
}

/** The fields of a history event this module reads (the SDK's `HistoryEvent` and the local runtime's have them). */
interface HistoryEventFields {
  readonly type?: string;
  readonly stateEnteredEventDetails?: { readonly input?: string };
}

/** One page of an execution's history, newest event first (GetExecutionHistory with `reverseOrder`). */
export interface NewestFirstPage {
  readonly events?: readonly HistoryEventFields[];
  readonly nextToken?: string;
}

/**
 * The error a running release or database migration is already handling on its failure path (rolling back,
 * cleaning up), or undefined on its way to success: every `Catch` into a failure path writes `$.error`, so
 * it is the `error` of the input of the last state the execution entered. Reads pages, newest first, until
 * that state's entry.
 *
 * @example
 * await failureBeingHandled((nextToken) => sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, nextToken })));
 * // { Error: 'AnalysisFailed', Cause: '...' }
 */
export async function failureBeingHandled(
  readPage: (nextToken: string | undefined) => Promise<NewestFirstPage>,
): Promise<CaughtError | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await readPage(nextToken);
    const entered = page.events?.find((event) => event.type?.endsWith('StateEntered'));
    if (entered) return caughtErrorIn(entered.stateEnteredEventDetails?.input);
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

function caughtErrorIn(input: string | undefined): CaughtError | undefined {
  try {
    const { error } = JSON.parse(input ?? '{}') as { error?: { Error?: unknown; Cause?: unknown } };
    if (typeof error?.Error !== 'string') return undefined;
    return { Error: error.Error, ...(typeof error.Cause === 'string' ? { Cause: error.Cause } : {}) };
  } catch {
    return undefined;
  }
}

/**
 * Why an abort of `executionArn`, on its failure path after `failure`, is refused: stopping it would stop
 * its rollback (a database migration's clean-up) part-way.
 *
 * @example
 * abortOnFailurePathText(arn, { Error: 'AnalysisFailed', Cause: 'errorRate 0.3 > 0.05' });
 * // 'checkout-v2 is already rolling back after AnalysisFailed (errorRate 0.3 > 0.05): an abort would stop that rollback part-way'
 */
export function abortOnFailurePathText(executionArn: string, failure: CaughtError): string {
  const migration = machineParts(executionArn.split(':').at(-2) ?? '')?.workflow === DATABASE_MIGRATION;
  const [handling, work] = migration ? ['cleaning up', 'clean-up'] : ['rolling back', 'rollback'];
  return `${executionNameOf(executionArn)} is already ${handling} after ${failureSummary(failure)}: an abort would stop that ${work} part-way`;
}
