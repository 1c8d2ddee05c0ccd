import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRequestFile, withAbsoluteMigrationsDirectory } from '../../../src/cli/request-file.ts';

const directory = mkdtempSync(join(tmpdir(), 'cutover-request-file-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('readRequestFile', () => {
  it('reads a file that starts with a UTF-8 byte order mark, as some editors save JSON', async () => {
    // Prepare
    const path = join(directory, 'with-bom.json');
    writeFileSync(path, '\uFEFF{"service": {"name": "checkout"}}\n');
    // Act
    const request = await readRequestFile(path);
    // Assess
    expect(request).toEqual({ service: { name: 'checkout' } });
  });

  it('names the file of bad JSON as a usage error (exit code 2)', async () => {
    // Prepare
    const path = join(directory, 'broken.json');
    writeFileSync(path, '{ "service": ');
    // Act
    const reading = readRequestFile(path);
    // Assess
    await expect(reading).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('not valid JSON'),
    });
  });

  it('says at which line and column bad JSON is, as an editor counts them', async () => {
    // Prepare
    const path = join(directory, 'trailing-comma.json');
    // A trailing comma after "v2": the parser stops at the `}` on line 5, after two spaces
    writeFileSync(
      path,
      '{\n  "service": {"name": "checkout"},\n  "release": {\n    "version": "v2",\n  },\n}\n',
    );
    // Act
    const reading = readRequestFile(path);
    // Assess
    await expect(reading).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(
        /^-f .*trailing-comma\.json: not valid JSON at line 5, column 3 \(Expected double-quoted property name/,
      ),
    });
  });

  it('counts lines and columns after a byte order mark as the editor shows them', async () => {
    // Prepare
    const path = join(directory, 'bom-and-bad.json');
    // A missing comma: the parser stops at "release", on line 3 after two spaces
    writeFileSync(path, '\uFEFF{\n  "service": {"name": "checkout"}\n  "release": {}\n}\n');
    // Act
    const reading = readRequestFile(path);
    // Assess
    await expect(reading).rejects.toMatchObject({
      message: expect.stringContaining("not valid JSON at line 3, column 3 (Expected ',' or '}'"),
    });
  });

  it('gives the parser message alone when it names no position', async () => {
    // Prepare
    const path = join(directory, 'cut-short.json');
    writeFileSync(path, '{ "service": ');
    // Act
    const reading = readRequestFile(path);
    // Assess
    await expect(reading).rejects.toMatchObject({
      exitCode: 2,
      message: `-f ${path}: not valid JSON (Unexpected end of JSON input)`,
    });
  });

  it('says an empty file is empty', async () => {
    // Prepare
    const path = join(directory, 'empty.json');
    writeFileSync(path, '\n');
    // Act
    const reading = readRequestFile(path);
    // Assess
    await expect(reading).rejects.toMatchObject({
      exitCode: 2,
      message: `-f ${path}: is empty: it must hold a JSON object`,
    });
  });
});

describe('withAbsoluteMigrationsDirectory', () => {
  it('resolves a relative directory against the working directory', () => {
    expect(withAbsoluteMigrationsDirectory({ migrations: { directory: 'db' } })).toEqual({
      migrations: { directory: join(process.cwd(), 'db') },
    });
  });

  it('leaves an empty directory empty, for validation to refuse, instead of naming the working directory', () => {
    expect(withAbsoluteMigrationsDirectory({ migrations: { directory: '' } })).toEqual({
      migrations: { directory: '' },
    });
  });
});
