import { setTimeout as sleep } from 'node:timers/promises';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { ExitCode } from './exit-codes.ts';
import { readHistory } from './history.ts';
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
  let seen = 0;
  for (;;) {
    const events = await readHistory(sfn, executionArn);
    for (const event of events.slice(seen)) {
      for (const line of progressOf(event)) {
        print(formatProgress(line));
        if (line.kind === 'end') return line.status === 'SUCCEEDED' ? ExitCode.Succeeded : ExitCode.Failed;
      }
    }
    seen = events.length;
    await sleep(pollMs);
  }
}
