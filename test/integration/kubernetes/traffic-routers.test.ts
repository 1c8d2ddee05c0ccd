import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient, type KubernetesObjects } from '#adapters/kubernetes/client.ts';
import { AlbIngressTrafficRouter } from '#adapters/traffic/alb-ingress.ts';
import { GatewayApiTrafficRouter } from '#adapters/traffic/gateway-api.ts';
import { IstioTrafficRouter } from '#adapters/traffic/istio.ts';
import { NginxIngressTrafficRouter } from '#adapters/traffic/nginx-ingress.ts';
import { ServiceSelectorTrafficRouter } from '#adapters/traffic/service-selector.ts';
import {
  RouteNotAcceptedError,
  TransientAdapterError,
  UnsupportedWeightError,
  ValidationError,
} from '#core/errors.ts';
import { fakeAlbController } from '#test/support/alb-controller-fake.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import {
  aCheckoutRoute,
  anHttpRoute,
  anIngress,
  aService,
  aTrackService,
  aVirtualService,
} from '#test/support/kubernetes-fixtures.ts';

/** An Ingress rule sending every path under / to the Service backend `backend`. */
function rootPathTo(backend: { name: string; port: object }) {
  return { http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: backend } }] } };
}

/** An nginx Ingress spec sending checkout.example.com/ to `serviceName`:80. */
function nginxIngressSpec(serviceName: string) {
  return {
    ingressClassName: 'nginx',
    rules: [{ host: 'checkout.example.com', ...rootPathTo({ name: serviceName, port: { number: 80 } }) }],
  };
}

/** An nginx Ingress spec sending each path of checkout.example.com to its Service (path -> Service name). */
function nginxIngressPaths(backends: Record<string, string>) {
  return {
    ingressClassName: 'nginx',
    rules: [
      {
        host: 'checkout.example.com',
        http: {
          paths: Object.entries(backends).map(([path, name]) => ({
            path,
            pathType: 'Prefix',
            backend: { service: { name, port: { number: 80 } } },
          })),
        },
      },
    ],
  };
}

/**
 * The ALB Ingress `checkout` whose rule uses the action `checkout`, annotated with these actions
 * and any other `annotations`.
 */
function albIngress(actions: Record<string, object>, annotations: Record<string, string> = {}) {
  return anIngress(
    { ingressClassName: 'alb', rules: [rootPathTo({ name: 'checkout', port: { name: 'use-annotation' } })] },
    {
      annotations: {
        ...annotations,
        ...Object.fromEntries(
          Object.entries(actions).map(([name, action]) => [
            `alb.ingress.kubernetes.io/actions.${name}`,
            JSON.stringify(action),
          ]),
        ),
      },
    },
  );
}

