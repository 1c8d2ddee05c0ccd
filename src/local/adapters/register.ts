import { resolve } from 'node:path';
import { approvalStores } from '#adapters/approvals/index.ts';
import { clusters } from '#adapters/cluster/index.ts';
import { locks } from '#adapters/lock/index.ts';
import { metricProviders } from '#adapters/metrics/index.ts';
import { notifiers } from '#adapters/notifier/index.ts';
import { trafficRouters } from '#adapters/traffic/index.ts';
import type { ServiceRef } from '#core/types.ts';
import { COUNTER_SAVE_INTERVAL_MS, CounterTable } from './counter-table.ts';
import { type LocalDatabase, openLocalDatabase } from './database.ts';
import { LocalCluster, type LocalClusterOptions } from './local-cluster.ts';
import { LocalNotifier } from './local-notifier.ts';
import { ProxyMetrics } from './proxy-metrics.ts';
import { ProxyRouter } from './proxy-router.ts';
import { SqliteApprovalStore } from './sqlite-approval-store.ts';
import { SqliteLock } from './sqlite-lock.ts';
import { TrafficCounters } from './traffic-counters.ts';

/** Options of {@link registerLocalAdapters}. */
export interface LocalAdapterOptions {
  /** The runtime's data directory: `cutover.db` and the replica logs live there. */
  readonly dataDir: string;
  /** Replica settings (working directory, probe interval, readiness timeout, stop grace period). */
  readonly cluster?: Omit<LocalClusterOptions, 'db' | 'dataDir'>;
  /** Start the tracks and proxies persisted in the data dir. @default true */
  readonly resume?: boolean;
  /** Write a line on stderr for each notification (they are kept in `cutover.db` either way). @default true */
  readonly echoNotifications?: boolean;
}

/** Every local adapter of one data directory, sharing one SQLite connection and one set of counters. */
export interface LocalAdapters {
  readonly dataDir: string;
  readonly db: LocalDatabase;
  readonly cluster: LocalCluster;
  readonly counters: TrafficCounters;
  readonly router: ProxyRouter;
  readonly metrics: ProxyMetrics;
  readonly lock: SqliteLock;
  readonly approvals: SqliteApprovalStore;
  readonly notifier: LocalNotifier;
}

/** What {@link registerLocalAdapters} returns. */
export interface LocalAdaptersHandle {
  readonly adapters: LocalAdapters;
  /**
   * Settles once every persisted proxy listens again, each as soon as the tracks its weights route to are
   * ready (tracks start in the background).
   */
  readonly resumed: Promise<void>;
  /** Stops every replica and proxy started through this handle and closes the database. */
  close(): Promise<void>;
}

interface Shared {
  adapters: LocalAdapters;
  counterTable: CounterTable;
  stopSavingCounters: () => void;
  users: number;
}

const shared = new Map<string, Shared>();

/**
 * Registers the `local` type in every adapter family (`cluster`, `traffic`, `metrics`, `lock`,
 * `approvals`, `notifier`), with one shared set of instances per data directory, and starts again what
 * the data directory says was running.
 *
 * @example
 * const local = registerLocalAdapters({ dataDir: '.cutover' });
 * const cluster = createCluster({ type: 'local' }); // local.adapters.cluster
 * await local.close();
 */
export function registerLocalAdapters(options: LocalAdapterOptions): LocalAdaptersHandle {
  const opened: string[] = [];
  const environment = (dataDir: string): LocalAdapters => {
    const key = resolve(dataDir);
    if (!opened.includes(key)) {
      opened.push(key);
      acquire(key, options.cluster, options.echoNotifications ?? true);
    }
    return shared.get(key)!.adapters;
  };
  const adapters = environment(options.dataDir);
  clusters.register('local', () => adapters.cluster);
  trafficRouters.register('local', () => adapters.router);
  metricProviders.register('local', () => adapters.metrics);
  locks.register('local', (config) => environment(dataDirOf(config, options.dataDir)).lock);
  approvalStores.register('local', (config) => environment(dataDirOf(config, options.dataDir)).approvals);
  notifiers.register('local', (config) => environment(dataDirOf(config, options.dataDir)).notifier);
  let resumed = Promise.resolve();
  if (options.resume ?? true) {
    // Each proxy serves again once the replicas its weights route to are back: requests that reached it
    // before would fail for the restart alone, and a resumed analysis would count them against the release.
    const { cluster, router } = adapters;
    cluster.resume();
    resumed = router.resume((service, tracks) => cluster.untilReady(service, tracks));
  }
  return {
    adapters,
    resumed,
    close: async () => {
      await resumed.catch(() => {});
      await Promise.all(opened.splice(0).map(release));
    },
  };
}

function dataDirOf(config: { type: string }, fallback: string): string {
  const dataDir = (config as { dataDir?: unknown }).dataDir;
  return typeof dataDir === 'string' && dataDir.length > 0 ? dataDir : fallback;
}

function acquire(dataDir: string, cluster: LocalAdapterOptions['cluster'], echoNotifications: boolean): void {
  const existing = shared.get(dataDir);
  if (existing) {
    existing.users += 1;
    return;
  }
  const db = openLocalDatabase(dataDir);
  const counters = new TrafficCounters();
  const counterTable = new CounterTable(db, counters);
  counterTable.load();
  // A track's counters describe its current release only: a canary after a rolled-back one starts clean.
  const onTrackChanged = (service: ServiceRef, track: string) => counters.forget(service, track);
  const localCluster = new LocalCluster({ ...cluster, db, dataDir, onTrackChanged });
  const adapters: LocalAdapters = {
    dataDir,
    db,
    cluster: localCluster,
    counters,
    router: new ProxyRouter({ db, endpoints: localCluster, counters }),
    metrics: new ProxyMetrics(counters),
    lock: new SqliteLock(db),
    approvals: new SqliteApprovalStore(db),
    notifier: new LocalNotifier(db, echoNotifications ? undefined : () => {}),
  };
  const stopSavingCounters = counterTable.saveEvery(COUNTER_SAVE_INTERVAL_MS);
  shared.set(dataDir, { adapters, counterTable, stopSavingCounters, users: 1 });
}

async function release(dataDir: string): Promise<void> {
  const entry = shared.get(dataDir);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  shared.delete(dataDir);
  await Promise.all([entry.adapters.cluster.closeAll(), entry.adapters.router.close()]);
  entry.stopSavingCounters();
  try {
    entry.counterTable.save();
  } catch {
    // Unsaved counters cost the next start's first analyses their last second of requests, nothing more.
  }
  entry.adapters.db.close();
}
