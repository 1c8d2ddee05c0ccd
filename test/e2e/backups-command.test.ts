import { existsSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { backupDatabase, readManifest } from '#adapters/database/logical-backup.ts';
import { parseMigrations } from '#adapters/database/migration-files.ts';
import { applyMigrations } from '#adapters/database/migrations.ts';
import { SHOP_MIGRATIONS } from '#local/demo/database-chapter.ts';
import { startCli, stopStartedClis, waitForOutput } from '#test/support/cli-process.ts';
import { requestUrl, startTestPostgres } from '#test/support/postgres.ts';

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'cutover-backups-cli-'));
  // As root the embedded server runs as the OS user postgres, which must be able to enter the data dir.
  await chmod(directory, 0o755);
});
afterEach(stopStartedClis);
afterAll(() => rm(directory, { recursive: true, force: true }));

/** No backup settings of the shell running the tests: the user sets none. */
const NO_BACKUP_SETTINGS = {
  CUTOVER_BACKUP_BUCKET: undefined,
  CUTOVER_BACKUP_PREFIX: undefined,
  CUTOVER_S3_ENDPOINT: undefined,
  CUTOVER_DATA_DIR: undefined,
};

/** Runs `cutover <args>` as a user types it (no backup settings) and waits for it to exit. */
async function cutover(args: string[], env: NodeJS.ProcessEnv = {}) {
  const cli = startCli(args, { ...NO_BACKUP_SETTINGS, ...env });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** Runs `sql` as the embedded server's superuser. */
async function asAdmin(databaseUrl: string, password: string, sql: string): Promise<pg.QueryResult> {
  const url = new URL(databaseUrl);
  url.password = password;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('cutover backups with cutover local', () => {
  it('lists and restores the backups a local database migration made, with no settings', async () => {
    // Prepare: the README's "Rehearse a release locally"
    const dataDir = join(directory, 'data');
    const local = startCli(['local', '--port', '0', '--data-dir', dataDir], NO_BACKUP_SETTINGS);
    const [, endpoint] = await waitForOutput(local, /listening on (http:\/\/\S+)/);
    const [, databaseUrl] = await waitForOutput(local, /PostgreSQL on (\S+)/);
    const [, s3Endpoint] = await waitForOutput(local, /S3 on (\S+),/);
    const password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
    const shopUrl = databaseUrl!.replace(/\/postgres$/, '/shop');
    const restoredUrl = databaseUrl!.replace(/\/postgres$/, '/restored');
    await asAdmin(databaseUrl!, password, 'CREATE DATABASE shop');
    await asAdmin(databaseUrl!, password, 'CREATE DATABASE restored');
    await asAdmin(
      shopUrl,
      password,
      "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    );
    const requestFile = join(directory, 'database-migration.json');
    await writeFile(
      requestFile,
      JSON.stringify({
        service: { name: 'orders', namespace: 'shop' },
        database: { target: { url: shopUrl } },
        migrations: { directory: SHOP_MIGRATIONS },
      }),
    );
    const run = await cutover([
      'run',
      'database-migration',
      '-f',
      requestFile,
      '--endpoint',
      endpoint!,
      '--wait',
    ]);
    // Act
    const listed = await cutover(['backups', 'list'], { CUTOVER_DATA_DIR: dataDir });
    const listedByFlag = await cutover(['backups', 'list', 'shop/', '--data-dir', dataDir, '--json']);
    const none = await cutover(['backups', 'list', 'billing/', '--data-dir', dataDir]);
    const manifestKey = /\S+\/manifest\.json/.exec(listed.stdout)?.[0] ?? '';
    // No PGPASSWORD: the embedded server's password is the data dir's, as for `plan` and the tasks
    const restored = await cutover(
      ['backups', 'restore', manifestKey, '--data-dir', dataDir, '--database-url', restoredUrl],
      { PGPASSWORD: undefined, PGPASSFILE: '/nonexistent' },
    );
    const notes =
      restored.code === 0
        ? (await asAdmin(restoredUrl, password, 'SELECT body FROM notes ORDER BY id')).rows
        : [];
    local.child.kill('SIGINT');
    await local.exited;
    const afterStop = await cutover(['backups', 'list', '--data-dir', dataDir]);
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      /^\S+ {2}1 table {2}3 rows {2}shop\/orders\/database\/[\w-]+\/manifest\.json\n$/,
    );
    expect(JSON.parse(listedByFlag.stdout)).toEqual([expect.objectContaining({ key: manifestKey })]);
    expect(none).toEqual({
      code: 0,
      stdout: '',
      stderr: `no backups under billing/ in bucket cutover-backups at ${s3Endpoint} (cutover local, data dir ${dataDir})\n`,
    });
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toBe(`restored ${manifestKey}: 1 table (public.notes)\n`);
    expect(restored.stderr).toBe('');
    expect(notes).toEqual([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    expect(existsSync(join(dataDir, 's3.json'))).toBe(false);
    // With the runtime stopped, the same backups are listed from its S3 folder
    expect(afterStop).toEqual({ code: 0, stdout: listed.stdout, stderr: '' });
  });

  it('restore into a database URL that is not postgres:// exits 2 naming the flag', async () => {
    // Act
    const outcome = await cutover([
      'backups',
      'restore',
      'shop/orders/database/x/manifest.json',
      '--database-url',
      'mysql://root@127.0.0.1:3306/shop',
    ]);
    // Assess
    expect(outcome).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cutover: --database-url must be a postgres:// URL, e.g. postgres://postgres@127.0.0.1:5432/shop (got "mysql://root@127.0.0.1:3306/shop")\n',
    });
  });

  it('restore into a database URL without a database name exits 2 naming the flag, restoring nothing', async () => {
    // Act: without a name, the connection would go to the maintenance database, postgres
    const outcome = await cutover([
      'backups',
      'restore',
      'shop/orders/database/x/manifest.json',
      '--database-url',
      'postgres://postgres@127.0.0.1:1',
    ]);
    // Assess
    expect(outcome).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cutover: --database-url must name a database in its path, as in postgres://postgres@127.0.0.1:5432/shop: ' +
        "without one the connection goes to the user's default database (postgres, the maintenance database, for user postgres)\n",
    });
  });

  it('restore without the database to restore into exits 2 naming both flags', async () => {
    // Act
    const outcome = await cutover(['backups', 'restore', 'shop/orders/database/x/manifest.json']);
    // Assess
    expect(outcome).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cutover: give exactly one of --database-url <postgres://...> (local) or --secret-arn <arn> (AWS): the database to restore into\n',
    });
  });
});

