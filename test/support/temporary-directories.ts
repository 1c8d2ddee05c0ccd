import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A maker of fresh temporary directories named `<prefix>-...`, each removed after the test file's tests.
 *
 * @example
 * const temporaryDirectory = temporaryDirectories('cutover-tags');
 * const dataDir = temporaryDirectory();
 */
export function temporaryDirectories(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => {
    for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
  });
  return () => {
    const directory = mkdtempSync(join(tmpdir(), `${prefix}-`));
    made.push(directory);
    return directory;
  };
}
