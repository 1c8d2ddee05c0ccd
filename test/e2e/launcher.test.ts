import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '#test/support/cli-process.ts';

const elsewhere = mkdtempSync(join(tmpdir(), 'cutover-elsewhere-'));
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

describe('the cutover command (bin/cutover.js)', () => {
  it('is the command package.json installs', () => {
    // Act
    const { bin } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    // Assess
    expect(bin).toEqual({ cutover: 'bin/cutover.js' });
  });

  it.each([
    ['run as a program', join(REPO_ROOT, 'bin/cutover.js'), []],
    ['run by node', process.execPath, [join(REPO_ROOT, 'bin/cutover.js')]],
  ])('works from a directory outside the repository, %s', (_how, command, args) => {
    // Act
    const outcome = spawnSync(command, [...args, '--help'], { cwd: elsewhere, encoding: 'utf8' });
    // Assess
    expect(outcome.stderr).toBe('');
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toContain('Usage: cutover [options] [command]');
  });

  it('prints its version, that of package.json, with --version', () => {
    // Prepare
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    // Act
    const outcome = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/cutover.js'), '--version'], {
      cwd: elsewhere,
      encoding: 'utf8',
    });
    // Assess
    expect(outcome.status).toBe(0);
    expect(outcome.stdout).toBe(`${version}\n`);
  });
});
