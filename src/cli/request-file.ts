import { readFile } from 'node:fs/promises';
import type { RequestOf, Strategy } from '#core/schemas/index.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import type { CliStrategy } from './resolve.ts';

/**
 * Reads and parses a JSON request file (a leading UTF-8 byte order mark, as some editors write, is skipped);
 * a missing file or bad JSON is a usage error.
 */
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
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new CliError(`-f ${path}: not valid JSON (${(error as Error).message})`, ExitCode.Usage);
  }
}

/**
 * The request checked against its strategy's schema, normalized; a usage error naming every bad field and
 * what is allowed otherwise. The schemas load here, when needed: zod is a large part of a cold start.
 */
export async function validateRequestFor<S extends Strategy>(
  strategy: S,
  input: unknown,
): Promise<RequestOf[S]>;
export async function validateRequestFor(strategy: CliStrategy, input: unknown): Promise<unknown>;
export async function validateRequestFor(strategy: CliStrategy, input: unknown): Promise<unknown> {
  const [{ ValidationError }, schemas, { databaseMigrationRequestSchema }] = await Promise.all([
    import('#core/errors.ts'),
    import('#core/schemas/index.ts'),
    import('#core/schemas/database-migration.ts'),
  ]);
  try {
    return strategy === 'database-migration'
      ? schemas.parseWith(databaseMigrationRequestSchema, input, 'database-migration request')
      : schemas.validateRequest(strategy, input);
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
    throw error;
  }
}
