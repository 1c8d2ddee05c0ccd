import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackupStore } from '#adapters/backup/index.ts';
import { LOCAL_BACKUP_BUCKET, LOCAL_S3_FILE, type PublishedLocalS3 } from '#local/data-services.ts';
import { startS3Server } from '#local/s3-server.ts';
import { startTestS3, type TestS3 } from '#test/support/s3.ts';
import { resolveBackupLocation } from '../../../src/cli/backup-location.ts';
import { CliError, ExitCode } from '../../../src/cli/exit-codes.ts';

/** The id of a process that has ended. */
function anEndedPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('resolveBackupLocation', () => {
  let directory: string;
  let s3: TestS3;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cutover-backup-location-'));
    s3 = await startTestS3(LOCAL_BACKUP_BUCKET);
    await createBackupStore({ type: 's3', bucket: s3.bucket, endpoint: s3.server.endpoint }).put(
      'shop/orders/database/run-1/manifest.json',
      '{}',
    );
  });
  afterAll(async () => {
    await s3?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  /** A data dir whose `s3.json` names the test's S3 server, served by process `pid`. */
  async function aDataDir(name: string, pid: number): Promise<string> {
    const dataDir = join(directory, name);
    await mkdir(join(dataDir, 's3'), { recursive: true });
    const published: PublishedLocalS3 = { endpoint: s3.server.endpoint, bucket: s3.bucket, pid };
    await writeFile(join(dataDir, LOCAL_S3_FILE), JSON.stringify(published));
    return dataDir;
  }

  it('reads the S3 server a running `cutover local` published in its data dir', async () => {
    // Prepare
    const dataDir = await aDataDir('running', process.pid);
    // Act
    const location = await resolveBackupLocation({}, { CUTOVER_DATA_DIR: dataDir });
    // Assess
    expect(location.description).toBe(
      `bucket cutover-backups at ${s3.server.endpoint} (cutover local, data dir ${dataDir})`,
    );
    expect((await location.store.list('shop/')).map((o) => o.key)).toEqual([
      'shop/orders/database/run-1/manifest.json',
    ]);
  });

  it("serves the data dir's S3 folder itself while `cutover local` is not running: its backups stay listed", async () => {
    // Prepare: a runtime stored a backup in its S3 server, then was killed (its s3.json names a pid that is gone)
    const dataDir = await aDataDir('killed', anEndedPid());
    const served = await startS3Server({ directory: join(dataDir, 's3'), buckets: [LOCAL_BACKUP_BUCKET] });
    await createBackupStore({ type: 's3', bucket: LOCAL_BACKUP_BUCKET, endpoint: served.endpoint }).put(
      'shop/orders/database/run-9/manifest.json',
      '{}',
    );
    await served.stop();
    // Act
    const location = await resolveBackupLocation({ dataDir }, {});
    const listed = await location.store.list('shop/');
    await location.close();
    // Assess
    expect(listed.map((object) => object.key)).toEqual(['shop/orders/database/run-9/manifest.json']);
    expect(location.description).toBe(
      `bucket cutover-backups in ${join(dataDir, 's3')} (served by this command: no \`cutover local\` runs on ${dataDir})`,
    );
  });

  it('reads the folder when no runtime ever served S3 there', async () => {
    // Prepare
    const dataDir = join(directory, 'no-data-services');
    await mkdir(join(dataDir, 'backups'), { recursive: true });
    // Act
    const location = await resolveBackupLocation({ dataDir }, {});
    // Assess
    expect(location.description).toBe(join(dataDir, 'backups'));
  });

  it('refuses a data dir that does not exist, as `cutover traffic` does, unless CUTOVER_BACKUP_BUCKET is set', async () => {
    // Prepare
    const dataDir = join(directory, 'never-ran');
    // Act
    const refused = resolveBackupLocation({ dataDir }, {});
    const bucket = await resolveBackupLocation({ dataDir }, { CUTOVER_BACKUP_BUCKET: 'prod-backups' });
    // Assess
    await expect(refused).rejects.toThrow(
      new CliError(`no \`cutover local\` data in ${dataDir} (pass --data-dir)`, ExitCode.Usage),
    );
    await expect(refused).rejects.toMatchObject({ exitCode: ExitCode.Usage });
    expect(bucket.description).toBe('bucket prod-backups under backups/ (CUTOVER_BACKUP_BUCKET)');
  });

  it('refuses a directory where no `cutover local` ran and no task kept a backup, rather than list none', async () => {
    // Prepare: a mistyped --data-dir that happens to exist, and a runtime's data dir without backups yet
    const elsewhere = join(directory, 'some-project');
    const noBackupsYet = join(directory, 'no-backups-yet');
    await mkdir(elsewhere, { recursive: true });
    await mkdir(noBackupsYet, { recursive: true });
    await writeFile(join(noBackupsYet, 'cutover.db'), '');
    // Act
    const refused = resolveBackupLocation({ dataDir: elsewhere }, {});
    const location = await resolveBackupLocation({ dataDir: noBackupsYet }, {});
    // Assess
    await expect(refused).rejects.toThrow(
      new CliError(`no \`cutover local\` data in ${elsewhere} (pass --data-dir)`, ExitCode.Usage),
    );
    expect(location.description).toBe(join(noBackupsYet, 'backups'));
  });

  it('reads CUTOVER_BACKUP_BUCKET when it is set, whatever runs locally', async () => {
    // Prepare
    const dataDir = await aDataDir('env', process.pid);
    // Act
    const location = await resolveBackupLocation(
      { dataDir },
      { CUTOVER_BACKUP_BUCKET: 'prod-backups', CUTOVER_BACKUP_PREFIX: 'eu/', AWS_REGION: 'eu-west-1' },
    );
    // Assess
    expect(location.store.type).toBe('s3');
    expect(location.description).toBe('bucket prod-backups under eu/ (CUTOVER_BACKUP_BUCKET)');
  });

  it("reads a stack's bucket under the stack's backups/ prefix when CUTOVER_BACKUP_PREFIX is not set", async () => {
    // Act
    const location = await resolveBackupLocation({}, { CUTOVER_BACKUP_BUCKET: 'cutover-backupsbucket-1a2b' });
    // Assess
    expect(location.description).toBe(
      'bucket cutover-backupsbucket-1a2b under backups/ (CUTOVER_BACKUP_BUCKET)',
    );
  });

  it('reads CUTOVER_BACKUP_PREFIX as a folder: `backups` lists backups/shop/..., not backupsshop/...', async () => {
    // Prepare
    const raw = createBackupStore({ type: 's3', bucket: s3.bucket, endpoint: s3.server.endpoint });
    await raw.put('backups/shop/orders/database/run-2/manifest.json', '{}');
    await raw.put('backupsshop/orders/database/run-3/manifest.json', '{}');
    // Act
    const location = await resolveBackupLocation(
      {},
      {
        CUTOVER_BACKUP_BUCKET: s3.bucket,
        CUTOVER_BACKUP_PREFIX: 'backups',
        CUTOVER_S3_ENDPOINT: s3.server.endpoint,
      },
    );
    const listed = await location.store.list('shop/orders/');
    // Assess
    expect(listed.map((object) => object.key)).toEqual(['shop/orders/database/run-2/manifest.json']);
    expect(location.description).toBe(
      `bucket ${s3.bucket} at ${s3.server.endpoint} under backups/ (CUTOVER_BACKUP_BUCKET)`,
    );
  });
});
