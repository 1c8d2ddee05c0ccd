import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeDirectory } from '#local/make-directory.ts';

describe('makeDirectory', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cutover-mkdir-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the directory and its missing parents, and does nothing when it exists', () => {
    // Prepare
    const nested = join(root, 'a', 'b', 'c');
    // Act
    makeDirectory(nested);
    makeDirectory(nested);
    // Assess
    expect(statSync(nested).isDirectory()).toBe(true);
  });

  it('throws EEXIST for a file in the way, leaving the file as it was', () => {
    // Prepare
    const file = join(root, 'notes.txt');
    writeFileSync(file, 'kept');
    // Act, Assess
    expect(() => makeDirectory(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeDirectory(join(file, 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(readFileSync(file, 'utf8')).toBe('kept');
  });

  it('throws at once where the kernel refuses a directory under an existing one (/proc)', () => {
    // Act, Assess: Node's recursive mkdir loops for ever on this path
    expect(() => makeDirectory('/proc/cutover-nope/data')).toThrow(
      expect.objectContaining({ code: 'ENOENT' }),
    );
  });
});
