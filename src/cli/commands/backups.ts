import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Command } from 'commander';
import { assertBackupPrefix } from '#adapters/backup/keys.ts';
import type { BackupManifest } from '#adapters/database/logical-backup.ts';
import { secretRegion } from '#adapters/secrets.ts';
import { folderPrefix } from '#core/backup-keys.ts';
import { BackupNotFoundError, ValidationError } from '#core/errors.ts';
import type { BackupStore } from '#core/ports/backup-store.ts';
import { NO_DATABASE_NAME, namesDatabase } from '#core/schemas/database-migration.ts';
import { localDataDir } from '../arguments.ts';
import { resolveBackupLocation } from '../backup-location.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { counted } from '../format.ts';
import { useLocalPostgresPassword } from '../local-postgres.ts';

/** The backup store and database modules, loaded when a subcommand runs (not for `cutover --help`). */
async function loadBackupModules() {
  const [backup, connection, logical] = await Promise.all([
    import('#adapters/backup/index.ts'),
    import('#adapters/database/connection.ts'),
    import('#adapters/database/logical-backup.ts'),
  ]);
  return { ...backup, ...connection, ...logical };
}

/** Adds `--data-dir`, the data dir of the `cutover local` whose backups to read. */
function withDataDirOption(command: Command): Command {
  return command.option(
    '-d, --data-dir <dir>',
    'data dir of `cutover local` (default: $CUTOVER_DATA_DIR or .cutover)',
  );
}

/**
 * A Secrets Manager client for `secretArn`: in the configured region, else (no `AWS_REGION`, no profile
 * region) in the region the ARN names.
 */
async function secretsClientFor(secretArn: string): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const configured = new SecretsManagerClient({});
  const arnRegion = secretRegion(secretArn);
  if (arnRegion === undefined || (await configured.config.region().then(Boolean, () => false))) {
    return configured;
  }
  configured.destroy();
  return new SecretsManagerClient({ region: arnRegion });
}

/**
 * `cutover backups list [path]` and `cutover backups restore <manifest-key> --database-url <url>`: the
 * database backups in the backup store the task functions use (CUTOVER_BACKUP_BUCKET, else the S3 server
 * of the running `cutover local`, else <data dir>/backups; see {@link resolveBackupLocation}).
 */
export function backupsCommand(): Command {
  const backups = new Command('backups')
    .description('list database backups and restore one')
    .addHelpText(
      'after',
      [
        '\nExample:',
        '  $ cutover backups list shop/orders/',
        '  $ cutover backups restore shop/orders/database/<execution>/manifest.json --database-url postgres://...',
      ].join('\n'),
    );
  withDataDirOption(
    backups
      .command('list')
      .description('list database backups (their manifests) under a path, newest first')
      .argument(
        '[path]',
        'whole key segments, <namespace>[/<service>[/...]]: shop/orders lists shop/orders/..., not shop/orders-abort/...',
      )
      .option('--json', 'print JSON'),
  )
    .addHelpText('after', '\nExample:\n  $ cutover backups list shop/orders --json')
    .action(async (path: string | undefined, options: { json?: boolean; dataDir?: string }) => {
      assertBackupPrefix(path ?? '', 'path');
      const { store, description, close } = await resolveBackupLocation(options);
      try {
        const prefix = folderPrefix(path ?? '');
        const rows = await backupsUnder(store, prefix);
        if (options.json) console.log(JSON.stringify(rows, null, 2));
        else {
          for (const r of rows) {
            console.log(`${r.createdAt}  ${counted(r.tables, 'table')}  ${counted(r.rows, 'row')}  ${r.key}`);
          }
        }
        if (rows.length === 0) {
          // On stderr, so stdout stays the (empty) list for scripts.
          console.error(`no backups${prefix ? ` under ${prefix}` : ''} in ${description}`);
        }
      } finally {
        await close();
      }
    });
  withDataDirOption(
    backups
      .command('restore')
      .description('load a backup into a database, in one transaction, checked against its manifest')
      .argument('<manifest-key>', 'the backup manifest key (from `cutover backups list`)')
      .option('--database-url <url>', 'postgres:// URL of the database to restore into')
      .option('--secret-arn <arn>', 'Secrets Manager secret of the database to restore into')
      .option(
        '--force',
        'restore even over migrations applied to the database after the backup, or over the rows of a database other than the one backed up',
      ),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ cutover backups restore shop/orders/database/<execution>/manifest.json --secret-arn arn:aws:secretsmanager:...',
    )
    .action(
      async (
        manifestKey: string,
        options: { databaseUrl?: string; secretArn?: string; dataDir?: string; force?: boolean },
      ) => {
        if ((options.databaseUrl === undefined) === (options.secretArn === undefined)) {
          throw new CliError(
            'give exactly one of --database-url <postgres://...> (local) or --secret-arn <arn> (AWS): the database to restore into',
            ExitCode.Usage,
          );
        }
        if (options.databaseUrl !== undefined && !isPostgresUrl(options.databaseUrl)) {
          throw new CliError(
            `--database-url must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/shop (got ${JSON.stringify(options.databaseUrl)})`,
            ExitCode.Usage,
          );
        }
        if (options.databaseUrl !== undefined && !namesDatabase(new URL(options.databaseUrl))) {
          throw new CliError(`--database-url ${NO_DATABASE_NAME}`, ExitCode.Usage);
        }
        const { MANIFEST_NAME, readManifest, restoreDatabase, withDatabase } = await loadBackupModules();
        const { store, description, close } = await resolveBackupLocation(options);
        try {
          // The backup first: a wrong key is named before anything about the database is.
          const manifest = await readManifest(store, manifestKey).catch(async (error: unknown) => {
            if (!(error instanceof ValidationError || error instanceof BackupNotFoundError)) throw error;
            const said = `no backup ${JSON.stringify(manifestKey)} in ${description}`;
            const inFolder = await manifestInFolder(store, manifestKey, MANIFEST_NAME);
            if (inFolder) {
              const named = `${said}: it is a backup's folder; its manifest's key is ${inFolder}`;
              throw new CliError(named, ExitCode.Usage, { cause: error });
            }
            if (error instanceof ValidationError) {
              const listed = `${error.message}; \`cutover backups list\` lists the backups' manifest keys`;
              throw new CliError(listed, ExitCode.Usage, { cause: error });
            }
            throw new CliError(said, ExitCode.Usage, { cause: error });
          });
          if (options.databaseUrl !== undefined)
            await useLocalPostgresPassword(localDataDir(options.dataDir));
          const ref = { url: options.databaseUrl, secretArn: options.secretArn };
          const secrets =
            options.secretArn === undefined ? undefined : await secretsClientFor(options.secretArn);
          const restore = (client: Parameters<typeof restoreDatabase>[0]) =>
            restoreDatabase(client, store, manifestKey, {
              overLaterMigrations: options.force === true,
              overAnotherDatabase: options.force === true,
            });
          const { history } = await withDatabase(ref, restore, secrets);
          console.log(`restored ${manifestKey}: ${tablesOf(manifest)}`);
          if (history === 'missing') console.error(historyNotRestored(manifest));
        } finally {
          await close();
        }
      },
    );
  return backups;
}

