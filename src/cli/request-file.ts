import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { notValidJson } from '#core/json-syntax.ts';
import type { DatabaseMigrationRequest } from '#core/schemas/database-migration.ts';
import type { RequestOf, Strategy } from '#core/schemas/index.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import type { CliStrategy } from './resolve.ts';

/**
 * Parses `-f, --file`: a value that is an option (`-f --endpoint ...`, the path left out) is refused, naming
 * the flag, rather than read as the file's name, which would leave the option's own value as a stray argument.
 */
export function parseRequestFilePath(value: string): string {
  if (/^--?[A-Za-z]/.test(value)) {
    throw new InvalidArgumentError(
      `-f needs the request file's path (got the option ${JSON.stringify(value)})`,
    );
  }
  return value;
}

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
  const json = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(json);
  } catch (error) {
    throw new CliError(`-f ${path}: ${notValidJson(json, error)}`, ExitCode.Usage);
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
  const [{ ValidationError }, schemas, { databaseMigrationAdmissionSchema }] = await Promise.all([
    import('#core/errors.ts'),
    import('#core/schemas/index.ts'),
    import('#core/schemas/database-migration.ts'),
  ]);
  try {
    return strategy === 'database-migration'
      ? schemas.parseWith(databaseMigrationAdmissionSchema, input, 'database-migration request')
      : schemas.validateRequest(strategy, input);
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
    throw error;
  }
}

/**
 * A database migration request whose relative `migrations.directory` is made absolute from the working
 * directory, so `cutover local`, which may run elsewhere, applies the files `run` checked; any other
 * request as it is.
 *
 * @example
 * withAbsoluteMigrationsDirectory({ migrations: { directory: 'db' } }); // { migrations: { directory: '/home/me/shop/db' } }
 */
export function withAbsoluteMigrationsDirectory(request: unknown): unknown {
  const migrations = (request as { migrations?: { directory?: unknown } } | null)?.migrations;
  const directory = migrations?.directory;
  // An empty one stays empty, for validation to refuse, instead of naming the working directory.
  if (typeof directory !== 'string' || directory.trim() === '' || isAbsolute(directory)) return request;
  return { ...(request as object), migrations: { ...migrations, directory: resolve(directory) } };
}

/**
 * Reads a request's `migrations.directory` as Prepare will (relative to the working directory), so a
 * missing, empty or non-directory one, or a badly named file, is a usage error naming the field and the
 * path before anything runs; `migrations.s3Prefix` is read at Migrate, from the bucket (admission checks
 * only its shape).
 * Returns the migrations of the request's phase (`V1__orders`), and why each file that cannot run in a
 * transaction cannot (Prepare refuses such a file while it is pending on the target, which only the
 * target's history tells).
 *
 * @example
 * const { conflicts } = await checkMigrationsDirectory(await validateRequestFor('database-migration', input));
 */
export async function checkMigrationsDirectory(
  request: DatabaseMigrationRequest,
): Promise<{ migrations?: string[]; conflicts: string[] }> {
  const directory = request.migrations?.directory;
  if (directory === undefined) return { conflicts: [] };
  // Loaded here: only a database migration reads migration files. Its ValidationError exits 2 with its
  // message, as bin/cutover.ts ends every ValidationError.
  const { loadMigrationsFromDirectory, pendingConflict } = await import(
    '#adapters/database/migration-files.ts'
  );
  const migrations = await loadMigrationsFromDirectory(directory);
  const phase = request.migrations?.phase ?? 'all';
  return {
    migrations: migrations
      .filter((migration) => phase === 'all' || migration.phase === phase)
      .map((migration) => `V${migration.version}__${migration.name}`),
    conflicts: migrations.flatMap((migration) => pendingConflict(migration) ?? []),
  };
}
