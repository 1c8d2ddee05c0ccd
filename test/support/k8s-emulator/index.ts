import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { selfSignedCertificate } from '../self-signed-certificate.ts';
import { DeploymentController } from './controller.ts';
import { FaultQueue } from './faults.ts';
import { GatewayController } from './gateway-controller.ts';
import { createApiServer, type RecordedRequest } from './server.ts';
import { ObjectStore } from './store.ts';

export type { PodFault } from './controller.ts';
export type { Fault } from './faults.ts';
export type { RouteRejection } from './gateway-controller.ts';
export type { RecordedRequest } from './server.ts';
export type { KubeObject } from './store.ts';

/** A running emulator: its URL, its state, and the knobs tests turn. */
export interface KubernetesEmulator {
  readonly url: string;
  /** Base64 PEM of the server certificate (with `tls: true`), as EKS DescribeCluster returns the CA. */
  readonly caData: string | undefined;
  readonly store: ObjectStore;
  readonly controller: DeploymentController;
  /** Reports on each HTTPRoute before every request is served (`hold` and `reject` change what it reports). */
  readonly gateway: GatewayController;
  readonly faults: FaultQueue;
  readonly requests: RecordedRequest[];
  /** A KubeConfig whose current context points at the emulator (plain HTTP, bearer token `emulator`). */
  kubeConfig(): KubeConfig;
  /** Writes a kubeconfig file whose context `emulator` points at the emulator (for `cluster.type: kubeconfig`). */
  writeKubeconfig(path: string): void;
  /** Empties the store, the fault queue, the request log, the controller's faults and the gateway's holds. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a Kubernetes API emulator on 127.0.0.1 (a free port): the real REST paths and JSON for Deployments,
 * Services, Pods, Ingresses, HorizontalPodAutoscalers, HTTPRoutes and VirtualServices, with a deployment
 * controller that tests step (`controller.step()` / `settle()`) or run on an interval (`reconcileEveryMs`),
 * each step also holding the Deployments HPAs target within their `minReplicas`/`maxReplicas`, and a
 * Gateway controller that reports every HTTPRoute's status before each request is served.
 *
 * @example
 * const emulator = await startKubernetesEmulator();
 * const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
 * await cluster.apply(service, 'canary', release);
 * emulator.controller.settle();
 */
export async function startKubernetesEmulator(
  options: {
    reconcileEveryMs?: number;
    reconcileOnRequest?: boolean;
    tls?: boolean;
    /** Group versions the emulator answers 404 for, as a cluster without (or with older) CRDs does: `networking.istio.io/v1`. */
    unserved?: readonly string[];
  } = {},
): Promise<KubernetesEmulator> {
  const store = new ObjectStore();
  const controller = new DeploymentController(store);
  const gateway = new GatewayController(store);
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const tls = options.tls ? await selfSignedCertificate() : undefined;
  const server = createApiServer(store, faults, requests, tls, new Set(options.unserved));
  if (options.reconcileOnRequest) server.prependListener('request', () => controller.step());
  server.prependListener('request', () => gateway.step());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const caData = tls && Buffer.from(tls.cert).toString('base64');
  if (options.reconcileEveryMs) controller.start(options.reconcileEveryMs);
  return {
    url,
    caData,
    store,
    controller,
    gateway,
    faults,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          caData
            ? { name: 'emulator', server: url, caData }
            : { name: 'emulator', server: url, skipTLSVerify: true },
        ],
        users: [{ name: 'tester', token: 'emulator' }],
        contexts: [{ name: 'emulator', cluster: 'emulator', user: 'tester' }],
        currentContext: 'emulator',
      });
      return kc;
    },
    writeKubeconfig(path) {
      const cluster = caData ? `certificate-authority-data: ${caData}` : 'insecure-skip-tls-verify: true';
      writeFileSync(
        path,
        [
          'apiVersion: v1',
          'kind: Config',
          `clusters:\n- name: emulator\n  cluster:\n    server: ${url}\n    ${cluster}`,
          'users:\n- name: tester\n  user:\n    token: emulator',
          'contexts:\n- name: emulator\n  context:\n    cluster: emulator\n    user: tester',
          'current-context: emulator',
        ].join('\n'),
      );
    },
    reset() {
      store.clear();
      faults.clear();
      controller.reset();
      gateway.reset();
      requests.length = 0;
    },
    async close() {
      controller.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
