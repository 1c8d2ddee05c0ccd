import { describe, expect, it } from 'vitest';
import { refuseUnknownTemplateFields } from '#adapters/kubernetes/template-fields.ts';

describe('refuseUnknownTemplateFields', () => {
  it('names a misspelt field at any depth of cluster.pod and cluster.container, with what was meant', () => {
    // Prepare
    const template = {
      pod: {
        securityContext: { runAsNonroot: true, runAsUser: 1000 },
        affinity: { nodeAffinty: {} },
        tolerations: [
          { key: 'spot', operator: 'Exists' },
          { key: 'gpu', efect: 'NoSchedule' },
        ],
      },
      container: { lifecycle: { preStop: { sleep: { second: 10 } } } },
    };
    // Act + Assess
    let message = '';
    try {
      refuseUnknownTemplateFields(template);
    } catch (error) {
      message = (error as Error).message;
    }
    const problems = message.split('; ');
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(
      /^cluster\.pod\.securityContext: unknown field runAsNonroot \(allowed: .*runAsNonRoot.*\): did you mean runAsNonRoot\?$/,
    );
    expect(problems[1]).toBe(
      'cluster.pod.affinity: unknown field nodeAffinty (allowed: nodeAffinity, podAffinity, podAntiAffinity): did you mean nodeAffinity?',
    );
    expect(problems[2]).toMatch(
      /^cluster\.pod\.tolerations\[1\]: unknown field efect \(allowed: .*\): did you mean effect\?$/,
    );
    expect(problems[3]).toBe(
      'cluster.container.lifecycle.preStop.sleep: unknown field second (allowed: seconds): did you mean seconds?',
    );
  });

  it('takes the fields Kubernetes defines, maps of labels and quantities included', () => {
    // Prepare
    const template = {
      pod: {
        serviceAccountName: 'checkout',
        nodeSelector: { 'kubernetes.io/arch': 'arm64' },
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'checkout' } },
          },
        ],
        volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
      },
      container: {
        envFrom: [{ secretRef: { name: 'checkout' } }],
        volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
        securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        lifecycle: { preStop: { httpGet: { path: '/drain', port: 'http' } } },
      },
    };
    // Act + Assess
    expect(() => refuseUnknownTemplateFields(template)).not.toThrow();
    expect(() => refuseUnknownTemplateFields({})).not.toThrow();
  });
});
