/**
 * Command-line options of a benchmark, read strictly: `--help` prints its usage, and an unknown option or a
 * value that is not a positive number prints what is wrong with the usage and exits 2, before anything runs.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Reads `config`'s options from the command line (or `config.args`); `usage` is the bench's command line. */
export function benchOptions<T extends ParseArgsConfig>(
  config: T,
  usage: string,
): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (error) {
    return refuseUsage((error as Error).message, usage);
  }
}

/** The number `value` of the option `--name`; exits 2 unless it is above 0 (and `whole`, when asked). */
export function positiveNumber(name: string, value: string, usage: string, whole = false): number {
  const number = Number(value);
  const kind = whole ? 'a whole number' : 'a number';
  if (value.trim() !== '' && Number.isFinite(number) && number > 0 && (!whole || Number.isInteger(number)))
    return number;
  return refuseUsage(`--${name} must be ${kind} above 0 (got ${JSON.stringify(value)})`, usage);
}

/** Prints `problem` with the bench's `usage` and exits 2. */
export function refuseUsage(problem: string, usage: string): never {
  console.error(`${problem}\nusage: ${usage}`);
  process.exit(2);
}
