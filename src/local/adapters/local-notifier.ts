import { executionNameOf } from '#core/api-routes.ts';
import type { Notifier } from '#core/ports/notifier.ts';
import type { DeploymentEvent } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';

/** A notification as the `notifications` table keeps it: `detail` is the event's detail as JSON text. */
export interface StoredNotification {
  readonly type: string;
  readonly message: string;
  readonly detail?: string;
  /** ISO instant the event was published at. */
  readonly at: string;
}

/**
 * The `local` notifier: each event becomes a row of the `notifications` table in the runtime's SQLite
 * (read back by execution with {@link LocalNotifier.latestOf}, for the console's execution page), and one
 * line on stderr naming the execution when the event has one.
 *
 * @example
 * const notifier = new LocalNotifier(openLocalDatabase('.cutover'));
 * await notifier.publish({ type: 'RolledBack', service, executionArn, message: 'canary v2 failed analysis', at: new Date().toISOString() });
 * // stderr: [cutover] RolledBack shop/checkout (checkout-v2): canary v2 failed analysis
 */
export class LocalNotifier implements Notifier {
  constructor(
    private readonly db: LocalDatabase,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS notifications (
      id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, namespace TEXT NOT NULL, service TEXT NOT NULL,
      execution_arn TEXT, strategy TEXT, version TEXT, message TEXT NOT NULL, detail TEXT, at TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS notifications_by_execution ON notifications (execution_arn, id)`);
  }

  async publish(event: DeploymentEvent): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO notifications (type, namespace, service, execution_arn, strategy, version, message, detail, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        event.type,
        event.service.namespace,
        event.service.name,
        event.executionArn ?? null,
        event.strategy ?? null,
        event.version ?? null,
        event.message,
        event.detail === undefined ? null : JSON.stringify(event.detail),
        event.at,
      );
    const execution = event.executionArn ? ` (${executionNameOf(event.executionArn)})` : '';
    this.write(
      `[cutover] ${event.type} ${event.service.namespace}/${event.service.name}${execution}: ${event.message}\n`,
    );
  }

  /** The latest `limit` notifications of the execution, oldest first (an indexed read). */
  latestOf(executionArn: string, limit: number): StoredNotification[] {
    const rows = this.db
      .prepare(
        `SELECT type, message, detail, at FROM notifications WHERE execution_arn = ? ORDER BY id DESC LIMIT ?`,
      )
      .all(executionArn, limit) as { type: string; message: string; detail: string | null; at: string }[];
    return rows.reverse().map(({ detail, ...row }) => (detail === null ? row : { ...row, detail }));
  }
}
