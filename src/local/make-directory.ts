import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Creates the directory `path` and its missing parents, one at a time, as `mkdir -p` does; nothing if it
 * exists. Node's `mkdirSync(path, { recursive: true })` retries for ever where the kernel answers ENOENT
 * for a parent that exists (as under `/proc`); this throws that error. A file in the way throws EEXIST.
 *
 * @example
 * makeDirectory('.cutover/backups');
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  let current = resolve(path);
  for (;;) {
    const found = statSync(current, { throwIfNoEntry: false });
    if (found?.isDirectory()) break;
    // A file, or the root: mkdir fails on it with the error that explains why (EEXIST, ENOTDIR).
    if (found || dirname(current) === current) {
      mkdirSync(current);
      break;
    }
    missing.push(current);
    current = dirname(current);
  }
  for (const directory of missing.reverse()) makeMissingDirectory(directory);
}

/** mkdir of one directory; one made meanwhile (by another process) is no error. */
function makeMissingDirectory(directory: string): void {
  try {
    mkdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(directory).isDirectory()) throw error;
  }
}