/** A data dir whose folder store (`<data dir>/backups`) holds a manifest at each key, made at its time. */
async function folderStoreWith(manifests: Record<string, string>): Promise<string> {
  const dataDir = await mkdtemp(join(directory, 'folder-'));
  // The folder the tasks write backups to, there even when it holds none yet
  await mkdir(join(dataDir, 'backups'));
  const store = createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir });
  for (const [key, createdAt] of Object.entries(manifests)) {
    await store.put(key, JSON.stringify({ format: 'cutover-logical-backup/1', createdAt, tables: [] }));
  }
  return dataDir;
}

/**
 * `cutover backups restore <key>` from the folder store of `dataDir` into a database that nothing answers
 * for (no password either): for what is refused before the database is asked anything.
 */
function restoreWithoutDatabase(key: string, dataDir: string) {
  return cutover(
    [
      'backups',
      'restore',
      key,
      '--data-dir',
      dataDir,
      '--database-url',
      'postgres://postgres@127.0.0.1:1/shop',
    ],
    { PGPASSWORD: undefined },
  );
}

describe('cutover backups with the folder store', () => {
  it('list <namespace>/<service> lists that service only (not one whose name it begins), newest first', async () => {
    // Prepare
    const dataDir = await folderStoreWith({
      'shop/orders/database/a/manifest.json': '2026-11-28T10:00:00.000Z',
      'shop/orders/database/b/manifest.json': '2026-11-28T11:00:00.000Z',
      'shop/orders-abort/database/c/manifest.json': '2026-11-28T12:00:00.000Z',
    });
    // Act
    const listed = await cutover(['backups', 'list', 'shop/orders', '--data-dir', dataDir]);
    // Assess
    expect(listed).toEqual({
      code: 0,
      stdout: [
        '2026-11-28T11:00:00.000Z  0 tables  0 rows  shop/orders/database/b/manifest.json',
        '2026-11-28T10:00:00.000Z  0 tables  0 rows  shop/orders/database/a/manifest.json',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it("list leaves out another program's manifest.json, saying so, and lists the backups", async () => {
    // Prepare
    const dataDir = await folderStoreWith({
      'shop/orders/database/a/manifest.json': '2026-11-28T10:00:00.000Z',
    });
    const store = createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir });
    await store.put('shop/orders/site/manifest.json', JSON.stringify({ name: 'a web app manifest' }));
    // Act
    const listed = await cutover(['backups', 'list', 'shop', '--data-dir', dataDir]);
    // Assess
    expect(listed.code).toBe(0);
    expect(listed.stdout).toBe(
      '2026-11-28T10:00:00.000Z  0 tables  0 rows  shop/orders/database/a/manifest.json\n',
    );
    expect(listed.stderr).toMatch(/^skipped: shop\/orders\/site\/manifest\.json is not a backup manifest/);
  });

  it('list and restore of a data dir that does not exist exit 2 naming it and --data-dir, as traffic does', async () => {
    // Prepare
    const dataDir = join(directory, 'never-ran');
    const key = 'shop/orders/database/x/manifest.json';
    // Act
    const listed = await cutover(['backups', 'list', '--data-dir', dataDir]);
    const restored = await restoreWithoutDatabase(key, dataDir);
    // Assess
    const refused = {
      code: 2,
      stdout: '',
      stderr: `cutover: no \`cutover local\` data in ${dataDir} (pass --data-dir)\n`,
    };
    expect(listed).toEqual(refused);
    expect(restored).toEqual(refused);
  });

  it('list and restore of a data dir that is a file (its cutover.db, say) exit 2 saying so, as traffic does', async () => {
    // Prepare
    const dataDir = await folderStoreWith({});
    const file = join(dataDir, 'cutover.db');
    writeFileSync(file, '');
    // Act
    const listed = await cutover(['backups', 'list', '--data-dir', file]);
    const restored = await restoreWithoutDatabase('shop/orders/database/x/manifest.json', file);
    const traffic = await cutover(['traffic', 'shop/orders', '--data-dir', file]);
    // Assess
    const refused = {
      code: 2,
      stdout: '',
      stderr: `cutover: ${file} is a file, not the data directory of \`cutover local\` (pass --data-dir)\n`,
    };
    expect(listed).toEqual(refused);
    expect(restored).toEqual(refused);
    expect(traffic).toEqual(refused);
  });

  it('list of a path that is no key prefix exits 2 naming the path as typed', async () => {
    // Prepare
    const dataDir = await folderStoreWith({});
    // Act
    const outcome = await cutover(['backups', 'list', '/rev', '--data-dir', dataDir]);
    // Assess
    expect(outcome).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cutover: path must be empty or 1-900 characters of '/'-separated segments, none empty or starting " +
        `with '.', without '\\', a trailing '/' allowed (got "/rev")\n`,
    });
  });

  it("restore of a backup's data object exits 2 saying it is no manifest, naming the manifest's key", async () => {
    // Prepare
    const dataDir = await folderStoreWith({});
    const key = 'rev/fail1/database/fail1-b/0001-public.pre.copy.gz';
    await createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir }).put(key, gzipSync('1\tone\n'));
    // Act
    const outcome = await restoreWithoutDatabase(key, dataDir);
    // Assess
    expect(outcome).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `cutover: ${key} is not a backup manifest (not JSON): a backup is named by its manifest's key, ` +
        "<backup folder>/manifest.json (in this key's folder: rev/fail1/database/fail1-b/manifest.json); " +
        "`cutover backups list` lists the backups' manifest keys\n",
    });
  });

  it('restore of a backup with no tables says it restored none, listing no names', async () => {
    // Prepare: a backup of a database without tables
    const dataDir = await folderStoreWith({});
    const store = createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir });
    const postgres = await startTestPostgres();
    try {
      const [source, target] = [await postgres.createDatabase(), await postgres.createDatabase()];
      const key = await withDatabase({ url: source }, (client) =>
        backupDatabase(client, store, 'shop/orders/database/no-tables', ['public']),
      );
      // Act
      const outcome = await cutover(
        ['backups', 'restore', key, '--data-dir', dataDir, '--database-url', requestUrl(target)],
        { PGPASSWORD: postgres.password },
      );
      // Assess
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toBe(`restored ${key}: no tables\n`);
    } finally {
      await postgres.stop();
    }
  });

  it('restore into an empty database of a backup without its migration history says so on stderr', async () => {
    // Prepare: a backup as an earlier version of Cutover wrote it, after V1__items
    const dataDir = await folderStoreWith({});
    const store = createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir });
    const postgres = await startTestPostgres();
    try {
      const [source, empty] = [await postgres.createDatabase(), await postgres.createDatabase()];
      const migrations = parseMigrations(
        new Map([['V1__items.sql', 'CREATE TABLE items (id int PRIMARY KEY);']]),
      );
      const key = await withDatabase({ url: source }, async (client) => {
        await applyMigrations(client, migrations, 'all');
        return backupDatabase(client, store, 'shop/orders/database/earlier', ['public']);
      });
      const { histories, ...earlier } = await readManifest(store, key);
      await store.put(key, JSON.stringify(earlier));
      // Act
      const outcome = await cutover(
        ['backups', 'restore', key, '--data-dir', dataDir, '--database-url', requestUrl(empty)],
        { PGPASSWORD: postgres.password },
      );
      // Assess
      expect(histories).toHaveLength(1);
      expect(outcome).toEqual({
        code: 0,
        stdout: `restored ${key}: 1 table (public.items)\n`,
        stderr:
          'the migration history was not restored: this backup, taken by an earlier version of Cutover, does ' +
          "not hold it. The database has the backup's tables but records none of the migrations that made " +
          'them (V1__items in cutover_schema_history), so migrating it would apply them again, and they would ' +
          'fail on the tables they made. To migrate it later, restore into a database migrated to exactly ' +
          'those migrations instead: apply them to an empty database, then restore this backup over it\n',
      });
    } finally {
      await postgres.stop();
    }
  });

  it('restore into an empty database of a backup with a view it would leave out exits 2 naming it', async () => {
    // Prepare
    const dataDir = await folderStoreWith({});
    const store = createBackupStoreFromEnvironment({ CUTOVER_DATA_DIR: dataDir });
    const postgres = await startTestPostgres();
    try {
      const [source, empty] = [await postgres.createDatabase(), await postgres.createDatabase()];
      await asAdmin(
        source,
        postgres.password,
        'CREATE TABLE items (id int PRIMARY KEY); CREATE VIEW item_ids AS SELECT id FROM items',
      );
      const key = await withDatabase({ url: source }, (client) =>
        backupDatabase(client, store, 'shop/orders/database/with-view', ['public']),
      );
      // Act
      const outcome = await cutover(
        ['backups', 'restore', key, '--data-dir', dataDir, '--database-url', requestUrl(empty)],
        { PGPASSWORD: postgres.password },
      );
      // Assess
      expect(outcome).toEqual({
        code: 2,
        stdout: '',
        stderr:
          'cutover: restore into an empty database would leave out 1 view (public.item_ids): the backup ' +
          'recreates only its tables, with their types, sequences and indexes. Restore over the database ' +
          'the backup came from, or apply its migrations first (cutover run database-migration without a ' +
          'copy) and restore over them\n',
      });
    } finally {
      await postgres.stop();
    }
  });

  it('restore of a key that is not there exits 2 naming it, before the database is asked anything', async () => {
    // Prepare
    const dataDir = await folderStoreWith({});
    const key = 'shop/orders/database/x/manifest.json';
    // Act
    const outcome = await restoreWithoutDatabase(key, dataDir);
    // Assess
    expect(outcome).toEqual({
      code: 2,
      stdout: '',
      stderr: `cutover: no backup "${key}" in ${join(dataDir, 'backups')}\n`,
    });
  });

  it("restore of a backup's folder exits 2 naming the manifest key in it", async () => {
    // Prepare
    const folder = 'shop/orders/database/destroy1';
    const dataDir = await folderStoreWith({ [`${folder}/manifest.json`]: '2026-11-28T10:00:00.000Z' });
    // Act
    const outcomes = [
      await restoreWithoutDatabase(folder, dataDir),
      await restoreWithoutDatabase(`${folder}/`, dataDir),
    ];
    // Assess
    expect(outcomes.map(({ stderr }) => stderr)).toEqual(
      [folder, `${folder}/`].map(
        (typed) =>
          `cutover: no backup "${typed}" in ${join(dataDir, 'backups')}: it is a backup's folder; its manifest's key is ${folder}/manifest.json\n`,
      ),
    );
    expect(outcomes.map(({ code }) => code)).toEqual([2, 2]);
  });

  it("restore without PGPASSWORD exits 2, as a wrong password does: the user's environment", async () => {
    // Prepare
    const key = 'shop/orders/database/a/manifest.json';
    const dataDir = await folderStoreWith({ [key]: '2026-11-28T10:00:00.000Z' });
    const postgres = await startTestPostgres();
    try {
      const url = requestUrl(await postgres.createDatabase());
      // Act
      const outcome = await cutover(
        ['backups', 'restore', key, '--data-dir', dataDir, '--database-url', url],
        {
          PGPASSWORD: undefined,
        },
      );
      const wrongPassword = await cutover(
        ['backups', 'restore', key, '--data-dir', dataDir, '--database-url', url],
        { PGPASSWORD: 'wrong' },
      );
      // Assess
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toContain('no password for database');
      expect(outcome.stderr).toContain(
        "set PGPASSWORD or a pgpass file for the process that connects (cutover local's, for the migrations it runs; the CLI's, for `cutover backups restore`, whose --database-url may hold it too), or give the request's database a secretArn",
      );
      expect(outcome.stderr).toContain(
        "(cutover local's embedded PostgreSQL keeps its password in <data dir>/postgres.password)",
      );
      expect(wrongPassword.code).toBe(2);
    } finally {
      await postgres.stop();
    }
  });

  it('restore --secret-arn without a configured region reads the secret in the region of its ARN', async () => {
    // Prepare: Secrets Manager answers with a database that is not there
    const key = 'shop/orders/database/a/manifest.json';
    const dataDir = await folderStoreWith({ [key]: '2026-11-28T10:00:00.000Z' });
    const signedFor: string[] = [];
    const secretsManager = createServer((request, response) => {
      signedFor.push(
        /Credential=[^/]+\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? '')?.[1] ?? '',
      );
      response.setHeader('content-type', 'application/x-amz-json-1.1');
      response.end(
        JSON.stringify({ SecretString: JSON.stringify({ url: 'postgres://postgres:pw@127.0.0.1:1/shop' }) }),
      );
    });
    await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
    const { port } = secretsManager.address() as AddressInfo;
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop-db-AbCdEf';
    // Act
    const outcome = await cutover(['backups', 'restore', key, '--data-dir', dataDir, '--secret-arn', arn], {
      AWS_REGION: undefined,
      AWS_DEFAULT_REGION: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: join(directory, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(directory, 'no-aws-credentials'),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
    });
    secretsManager.close();
    // Assess
    expect(signedFor).toEqual(['eu-west-1']);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toBe(
      `cutover: database ${arn} is not reachable: connect ECONNREFUSED 127.0.0.1:1\n`,
    );
  });
});

describe('cutover backups with a bucket on AWS', () => {
  it('says how to get credentials, exit 2, when there are none, as the other commands do', async () => {
    // Act
    const outcome = await cutover(['backups', 'list'], {
      CUTOVER_BACKUP_BUCKET: 'cutover-backups-123456789012',
      AWS_REGION: 'eu-west-1',
      AWS_PROFILE: undefined,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_CONFIG_FILE: join(directory, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(directory, 'no-aws-credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    // Assess
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(
      /^cutover: no usable AWS credentials \(.+\): set AWS_PROFILE or run `aws sso login`\n$/,
    );
  });
});
