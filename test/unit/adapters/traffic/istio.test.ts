import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient, type KubernetesObjects } from '#adapters/kubernetes/client.ts';
import { IstioTrafficRouter } from '#adapters/traffic/istio.ts';
import { ValidationError } from '#core/errors.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { aService, aVirtualService } from '#test/support/kubernetes-fixtures.ts';

/** A destination of subset `subset` of host checkout, with this weight. */
const subset = (name: string, weight: number) => ({
  destination: { host: 'checkout', subset: name },
  weight,
});

/** The http route `x-canary`: requests with header x-canary: "true" go to subset canary. */
const pinnedToCanary = {
  name: 'x-canary',
  match: [{ headers: { 'x-canary': { exact: 'true' } } }],
  route: [{ destination: { host: 'checkout', subset: 'canary' } }],
};

describe('IstioTrafficRouter', () => {
  let emulator: KubernetesEmulator;
  let client: KubernetesObjects;
  const service = aService();
  const createVirtualService = (http: object[]) =>
    emulator.store.create('virtualservices', aVirtualService(http) as KubeObject);
  const storedRoutes = () =>
    emulator.store.get('virtualservices', 'shop', 'checkout')?.spec?.http as { route: unknown[] }[];
  const refusalOf = (promise: Promise<unknown>) => promise.then(() => undefined).catch((e: unknown) => e);

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
    client = KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig());
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  describe('a split route that also sends traffic to another service', () => {
    const legacy = { destination: { host: 'checkout-legacy' }, weight: 10 };
    const primary = (stable: number, canary: number) => ({
      name: 'primary',
      route: [subset('stable', stable), subset('canary', canary), legacy],
    });

    it("reads the tracks' weights as their share of what the route sends to the tracks, in percent", async () => {
      // Prepare
      createVirtualService([primary(90, 0)]);
      // Act
      const weights = await new IstioTrafficRouter(client).getWeights(service);
      // Assess
      expect(weights).toEqual({ stable: 100, canary: 0 });
    });

    it("writes the tracks' weights and keeps the other destination's, as Istio's relative weights allow", async () => {
      // Prepare
      createVirtualService([primary(90, 0)]);
      const router = new IstioTrafficRouter(client);
      // Act
      await router.setWeights(service, { stable: 90, canary: 10 });
      // Assess
      expect(storedRoutes()[0]?.route).toEqual([subset('stable', 90), subset('canary', 10), legacy]);
      expect(await router.getWeights(service)).toEqual({ stable: 90, canary: 10 });
    });

    it('accepts the tracks: the other destination keeps its share of the traffic', async () => {
      // Prepare
      createVirtualService([primary(90, 0)]);
      // Act
      const checking = new IstioTrafficRouter(client).checkTracks(service, ['stable', 'canary']);
      // Assess
      await expect(checking).resolves.toBeUndefined();
    });
  });

  describe('without traffic.route', () => {
    const primary = { name: 'primary', route: [subset('stable', 90), subset('canary', 10)] };

    it('weights the one http route with destinations for both tracks, not a route pinned to one', async () => {
      // Prepare
      createVirtualService([pinnedToCanary, primary]);
      const router = new IstioTrafficRouter(client);
      // Act
      const found = await router.getWeights(service);
      await router.checkTracks(service, ['stable', 'canary']);
      await router.setWeights(service, { stable: 50, canary: 50 });
      // Assess
      expect(found).toEqual({ stable: 90, canary: 10 });
      expect(storedRoutes()[0]).toEqual(pinnedToCanary);
      expect(storedRoutes()[1]?.route).toEqual([subset('stable', 50), subset('canary', 50)]);
    });

    it('weights the only http route, whatever its destinations', async () => {
      // Prepare
      createVirtualService([{ route: [{ destination: { host: 'checkout-stable' } }] }]);
      // Act
      const weights = await new IstioTrafficRouter(client).getWeights(service);
      // Assess
      expect(weights).toEqual({ stable: 100 });
    });

    it('refuses several routes with destinations for both tracks, naming traffic.route and the routes', async () => {
      // Prepare
      createVirtualService([
        { ...primary, name: 'eu' },
        { ...primary, name: 'us' },
      ]);
      // Act
      const refused = await refusalOf(
        new IstioTrafficRouter(client).checkTracks(service, ['stable', 'canary']),
      );
      // Assess
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as Error).message).toBe(
        'traffic.route is required: VirtualService shop/checkout has 2 http routes and 2 of them (eu, us) ' +
          'route to both tracks of checkout, so Cutover cannot tell which to weight: set traffic.route to the name ' +
          'of the http route to weight (http routes: eu, us)',
      );
    });

    it('refuses routes none of which routes to both tracks, saying an unnamed route needs a name', async () => {
      // Prepare
      const { name: _, ...unnamed } = primary;
      createVirtualService([pinnedToCanary, { ...unnamed, route: [subset('stable', 100)] }]);
      // Act
      const refused = await refusalOf(new IstioTrafficRouter(client).getWeights(service));
      // Assess
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as Error).message).toBe(
        'traffic.route is required: VirtualService shop/checkout has 2 http routes and none of them ' +
          'routes to both tracks of checkout, so Cutover cannot tell which to weight: set traffic.route to the name ' +
          'of the http route to weight (http routes: x-canary, (unnamed); an unnamed route cannot be ' +
          'chosen: give it a name)',
      );
    });
  });
});
