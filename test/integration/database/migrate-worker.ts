/**
 * Applies the migrations of directory argv[3] to database argv[2], as a Migrate task does, until it is
 * killed. The kill test kills it while a migration runs.
 */
import { withDatabase } from '#adapters/database/connection.ts';
import { loadMigrationsFromDirectory } from '#adapters/database/migration-files.ts';
import { applyMigrations } from '#adapters/database/migrations.ts';

const [url, directory] = process.argv.slice(2) as [string, string];
const migrations = await loadMigrationsFromDirectory(directory);
await withDatabase({ url }, (client) => applyMigrations(client, migrations, 'all'));
