import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { DeploymentController } from './controller.ts';
import { FaultQueue } from './faults.ts';
import { createApiServer, type RecordedRequest } from './server.ts';
import { ObjectStore } from './store.ts';

export type { PodFault } from './controller.ts';
export type { Fault } from './faults.ts';
export type { RecordedRequest } from './server.ts';
export type { KubeObject } from './store.ts';

/** A running emulator: its URL, its state, and the knobs tests turn. */
export interface KubernetesEmulator {
  readonly url: string;
  readonly store: ObjectStore;
  readonly controller: DeploymentController;
  readonly faults: FaultQueue;
  readonly requests: RecordedRequest[];
  /** A KubeConfig whose current context points at the emulator (plain HTTP, bearer token `emulator`). */
  kubeConfig(): KubeConfig;
  /** Empties the store, the fault queue, the request log and the controller's faults. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a Kubernetes API emulator on 127.0.0.1 (a free port): the real REST paths and JSON for Deployments,
 * Services, Pods, Ingresses, HTTPRoutes and VirtualServices, with a deployment controller that tests step
 * (`controller.step()` / `settle()`) or run on an interval (`reconcileEveryMs`).
 *
 * @example
 * const emulator = await startKubernetesEmulator();
 * const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
 * await cluster.apply(service, 'canary', release);
 * emulator.controller.settle();
 */
export async function startKubernetesEmulator(
  options: { reconcileEveryMs?: number } = {},
): Promise<KubernetesEmulator> {
  const store = new ObjectStore();
  const controller = new DeploymentController(store);
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const server = createApiServer(store, faults, requests);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  if (options.reconcileEveryMs) controller.start(options.reconcileEveryMs);
  return {
    url,
    store,
    controller,
    faults,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'emulator', server: url, skipTLSVerify: true }],
        users: [{ name: 'tester', token: 'emulator' }],
        contexts: [{ name: 'emulator', cluster: 'emulator', user: 'tester' }],
        currentContext: 'emulator',
      });
      return kc;
    },
    reset() {
      store.clear();
      faults.clear();
      controller.reset();
      requests.length = 0;
    },
    async close() {
      controller.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
