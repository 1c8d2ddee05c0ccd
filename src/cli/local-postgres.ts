/**
 * Lets this command's connections to the embedded PostgreSQL of `dataDir` log in with the password kept
 * there, as the runtime's tasks do: names that server in `CUTOVER_LOCAL_POSTGRES` unless `env` already
 * does. Connections to any other server keep the user's `PGPASSWORD` or pgpass entries.
 *
 * @example
 * await useLocalPostgresPassword('.cutover'); // then postgres://postgres@127.0.0.1:<its port>/shop logs in
 */
export async function useLocalPostgresPassword(dataDir: string, env = process.env): Promise<void> {
  // Loaded here: only the commands that connect to a database need them.
  const [{ LOCAL_POSTGRES_VARIABLE }, { keptLocalPostgresUrl }] = await Promise.all([
    import('#adapters/database/connection.ts'),
    import('#local/kept-postgres.ts'),
  ]);
  const kept = await keptLocalPostgresUrl(dataDir);
  if (kept && !env[LOCAL_POSTGRES_VARIABLE]) env[LOCAL_POSTGRES_VARIABLE] = kept;
}
