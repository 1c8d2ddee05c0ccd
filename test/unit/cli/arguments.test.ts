import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { localDataDir } from '../../../src/cli/arguments.ts';
import { parseExecutionName } from '../../../src/cli/commands/run.ts';
import { CliError, ExitCode } from '../../../src/cli/exit-codes.ts';
import { assertStrategy, STRATEGIES } from '../../../src/cli/resolve.ts';

describe('parseExecutionName', () => {
  it('accepts letters, digits, - and _ up to 80 characters', () => {
    expect(parseExecutionName('checkout-v2_1')).toBe('checkout-v2_1');
    expect(parseExecutionName('x'.repeat(80))).toBe('x'.repeat(80));
  });

  it.each(['', 'a b', 'checkout/v2', 'x'.repeat(81)])('refuses %j, saying what is allowed', (name) => {
    expect(() => parseExecutionName(name)).toThrow(InvalidArgumentError);
    expect(() => parseExecutionName(name)).toThrow("--name must be 1-80 letters, digits, '-' or '_'");
  });
});

describe('assertStrategy', () => {
  it('accepts every workflow with a state machine', () => {
    for (const strategy of STRATEGIES) expect(() => assertStrategy(strategy, STRATEGIES)).not.toThrow();
  });

  it('refuses another name as a usage error listing the allowed ones', () => {
    // Act
    let error: unknown;
    try {
      assertStrategy('canery', STRATEGIES);
    } catch (thrown) {
      error = thrown;
    }
    // Assess
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.Usage);
    expect((error as CliError).message).toBe(
      'strategy must be one of: canary, blue-green, rolling, database-migration (got "canery"): did you mean canary?',
    );
  });

  it('offers no strategy for a name close to none', () => {
    // Act + Assess
    expect(() => assertStrategy('deploy', STRATEGIES)).toThrowError(
      /^strategy must be one of: canary, blue-green, rolling, database-migration \(got "deploy"\)$/,
    );
  });
});

describe('localDataDir', () => {
  it('reads --data-dir, else a non-empty $CUTOVER_DATA_DIR, else .cutover', () => {
    expect(localDataDir('/tmp/rehearsal', { CUTOVER_DATA_DIR: '/tmp/other' })).toBe('/tmp/rehearsal');
    expect(localDataDir(undefined, { CUTOVER_DATA_DIR: '/tmp/other' })).toBe('/tmp/other');
    expect(localDataDir(undefined, { CUTOVER_DATA_DIR: '' })).toBe(resolve('.cutover'));
  });

  it('refuses an empty --data-dir (an unset shell variable) as a usage error, not the current directory', () => {
    // Act
    let error: unknown;
    try {
      localDataDir('', {});
    } catch (thrown) {
      error = thrown;
    }
    // Assess
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.Usage);
    expect((error as CliError).message).toBe(
      '--data-dir must name a directory (got ""; leave it out for $CUTOVER_DATA_DIR or .cutover)',
    );
  });
});
