import { Command } from 'commander';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { MANIFEST_NAME, readManifest, restoreDatabase } from '#adapters/database/logical-backup.ts';

/**
 * `cutover backups list [prefix]` and `cutover backups restore <manifest-key> --database-url <url>`: the
 * database backups in the backup store the task functions use (CUTOVER_BACKUP_BUCKET, else
 * $CUTOVER_DATA_DIR/backups).
 */
export function backupsCommand(): Command {
  const backups = new Command('backups').description('list database backups and restore one');
  backups
    .command('list')
    .description('list database backups (their manifests) under a prefix')
    .argument('[prefix]', 'key prefix, e.g. shop/orders/', '')
    .option('--json', 'print JSON')
    .action(async (prefix: string, options: { json?: boolean }) => {
      const store = createBackupStoreFromEnvironment();
      const manifests = (await store.list(prefix)).filter((o) => o.key.endsWith(`/${MANIFEST_NAME}`));
      const rows = await Promise.all(
        manifests.map(async (object) => {
          const manifest = await readManifest(store, object.key);
          const rowCount = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
          return {
            key: object.key,
            createdAt: manifest.createdAt,
            tables: manifest.tables.length,
            rows: rowCount,
          };
        }),
      );
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else for (const r of rows) console.log(`${r.createdAt}  ${r.tables} tables  ${r.rows} rows  ${r.key}`);
    });
  backups
    .command('restore')
    .description('load a backup into a database, in one transaction, checked against its manifest')
    .argument('<manifest-key>', 'the backup manifest key (from `cutover backups list`)')
    .option('--database-url <url>', 'postgres:// URL of the database to restore into')
    .option('--secret-arn <arn>', 'Secrets Manager secret of the database to restore into')
    .action(async (manifestKey: string, options: { databaseUrl?: string; secretArn?: string }) => {
      const ref = { url: options.databaseUrl, secretArn: options.secretArn };
      await withDatabase(ref, (client) =>
        restoreDatabase(client, createBackupStoreFromEnvironment(), manifestKey),
      );
      console.log(`restored ${manifestKey}`);
    });
  return backups;
}
