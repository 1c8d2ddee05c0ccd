import type { Notifier } from '#core/ports/notifier.ts';
import type { DeploymentEvent } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';

/**
 * The `local` notifier: each event becomes a row of the `notifications` table in the runtime's SQLite
 * (read by the console and `cutover`), and one line on stderr.
 *
 * @example
 * const notifier = new LocalNotifier(openLocalDatabase('.cutover'));
 * await notifier.publish({ type: 'RolledBack', service, message: 'canary v2 failed analysis', at: new Date().toISOString() });
 * // stderr: [cutover] RolledBack shop/checkout: canary v2 failed analysis
 */
export class LocalNotifier implements Notifier {
  constructor(
    private readonly db: LocalDatabase,
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS notifications (
      id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, namespace TEXT NOT NULL, service TEXT NOT NULL,
      execution_arn TEXT, strategy TEXT, version TEXT, message TEXT NOT NULL, detail TEXT, at TEXT NOT NULL)`);
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
    this.write(
      `[cutover] ${event.type} ${event.service.namespace}/${event.service.name}: ${event.message}\n`,
    );
  }
}
