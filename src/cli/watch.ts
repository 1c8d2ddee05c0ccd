import { setTimeout as sleep } from 'node:timers/promises';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { executionNameOf } from '#core/api-routes.ts';
import { type EndpointOptions, endpointFlags } from './endpoint.ts';
import { ExitCode } from './exit-codes.ts';
import { readEventsAfter } from './history.ts';
import { formatProgress, progressOf } from './progress.ts';

/**
 * Prints an execution's progress as it happens until it ends; returns the exit code for its final status
 * (0 SUCCEEDED, 1 otherwise).
 */
export async function watchExecution(
  sfn: SFNClient,
  executionArn: string,
  print: (line: string) => void = console.log,
  pollMs = 500,
): Promise<number> {
  let lastEventId = 0;
  for (;;) {
    for (const event of await readEventsAfter(sfn, executionArn, lastEventId)) {
      lastEventId = event.id ?? lastEventId;
      for (const line of progressOf(event)) {
        print(formatProgress(line));
        if (line.kind === 'end') return line.status === 'SUCCEEDED' ? ExitCode.Succeeded : ExitCode.Failed;
      }
    }
    await sleep(pollMs);
  }
}

/** The exit code of a command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;

/**
 * {@link watchExecution} at a terminal: Ctrl-C (SIGINT) stops the following, not the execution, and says
 * so, with the commands that follow it again or stop it (with the same endpoint options).
 *
 * @example
 * process.exitCode = await followExecution(sfn, executionArn, { endpoint: 'http://127.0.0.1:8083' });
 */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  options: EndpointOptions,
): Promise<number> {
  const name = executionNameOf(executionArn);
  const flags = endpointFlags(options);
  const interrupted = (): void => {
    console.error(
      `\nstopped following ${name}; the execution keeps running: follow it with \`cutover watch ${name}${flags}\`, or stop it with \`cutover abort ${name}${flags}\``,
    );
    process.exit(INTERRUPTED);
  };
  process.once('SIGINT', interrupted);
  try {
    return await watchExecution(sfn, executionArn);
  } finally {
    process.off('SIGINT', interrupted);
  }
}
