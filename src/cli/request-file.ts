import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from './exit-codes.ts';

/** Reads and parses a JSON request file; a missing file or bad JSON is a usage error. */
export async function readRequestFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `-f ${path}: cannot read the request file (${(error as Error).message})`,
      ExitCode.Usage,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`-f ${path}: not valid JSON (${(error as Error).message})`, ExitCode.Usage);
  }
}
