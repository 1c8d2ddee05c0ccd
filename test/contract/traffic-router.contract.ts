import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';

/** What a router adapter's test file supplies to {@link describeTrafficRouterContract}. */
export interface TrafficRouterContractFixture {
  create(): Promise<TrafficRouter>;
  dispose(router: TrafficRouter): Promise<void>;
  /** A service whose two tracks exist and can take traffic (objects created in the emulator, ...). */
  prepareService(router: TrafficRouter): Promise<{ service: ServiceRef; tracks: readonly [string, string] }>;
  /** False for routers that only switch all traffic (0/100). @default true */
  readonly splitsTraffic?: boolean;
  /**
   * False for routers that read no weights (`{}`) from a routing object no setWeights has written yet:
   * BackupState then records none and Rollback sets none back. @default true
   */
  readonly readsUntouchedWeights?: boolean;
  /**
   * Makes the service's routing object send no traffic to any of its tracks, as a user sets it up before
   * the service's first release (every backend weight 0). Absent for routers that cannot say so.
   */
  sendNoTraffic?(service: ServiceRef): Promise<void>;
  /**
   * Removes the routing object's backend for `track`, as a route written for other tracks has none.
   * Absent for routers that can route any track.
   */
  dropBackend?(service: ServiceRef, track: string): Promise<void>;
}

/**
 * The behaviour every `TrafficRouter` adapter shares: absolute, idempotent weights, read back as set and
 * set back as read, and bad weights refused without changing anything.
 *
 * @example
 * describeTrafficRouterContract('local', { create, dispose, prepareService });
 */
export function describeTrafficRouterContract(name: string, fixture: TrafficRouterContractFixture): void {
  describe(`TrafficRouter contract: ${name}`, () => {
    let router: TrafficRouter;
    const split = (a: string, b: string, weightOfB: number): Weights =>
      fixture.splitsTraffic === false ? { [a]: 0, [b]: 100 } : { [a]: 100 - weightOfB, [b]: weightOfB };

    beforeAll(async () => {
      router = await fixture.create();
    });
    afterAll(async () => {
      await fixture.dispose(router);
    });

    it('reads back the weights it was given', async () => {
      // Prepare
      const { service, tracks } = await fixture.prepareService(router);
      const [stable, canary] = tracks;
      // Act
      await router.setWeights(service, split(stable, canary, 10));
      // Assess
      expect(await router.getWeights(service)).toEqual(split(stable, canary, 10));
    });

    it('sets absolute weights: the same call twice has the effect of once', async () => {
      // Prepare
      const { service, tracks } = await fixture.prepareService(router);
      const [stable, canary] = tracks;
      // Act
      await router.setWeights(service, split(stable, canary, 50));
      await router.setWeights(service, split(stable, canary, 50));
      // Assess
      expect(await router.getWeights(service)).toEqual(split(stable, canary, 50));
    });

    it('switches all traffic back to one track', async () => {
      // Prepare
      const { service, tracks } = await fixture.prepareService(router);
      const [stable, canary] = tracks;
      await router.setWeights(service, split(stable, canary, 100));
      // Act
      await router.setWeights(service, { [stable]: 100, [canary]: 0 });
      // Assess
      expect(await router.getWeights(service)).toEqual({ [stable]: 100, [canary]: 0 });
    });

    it.runIf(fixture.readsUntouchedWeights !== false)(
      'takes back the weights it reads from an untouched routing object (Rollback of a first release)',
      async () => {
        // Prepare
        const { service } = await fixture.prepareService(router);
        const found = await router.getWeights(service);
        // Act
        await router.setWeights(service, found);
        // Assess
        expect(await router.getWeights(service)).toEqual(found);
      },
    );

    it.runIf(fixture.readsUntouchedWeights === false)(
      'reads no weights from an untouched routing object, so Rollback has none to take back',
      async () => {
        // Prepare
        const { service } = await fixture.prepareService(router);
        // Act
        const found = await router.getWeights(service);
        // Assess
        expect(found).toEqual({});
      },
    );

    it('refuses weights that do not sum to 100, naming weights, and changes nothing', async () => {
      // Prepare
      const { service, tracks } = await fixture.prepareService(router);
      const [stable, canary] = tracks;
      await router.setWeights(service, { [stable]: 100, [canary]: 0 });
      // Act
      const setting = router.setWeights(service, { [stable]: 90, [canary]: 20 });
      // Assess
      await expect(setting).rejects.toThrow(/weights/);
      expect(await router.getWeights(service)).toEqual({ [stable]: 100, [canary]: 0 });
    });

    it.runIf(fixture.sendNoTraffic)(
      'reads a routing object that sends no track any traffic as every track at 0 (a first release)',
      async () => {
        // Prepare
        const { service, tracks } = await fixture.prepareService(router);
        const [stable, canary] = tracks;
        await fixture.sendNoTraffic!(service);
        // Act
        const weights = await router.getWeights(service);
        const verified = await router.verifyWeights?.(service, { [stable]: 100, [canary]: 0 });
        // Assess
        expect(weights).toEqual({ [stable]: 0, [canary]: 0 });
        expect(verified).not.toBe(true);
      },
    );

    it.runIf(fixture.dropBackend)(
      'refuses a track the routing object has no backend for, naming the traffic field, and changes nothing',
      async () => {
        // Prepare
        const { service, tracks } = await fixture.prepareService(router);
        const [stable, canary] = tracks;
        await router.setWeights(service, { [stable]: 100, [canary]: 0 });
        await fixture.dropBackend!(service, canary);
        // Act
        const checking = router.checkTracks!(service, [stable, canary]);
        // Assess
        await expect(checking).rejects.toThrow(
          new RegExp(`^traffic\\.\\w+: .* has no backend for track ${canary} \\(backends for: ${stable}\\)`),
        );
        expect(await router.getWeights(service)).toEqual({ [stable]: 100 });
      },
    );

    it('accepts the tracks of a service whose routing object routes both', async () => {
      // Prepare
      const { service, tracks } = await fixture.prepareService(router);
      // Act
      const checking = Promise.resolve(router.checkTracks?.(service, tracks));
      // Assess
      await expect(checking).resolves.toBeUndefined();
    });

    it('verifies the weights the data plane applies, when it can', async () => {
      // Prepare
      const { service, tracks } = await fixture.prepareService(router);
      const [stable, canary] = tracks;
      await router.setWeights(service, split(stable, canary, 100));
      // Act
      const verified = await router.verifyWeights?.(service, split(stable, canary, 100));
      const other = await router.verifyWeights?.(service, { [stable]: 100, [canary]: 0 });
      // Assess
      if (router.verifyWeights) {
        expect(verified).toBe(true);
        expect(other).toBe(false);
      } else expect(verified).toBeUndefined();
    });
  });
}
