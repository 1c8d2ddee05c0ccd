import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesObjectClient, type KubernetesObjects } from '#adapters/kubernetes/client.ts';
import { trackDeployment } from '#adapters/kubernetes/manifests.ts';
import { AlbIngressTrafficRouter } from '#adapters/traffic/alb-ingress.ts';
import { GatewayApiTrafficRouter } from '#adapters/traffic/gateway-api.ts';
import { IstioTrafficRouter } from '#adapters/traffic/istio.ts';
import { NginxIngressTrafficRouter } from '#adapters/traffic/nginx-ingress.ts';
import { ServiceSelectorTrafficRouter } from '#adapters/traffic/service-selector.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef } from '#core/types.ts';
import { fakeAlbController } from '#test/support/alb-controller-fake.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { aRelease, aTrackService } from '#test/support/kubernetes-fixtures.ts';
import { describeTrafficRouterContract } from './traffic-router.contract.ts';

let emulator: KubernetesEmulator;
let client: KubernetesObjects;
let serviceCount = 0;

/** A service with Deployments and Services for tracks stable and canary, plus its routing object. */
function prepare(routing: (service: ServiceRef) => KubeObject[]) {
  return async () => {
    serviceCount += 1;
    const service = { name: `routed-${serviceCount}`, namespace: 'contract' };
    for (const track of ['stable', 'canary']) {
      emulator.store.create('deployments', trackDeployment(service, track, aRelease()) as KubeObject);
      emulator.store.create(
        'services',
        aTrackService(service, `${service.name}-${track}`, track) as KubeObject,
      );
    }
    for (const object of routing(service)) {
      const plural = {
        Service: 'services',
        Ingress: 'ingresses',
        HTTPRoute: 'httproutes',
        VirtualService: 'virtualservices',
      }[object.kind]!;
      const { status, ...spec } = object;
      emulator.store.create(plural, spec as KubeObject);
      if (status) emulator.store.updateStatus(plural, service.namespace, object.metadata.name, status);
    }
    return { service, tracks: ['stable', 'canary'] as const };
  };
}

/** Changes the stored routing object of the service in place (as `kubectl edit` would). */
function edit(plural: string, service: ServiceRef, change: (object: KubeObject) => void) {
  const object = emulator.store.get(plural, service.namespace, service.name)!;
  change(object);
  emulator.store.update(plural, object);
}

function fixture(create: () => TrafficRouter, routing: (service: ServiceRef) => KubeObject[]) {
  return {
    async create() {
      emulator = await startKubernetesEmulator();
      client = KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig());
      return create();
    },
    async dispose() {
      await emulator.close();
    },
    prepareService: prepare(routing),
  };
}

const ingress = (
  service: ServiceRef,
  backend: { name: string; port: Record<string, unknown> },
  status?: Record<string, unknown>,
): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: service.name, namespace: service.namespace },
  spec: {
    ingressClassName: 'nginx',
    rules: [
      {
        host: `${service.name}.example.com`,
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: backend } }] },
      },
    ],
  },
  ...(status ? { status } : {}),
});

describeTrafficRouterContract('service-selector (API emulator)', {
  ...fixture(
    () => new ServiceSelectorTrafficRouter(client),
    (service) => [aTrackService(service, service.name, 'stable') as KubeObject],
  ),
  splitsTraffic: false,
  async sendNoTraffic(service) {
    edit('services', service, (object) => {
      object.spec = { ...object.spec, selector: { app: service.name } };
    });
  },
});

describeTrafficRouterContract('gateway-api (API emulator)', {
  ...fixture(
    () => new GatewayApiTrafficRouter(client),
    (service) => [
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: service.name, namespace: service.namespace },
        spec: {
          parentRefs: [{ name: 'public' }],
          rules: [
            {
              matches: [{ path: { type: 'PathPrefix', value: '/' } }],
              backendRefs: [
                { name: `${service.name}-stable`, port: 80, weight: 100 },
                { name: `${service.name}-canary`, port: 80, weight: 0 },
              ],
            },
          ],
        },
      },
    ],
  ),
  async dropBackend(service, track) {
    edit('httproutes', service, (route) => {
      const rules = route.spec!.rules as { backendRefs?: { name: string }[] }[];
      route.spec = {
        ...route.spec,
        rules: rules.map((r) => ({
          ...r,
          backendRefs: r.backendRefs?.filter((ref) => ref.name !== `${service.name}-${track}`),
        })),
      };
    });
  },
  async sendNoTraffic(service) {
    edit('httproutes', service, (route) => {
      const rules = route.spec!.rules as { backendRefs?: { weight?: number }[] }[];
      route.spec = {
        ...route.spec,
        rules: rules.map((r) => ({
          ...r,
          backendRefs: r.backendRefs?.map((ref) => ({ ...ref, weight: 0 })),
        })),
      };
    });
  },
});

