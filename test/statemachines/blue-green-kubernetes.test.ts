import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesObjectClient } from '#adapters/kubernetes/client.ts';
import { KubernetesCluster } from '#adapters/kubernetes/kubernetes-cluster.ts';
import type { ServiceRef } from '#core/types.ts';
import {
  type KubeObject,
  type KubernetesEmulator,
  startKubernetesEmulator,
} from '#test/support/k8s-emulator/index.ts';
import { aRelease, aService, aTrackService } from '#test/support/kubernetes-fixtures.ts';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

describe('blue-green state machine on Kubernetes (API emulator, Service selector)', () => {
  let directory: string;
  let emulator: KubernetesEmulator;
  let runtime: TestRuntime;
  let kubeconfig: string;
  const service = aService();

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'cutover-blue-green-k8s-'));
    kubeconfig = join(directory, 'kubeconfig');
    emulator = await startKubernetesEmulator({ reconcileOnRequest: true });
    emulator.writeKubeconfig(kubeconfig);
    process.env.CUTOVER_DATA_DIR = join(directory, 'data');
    runtime = await startTestRuntime({ dataDir: join(directory, 'data'), projectDir: process.cwd() });
  });
  afterAll(async () => {
    await runtime?.close();
    await emulator?.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** Runs a blue-green release of `release` for `target` (its Service named as it is) to its end. */
  async function releaseBlueGreen(name: string, target: ServiceRef, release: Record<string, unknown>) {
    const input = {
      service: target,
      release,
      cluster: { type: 'kubeconfig', path: kubeconfig, context: 'emulator' },
      traffic: { type: 'service-selector', service: target.name },
      metrics: { type: 'cloudwatch-alarms', alarmNames: [`${target.name}-5xx`] },
      blueGreen: {},
      scaleDownDelaySeconds: 0,
    };
    const stateMachineArn = runtime.runtime.stateMachines.find(
      (m) => m.name === 'blue-green',
    )!.stateMachineArn;
    const { executionArn } = await runtime.client.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return waitForExecution(runtime.client, executionArn!);
  }

  it('deploys the idle colour, switches the Service selector to it and scales the old colour to 0', async () => {
    // Prepare: blue runs v1 and the Service selects it.
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
    await cluster.apply(service, 'blue', aRelease({ version: 'v1', image: 'registry.example/checkout:v1' }));
    emulator.controller.settle();
    emulator.store.create('services', aTrackService(service, 'checkout', 'blue') as KubeObject);
    // Act
    const execution = await releaseBlueGreen('switch', service, {
      version: 'v2',
      image: 'registry.example/checkout:v2',
      replicas: 2,
    });
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(emulator.store.get('services', 'shop', 'checkout')?.spec?.selector).toEqual({
      app: 'checkout',
      'cutover.dev/track': 'green',
    });
    expect(
      emulator.store.get('deployments', 'shop', 'checkout-green')?.metadata.labels?.['cutover.dev/version'],
    ).toBe('v2');
    expect(emulator.store.get('deployments', 'shop', 'checkout-blue')?.spec?.replicas).toBe(0);
  });

  it('runs as many replicas as the live colour when the request gives none', async () => {
    // Prepare: blue runs v1, scaled to 5 by hand since its release (kubectl scale)
    const payments = aService({ name: 'payments' });
    const cluster = new KubernetesCluster(KubernetesObjectClient.fromKubeConfig(emulator.kubeConfig()));
    const v1 = aRelease({ version: 'v1', image: 'registry.example/payments:v1', replicas: 2 });
    await cluster.apply(payments, 'blue', v1);
    await cluster.scale(payments, 'blue', 5);
    emulator.controller.settle();
    emulator.store.create('services', aTrackService(payments, 'payments', 'blue') as KubeObject);
    // Act: no replicas in the request
    const execution = await releaseBlueGreen('as-live', payments, {
      version: 'v2',
      image: 'registry.example/payments:v2',
    });
    // Assess
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(emulator.store.get('deployments', 'shop', 'payments-green')?.spec?.replicas).toBe(5);
  });
});