/** A backup as `list` shows it. */
interface BackupRow {
  readonly key: string;
  readonly createdAt: string;
  readonly tables: number;
  readonly rows: number;
}

/**
 * The backups whose manifests are under `prefix`, newest first; a `manifest.json` that is not a backup's
 * (another program's) is said on stderr and left out.
 */
async function backupsUnder(store: BackupStore, prefix: string): Promise<BackupRow[]> {
  const { MANIFEST_NAME, readManifest } = await loadBackupModules();
  const manifests = (await store.list(prefix)).filter((o) => o.key.endsWith(`/${MANIFEST_NAME}`));
  const read = await Promise.all(
    manifests.map(async (object) => {
      const manifest = await readManifest(store, object.key).catch((error: unknown) => {
        if (!(error instanceof ValidationError)) throw error;
        console.error(`skipped: ${error.message}`);
        return undefined;
      });
      if (!manifest) return [];
      const rows = manifest.tables.reduce((sum, t) => sum + t.rows, 0);
      return [{ key: object.key, createdAt: manifest.createdAt, tables: manifest.tables.length, rows }];
    }),
  );
  return read.flat().sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.key.localeCompare(b.key));
}

/** The tables a backup holds, counted and named: `2 tables (public.a, public.b)`, or `no tables`. */
function tablesOf({ tables }: BackupManifest): string {
  if (tables.length === 0) return 'no tables';
  return `${counted(tables.length, 'table')} (${tables.map((entry) => entry.table).join(', ')})`;
}

/** Says that a restore into an empty database could not recreate the migration history, and what to do. */
function historyNotRestored({ migrations }: BackupManifest): string {
  const applied = migrations
    ? ` (${migrations.map((entries) => `${entries.migrations.join(', ')} in ${entries.historyTable}`).join('; ')})`
    : '';
  // A backup without the list is compared by time, which makes the migrations applied after it look later.
  const force = migrations ? '' : ' with --force (this backup does not list its migrations)';
  return (
    'the migration history was not restored: this backup, taken by an earlier version of Cutover, does not ' +
    `hold it. The database has the backup's tables but records none of the migrations that made them${applied}, ` +
    'so migrating it would apply them again, and they would fail on the tables they made. To migrate it later, ' +
    'restore into a database migrated to exactly those migrations instead: apply them to an empty database, ' +
    `then restore this backup over it${force}`
  );
}

/** The key of the manifest in `key` when `key` is a backup's folder (with or without its last `/`). */
async function manifestInFolder(
  store: BackupStore,
  key: string,
  manifestName: string,
): Promise<string | undefined> {
  const manifestKey = `${folderPrefix(key)}${manifestName}`;
  const listed = await store.list(folderPrefix(key)).catch(() => []);
  return listed.some((object) => object.key === manifestKey) ? manifestKey : undefined;
}

function isPostgresUrl(value: string): boolean {
  return URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol);
}
