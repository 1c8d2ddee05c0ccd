import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesObjectClient, type KubernetesObjects } from '#adapters/kubernetes/client.ts';
import { AlbIngressTrafficRouter } from '#adapters/traffic/alb-ingress.ts';
import { GatewayApiTrafficRouter } from '#adapters/traffic/gateway-api.ts';
import { IstioTrafficRouter } from '#adapters/traffic/istio.ts';
import { NginxIngressTrafficRouter } from '#adapters/traffic/nginx-ingress.ts';
import { ServiceSelectorTrafficRouter } from '#adapters/traffic/service-selector.ts';
import { UnsupportedWeightError, ValidationError } from '#core/errors.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';

/** An nginx Ingress spec sending checkout.example.com/ to `serviceName`:80. */
function nginxIngressSpec(serviceName: string) {
  return {
    ingressClassName: 'nginx',
    rules: [
      {
        host: 'checkout.example.com',
        http: {
          paths: [
            {
              path: '/',
              pathType: 'Prefix',
              backend: { service: { name: serviceName, port: { number: 80 } } },
            },
          ],
        },
      },
    ],
  };
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
      create('httproutes', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: {
          rules: [
            { backendRefs: [{ name: 'checkout-stable', port: 80 }] },
            {
              matches: [{ path: { type: 'PathPrefix', value: '/docs' } }],
              backendRefs: [{ name: 'docs', port: 80 }],
            },
          ],
        },
      });
      const router = new GatewayApiTrafficRouter(client);
      // Act
      const refused = await router.setWeights(service, { stable: 90, canary: 10 }).catch((e: unknown) => e);
      // Assess
      expect(refused).toBeInstanceOf(ValidationError);
      expect((refused as Error).message).toContain('has no backend for: canary');
    });

    it('sets the split of an HTTPRoute that references both tracks', async () => {
      // Prepare
      create('httproutes', {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: {
          rules: [
            {
              backendRefs: [
                { name: 'checkout-stable', port: 80 },
                { name: 'checkout-canary', port: 80, weight: 0 },
              ],
            },
            { backendRefs: [{ name: 'docs', port: 80 }] },
          ],
        },
      });
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
  });

  describe('IstioTrafficRouter', () => {
    it('weights destinations by per-track host and names the routes when the route is unknown', async () => {
      // Prepare
      create('virtualservices', {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: {
          http: [
            {
              name: 'primary',
              route: [
                { destination: { host: 'checkout-stable.shop.svc.cluster.local' }, weight: 100 },
                { destination: { host: 'checkout-canary.shop.svc.cluster.local' }, weight: 0 },
              ],
            },
          ],
        },
      });
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
  });

  describe('NginxIngressTrafficRouter', () => {
    it('applies a canary twin of the primary Ingress with canary-weight', async () => {
      // Prepare
      create('ingresses', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: nginxIngressSpec('checkout-stable'),
      });
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
  });

  describe('AlbIngressTrafficRouter', () => {
    it('writes the forward action annotation with target group weights and stickiness', async () => {
      // Prepare
      create('ingresses', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'checkout',
          namespace: 'shop',
          annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' },
        },
        spec: {
          ingressClassName: 'alb',
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'checkout', port: { name: 'use-annotation' } } },
                  },
                ],
              },
            },
          ],
        },
      });
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

    it('refuses an Ingress without a use-annotation backend for the action, naming the field', async () => {
      // Prepare
      create('ingresses', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'checkout', namespace: 'shop' },
        spec: {
          rules: [
            {
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'checkout-stable', port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      });
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
