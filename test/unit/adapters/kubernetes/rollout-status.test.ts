import { describe, expect, it } from 'vitest';
import { rolloutStatus } from '#adapters/kubernetes/rollout-status.ts';

describe('rolloutStatus', () => {
  it('says pods cannot be created when the ReplicaSet hits a quota', () => {
    // Prepare: the controller's status for a namespace whose ResourceQuota refuses the pods
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout-canary', namespace: 'shop', generation: 1 },
      spec: {
        replicas: 2,
        template: { metadata: { labels: { app: 'checkout' } }, spec: { containers: [] } },
      },
      status: {
        observedGeneration: 1,
        conditions: [
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
          {
            type: 'ReplicaFailure',
            status: 'True',
            reason: 'FailedCreate',
            message:
              'pods "checkout-canary-7d4f9-x2" is forbidden: exceeded quota: compute, requested: cpu=2',
          },
        ],
      },
    };
    // Act
    const status = rolloutStatus(deployment, []);
    // Assess
    expect(status).toEqual({
      desired: 2,
      updated: 0,
      ready: 0,
      updatedReady: 0,
      available: 0,
      complete: false,
      waiting:
        'pods cannot be created: FailedCreate: pods "checkout-canary-7d4f9-x2" is forbidden: exceeded quota: compute, requested: cpu=2',
    });
  });

  it('matches pods of a template written before its digest label by their images too', () => {
    // Prepare: the template runs checkout:v2b; a pod of the same version still runs v2a and crash-loops
    const labels = { app: 'checkout', 'cutover.dev/track': 'canary', 'cutover.dev/version': 'v2' };
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout-canary', namespace: 'shop', generation: 2 },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels },
          spec: { containers: [{ name: 'checkout', image: 'checkout:v2b' }] },
        },
      },
      status: { observedGeneration: 2, replicas: 2, updatedReplicas: 1, readyReplicas: 0 },
    };
    const pod = (name: string, image: string, waiting: object) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', labels },
      spec: { containers: [{ name: 'checkout', image }] },
      status: { containerStatuses: [{ name: 'checkout', ready: false, state: { waiting } }] },
    });
    const crashing = pod('checkout-canary-old', 'checkout:v2a', { reason: 'CrashLoopBackOff' });
    const starting = pod('checkout-canary-new', 'checkout:v2b', { reason: 'ContainerCreating' });
    // Act
    const status = rolloutStatus(deployment, [crashing, starting]);
    // Assess
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toBe('pod checkout-canary-new container checkout ContainerCreating');
  });

  it("counts as updatedReady only the ready pods of the current template, not an earlier one's a rolling update keeps", () => {
    // Prepare: stable put back on v1 (generation 3) over 2 ready pods of v2; v1's pods crash at start,
    // first before the controller observed the change, then after
    const template = (version: string) => ({
      metadata: {
        labels: { app: 'checkout', 'cutover.dev/version': version, 'cutover.dev/template': version },
      },
      spec: { containers: [{ name: 'checkout', image: `checkout:${version}` }] },
    });
    const stable = (observedGeneration: number, status: object) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout-stable', namespace: 'shop', generation: 3 },
      spec: { replicas: 2, template: template('v1') },
      status: { observedGeneration, ...status },
    });
    const pod = (name: string, version: string, ready: boolean) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', ...template(version).metadata },
      spec: template(version).spec,
      status: {
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [
          {
            name: 'checkout',
            ready,
            state: ready ? { running: {} } : { waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } },
          },
        ],
      },
    });
    const v2 = [pod('checkout-stable-a', 'v2', true), pod('checkout-stable-b', 'v2', true)];
    const v1 = [pod('checkout-stable-c', 'v1', false), pod('checkout-stable-d', 'v1', false)];
    // Act
    const unobserved = rolloutStatus(
      stable(2, { replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
      v2,
    );
    const observed = rolloutStatus(
      stable(3, { replicas: 4, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
      [...v2, ...v1],
    );
    // Assess: the Deployment counts v2's pods ready; none of v1's is
    expect(unobserved).toMatchObject({ ready: 2, updatedReady: 0, complete: false });
    expect(observed).toMatchObject({
      updated: 2,
      ready: 2,
      updatedReady: 0,
      complete: false,
      failed: { reason: 'CrashLoopBackOff' },
    });
  });

  it('tells a paused Deployment only scaled from one holding back a template, before the controller saw either', () => {
    // Prepare: a paused Deployment on 2 ready pods of template `a`, its spec changed since (generation 3)
    const template = (digest: string) => ({
      metadata: { labels: { app: 'checkout', 'cutover.dev/template': digest } },
      spec: { containers: [{ name: 'checkout', image: 'checkout:v1' }] },
    });
    const paused = (digest: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout-blue', namespace: 'shop', generation: 3 },
      spec: { replicas: 4, paused: true, template: template(digest) },
      status: {
        observedGeneration: 2,
        replicas: 2,
        updatedReplicas: 2,
        readyReplicas: 2,
        availableReplicas: 2,
      },
    });
    const pods = ['x1', 'x2'].map((name) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `checkout-blue-${name}`, namespace: 'shop', ...template('a').metadata },
      spec: template('a').spec,
      status: { containerStatuses: [{ name: 'checkout', ready: true, state: { running: {} } }] },
    }));
    // Act
    const scaled = rolloutStatus(paused('a'), pods);
    const changed = rolloutStatus(paused('b'), pods);
    // Assess
    expect(scaled).toEqual({
      desired: 4,
      updated: 2,
      ready: 2,
      updatedReady: 2,
      available: 2,
      complete: false,
    });
    expect(changed.failed?.reason).toBe('DeploymentPaused');
  });
});
