import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRequestFile } from '../../../src/cli/request-file.ts';

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
});
