import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupNotFoundError } from '#core/errors.ts';
import type { BackupObject, BackupStore } from '#core/ports/backup-store.ts';
import { assertBackupKey, assertBackupMeta, assertBackupPrefix } from './keys.ts';

/** Where metadata lives, beside the objects; key segments cannot start with '.', so no key collides. */
const META_DIR = '.meta';
const TMP_DIR = '.tmp';

/**
 * A backup store in a local directory: `<directory>/<key>` holds the bytes, `<directory>/.meta/<key>.json`
 * the metadata. Writes go to a temporary file renamed into place, so a crash never leaves half an object.
 *
 * @example
 * const store = new FilesystemBackupStore('.cutover/backups');
 * await store.put('shop/checkout/weights.json', '{"stable":100}', { kind: 'weights' });
 */
export class FilesystemBackupStore implements BackupStore {
  readonly type = 'filesystem';

  constructor(readonly directory: string) {}

  async put(key: string, body: string | Buffer | Readable, meta: Readonly<Record<string, string>> = {}) {
    assertBackupKey(key);
    assertBackupMeta(meta);
    const tmpDir = join(this.directory, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    const tmpData = join(tmpDir, randomUUID());
    const tmpMeta = `${tmpData}.json`;
    try {
      const source = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(tmpData));
      await writeFile(tmpMeta, JSON.stringify(meta));
      await mkdir(dirname(this.#dataPath(key)), { recursive: true });
      await mkdir(dirname(this.#metaPath(key)), { recursive: true });
      await rename(tmpMeta, this.#metaPath(key));
      await rename(tmpData, this.#dataPath(key));
    } finally {
      await rm(tmpData, { force: true });
      await rm(tmpMeta, { force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    assertBackupKey(key);
    try {
      return await readFile(this.#dataPath(key));
    } catch (error) {
      throw notFoundOr(error, key);
    }
  }

  async getStream(key: string): Promise<Readable> {
    assertBackupKey(key);
    const stream = createReadStream(this.#dataPath(key));
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error) => reject(notFoundOr(error, key)));
    });
    return stream;
  }

  async list(prefix: string): Promise<BackupObject[]> {
    assertBackupPrefix(prefix);
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const keys = (await this.#walk(join(this.directory, start))).filter((key) => key.startsWith(prefix));
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return Promise.all(keys.map((key) => this.#describe(key)));
  }

  async delete(key: string): Promise<void> {
    assertBackupKey(key);
    await rm(this.#dataPath(key), { force: true });
    await rm(this.#metaPath(key), { force: true });
  }

  #dataPath(key: string): string {
    return join(this.directory, ...key.split('/'));
  }

  #metaPath(key: string): string {
    return `${join(this.directory, META_DIR, ...key.split('/'))}.json`;
  }

  async #describe(key: string): Promise<BackupObject> {
    const info = await stat(this.#dataPath(key));
    const meta = await readFile(this.#metaPath(key), 'utf8').then(
      (text) => JSON.parse(text) as Record<string, string>,
      () => ({}),
    );
    return { key, size: info.size, lastModified: info.mtime.toISOString(), meta };
  }

  /** Every object key under `dir`, skipping the store's own dot-directories. */
  async #walk(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
      throw error;
    });
    const keys: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) keys.push(...(await this.#walk(path)));
      else if (entry.isFile()) keys.push(relative(this.directory, path).split(sep).join('/'));
    }
    return keys;
  }
}

function notFoundOr(error: unknown, key: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
    return new BackupNotFoundError(`backup ${JSON.stringify(key)} does not exist`, { cause: error });
  }
  return error;
}