describeTrafficRouterContract('istio (API emulator)', {
  ...fixture(
    () => new IstioTrafficRouter(client, { route: 'primary' }),
    (service) => [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: service.name, namespace: service.namespace },
        spec: {
          hosts: [service.name],
          http: [
            {
              name: 'health',
              match: [{ uri: { exact: '/healthz' } }],
              route: [{ destination: { host: `${service.name}-stable` } }],
            },
            {
              name: 'primary',
              route: [
                { destination: { host: service.name, subset: 'stable' }, weight: 100 },
                { destination: { host: service.name, subset: 'canary' }, weight: 0 },
              ],
            },
          ],
        },
      },
    ],
  ),
  async dropBackend(service, track) {
    edit('virtualservices', service, (virtualService) => {
      const routes = virtualService.spec!.http as { route: { destination: { subset?: string } }[] }[];
      virtualService.spec = {
        ...virtualService.spec,
        http: routes.map((r) => ({ ...r, route: r.route.filter((d) => d.destination.subset !== track) })),
      };
    });
  },
});

const nginx = fixture(
  () => new NginxIngressTrafficRouter(client),
  (service) => [ingress(service, { name: `${service.name}-stable`, port: { number: 80 } })],
);
describeTrafficRouterContract('nginx-ingress (API emulator)', nginx);

describe('nginx-ingress (API emulator): all traffic back to the primary Ingress', () => {
  let router: TrafficRouter;
  const twinOf = (service: ServiceRef) =>
    emulator.store.get('ingresses', service.namespace, `${service.name}-canary`);

  beforeAll(async () => {
    router = await nginx.create();
  });
  afterAll(async () => {
    await nginx.dispose();
  });

  it('sets the twin of a canary step to canary-weight 0, keeping the rest of it', async () => {
    // Prepare
    const { service } = await nginx.prepareService();
    await router.setWeights(service, { stable: 90, canary: 10 });
    const twin = twinOf(service)!;
    twin.metadata.annotations = {
      ...twin.metadata.annotations,
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
    };
    emulator.store.update('ingresses', twin);
    // Act
    await router.setWeights(service, { stable: 100 });
    // Assess
    const after = twinOf(service)!;
    expect(after.metadata.annotations).toEqual({
      ...twin.metadata.annotations,
      'nginx.ingress.kubernetes.io/canary-weight': '0',
    });
    expect(after.metadata.labels).toEqual(twin.metadata.labels);
    expect(after.spec).toEqual(twin.spec);
    expect(await router.getWeights(service)).toEqual({ stable: 100, canary: 0 });
  });

  it('writes nothing for a service with no twin (its first canary)', async () => {
    // Prepare
    const { service } = await nginx.prepareService();
    const seen = emulator.requests.length;
    // Act
    await router.setWeights(service, { stable: 100 });
    // Assess
    expect(emulator.requests.slice(seen).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(twinOf(service)).toBeUndefined();
  });
});

const elbv2 = mockClient(ElasticLoadBalancingV2Client);
describeTrafficRouterContract('alb-ingress (API emulator + ALB controller)', {
  ...fixture(
    () => {
      elbv2.reset();
      fakeAlbController(elbv2, emulator);
      return new AlbIngressTrafficRouter(
        client,
        new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
        {},
      );
    },
    (service) => [
      ingress(
        service,
        { name: service.name, port: { name: 'use-annotation' } },
        {
          loadBalancer: {
            ingress: [{ hostname: `k8s-contract-${service.name}-1234.eu-west-1.elb.amazonaws.com` }],
          },
        },
      ),
    ],
  ),
  readsUntouchedWeights: false,
  async sendNoTraffic(service) {
    edit('ingresses', service, (ingress) => {
      const targetGroups = ['stable', 'canary'].map((track) => ({
        serviceName: `${service.name}-${track}`,
        servicePort: '80',
        weight: 0,
      }));
      ingress.metadata.annotations = {
        ...ingress.metadata.annotations,
        [`alb.ingress.kubernetes.io/actions.${service.name}`]: JSON.stringify({
          type: 'forward',
          forwardConfig: { targetGroups },
        }),
      };
    });
  },
});
