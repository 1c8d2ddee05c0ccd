import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { EndpointSource } from './local-cluster.ts';
import type { TrafficCounters } from './traffic-counters.ts';
import { WeightedPicker } from './weighted-picker.ts';

/** Response header naming the track that answered (or that a request was routed to). */
export const TRACK_HEADER = 'x-cutover-track';

/** Response header of an answer the proxy gave itself, naming why (`no ready replica for track canary`). */
export const PROXY_ERROR_HEADER = 'x-cutover-proxy-error';

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

/**
 * One service's reverse proxy on 127.0.0.1: picks a track by weight (or the one a request names in
 * `x-cutover-track`), then a ready replica of it round-robin, forwards the request, adds `x-cutover-track` to the response and records the status and
 * latency in the traffic counters. No ready replica: 503; replica unreachable: 502 (both counted).
 *
 * @example
 * const proxy = new ServiceProxy(service, cluster, counters);
 * await proxy.listen(0);
 * proxy.setWeights({ stable: 90, canary: 10 });
 * await fetch(proxy.url);
 */
export class ServiceProxy {
  #picker = new WeightedPicker({});
  readonly #nextReplica = new Map<string, number>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 128 });
  readonly #server: Server;

  constructor(
    readonly service: ServiceRef,
    private readonly endpoints: EndpointSource,
    private readonly counters: TrafficCounters,
  ) {
    this.#server = createServer((req, res) => this.#forward(req, res));
  }

  /** The weights the proxy routes by right now. */
  get weights(): Weights {
    return this.#picker.weights;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setWeights(weights: Weights): void {
    this.#picker = new WeightedPicker(weights);
  }

  /** Listens on 127.0.0.1:`port` (0: a port from the OS). */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    this.#agent.destroy();
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #forward(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const named = req.headers[TRACK_HEADER];
    // A request naming a track goes to it whatever the weights: a smoke test of a track without traffic.
    const track = typeof named === 'string' && named !== '' ? named : this.#picker.pick();
    const finish = (status: number) => {
      if (track !== undefined) this.counters.record(this.service, track, status, performance.now() - started);
    };
    if (track === undefined) {
      this.#fail(res, 503, 'no weights set', track, finish);
      return;
    }
    this.#send(req, res, track, finish, 0);
  }

  /** Forwards to a ready replica of the track; a body-less request is retried once on a reset socket. */
  #send(
    req: IncomingMessage,
    res: ServerResponse,
    track: string,
    finish: (status: number) => void,
    attempt: number,
  ): void {
    const target = this.#replicaOf(track);
    if (target === undefined) {
      this.#fail(res, 503, `no ready replica for track ${track}`, track, finish);
      return;
    }
    const upstream = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: withoutHopByHop(req.headers), agent: this.#agent },
      (answer) => {
        const status = answer.statusCode ?? 502;
        res.writeHead(status, { ...withoutHopByHop(answer.headers), [TRACK_HEADER]: track });
        answer.pipe(res);
        answer.once('end', () => finish(status));
        answer.once('error', () => res.destroy());
      },
    );
    upstream.once('error', (error) => {
      // A replica being stopped closes its idle keep-alive sockets; one may be reused just then.
      const retriable = attempt === 0 && !res.headersSent && (req.method === 'GET' || req.method === 'HEAD');
      if (retriable) this.#send(req, res, track, finish, attempt + 1);
      else this.#fail(res, 502, `replica ${target}: ${error.message}`, track, finish);
    });
    if (attempt === 0) req.pipe(upstream);
    else upstream.end();
  }

  #replicaOf(track: string): string | undefined {
    const urls = this.endpoints.readyUrls(this.service, track);
    if (urls.length === 0) return undefined;
    const next = (this.#nextReplica.get(track) ?? 0) % urls.length;
    this.#nextReplica.set(track, next + 1);
    return urls[next];
  }

  #fail(
    res: ServerResponse,
    status: number,
    reason: string,
    track: string | undefined,
    finish: (status: number) => void,
  ): void {
    finish(status);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, {
      'content-type': 'application/json',
      [PROXY_ERROR_HEADER]: reason,
      ...(track ? { [TRACK_HEADER]: track } : {}),
    });
    res.end(JSON.stringify({ error: reason }));
  }
}

function withoutHopByHop(headers: IncomingMessage['headers']): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.includes(name)) kept[name] = value;
  }
  return kept;
}
