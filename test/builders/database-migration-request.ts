/** Builders of database migration requests for tests (raw input, before defaults). */

/** A request migrating `target` (and copying `source` into it when given) with the migrations in `directory`. */
export function databaseMigrationInput(
  database: { target: string; source?: string },
  directory: string,
  extra: Record<string, unknown> = {},
) {
  return {
    service: { name: 'orders', namespace: 'shop' },
    database: {
      target: { url: database.target },
      ...(database.source ? { source: { url: database.source } } : {}),
    },
    migrations: { directory },
    ...extra,
  };
}
