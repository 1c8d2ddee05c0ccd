/** Builders of database migration requests for tests (raw input, before defaults). */

/** The service of the requests {@link databaseMigrationInput} builds. */
export const MIGRATED_SERVICE = { name: 'orders', namespace: 'shop' };

/** A request migrating `target` (and copying `source` into it when given) with the migrations in `directory`. */
export function databaseMigrationInput(
  database: { target: string; source?: string },
  directory: string,
  extra: Record<string, unknown> = {},
) {
  return {
    service: MIGRATED_SERVICE,
    database: {
      target: { url: database.target },
      ...(database.source ? { source: { url: database.source } } : {}),
    },
    migrations: { directory },
    ...extra,
  };
}
