import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '#core/ports/cluster.ts';
import type { Release, RolloutStatus, ServiceRef } from '#core/types.ts';

/** What a cluster adapter's test file supplies to {@link describeClusterContract}. */
export interface ClusterContractFixture {
  create(): Promise<Cluster>;
  dispose(cluster: Cluster): Promise<void>;
  /** A release of a healthy app, in the adapter's terms (an image or a command). */
  release(version: string, replicas: number): Release;
  /** The versions the ready replicas of a track run, as observed on the data plane. */
  observeVersions(cluster: Cluster, service: ServiceRef, track: string): Promise<string[]>;
  /** A release whose replicas exit at start; omit when the adapter cannot run one. */
  crashingRelease?(version: string): Release;
  /** Pause between two status polls. @default 100 */
  readonly pollIntervalMs?: number;
  /** Polls before a rollout counts as stuck. @default 300 */
  readonly maxPolls?: number;
}

let serviceCount = 0;

/** A service of its own for each test. */
function aService(): ServiceRef {
  serviceCount += 1;
  return { name: `contract-${serviceCount}`, namespace: 'contract' };
}

/**
 * The behaviour every `Cluster` adapter shares. Rollouts are awaited by polling `status` a bounded
 * number of times, never by timing.
 *
 * @example
 * describeClusterContract('local', { create, dispose, release, observeVersions });
 */
export function describeClusterContract(name: string, fixture: ClusterContractFixture): void {
  describe(`Cluster contract: ${name}`, () => {
    let cluster: Cluster;
    const pause = () => new Promise((resolve) => setTimeout(resolve, fixture.pollIntervalMs ?? 100));

    async function pollUntil(
      service: ServiceRef,
      track: string,
      done: (status: RolloutStatus) => boolean,
    ): Promise<RolloutStatus> {
      let status = await cluster.status(service, track);
      for (let poll = 1; !done(status) && poll < (fixture.maxPolls ?? 300); poll += 1) {
        await pause();
        status = await cluster.status(service, track);
      }
      return status;
    }
    const untilComplete = (service: ServiceRef, track: string) =>
      pollUntil(service, track, (status) => status.complete);

    beforeAll(async () => {
      cluster = await fixture.create();
    });
    afterAll(async () => {
      await fixture.dispose(cluster);
    });

    it('brings an applied track to complete, every replica updated, ready and available', async () => {
      // Prepare
      const service = aService();
      // Act
      await cluster.apply(service, 'stable', fixture.release('v1', 2));
      const status = await untilComplete(service, 'stable');
      // Assess
      expect(status).toEqual({
        desired: 2,
        updated: 2,
        ready: 2,
        updatedReady: 2,
        available: 2,
        complete: true,
      });
      expect(await fixture.observeVersions(cluster, service, 'stable')).toEqual(['v1', 'v1']);
    });

    it('changes nothing when the same release is applied again', async () => {
      // Prepare
      const service = aService();
      await cluster.apply(service, 'stable', fixture.release('v1', 1));
      await untilComplete(service, 'stable');
      // Act
      await cluster.apply(service, 'stable', fixture.release('v1', 1));
      const status = await cluster.status(service, 'stable');
      // Assess
      expect(status).toEqual({
        desired: 1,
        updated: 1,
        ready: 1,
        updatedReady: 1,
        available: 1,
        complete: true,
      });
    });

    it('replaces the replicas when a new release is applied', async () => {
      // Prepare
      const service = aService();
      await cluster.apply(service, 'stable', fixture.release('v1', 2));
      await untilComplete(service, 'stable');
      // Act
      await cluster.apply(service, 'stable', fixture.release('v2', 2));
      const status = await untilComplete(service, 'stable');
      // Assess
      expect(status.complete).toBe(true);
      expect(await fixture.observeVersions(cluster, service, 'stable')).toEqual(['v2', 'v2']);
    });

    it('scales a track', async () => {
      // Prepare
      const service = aService();
      await cluster.apply(service, 'canary', fixture.release('v2', 1));
      await untilComplete(service, 'canary');
      // Act
      await cluster.scale(service, 'canary', 3);
      const status = await pollUntil(service, 'canary', (s) => s.complete && s.desired === 3);
      // Assess
      expect(status).toEqual({
        desired: 3,
        updated: 3,
        ready: 3,
        updatedReady: 3,
        available: 3,
        complete: true,
      });
    });

    it('removes a track', async () => {
      // Prepare
      const service = aService();
      await cluster.apply(service, 'canary', fixture.release('v2', 1));
      await untilComplete(service, 'canary');
      // Act
      await cluster.remove(service, 'canary');
      const status = await pollUntil(service, 'canary', (s) => s.ready === 0);
      // Assess
      expect(status).toMatchObject({ desired: 0, ready: 0 });
      expect(await fixture.observeVersions(cluster, service, 'canary')).toEqual([]);
    });

    it('restores the tracks of a snapshot and removes tracks created since', async () => {
      // Prepare
      const service = aService();
      await cluster.apply(service, 'stable', fixture.release('v1', 2));
      await untilComplete(service, 'stable');
      const snapshot = await cluster.snapshot(service);
      await cluster.apply(service, 'stable', fixture.release('v2', 1));
      await cluster.apply(service, 'canary', fixture.release('v2', 1));
      await untilComplete(service, 'stable');
      // Act
      await cluster.restore(snapshot);
      const stable = await pollUntil(service, 'stable', (s) => s.complete && s.desired === 2);
      const canary = await pollUntil(service, 'canary', (s) => s.ready === 0);
      // Assess
      expect(stable).toEqual({
        desired: 2,
        updated: 2,
        ready: 2,
        updatedReady: 2,
        available: 2,
        complete: true,
      });
      expect(await fixture.observeVersions(cluster, service, 'stable')).toEqual(['v1', 'v1']);
      expect(canary).toMatchObject({ desired: 0, ready: 0 });
    });

    it('refuses a negative replica count, naming the field, and changes nothing', async () => {
      // Prepare
      const service = aService();
      await cluster.apply(service, 'stable', fixture.release('v1', 1));
      await untilComplete(service, 'stable');
      // Act
      const applying = cluster.apply(service, 'stable', fixture.release('v2', -1));
      // Assess
      await expect(applying).rejects.toThrow(/replicas/);
      expect(await cluster.status(service, 'stable')).toMatchObject({ desired: 1, complete: true });
      expect(await fixture.observeVersions(cluster, service, 'stable')).toEqual(['v1']);
    });

    it.runIf(fixture.crashingRelease)(
      'reports a replica that keeps exiting as CrashLoopBackOff',
      async () => {
        // Prepare
        const service = aService();
        // Act
        await cluster.apply(service, 'canary', fixture.crashingRelease!('v3'));
        const status = await pollUntil(service, 'canary', (s) => s.failed !== undefined);
        // Assess
        expect(status.complete).toBe(false);
        expect(status.failed?.reason).toBe('CrashLoopBackOff');
      },
    );
  });
}