describe('Kubernetes traffic routers against the API emulator', () => {
  let emulator: KubernetesEmulator;
  let client: KubernetesObjects;
  const service = aService();
  const create = (plural: string, object: object) => emulator.store.create(plural, object as KubeObject);

  beforeAll(async () => {
    emulator = await startKubernetesEmulator();
    client = KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig());
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.reset());

  describe('ServiceSelectorTrafficRouter', () => {
    it('points the Service selector at the track at 100 and drops other selector keys', async () => {
      // Prepare
      create('services', {
        ...aTrackService(service, 'checkout', 'blue'),
        spec: {
          selector: { app: 'checkout', 'cutover.dev/track': 'blue', tier: 'web' },
          ports: [{ port: 80 }],
        },
      });
      const router = new ServiceSelectorTrafficRouter(client);
      // Act
      await router.setWeights(service, { blue: 0, green: 100 });
      // Assess
      expect(emulator.store.get('services', 'shop', 'checkout')?.spec?.selector).toEqual({
        app: 'checkout',
        'cutover.dev/track': 'green',
      });
    });

    it('refuses a split with UnsupportedWeightError and changes nothing', async () => {
      // Prepare
      create('services', aTrackService(service, 'checkout', 'blue'));
      const router = new ServiceSelectorTrafficRouter(client);
      // Act
      const setting = router.setWeights(service, { blue: 90, green: 10 });
      // Assess
      await expect(setting).rejects.toThrow(UnsupportedWeightError);
      expect(emulator.store.get('services', 'shop', 'checkout')?.spec?.selector).toMatchObject({
        'cutover.dev/track': 'blue',
      });
    });

    it('names the field when the Service does not exist', async () => {
      // Act + Assess
      await expect(
        new ServiceSelectorTrafficRouter(client).setWeights(service, { blue: 100 }),
      ).rejects.toThrow('traffic.service: Service shop/checkout does not exist');
    });
  });

  describe('GatewayApiTrafficRouter', () => {
    it('refuses weights for a track the route has no backend for, naming it', async () => {
      // Prepare
      create(
        'httproutes',
        anHttpRoute([
          { backendRefs: [{ name: 'checkout-stable', port: 80 }] },
          {
            matches: [{ path: { type: 'PathPrefix', value: '/docs' } }],
            backendRefs: [{ name: 'docs', port: 80 }],
          },
        ]),
      );
      const router = new GatewayApiTrafficRouter(client);
      // Act
      const refused = await router.setWeights(service, { stable: 90, canary: 10 }).catch((e: unknown) => e);
      // Assess
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as Error).message).toContain('has no backend for: canary');
    });

    it('sets the split of an HTTPRoute that references both tracks', async () => {
      // Prepare
      create(
        'httproutes',
        anHttpRoute([
          {
            backendRefs: [
              { name: 'checkout-stable', port: 80 },
              { name: 'checkout-canary', port: 80, weight: 0 },
            ],
          },
          { backendRefs: [{ name: 'docs', port: 80 }] },
        ]),
      );
      // Act
      await new GatewayApiTrafficRouter(client).setWeights(service, { stable: 75, canary: 25 });
      // Assess
      expect(emulator.store.get('httproutes', 'shop', 'checkout')?.spec?.rules).toEqual([
        {
          backendRefs: [
            { name: 'checkout-stable', port: 80, weight: 75 },
            { name: 'checkout-canary', port: 80, weight: 25 },
          ],
        },
        { backendRefs: [{ name: 'docs', port: 80 }] },
      ]);
    });

    it("leaves another service's rule and a rule pinned to one track as they are, through a canary, its rollback and its switch", async () => {
      // Prepare
      const apiRule = {
        matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
        backendRefs: [{ name: 'checkout-api', port: 80 }],
      };
      const pinnedRule = {
        matches: [{ headers: [{ name: 'x-track', value: 'stable' }] }],
        backendRefs: [{ name: 'checkout-stable', port: 80 }],
      };
      create(
        'httproutes',
        anHttpRoute([
          apiRule,
          pinnedRule,
          {
            backendRefs: [
              { name: 'checkout-stable', port: 80, weight: 100 },
              { name: 'checkout-canary', port: 80, weight: 0 },
            ],
          },
        ]),
      );
      const router = new GatewayApiTrafficRouter(client);
      // Act
      const found = await router.getWeights(service);
      await router.setWeights(service, { stable: 90, canary: 10 });
      await router.setWeights(service, { stable: 100, canary: 0 });
      const rolledBack = structuredClone(emulator.store.get('httproutes', 'shop', 'checkout')?.spec?.rules) as
        | unknown[]
        | undefined;
      await router.setWeights(service, { stable: 0, canary: 100 });
      // Assess
      expect(found).toEqual({ stable: 100, canary: 0 });
      expect(rolledBack?.[1]).toEqual(pinnedRule);
      expect(emulator.store.get('httproutes', 'shop', 'checkout')?.spec?.rules).toEqual([
        apiRule,
        pinnedRule,
        {
          backendRefs: [
            { name: 'checkout-stable', port: 80, weight: 0 },
            { name: 'checkout-canary', port: 80, weight: 100 },
          ],
        },
      ]);
    });

    it('refuses, before a release, a route whose tracks are only in separate rules: the split needs one rule to both', async () => {
      // Prepare
      create(
        'httproutes',
        anHttpRoute([
          { backendRefs: [{ name: 'checkout-stable', port: 80, weight: 100 }] },
          {
            matches: [{ headers: [{ name: 'x-track', value: 'canary' }] }],
            backendRefs: [{ name: 'checkout-canary', port: 80 }],
          },
        ]),
      );
      // Act
      const refused = await new GatewayApiTrafficRouter(client)
        .checkTracks(service, ['stable', 'canary'])
        .catch((error: unknown) => error);
      // Assess
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as Error).message).toBe(
        "traffic.httpRoute: HTTPRoute shop/checkout's split rule has no backend for track canary (backends for: stable): " +
          'add a backendRef to Service checkout-canary, with weight 0, before the release',
      );
    });

    it('confirms a split only once the Gateway controller has reported on that version of the route', async () => {
      // Prepare
      create('httproutes', aCheckoutRoute({ stable: 100, canary: 0 }));
      const router = new GatewayApiTrafficRouter(client);
      const reportedOnFirst = await router.verifyWeights(service, { stable: 100, canary: 0 });
      emulator.gateway.hold('shop', 'checkout');
      // Act: the Gateway reported on generation 1 and has not on generation 2 yet
      await router.setWeights(service, { stable: 90, canary: 10 });
      const beforeReport = await router
        .verifyWeights(service, { stable: 90, canary: 10 })
        .catch((error: unknown) => error);
      emulator.gateway.reset();
      const afterReport = await router.verifyWeights(service, { stable: 90, canary: 10 });
      // Assess
      expect(reportedOnFirst).toBe(true);
      expect(beforeReport).toBeInstanceOf(TransientAdapterError);
      expect((beforeReport as Error).message).toBe(
        'HTTPRoute shop/checkout: emulator.cutover.dev/gateway-controller has not reported on its generation 2 ' +
          'for Gateway shop/public yet (it reported generation 1)',
      );
      expect(afterReport).toBe(true);
      expect(emulator.store.get('httproutes', 'shop', 'checkout')?.status).toMatchObject({
        parents: [
          { parentRef: { name: 'public' }, conditions: [{ type: 'Accepted', observedGeneration: 2 }] },
        ],
      });
    });

    it('says, while no controller has reported on the route, that one may not run for its Gateway', async () => {
      // Prepare: no Gateway controller reports on the route
      create('httproutes', aCheckoutRoute({ stable: 100, canary: 0 }));
      emulator.gateway.hold('shop', 'checkout');
      const router = new GatewayApiTrafficRouter(client);
      // Act
      const unreported = await router
        .verifyWeights(service, { stable: 100, canary: 0 })
        .catch((error: unknown) => error);
      // Assess
      expect(unreported).toBeInstanceOf(TransientAdapterError);
      expect((unreported as Error).message).toBe(
        'HTTPRoute shop/checkout: no controller has reported on it for Gateway shop/public in status.parents yet ' +
          "(does a Gateway API controller run for that Gateway's GatewayClass?)",
      );
    });

    it('does not confirm a split someone rewrote after Cutover wrote it', async () => {
      // Prepare
      create('httproutes', aCheckoutRoute({ stable: 100, canary: 0 }));
      const router = new GatewayApiTrafficRouter(client);
      await router.setWeights(service, { stable: 90, canary: 10 });
      // Act
      emulator.store.update('httproutes', aCheckoutRoute({ stable: 100, canary: 0 }) as KubeObject);
      const verified = await router.verifyWeights(service, { stable: 90, canary: 10 });
      // Assess
      expect(verified).toBe(false);
    });

    it("fails the split with the controller's reason when a Gateway does not accept the route", async () => {
      // Prepare
      create('httproutes', aCheckoutRoute({ stable: 100, canary: 0 }));
      const router = new GatewayApiTrafficRouter(client);
      emulator.gateway.reject('shop', 'checkout', {
        reason: 'NotAllowedByListeners',
        message: 'No listener of Gateway public allows routes from namespace shop',
      });
      await router.setWeights(service, { stable: 90, canary: 10 });
      // Act
      const refused = await router
        .verifyWeights(service, { stable: 90, canary: 10 })
        .catch((e: unknown) => e);
      // Assess
      expect(refused).toBeInstanceOf(RouteNotAcceptedError);
      expect((refused as Error).message).toBe(
        'HTTPRoute shop/checkout is not accepted by Gateway shop/public (emulator.cutover.dev/gateway-controller): ' +
          'NotAllowedByListeners: No listener of Gateway public allows routes from namespace shop',
      );
    });
  });

  describe('IstioTrafficRouter', () => {
    it('weights destinations by per-track host and names the routes when the route is unknown', async () => {
      // Prepare
      create(
        'virtualservices',
        aVirtualService([
          {
            name: 'primary',
            route: [
              { destination: { host: 'checkout-stable.shop.svc.cluster.local' }, weight: 100 },
              { destination: { host: 'checkout-canary.shop.svc.cluster.local' }, weight: 0 },
            ],
          },
        ]),
      );
      // Act
      await new IstioTrafficRouter(client).setWeights(service, { stable: 80, canary: 20 });
      const unknown = await new IstioTrafficRouter(client, { route: 'nope' })
        .getWeights(service)
        .catch((e: unknown) => e);
      // Assess
      expect(await new IstioTrafficRouter(client).getWeights(service)).toEqual({ stable: 80, canary: 20 });
      expect((unknown as Error).message).toBe(
        'traffic.route must name an http route of VirtualService checkout: primary (got "nope")',
      );
    });

    it("reads and writes only the service's track destinations, not another service's host named like one", async () => {
      // Prepare
      const api = { destination: { host: 'checkout-api.shop.svc.cluster.local' }, weight: 0 };
      create(
        'virtualservices',
        aVirtualService([
          {
            name: 'primary',
            route: [
              { destination: { host: 'checkout-stable' }, weight: 100 },
              { destination: { host: 'checkout-canary' }, weight: 0 },
              api,
            ],
          },
        ]),
      );
      const router = new IstioTrafficRouter(client);
      // Act
      const found = await router.getWeights(service);
      await router.setWeights(service, { stable: 80, canary: 20 });
      // Assess
      expect(found).toEqual({ stable: 100, canary: 0 });
      const http = emulator.store.get('virtualservices', 'shop', 'checkout')?.spec?.http as {
        route: unknown[];
      }[];
      expect(http[0]?.route).toEqual([
        { destination: { host: 'checkout-stable' }, weight: 80 },
        { destination: { host: 'checkout-canary' }, weight: 20 },
        api,
      ]);
    });

    it('says the cluster does not serve networking.istio.io/v1 instead of calling the VirtualService missing', async () => {
      // Prepare
      const olderIstio = await startKubernetesEmulator({ unserved: ['networking.istio.io/v1'] });
      const router = new IstioTrafficRouter(KubernetesObjectClient.fromKubeConfig(olderIstio.kubeConfig()));
      // Act
      const error = await router.getWeights(service).catch((e: unknown) => e);
      await olderIstio.close();
      // Assess
      expect((error as Error).message).toBe(
        'read VirtualService shop/checkout: the cluster does not serve VirtualService in networking.istio.io/v1; ' +
          'Cutover needs networking.istio.io/v1 (Istio 1.22 or later)',
      );
    });
  });

  describe('NginxIngressTrafficRouter', () => {
    it('applies a canary twin of the primary Ingress with canary-weight', async () => {
      // Prepare
      create('ingresses', anIngress(nginxIngressSpec('checkout-stable')));
      // Act
      await new NginxIngressTrafficRouter(client).setWeights(service, { stable: 70, canary: 30 });
      // Assess
      const canary = emulator.store.get('ingresses', 'shop', 'checkout-canary');
      expect(canary?.metadata.annotations).toEqual({
        'nginx.ingress.kubernetes.io/canary': 'true',
        'nginx.ingress.kubernetes.io/canary-weight': '30',
        'nginx.ingress.kubernetes.io/canary-weight-total': '100',
      });
      expect(canary?.spec).toEqual(nginxIngressSpec('checkout-canary'));
    });

    it('gives the twin the ingress class annotation of a primary Ingress that uses it', async () => {
      // Prepare
      const { ingressClassName: _, ...spec } = nginxIngressSpec('checkout-stable');
      create('ingresses', anIngress(spec, { annotations: { 'kubernetes.io/ingress.class': 'nginx' } }));
      // Act
      await new NginxIngressTrafficRouter(client).setWeights(service, { stable: 90, canary: 10 });
      // Assess
      const canary = emulator.store.get('ingresses', 'shop', 'checkout-canary');
      expect(canary?.metadata.annotations?.['kubernetes.io/ingress.class']).toBe('nginx');
      expect(canary?.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'cutover' });
    });

    it('refuses, before and during a release, an Ingress named like the twin that is no canary, leaving it as it is', async () => {
      // Prepare
      create('ingresses', anIngress(nginxIngressSpec('checkout-stable')));
      const users = anIngress(
        { ...nginxIngressSpec('checkout-canary'), rules: [{ host: 'canary.example.com' }] },
        { name: 'checkout-canary' },
      );
      create('ingresses', users);
      const router = new NginxIngressTrafficRouter(client);
      // Act
      const checked = await router.checkTracks(service).catch((e: unknown) => e);
      const set = await router.setWeights(service, { stable: 90, canary: 10 }).catch((e: unknown) => e);
      // Assess
      expect(checked).toBeInstanceOf(ValidationError);
      expect((checked as Error).message).toMatch(
        /^traffic\.ingress: Ingress shop\/checkout-canary exists and is not a canary Ingress/,
      );
      expect(set).toBeInstanceOf(ValidationError);
      expect(emulator.store.get('ingresses', 'shop', 'checkout-canary')?.spec).toEqual(users.spec);
    });
  });

  describe('NginxIngressTrafficRouter: a primary Ingress it cannot weight', () => {
    /** The ValidationError messages of checkTracks and setWeights on the Ingress `spec`, and the Ingresses after. */
    async function refusals(spec: object) {
      create('ingresses', anIngress(spec));
      const router = new NginxIngressTrafficRouter(client);
      const checked = await router.checkTracks(service).catch((e: unknown) => e);
      const set = await router.setWeights(service, { stable: 90, canary: 10 }).catch((e: unknown) => e);
      expect(checked).toBeInstanceOf(ValidationError);
      expect(set).toBeInstanceOf(ValidationError);
      expect((set as Error).message).toBe((checked as Error).message);
      expect(emulator.store.get('ingresses', 'shop', 'checkout')?.spec).toEqual(spec);
      expect(emulator.store.get('ingresses', 'shop', 'checkout-canary')).toBeUndefined();
      return (checked as Error).message;
    }

    it("refuses one that also routes to another service's backend, saying to give that its own Ingress", async () => {
      // Act
      const message = await refusals(nginxIngressPaths({ '/': 'checkout-stable', '/api': 'other-api' }));
      // Assess
      expect(message).toBe(
        'traffic.ingress: Ingress shop/checkout routes to other-api besides the track Service checkout-stable: ' +
          'ingress-nginx weights a whole Ingress (through its canary twin), so give checkout its own Ingress, ' +
          "with other-api's paths in another",
      );
    });

    it('refuses one that routes to two tracks, saying to route it to the live one', async () => {
      // Act
      const message = await refusals(
        nginxIngressPaths({ '/': 'checkout-stable', '/beta': 'checkout-canary' }),
      );
      // Assess
      expect(message).toBe(
        'traffic.ingress: Ingress shop/checkout routes to more than one track Service (checkout-stable, ' +
          'checkout-canary): ingress-nginx weights a whole Ingress against its canary twin, so route every path ' +
          "of it to the live track's Service; Cutover's twin Ingress shop/checkout-canary routes to the other track",
      );
    });

    it('refuses one that routes to no track, naming what it routes to', async () => {
      // Act
      const message = await refusals(nginxIngressPaths({ '/': 'other-web', '/api': 'other-api' }));
      // Assess
      expect(message).toBe(
        'traffic.ingress: Ingress shop/checkout routes to no track Service checkout-<track> (found other-web, ' +
          "other-api): route its paths to the live track's Service, such as checkout-stable",
      );
    });
  });

  describe('AlbIngressTrafficRouter', () => {
    it('writes the forward action annotation with target group weights and stickiness', async () => {
      // Prepare
      create('ingresses', albIngress({}, { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' }));
      const router = new AlbIngressTrafficRouter(client, mockClient(ElasticLoadBalancingV2Client) as never, {
        ingress: 'checkout',
        servicePort: 8080,
        stickiness: { enabled: true, durationSeconds: 300 },
      });
      // Act
      await router.setWeights(service, { stable: 95, canary: 5 });
      // Assess
      const annotations = emulator.store.get('ingresses', 'shop', 'checkout')?.metadata.annotations;
      expect(annotations?.['alb.ingress.kubernetes.io/scheme']).toBe('internet-facing');
      expect(JSON.parse(annotations?.['alb.ingress.kubernetes.io/actions.checkout'] ?? '{}')).toEqual({
        type: 'forward',
        forwardConfig: {
          targetGroups: [
            { serviceName: 'checkout-stable', servicePort: '8080', weight: 95 },
            { serviceName: 'checkout-canary', servicePort: '8080', weight: 5 },
          ],
          targetGroupStickinessConfig: { enabled: true, durationSeconds: 300 },
        },
      });
    });

    it("keeps the action's stickiness and another service's target group, and reads only the tracks", async () => {
      // Prepare
      const legacy = { serviceName: 'checkout-legacy-frontend', servicePort: '80', weight: 20 };
      create(
        'ingresses',
        albIngress({
          checkout: {
            type: 'forward',
            forwardConfig: {
              targetGroups: [{ serviceName: 'checkout-stable', servicePort: '80', weight: 80 }, legacy],
              targetGroupStickinessConfig: { enabled: true, durationSeconds: 60 },
            },
          },
        }),
      );
      const router = new AlbIngressTrafficRouter(client, mockClient(ElasticLoadBalancingV2Client) as never, {
        ingress: 'checkout',
      });
      // Act
      const found = await router.getWeights(service);
      await router.setWeights(service, { stable: 90, canary: 10 });
      // Assess
      expect(found).toEqual({ stable: 100 });
      const annotations = emulator.store.get('ingresses', 'shop', 'checkout')?.metadata.annotations;
      expect(JSON.parse(annotations?.['alb.ingress.kubernetes.io/actions.checkout'] ?? '{}')).toEqual({
        type: 'forward',
        forwardConfig: {
          targetGroups: [
            { serviceName: 'checkout-stable', servicePort: '80', weight: 90 },
            { serviceName: 'checkout-canary', servicePort: '80', weight: 10 },
            legacy,
          ],
          targetGroupStickinessConfig: { enabled: true, durationSeconds: 60 },
        },
      });
      expect(await router.getWeights(service)).toEqual({ stable: 90, canary: 10 });
    });

    it("verifies the weighted action's rule only, not a rule pinned to one track or another service's", async () => {
      // Prepare
      const elbv2 = mockClient(ElasticLoadBalancingV2Client);
      fakeAlbController(elbv2, emulator);
      const only = (serviceName: string) => ({
        type: 'forward',
        forwardConfig: { targetGroups: [{ serviceName, servicePort: '80', weight: 1 }] },
      });
      create(
        'ingresses',
        albIngress({ internal: only('checkout-stable'), 'checkout-api': only('checkout-api') }),
      );
      emulator.store.updateStatus('ingresses', 'shop', 'checkout', {
        loadBalancer: { ingress: [{ hostname: 'k8s-shop-checkout-1234.eu-west-1.elb.amazonaws.com' }] },
      });
      const router = new AlbIngressTrafficRouter(
        client,
        new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
        {
          ingress: 'checkout',
        },
      );
      // Act
      await router.setWeights(service, { stable: 90, canary: 10 });
      // Assess
      expect(await router.verifyWeights(service, { stable: 90, canary: 10 })).toBe(true);
      expect(await router.verifyWeights(service, { stable: 80, canary: 20 })).toBe(false);
    });

    it('names the Ingress and the annotation when the forward action is not JSON', async () => {
      // Prepare
      create(
        'ingresses',
        albIngress({}, { 'alb.ingress.kubernetes.io/actions.checkout': '{"type": "forward",' }),
      );
      const router = new AlbIngressTrafficRouter(client, mockClient(ElasticLoadBalancingV2Client) as never, {
        ingress: 'checkout',
      });
      // Act
      const error = await router.getWeights(service).catch((e: unknown) => e);
      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as Error).message).toMatch(
        /^traffic\.ingress: Ingress shop\/checkout has a malformed annotation alb\.ingress\.kubernetes\.io\/actions\.checkout \(/,
      );
    });

    it('refuses an Ingress without a use-annotation backend for the action, naming the field', async () => {
      // Prepare
      create(
        'ingresses',
        anIngress({ rules: [rootPathTo({ name: 'checkout-stable', port: { number: 80 } })] }),
      );
      const router = new AlbIngressTrafficRouter(client, mockClient(ElasticLoadBalancingV2Client) as never, {
        ingress: 'checkout',
      });
      // Act + Assess
      await expect(router.setWeights(service, { stable: 100, canary: 0 })).rejects.toThrow(
        /^traffic\.rootService: /,
      );
    });
  });
});
