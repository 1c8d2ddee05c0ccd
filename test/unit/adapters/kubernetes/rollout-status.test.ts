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
});
