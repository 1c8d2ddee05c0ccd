import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { serviceSchema } from '#core/schemas/common.ts';
import { parseWith } from '#core/schemas/index.ts';
import type { ServiceRef } from '#core/types.ts';
import { CliError, ExitCode } from './exit-codes.ts';

/** A service argument, `shop/checkout` or `checkout` (namespace default), checked as requests check it. */
export function serviceArgument(ref: string): ServiceRef {
  const [namespace, name, ...rest] = ref.includes('/') ? ref.split('/') : ['default', ref];
  if (rest.length > 0) {
    throw new CliError(`service must be <namespace>/<name> or <name> (got "${ref}")`, ExitCode.Usage);
  }
  return parseWith(serviceSchema, { namespace, name }, 'service');
}

/** An integer option in `[min, max]`, else a usage error naming it and the range. */
export function integerOption(option: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CliError(`${option} must be an integer ${min}-${max} (got "${value}")`, ExitCode.Usage);
  }
  return n;
}

/**
 * The data dir of a `cutover local` a command reads: `--data-dir`, else `$CUTOVER_DATA_DIR`, else `.cutover`.
 * An empty `--data-dir` (an unset shell variable) is a usage error: it would name the current directory.
 */
export function localDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (option === '') {
    throw new CliError(
      '--data-dir must name a directory (got ""; leave it out for $CUTOVER_DATA_DIR or .cutover)',
      ExitCode.Usage,
    );
  }
  return resolve(option ?? (env.CUTOVER_DATA_DIR || '.cutover'));
}

/**
 * A usage error naming `dataDir` and `--data-dir` when it is a file, or when none of `paths` (in it; by default
 * the data dir itself) is there: no `cutover local` ran on it.
 */
export function assertLocalData(dataDir: string, paths: readonly string[] = [dataDir]): void {
  if (existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
    throw new CliError(
      `${dataDir} is a file, not the data directory of \`cutover local\` (pass --data-dir)`,
      ExitCode.Usage,
    );
  }
  if (!paths.some((path) => existsSync(path))) {
    throw new CliError(`no \`cutover local\` data in ${dataDir} (pass --data-dir)`, ExitCode.Usage);
  }
}
