import { Agent, get } from 'node:http';
import { ValidationError } from '#core/errors.ts';
import { PROXY_ERROR_HEADER, TRACK_HEADER } from './service-proxy.ts';

/** Options of {@link startTraffic}. */
export interface TrafficOptions {
  /** A loopback URL, usually a service's proxy (`http://127.0.0.1:43121/`). */
  readonly url: string;
  /** Requests started per second (1..10000). */
  readonly ratePerSecond: number;
  /** Stop after this many requests. @default unbounded, until stop() */
  readonly total?: number;
  /** Requests in flight at most; the rate drops when the target is slower. @default 32 */
  readonly concurrency?: number;
  /**
   * Sends every request to this track of the service, whatever the weights (the `x-cutover-track` request
   * header): how a track without weight, such as a blue-green preview, gets requests to judge.
   */
  readonly track?: string;
}

/** What the generator saw: answers by HTTP status and by the `x-cutover-track` header. */
export interface TrafficStats {
  sent: number;
  answered: number;
  /** Requests that got no HTTP answer, or an answer broken off (connection refused, reset). */
  failed: number;
  /** The failed requests by why: the error's code (`ECONNRESET`), or its message when it has none. */
  byFailure: Record<string, number>;
  byStatus: Record<string, number>;
  /** Answers by the track they were routed to, the proxy's own answers included. */
  byTrack: Record<string, number>;
  /** Answers the proxy gave itself, by why (`no ready replica for track canary`). */
  byProxyError: Record<string, number>;
}

/** A running generator. */
export interface Traffic {
  /** The live counts. */
  readonly stats: TrafficStats;
  /** Settles when `total` requests have been answered (or failed), or after stop(). */
  readonly done: Promise<TrafficStats>;
  /** Stops sending and waits for the requests in flight. */
  stop(): Promise<TrafficStats>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Sends GET requests at a bounded rate to a loopback URL, counting answers by status and by track.
 *
 * @example
 * const traffic = startTraffic({ url: await router.url(service), ratePerSecond: 50 });
 * // ... later
 * const stats = await traffic.stop(); // { sent: 500, byTrack: { stable: 450, canary: 50 }, ... }
 */
export function startTraffic(options: TrafficOptions): Traffic {
  assertOptions(options);
  const stats: TrafficStats = {
    sent: 0,
    answered: 0,
    failed: 0,
    byFailure: {},
    byStatus: {},
    byTrack: {},
    byProxyError: {},
  };
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 32 });
  const concurrency = options.concurrency ?? 32;
  const headers = options.track === undefined ? {} : { [TRACK_HEADER]: options.track };
  const total = options.total ?? Number.POSITIVE_INFINITY;
  const started = performance.now();
  let inFlight = 0;
  let stopped = false;
  let finish: (stats: TrafficStats) => void = () => {};
  const done = new Promise<TrafficStats>((resolve) => {
    finish = resolve;
  });
  const settleIfDone = () => {
    if (inFlight === 0 && (stopped || stats.sent >= total)) {
      clearInterval(timer);
      agent.destroy();
      finish(stats);
    }
  };
  const sendOne = () => {
    stats.sent += 1;
    inFlight += 1;
    let settled = false;
    const settle = (counted: () => void) => {
      if (settled) return;
      settled = true;
      counted();
      inFlight -= 1;
      settleIfDone();
    };
    const failed = (error: NodeJS.ErrnoException) =>
      settle(() => {
        stats.failed += 1;
        count(stats.byFailure, error.code ?? error.message);
      });
    const request = get(options.url, { agent, headers }, (res) => {
      res.resume();
      // An answer broken off mid-body fails the response, not the request.
      res.once('error', failed);
      res.once('end', () =>
        settle(() => {
          stats.answered += 1;
          count(stats.byStatus, String(res.statusCode));
          const track = res.headers[TRACK_HEADER];
          if (typeof track === 'string') count(stats.byTrack, track);
          const proxyError = res.headers[PROXY_ERROR_HEADER];
          if (typeof proxyError === 'string') count(stats.byProxyError, proxyError);
        }),
      );
    });
    request.once('error', failed);
  };
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * options.ratePerSecond));
    while (!stopped && stats.sent < due && inFlight < concurrency) sendOne();
    settleIfDone();
  }, 5);
  return {
    stats,
    done,
    stop: () => {
      stopped = true;
      settleIfDone();
      return done;
    },
  };
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function assertOptions(options: TrafficOptions): void {
  if (!URL.canParse(options.url) || new URL(options.url).protocol !== 'http:') {
    throw new ValidationError(`url must be an http URL (got ${JSON.stringify(options.url)})`);
  }
  if (!LOOPBACK.has(new URL(options.url).hostname)) {
    throw new ValidationError(`url must point at 127.0.0.1, localhost or [::1] (got ${options.url})`);
  }
  if (
    !Number.isFinite(options.ratePerSecond) ||
    options.ratePerSecond < 1 ||
    options.ratePerSecond > 10_000
  ) {
    throw new ValidationError(`ratePerSecond must be between 1 and 10000 (got ${options.ratePerSecond})`);
  }
  if (options.total !== undefined && (!Number.isInteger(options.total) || options.total < 1)) {
    throw new ValidationError(`total must be an integer >= 1 (got ${options.total})`);
  }
  const concurrency = options.concurrency ?? 32;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
    throw new ValidationError(`concurrency must be an integer between 1 and 1024 (got ${concurrency})`);
  }
}
