import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { readHistory } from '../history.ts';
import { failureOf, ProgressReader, progressText, taskReportsOf } from '../progress.ts';
import { resolveExecutionArn } from '../resolve.ts';

/** `cutover history <execution>`: every history event, one a line, with what a task reported. */
export function historyCommand(): Command {
  return withEndpointOptions(
    new Command('history')
      .description("print an execution's history events")
      .argument('<execution>', 'execution ARN or name')
      .option('--json', 'print the raw events as JSON')
      .addHelpText('after', '\nExample:\n  $ cutover history checkout-v2'),
  ).action(async (ref: string, options: EndpointOptions & { json?: boolean }) => {
    const sfn = createStepFunctionsClient(options);
    const events = await readHistory(sfn, await resolveExecutionArn(sfn, ref, machineNamingFor(options)));
    if (options.json) {
      console.log(JSON.stringify(events, null, 2));
      return;
    }
    const reader = new ProgressReader();
    for (const event of events) console.log(historyLine(event, reader));
  });
}

/**
 * One history event as `history` prints it: its id, time and type, then its failure (`error: cause`, or
 * either alone: an ExecutionTimedOut has no cause), an approval's answer, what a task reported, or the
 * state's name. `reader` has read the events before it.
 *
 * @example
 * historyLine(timedOut, reader); // '  12 2026-11-29T12:00:00.000Z ExecutionTimedOut States.Timeout'
 */
export function historyLine(event: HistoryEvent, reader: ProgressReader): string {
  const name = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name ?? '';
  const failure = failureOf(event);
  const answer = reader.linesOf(event).find((line) => line.kind === 'approved');
  const detail = failure
    ? [failure.error, failure.cause].filter(Boolean).join(': ')
    : (answer ? progressText(answer) : taskReportsOf(event).join('; ')) || name;
  return `${String(event.id).padStart(4)} ${event.timestamp?.toISOString()} ${event.type} ${detail}`;
}
