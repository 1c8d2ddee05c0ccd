import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toApiErrorResponse } from './errors.ts';
import { DEFAULT_MAX_BODY_BYTES, namesThisMachine, readBody, requestUrl, sendJson } from './http-io.ts';
import { isDecodablePath, type RouteHandler, RouteTable } from './routes.ts';
import { callStepFunctionsApi, type StepFunctionsService } from './step-functions-api.ts';

export type { RouteHandler } from './routes.ts';

const JSON_TYPE = 'application/json';

/** Where the Step Functions API is served (`POST /`, routed by `X-Amz-Target`). */
const API_PATH = '/';
/** How long a close waits for the requests in flight to be answered. */
const CLOSE_GRACE_MS = 5_000;
/**
 * How long an idle keep-alive connection is kept. Clients (the AWS SDK's agent among them) keep idle
 * connections with no limit of their own, so a call sent as the server closes one fails with `ECONNRESET`:
 * Node's 5 s makes that likely for any client polling every few seconds. Above the 60 s idle timeout of
 * AWS's load balancers, as a server behind one keeps them.
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Options of {@link LocalApiServer}. */
export interface LocalApiServerOptions {
  /** The service whose methods answer the Step Functions operations (`LocalStepFunctions`). */
  readonly service: StepFunctionsService;
  /** Largest request body accepted, in bytes. @default 4 MiB */
  readonly maxBodyBytes?: number;
  /** Where unexpected failures (HTTP 500) are reported. @default console.error */
  readonly onInternalError?: (error: unknown) => void;
}

/**
 * The local runtime's HTTP server: the Step Functions API (AWS JSON 1.0, routed by `X-Amz-Target`) plus
 * routes added by other parts of the runtime (trigger routes, console) through {@link addRoute}.
 *
 * @example
 * const server = new LocalApiServer({ service });
 * server.addRoute('GET', '/releases/:id', (req, res, { id }) => sendJson(res, 200, { id }, 'application/json'));
 * const endpoint = await server.listen(8083, '127.0.0.1'); // 'http://127.0.0.1:8083'
 * await server.close();
 */
export class LocalApiServer {
  readonly #routes = new RouteTable();
  readonly #server: Server;
  readonly #options: LocalApiServerOptions;
  /** The requests being answered: a close lets them finish, as their effects may already be committed. */
  readonly #inFlight = new Set<ServerResponse>();
  /** Set by {@link close}: every answer from then on closes its connection, so none takes another request. */
  #closing = false;
  /** Each Step Functions call in flight, aborted when its caller goes away or by {@link close}: a long poll (GetActivityTask) then answers at once. */
  readonly #callsInFlight = new Set<AbortController>();

