import { sameWeights } from '#core/plan/index.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';
import type { EndpointSource } from './local-cluster.ts';
import { ServiceProxy } from './service-proxy.ts';
import type { TrafficCounters } from './traffic-counters.ts';
import { assertServiceRef, assertWeights } from './validation.ts';

/** Resolves once the service's named tracks are ready, have failed or ran out of time to be ready. */
export type ReadinessWait = (service: ServiceRef, tracks: readonly string[]) => Promise<void>;

interface RouteRow {
  namespace: string;
  name: string;
  port: number;
  weights: string;
}

/**
 * The `local` traffic router: one weighted reverse proxy per service, each on its own 127.0.0.1 port.
 * Weights and ports live in SQLite (table `local_router_services`); {@link ProxyRouter.resume} starts the
 * proxies again after a restart, on the same ports when they are free.
 *
 * @example
 * const router = new ProxyRouter({ db, endpoints: cluster, counters });
 * await router.setWeights(service, { stable: 90, canary: 10 });
 * const url = await router.url(service); // http://127.0.0.1:43121
 */
export class ProxyRouter implements TrafficRouter {
  readonly type = 'local';
  readonly #proxies = new Map<string, Promise<ServiceProxy>>();
  /** The start of each proxy {@link ProxyRouter.resume} holds back until the replicas it routes to are ready. */
  readonly #resuming = new Map<string, Promise<void>>();

  constructor(
    private readonly options: {
      readonly db: LocalDatabase;
      readonly endpoints: EndpointSource;
      readonly counters: TrafficCounters;
      /** Tells where a proxy listens once it starts; by default a `[cutover]` line on stderr. */
      readonly announce?: (line: string) => void;
    },
  ) {
    options.db.exec(`CREATE TABLE IF NOT EXISTS local_router_services (
      namespace TEXT NOT NULL, name TEXT NOT NULL, port INTEGER NOT NULL, weights TEXT NOT NULL,
      updated_at TEXT NOT NULL, PRIMARY KEY (namespace, name))`);
  }

