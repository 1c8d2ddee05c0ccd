import { setTimeout as sleep } from 'node:timers/promises';
import type { SFNClient } from '@aws-sdk/client-sfn';
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
