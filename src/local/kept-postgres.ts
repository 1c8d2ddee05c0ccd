import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The files in the data dir that keep the embedded PostgreSQL's password and port from start to start. */
export const LOCAL_POSTGRES_FILES = { password: 'postgres.password', port: 'postgres.port' } as const;

/** The superuser of the embedded server, the one requests name. */
export const LOCAL_POSTGRES_USER = 'postgres';

/**
 * The URL of `database` on the embedded server on `port`, as its superuser; with its `password` when given
 * (the tasks' URL), without it as requests carry it.
 *
 * @example
 * localServerUrl(5432, 'shop'); // 'postgres://postgres@127.0.0.1:5432/shop'
 */
export function localServerUrl(port: number | string, database: string, password?: string): string {
  const url = new URL(`postgres://${LOCAL_POSTGRES_USER}@127.0.0.1:${port}/${encodeURIComponent(database)}`);
  if (password !== undefined) url.password = encodeURIComponent(password);
  return url.toString();
}

/**
 * The embedded PostgreSQL of `dataDir` as `CUTOVER_LOCAL_POSTGRES` names it to the tasks
 * (`postgres://postgres:<password>@127.0.0.1:<port>/postgres`), from the password and port kept there; none
 * when no `cutover local` with data services ran on it. While one runs, that is where its server listens,
 * so a command outside the runtime (`cutover plan`) connects to it as the tasks do.
 *
 * @example
 * const url = await keptLocalPostgresUrl('.cutover'); // postgres://postgres:...@127.0.0.1:5432/postgres
 */
export async function keptLocalPostgresUrl(dataDir: string): Promise<string | undefined> {
  const [password, port] = await Promise.all(
    [LOCAL_POSTGRES_FILES.password, LOCAL_POSTGRES_FILES.port].map((file) =>
      readFile(join(dataDir, file), 'utf8').then(
        (text) => text.trim(),
        () => undefined,
      ),
    ),
  );
  if (!password || !port) return undefined;
  return localServerUrl(port, 'postgres', password);
}
