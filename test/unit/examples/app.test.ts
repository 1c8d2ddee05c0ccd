import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_APP } from '#test/support/local-app.ts';

describe('examples/app/server.js', () => {
  it('refuses an ERROR_RATE outside 0..1, naming the variable', () => {
    // Act
    const run = spawnSync(process.execPath, [EXAMPLE_APP], {
      env: { PATH: process.env.PATH, PORT: '0', ERROR_RATE: '1.5' },
      encoding: 'utf8',
    });
    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('ERROR_RATE must be a number between 0 and 1 (got "1.5")');
  });
});