  constructor(options: LocalApiServerOptions) {
    this.#options = options;
    this.#server = createServer((request, response) => {
      this.#inFlight.add(response);
      response.once('close', () => this.#inFlight.delete(response));
      if (this.#closing) response.setHeader('connection', 'close');
      this.#handle(request, response).catch((error: unknown) => this.#fail(response, error));
    });
    this.#server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  }

  /** Adds a route outside the Step Functions API; see {@link RouteTable} for the pattern syntax. */
  addRoute(method: string, pathPattern: string, handler: RouteHandler): void {
    this.#routes.add(method, pathPattern, handler);
  }

  /** Starts listening; resolves to the endpoint URL (with the bound port when `port` is 0). */
  listen(port: number, host = '127.0.0.1'): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.endpoint);
      });
    });
  }

  /** `http://host:port` of the listening server. */
  get endpoint(): string {
    const address = this.#server.address() as AddressInfo | null;
    if (!address) throw new Error('The server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Stops accepting connections and closes idle ones, lets the requests in flight finish for up to `graceMs`
   * (a StartExecution answered only once committed would otherwise be cut off after its execution exists),
   * then closes every connection; resolves when the server is closed. Answers from then on close their
   * connection, so a client's next request on it opens a new one, which is refused, instead of being taken
   * and then cut off.
   */
  async close(graceMs = CLOSE_GRACE_MS): Promise<void> {
    if (!this.#server.listening) return;
    this.#closing = true;
    for (const call of this.#callsInFlight) call.abort();
    for (const response of this.#inFlight) {
      if (!response.headersSent) response.setHeader('connection', 'close');
    }
    const closed = new Promise<void>((resolve, reject) =>
      this.#server.close((error) => (error ? reject(error) : resolve())),
    );
    this.#server.closeIdleConnections();
    await this.#answered(graceMs);
    this.#server.closeAllConnections();
    await closed;
  }

  /** Resolves once no request is in flight (those taken meanwhile included), or after `graceMs`. */
  async #answered(graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let gaveUp = false;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        gaveUp = true;
        resolve();
      }, graceMs);
    });
    while (this.#inFlight.size > 0 && !gaveUp) {
      const allClosed = Promise.all([...this.#inFlight].map((response) => once(response, 'close')));
      await Promise.race([allClosed, deadline]);
    }
    clearTimeout(timer);
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!namesThisMachine(request)) {
      const message = `Host ${request.headers.host}: the runtime answers requests naming it by an IP address or localhost only (a page on another name may be DNS rebinding to this machine)`;
      // Named as AWS names a refused caller, so an SDK reports it as AccessDeniedException, not Unknown.
      return sendJson(response, 403, { __type: 'AccessDeniedException', message }, JSON_TYPE);
    }
    const target = request.headers['x-amz-target'];
    const path = requestUrl(request).pathname;
    const method = request.method ?? 'GET';
    // Step Functions calls are POST / only, as AWS takes them; elsewhere the header names no call.
    if (method !== 'POST' || path !== API_PATH || target === undefined) {
      if (!isDecodablePath(path))
        return sendJson(response, 400, { message: `path ${path} is not valid percent-encoding` }, JSON_TYPE);
      const match = this.#routes.match(method, path);
      if (match) return await match.handler(request, response, match.params);
      if (method !== 'POST' || path !== API_PATH) return this.#noRoute(response, method, path);
    }
    const requestId = randomUUID();
    response.setHeader('x-amzn-requestid', requestId);
    try {
      const body = await readBody(request, this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      const traceId = headerValue(request.headers['x-amzn-trace-id']);
      // Ends a long poll when its caller goes away (the response closes unanswered) or the server closes.
      const call = new AbortController();
      this.#callsInFlight.add(call);
      response.once('close', () => {
        this.#callsInFlight.delete(call);
        call.abort();
      });
      const output = await callStepFunctionsApi(this.#options.service, headerValue(target), body, traceId, {
        signal: call.signal,
      });
      sendJson(response, 200, output);
    } catch (error) {
      this.#fail(response, error);
    }
  }

  /** 405 with `allow` when other methods serve the path, 404 otherwise. */
  #noRoute(response: ServerResponse, method: string, path: string): void {
    const methods = this.#routes.methodsFor(path);
    const allowed = (path === API_PATH ? [...methods, 'POST'] : methods).join(', ');
    if (allowed === '') {
      sendJson(response, 404, { message: `No route for ${method} ${path}` }, JSON_TYPE);
      return;
    }
    response.setHeader('allow', allowed);
    sendJson(
      response,
      405,
      { message: `${method} is not allowed on ${path} (allowed: ${allowed})` },
      JSON_TYPE,
    );
  }

  #fail(response: ServerResponse, error: unknown): void {
    // A client that went away mid-request has nobody to answer; it is not a server failure.
    if (response.destroyed || !response.socket || response.socket.destroyed) return;
    const { status, body } = toApiErrorResponse(error);
    if (status >= 500) (this.#options.onInternalError ?? console.error)(error);
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.setHeader('x-amzn-errortype', body.__type);
    sendJson(response, status, body);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
