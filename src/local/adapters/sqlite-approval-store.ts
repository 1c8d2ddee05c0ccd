import { ValidationError } from '#core/errors.ts';
import type { ApprovalRequest, ApprovalStore, PendingApproval } from '#core/ports/approval-store.ts';
import type { ApprovalTimeoutAction } from '#core/schemas/index.ts';
import { addMissingColumns, type LocalDatabase } from './database.ts';

interface ApprovalRow {
  execution_arn: string;
  task_token: string;
  stage: string;
  requested_at: string;
  timeout_seconds: number | null;
  on_timeout: ApprovalTimeoutAction | null;
}

/** Columns added since the table was first made: a data directory from before gets them, empty, on open. */
const ADDED_COLUMNS = [
  ['timeout_seconds', 'INTEGER'],
  ['on_timeout', 'TEXT'],
] as const;

/**
 * The `local` approval store: the task tokens of pending approvals in the runtime's SQLite (table
 * `pending_approvals`), one per execution, with the approval's timeout and what follows it; putting again
 * replaces the token. Tokens are kept until
 * deleted, whatever the approval's timeout (an answer to a timed-out execution deletes its token).
 *
 * @example
 * const approvals = new SqliteApprovalStore(openLocalDatabase('.cutover'));
 * await approvals.put({ executionArn, taskToken, stage: 'promote', requestedAt: new Date().toISOString(), timeoutSeconds: 3600, onTimeout: 'rollback' });
 * (await approvals.get(executionArn))?.taskToken;
 */
export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: LocalDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS pending_approvals (
      execution_arn TEXT PRIMARY KEY, task_token TEXT NOT NULL, stage TEXT NOT NULL, requested_at TEXT NOT NULL)`);
    addMissingColumns(db, 'pending_approvals', ADDED_COLUMNS);
  }

  async put(approval: ApprovalRequest): Promise<void> {
    for (const field of ['executionArn', 'taskToken', 'stage', 'requestedAt'] as const) {
      if (typeof approval?.[field] !== 'string' || approval[field].length === 0) {
        throw new ValidationError(
          `approval.${field} must be a non-empty string (got ${JSON.stringify(approval?.[field])})`,
        );
      }
    }
    this.db
      .prepare(
        `INSERT INTO pending_approvals (execution_arn, task_token, stage, requested_at, timeout_seconds, on_timeout)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (execution_arn) DO UPDATE SET
           task_token = excluded.task_token, stage = excluded.stage, requested_at = excluded.requested_at,
           timeout_seconds = excluded.timeout_seconds, on_timeout = excluded.on_timeout`,
      )
      .run(
        approval.executionArn,
        approval.taskToken,
        approval.stage,
        approval.requestedAt,
        approval.timeoutSeconds,
        approval.onTimeout,
      );
  }

  async get(executionArn: string): Promise<PendingApproval | undefined> {
    const row = this.db
      .prepare('SELECT * FROM pending_approvals WHERE execution_arn = ?')
      .get(executionArn) as ApprovalRow | undefined;
    if (!row) return undefined;
    return {
      executionArn: row.execution_arn,
      taskToken: row.task_token,
      stage: row.stage,
      requestedAt: row.requested_at,
      ...(row.timeout_seconds !== null && { timeoutSeconds: row.timeout_seconds }),
      ...(row.on_timeout !== null && { onTimeout: row.on_timeout }),
    };
  }

  async delete(executionArn: string): Promise<void> {
    this.db.prepare('DELETE FROM pending_approvals WHERE execution_arn = ?').run(executionArn);
  }
}
