import { ValidationError } from '#core/errors.ts';
import type { ApprovalRequest, ApprovalStore, PendingApproval } from '#core/ports/approval-store.ts';
import type { LocalDatabase } from './database.ts';

interface ApprovalRow {
  execution_arn: string;
  task_token: string;
  stage: string;
  requested_at: string;
}

/**
 * The `local` approval store: the task tokens of pending approvals in the runtime's SQLite (table
 * `pending_approvals`), one per execution; putting again replaces the token. Tokens are kept until
 * deleted, whatever the approval's timeout (an answer to a timed-out execution deletes its token).
 *
 * @example
 * const approvals = new SqliteApprovalStore(openLocalDatabase('.cutover'));
 * await approvals.put({ executionArn, taskToken, stage: 'promote', requestedAt: new Date().toISOString(), timeoutSeconds: 3600 });
 * (await approvals.get(executionArn))?.taskToken;
 */
export class SqliteApprovalStore implements ApprovalStore {
  constructor(private readonly db: LocalDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS pending_approvals (
      execution_arn TEXT PRIMARY KEY, task_token TEXT NOT NULL, stage TEXT NOT NULL, requested_at TEXT NOT NULL)`);
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
        `INSERT INTO pending_approvals (execution_arn, task_token, stage, requested_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (execution_arn) DO UPDATE SET
           task_token = excluded.task_token, stage = excluded.stage, requested_at = excluded.requested_at`,
      )
      .run(approval.executionArn, approval.taskToken, approval.stage, approval.requestedAt);
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
    };
  }

  async delete(executionArn: string): Promise<void> {
    this.db.prepare('DELETE FROM pending_approvals WHERE execution_arn = ?').run(executionArn);
  }
}