  /**
   * Routes the service's traffic by `weights` (integer percents summing to 100), starting its proxy; a proxy
   * that {@link ProxyRouter.resume} holds back starts once the tracks these weights route to are ready.
   */
  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertServiceRef(service);
    assertWeights(weights);
    if (this.#waiting(service)) {
      this.#save(service, this.#row(service)!.port, weights);
      return;
    }
    const proxy = await this.#proxy(service);
    this.#save(service, proxy.port, weights);
    proxy.setWeights({ ...weights });
  }

  /** The stored weights; `{}` for a service that was never routed. */
  async getWeights(service: ServiceRef): Promise<Weights> {
    assertServiceRef(service);
    return weightsOf(this.#row(service));
  }

  /** True when the service's running proxy routes by exactly these weights (once a resumed one listens). */
  async verifyWeights(service: ServiceRef, weights: Weights): Promise<boolean> {
    assertServiceRef(service);
    await this.#resumed(service);
    const proxy = this.#proxies.get(keyOf(service));
    if (!proxy) return false;
    return (
      sameWeights((await proxy).weights, weights) && sameWeights(await this.getWeights(service), weights)
    );
  }

  /** The URL of the service's proxy, starting it if needed (once a resumed one listens). */
  async url(service: ServiceRef): Promise<string> {
    assertServiceRef(service);
    await this.#resumed(service);
    return (await this.#proxy(service)).url;
  }

  /**
   * Starts the proxy of every service stored in SQLite, with its stored weights, each once
   * `ready(service, tracks)` resolved for the tracks its weights route to (weight > 0): neither a track at
   * weight 0 nor another service still starting holds it back, and a proxy without weights starts at once.
   * Resolves when every proxy listens. Until then its port refuses connections: requests answered 503
   * would count against a resumed release.
   */
  async resume(ready: ReadinessWait): Promise<void> {
    const rows = this.options.db.prepare('SELECT * FROM local_router_services').all() as RouteRow[];
    await Promise.all(
      rows
        .map((row) => ({ namespace: row.namespace, name: row.name }))
        .filter((service) => !this.#proxies.has(keyOf(service))) // One started before resume stays as it is.
        .map((service) => this.#resume(service, ready)),
    );
  }

  /** Stops every proxy, one {@link ProxyRouter.resume} holds back included; weights and ports stay stored. */
  async close(): Promise<void> {
    const proxies = [...this.#proxies.values()];
    this.#proxies.clear();
    this.#resuming.clear();
    await Promise.all(proxies.map(async (proxy) => (await proxy).close()));
  }

  /** Starts the service's proxy once the tracks it routes to are ready, unless close() came first. */
  #resume(service: ServiceRef, ready: ReadinessWait): Promise<void> {
    const key = keyOf(service);
    const resuming = this.#untilRoutedReady(service, ready).then(async () => {
      // Weights come from the row as it is now: a resumed release may have set others while waiting.
      if (this.#resuming.get(key) === resuming) await this.#proxy(service);
    });
    this.#resuming.set(key, resuming);
    return resuming.finally(() => {
      if (this.#resuming.get(key) === resuming) this.#resuming.delete(key);
    });
  }

  /**
   * Waits for the tracks the stored weights route to, then for those that weights set meanwhile (by a
   * resumed release) route to, so the proxy never starts routing to a track still starting.
   */
  async #untilRoutedReady(service: ServiceRef, ready: ReadinessWait): Promise<void> {
    const waited = new Set<string>();
    const pending = () =>
      Object.entries(weightsOf(this.#row(service)))
        .filter(([track, weight]) => weight > 0 && !waited.has(track))
        .map(([track]) => track);
    for (let tracks = pending(); tracks.length > 0; tracks = pending()) {
      await ready(service, tracks);
      for (const track of tracks) waited.add(track);
    }
  }

  /** True while {@link ProxyRouter.resume} holds the service's proxy back until its replicas are ready. */
  #waiting(service: ServiceRef): boolean {
    const key = keyOf(service);
    return this.#resuming.has(key) && !this.#proxies.has(key);
  }

  /** Settles once the service's resumed proxy listens (or its resume failed); at once for any other. */
  async #resumed(service: ServiceRef): Promise<void> {
    await this.#resuming.get(keyOf(service))?.catch(() => {});
  }

  #proxy(service: ServiceRef): Promise<ServiceProxy> {
    const key = keyOf(service);
    let proxy = this.#proxies.get(key);
    if (!proxy) {
      proxy = this.#start(service);
      this.#proxies.set(key, proxy);
      proxy.catch(() => this.#proxies.delete(key));
    }
    return proxy;
  }

  async #start(service: ServiceRef): Promise<ServiceProxy> {
    const row = this.#row(service);
    const proxy = new ServiceProxy({ ...service }, this.options.endpoints, this.options.counters);
    try {
      await proxy.listen(row?.port ?? 0);
    } catch {
      await proxy.listen(0); // The stored port is taken now: take another one.
    }
    const weights = weightsOf(row);
    proxy.setWeights(weights);
    this.#save(service, proxy.port, weights);
    const announce = this.options.announce ?? ((line: string) => process.stderr.write(line));
    announce(`[cutover] ${keyOf(service)}: proxy on ${proxy.url}, where the service's traffic goes\n`);
    return proxy;
  }

  #row(service: ServiceRef): RouteRow | undefined {
    return this.options.db
      .prepare('SELECT * FROM local_router_services WHERE namespace = ? AND name = ?')
      .get(service.namespace, service.name) as RouteRow | undefined;
  }

  #save(service: ServiceRef, port: number, weights: Weights): void {
    this.options.db
      .prepare(
        `INSERT INTO local_router_services (namespace, name, port, weights, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (namespace, name) DO UPDATE SET
           port = excluded.port, weights = excluded.weights, updated_at = excluded.updated_at`,
      )
      .run(service.namespace, service.name, port, JSON.stringify(weights), new Date().toISOString());
  }
}

/** The stored weights of a row; `{}` without one. */
function weightsOf(row: RouteRow | undefined): Weights {
  return row ? (JSON.parse(row.weights) as Weights) : {};
}

function keyOf(service: ServiceRef): string {
  return `${service.namespace}/${service.name}`;
}
