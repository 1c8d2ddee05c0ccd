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
});
