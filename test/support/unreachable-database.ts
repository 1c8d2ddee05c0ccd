import { createServer, type Socket } from 'node:net';

/** A database URL whose connections never complete, until `close()`. */
export interface SilentDatabase {
  /** `postgres://postgres@127.0.0.1:<port>/shop`, as a local request carries it. */
  readonly url: string;
  /** Drops the connections it holds (their clients fail) and stops listening. */
  close(): Promise<void>;
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never answers: a task connecting to it waits, so
 * a database migration stays RUNNING in that task for as long as a test needs.
 *
 * @example
 * const database = await startSilentDatabase();
 * const request = databaseMigrationInput({ target: database.url }, 'examples/migrations/shop');
 */
export async function startSilentDatabase(): Promise<SilentDatabase> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/shop`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A database URL on a loopback port nothing listens on: connections are refused. */
export async function refusingDatabaseUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `postgres://postgres@127.0.0.1:${port}/shop`;
}
