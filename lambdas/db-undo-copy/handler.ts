import * as z from 'zod';
import { undoTargetCopy } from '#adapters/database/workflow.ts';
import { createLockFromEnvironment } from '#adapters/lock/index.ts';
import { CopyUndoFailedError, readableCause, TransientAdapterError } from '#core/errors.ts';
import { dbTaskHandler } from '#lambdas/shared/db-task-handler.ts';
import { refuseIfFencedOff } from '#lambdas/shared/execution-fence.ts';
import { stateErrorSchema } from '#lambdas/shared/task-handler.ts';

/**
 * DbUndoCopy: after a failure once the copy started, empties the tables this execution copied into and
 * forgets its copy progress, in one transaction, so a fixed run copies again. Answers `{ emptied }`; a
 * failure is `CopyUndoFailed`, naming the error that called for it (the target is as that failure left it).
 * Empties nothing (`ExecutionStopped`) when the migration may no longer change its database (see
 * `refuseIfFencedOff`): the tables may hold what another migration copied since.
 */
export const handler = dbTaskHandler(
  'db-undo-copy',
  {
    copyId: z.string().min(1),
    error: stateErrorSchema.optional(),
  },
  async ({ request, executionArn, copyId, error }) => {
    await refuseIfFencedOff(
      createLockFromEnvironment(),
      { service: request.service, executionArn },
      'db-undo-copy',
    );
    try {
      return { emptied: await undoTargetCopy(request, copyId) };
    } catch (failure) {
      // Retried, and once out of retries caught apart (the first error stays the execution's).
      if (failure instanceof TransientAdapterError) throw failure;
      const after = error
        ? `; the target is as the failure left it (${[error.Error, readableCause(error.Cause)].filter(Boolean).join(': ')})`
        : '';
      throw new CopyUndoFailedError(
        `emptying the tables this run copied into failed and was rolled back: ${(failure as Error).message}${after}`,
        { cause: failure },
      );
    }
  },
);
