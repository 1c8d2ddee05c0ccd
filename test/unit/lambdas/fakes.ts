import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { approvalStores } from '#adapters/approvals/index.ts';
import { clusters } from '#adapters/cluster/index.ts';
import { executionReaders } from '#adapters/executions/index.ts';
import { locks } from '#adapters/lock/index.ts';
import { metricProviders } from '#adapters/metrics/index.ts';
import { notifiers } from '#adapters/notifier/index.ts';
import { trafficRouters } from '#adapters/traffic/index.ts';
import type {
  ApprovalStore,
  Cluster,
  ExecutionOutcome,
  ExecutionReader,
  Lock,
  MetricProvider,
  Notifier,
  PendingApproval,
  RollbackClaim,
  TrafficRouter,
} from '#core/ports/index.ts';
import type {
  ClusterSnapshot,
  DeploymentEvent,
  MetricQuery,
  Release,
  RolloutStatus,
  ServiceRef,
  Weights,
} from '#core/types.ts';

/** In-memory adapters for handler wiring tests, recording the calls in order. */
export class FakeWorld {
  readonly calls: string[] = [];
  tracks = new Map<string, Release>();
  /** Each track's rollout; without `updatedReady`, every ready replica runs the track's current release. */
  statuses = new Map<string, Omit<RolloutStatus, 'updatedReady'> & { updatedReady?: number }>();
  weights: Weights = { stable: 100 };
  metrics: Record<string, number | undefined> = {};
  lockHolder: string | undefined;
  /** How long the last lock acquired holds, in seconds. */
  lockSeconds: number | undefined;
  /** What the `executions` reader answers, by execution ARN (absent: no such execution). */
  readonly executions = new Map<string, ExecutionOutcome>();
  readonly rollbackClaims = new Map<string, RollbackClaim>();
  readonly approvals = new Map<string, PendingApproval>();
  readonly events: DeploymentEvent[] = [];

  readonly cluster: Cluster = {
    type: 'local',
    apply: async (_service: ServiceRef, track: string, release: Release) => {
      this.calls.push(`apply ${track} ${release.version} x${release.replicas}`);
      this.tracks.set(track, release);
    },
    status: async (_service, track) => {
      const status = this.statuses.get(track);
      if (status) return { updatedReady: status.ready, ...status };
      return {
        desired: this.tracks.get(track)?.replicas ?? 0,
        updated: 0,
        ready: 0,
        updatedReady: 0,
        available: 0,
        complete: false,
      };
    },
    scale: async (_service, track, replicas) => {
      this.calls.push(`scale ${track} ${replicas}`);
    },
    remove: async (_service, track) => {
      this.calls.push(`remove ${track}`);
      this.tracks.delete(track);
    },
    snapshot: async (service): Promise<ClusterSnapshot> => ({
      service,
      takenAt: 'then',
      objects: [...this.tracks].map(([track, release]) => ({ track, release })),
    }),
    restore: async (snapshot) => {
      this.calls.push(`restore ${snapshot.objects.length} tracks`);
      this.tracks = new Map(
        (snapshot.objects as { track: string; release: Release }[]).map((o) => [o.track, o.release]),
      );
      return snapshot.objects.length;
    },
  };

  readonly router: TrafficRouter = {
    type: 'local',
    setWeights: async (_service, weights) => {
      this.calls.push(`weights ${JSON.stringify(weights)}`);
      this.weights = weights;
    },
    getWeights: async () => this.weights,
  };

  readonly metricProvider: MetricProvider = {
    type: 'local',
    query: async (query: MetricQuery) => {
      this.calls.push(`query ${query.track} ${query.metric} ${query.windowSeconds}s`);
      return this.metrics[query.metric];
    },
  };

  readonly lock: Lock = {
    acquire: async (_service, owner, ttlSeconds) => {
      if (this.lockHolder && this.lockHolder !== owner) return false;
      this.lockHolder = owner;
      this.lockSeconds = ttlSeconds;
      return true;
    },
    takeOver: async (_service, previousOwner, owner) => {
      if (this.lockHolder && this.lockHolder !== owner && this.lockHolder !== previousOwner) return false;
      this.lockHolder = owner;
      return true;
    },
    release: async (_service, owner) => {
      if (this.lockHolder === owner) this.lockHolder = undefined;
    },
    holder: async () => this.lockHolder,
    claimRollback: async (executionArn, rollbackArn) => {
      const claim = this.rollbackClaims.get(executionArn);
      if (claim && !claim.givenUp && claim.rollbackArn !== rollbackArn) return false;
      this.rollbackClaims.set(executionArn, { rollbackArn, givenUp: false });
      return true;
    },
    rollbackOf: async (executionArn) => this.rollbackClaims.get(executionArn),
    giveUpRollback: async (executionArn, rollbackArn) => {
      if (this.rollbackClaims.get(executionArn)?.rollbackArn !== rollbackArn) return;
      this.rollbackClaims.set(executionArn, { rollbackArn, givenUp: true });
    },
  };

  readonly executionReader: ExecutionReader = {
    describe: async (executionArn) => this.executions.get(executionArn),
  };

  readonly approvalStore: ApprovalStore = {
    put: async (approval) => void this.approvals.set(approval.executionArn, approval),
    get: async (executionArn) => this.approvals.get(executionArn),
    delete: async (executionArn) => void this.approvals.delete(executionArn),
  };

  readonly notifier: Notifier = { publish: async (event) => void this.events.push(event) };

  /** Registers these fakes as the `local` type of every request and environment family. */
  register(): this {
    clusters.register('local', () => this.cluster);
    trafficRouters.register('local', () => this.router);
    metricProviders.register('local', () => this.metricProvider);
    locks.register('local', () => this.lock);
    executionReaders.register('local', () => this.executionReader);
    approvalStores.register('local', () => this.approvalStore);
    notifiers.register('local', () => this.notifier);
    return this;
  }
}

/**
 * A fresh {@link FakeWorld} for each test of the file, registered as every `local` adapter, with the task
 * functions' environment pointing at a throw-away data dir and at no AWS resource. Returns the current world.
 *
 * @example
 * const world = useFakeWorld('cutover-handlers-');
 * it('...', () => { world().weights = { stable: 100 }; });
 */
export function useFakeWorld(prefix: string): () => FakeWorld {
  let world: FakeWorld;
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), prefix));
    process.env.CUTOVER_DATA_DIR = dataDir;
    for (const name of [
      'CUTOVER_STATE_TABLE',
      'CUTOVER_BACKUP_BUCKET',
      'CUTOVER_EVENT_TOPIC_ARN',
      'CUTOVER_EVENT_BUS',
    ]) {
      delete process.env[name];
    }
    world = new FakeWorld().register();
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));
  return () => world;
}

/** A claim `rollbackArn` holds on a stopped execution's clean-up (not given up). */
export const heldBy = (rollbackArn: string): RollbackClaim => ({ rollbackArn, givenUp: false });
