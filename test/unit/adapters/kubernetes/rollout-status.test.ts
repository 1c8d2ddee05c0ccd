import { describe, expect, it } from 'vitest';
import { rolloutStatus } from '#adapters/kubernetes/rollout-status.ts';

const NOW = Date.parse('2026-11-29T09:00:00.000Z');
const LABELS = { app: 'checkout', 'cutover.dev/track': 'canary', 'cutover.dev/template': 'a' };

/** Track `checkout-canary` of one replica, observed by the controller, its one pod not ready yet. */
const aRollingCanary = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'checkout-canary', namespace: 'shop', generation: 1 },
  spec: {
    replicas: 1,
    template: {
      metadata: { labels: LABELS },
      spec: { containers: [{ name: 'checkout', image: 'registry.example/checkout:v2' }] },
    },
  },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, readyReplicas: 0 },
});

/** Pod `checkout-canary-x1` of that track, created at `createdAt` (ms), its container waiting as given. */
function aWaitingPod(
  waiting: { reason: string; message?: string },
  options: { restartCount?: number; createdAt?: number; lastTerminated?: object } = {},
) {
  const { restartCount = 0, createdAt = NOW, lastTerminated } = options;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'checkout-canary-x1',
      namespace: 'shop',
      labels: LABELS,
      creationTimestamp: new Date(createdAt).toISOString(),
    },
    spec: { containers: [{ name: 'checkout', image: 'registry.example/checkout:v2' }] },
    status: {
      containerStatuses: [
        {
          name: 'checkout',
          ready: false,
          restartCount,
          state: { waiting },
          ...(lastTerminated && { lastState: { terminated: lastTerminated } }),
        },
      ],
    },
  };
}

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
            restartCount: ready ? 0 : 3,
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

  it('does not fail a track on a terminating pod of its template, left by a Deployment deleted a moment ago', () => {
    // Prepare: a retry of the same release; the crash-looping pod of the attempt before is still going away
    const leftover = aWaitingPod(
      { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
      { restartCount: 5 },
    );
    const terminating = {
      ...leftover,
      metadata: { ...leftover.metadata, deletionTimestamp: new Date(NOW).toISOString() },
    };
    // Act
    const status = rolloutStatus(aRollingCanary(), [terminating], NOW);
    // Assess
    expect(status.failed).toBeUndefined();
  });

  it('keeps waiting on a container that crashed once, saying how often it restarted and when it fails', () => {
    // Prepare: the app exited once at start (its database was not up yet); the kubelet backs off 10 s
    const pod = aWaitingPod(
      { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' },
      { restartCount: 1 },
    );
    // Act
    const status = rolloutStatus(aRollingCanary(), [pod], NOW);
    // Assess
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toBe(
      'pod checkout-canary-x1 container checkout CrashLoopBackOff: back-off 10s restarting failed container ' +
        '(restarted 1 time; fails at 3 restarts)',
    );
  });

  it('fails a crash loop once the container restarted 3 times, saying how often and how it last ended', () => {
    // Prepare
    const pod = aWaitingPod(
      { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
      { restartCount: 3, lastTerminated: { reason: 'Error', exitCode: 1 } },
    );
    // Act
    const status = rolloutStatus(aRollingCanary(), [pod], NOW);
    // Assess
    expect(status.failed).toEqual({
      reason: 'CrashLoopBackOff',
      message:
        'pod checkout-canary-x1 container checkout: back-off 40s restarting failed container (restarted 3 times); ' +
        'last terminated: Error (exit code 1)',
    });
  });

  it.each([
    ['ImagePullBackOff', 'Back-off pulling image "registry.example/checkout:v2"'],
    ['CreateContainerConfigError', 'secret "checkout-db" not found'],
    ['CreateContainerError', 'context deadline exceeded'],
    ['RunContainerError', 'failed to create containerd task: context canceled'],
  ])('keeps waiting on %s in a pod 10 s old, saying when it fails', (reason, message) => {
    // Prepare
    const pod = aWaitingPod({ reason, message }, { createdAt: NOW - 10_000 });
    // Act
    const status = rolloutStatus(aRollingCanary(), [pod], NOW);
    // Assess
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toBe(
      `pod checkout-canary-x1 container checkout ${reason}: ${message} (pod created 10 s ago; fails at 60 s)`,
    );
  });

  it.each([
    ['ImagePullBackOff', 'Back-off pulling image "registry.example/checkout:v2"'],
    ['CreateContainerConfigError', 'secret "checkout-db" not found'],
    ['CreateContainerError', 'context deadline exceeded'],
    ['RunContainerError', 'failed to create containerd task: context canceled'],
  ])('fails on %s in a pod 61 s old, saying how long', (reason, message) => {
    // Prepare
    const pod = aWaitingPod({ reason, message }, { createdAt: NOW - 61_000 });
    // Act
    const status = rolloutStatus(aRollingCanary(), [pod], NOW);
    // Assess
    expect(status.failed).toEqual({
      reason,
      message: `pod checkout-canary-x1 container checkout: ${message} (pod created 61 s ago)`,
    });
  });

  it.each([
    ['InvalidImageName', 'Failed to apply default image tag "registry.example/Checkout:v2"'],
    ['ErrImageNeverPull', 'Container image "checkout:v2" is not present with pull policy of Never'],
  ])('fails on %s at once, as no retry resolves it', (reason, message) => {
    // Prepare: a pod just created
    const pod = aWaitingPod({ reason, message });
    // Act
    const status = rolloutStatus(aRollingCanary(), [pod], NOW);
    // Assess
    expect(status.failed).toEqual({
      reason,
      message: `pod checkout-canary-x1 container checkout: ${message}`,
    });
  });

  it('fails an image pull back-off on a pod without a creationTimestamp rather than wait on it', () => {
    // Prepare
    const { metadata, ...pod } = aWaitingPod({ reason: 'ImagePullBackOff', message: 'Back-off' });
    const { creationTimestamp: _, ...withoutCreation } = metadata;
    // Act
    const status = rolloutStatus(aRollingCanary(), [{ ...pod, metadata: withoutCreation }], NOW);
    // Assess
    expect(status.failed).toEqual({
      reason: 'ImagePullBackOff',
      message: 'pod checkout-canary-x1 container checkout: Back-off',
    });
  });

  it("reads a pod's age against the current time when given no time", () => {
    // Prepare
    const pod = aWaitingPod({ reason: 'ImagePullBackOff' }, { createdAt: Date.now() - 10_000 });
    // Act
    const status = rolloutStatus(aRollingCanary(), [pod]);
    // Assess
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toMatch(
      /^pod checkout-canary-x1 container checkout ImagePullBackOff \(pod created 1\d s ago;/,
    );
  });
});
