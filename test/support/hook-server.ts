import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a {@link HookServer} received. */
export interface ReceivedHook {
  readonly path: string;
  readonly body: unknown;
  readonly headers: IncomingHttpHeaders;
}

/** A webhook endpoint on 127.0.0.1 that records what it is POSTed. */
export interface HookServer {
  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  readonly received: ReceivedHook[];
  close(): Promise<void>;
}

/**
 * Starts a webhook endpoint; `answer` answers each request once its JSON body has been read and recorded
 * (and may first look at the world, e.g. the service's weights while the hook runs).
 *
 * @example
 * const hooks = await startHookServer((_request, response) => response.writeHead(204).end());
 */
export async function startHookServer(
  answer: (request: ReceivedHook, response: ServerResponse) => unknown,
): Promise<HookServer> {
  const received: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const hook = { path: request.url ?? '', body: JSON.parse(text) as unknown, headers: request.headers };
      received.push(hook);
      void answer(hook, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}
