import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * HTTP servers on 127.0.0.1, each on a free port, answering every request as a test says: an endpoint
 * that is not Step Functions (a proxy's 502, an empty 404, one that never answers). Stop them after each test.
 *
 * @example
 * const servers = new AnsweringServers();
 * afterEach(() => servers.stopAll());
 * const endpoint = await servers.start((_, response) => response.writeHead(502).end());
 */
export class AnsweringServers {
  readonly #servers: Server[] = [];

  /** Starts a server answering with `answer` (the request body read first); resolves with its URL. */
  async start(answer: RequestListener): Promise<string> {
    const server = createServer((request, response) => {
      request.resume();
      answer(request, response);
    });
    this.#servers.push(server);
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** A URL nothing listens on: a server's, closed. */
  async closedPort(): Promise<string> {
    const url = await this.start(() => {});
    await close(this.#servers.pop()!);
    return url;
  }

  /** Stops every server started, cutting the connections still open. */
  async stopAll(): Promise<void> {
    for (const server of this.#servers.splice(0)) await close(server);
  }
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
}

/** Credentials and files that keep the SDK away from the machine's own AWS setup (for a CLI run with `--aws`). */
export const ISOLATED_AWS = {
  AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_REGION: '',
  AWS_DEFAULT_REGION: '',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  CUTOVER_STACK: '',
};
