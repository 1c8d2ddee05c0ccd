import { describe, expect, it } from 'vitest';
import { validateRequest } from '#core/schemas/index.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { validationMessageOf } from '#test/support/validation.ts';

const eks = { type: 'eks', name: 'prod', region: 'eu-west-1', containerPort: 8080 };
const kubeconfig = { type: 'kubeconfig', context: 'kind-cutover', containerPort: 8080 };

/** A canary request on `base` (default eks) with these `cluster` fields. */
const onCluster = (cluster: Record<string, unknown>, base: Record<string, unknown> = eks) =>
  canaryInput(undefined, {
    release: { version: 'v2', image: 'registry.example/checkout:v2' },
    cluster: { ...base, ...cluster },
  });

const POD_FIELDS =
  'serviceAccountName, imagePullSecrets, nodeSelector, tolerations, affinity, topologySpreadConstraints, ' +
  'securityContext, priorityClassName, terminationGracePeriodSeconds, volumes';
const CONTAINER_FIELDS = 'envFrom, volumeMounts, securityContext, lifecycle';

describe('validateRequest (cluster.pod and cluster.container)', () => {
  const pod = {
    serviceAccountName: 'checkout',
    imagePullSecrets: [{ name: 'registry-credentials' }],
    nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'shop', effect: 'NoSchedule' }],
    affinity: {
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
        ],
      },
    },
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
    ],
    securityContext: { runAsNonRoot: true, fsGroup: 2000 },
    priorityClassName: 'shop-critical',
    terminationGracePeriodSeconds: 45,
    volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
  };
  const container = {
    envFrom: [{ secretRef: { name: 'checkout-secrets' } }, { configMapRef: { name: 'checkout-config' } }],
    volumeMounts: [{ name: 'cache', mountPath: '/var/cache/checkout', readOnly: false }],
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
    lifecycle: { preStop: { sleep: { seconds: 10 } } },
  };

  it('takes pod and container on eks and kubeconfig clusters, nested Kubernetes fields as given', () => {
    // Act
    const onEks = validateRequest('canary', onCluster({ pod, container })).cluster;
    const onKubeconfig = validateRequest('canary', onCluster({ pod, container }, kubeconfig)).cluster;
    // Assess
    expect(onEks).toMatchObject({ type: 'eks', pod, container });
    expect(onKubeconfig).toMatchObject({ type: 'kubeconfig', pod, container });
  });

  it('refuses an unknown pod or container field, naming the allowed ones', () => {
    // Act
    const misspelt = validationMessageOf(() =>
      validateRequest('canary', onCluster({ pod: { serviceAccount: 'checkout' } })),
    );
    const cutoverOwn = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({
          pod: { containers: [{ name: 'sidecar', image: 'envoy' }] },
          container: { image: 'registry.example/other:v1', env: [{ name: 'A', value: '1' }] },
        }),
      ),
    );
    // Assess
    expect(misspelt.split('\n')).toEqual([
      'invalid canary request:',
      `  - cluster.pod: unknown field serviceAccount (allowed: ${POD_FIELDS}): did you mean serviceAccountName?`,
    ]);
    expect(cutoverOwn).toContain(`cluster.pod: unknown field containers (allowed: ${POD_FIELDS})`);
    expect(cutoverOwn).toContain(
      `cluster.container: unknown fields image, env (allowed: ${CONTAINER_FIELDS})`,
    );
  });

  it('refuses a serviceAccountName or image pull secret that is no Kubernetes name', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({ pod: { serviceAccountName: 'Checkout_SA', imagePullSecrets: [{ name: '' }, 'ecr'] } }),
      ),
    );
    // Assess
    const kubernetesName = (example: string) =>
      "must be a Kubernetes object name (RFC 1123 subdomain): lowercase letters, digits, '-' and '.', at most " +
      `253 characters, each part between dots starting and ending with a letter or digit (e.g. ${example})`;
    expect(message).toContain(
      `cluster.pod.serviceAccountName: ${kubernetesName('checkout-sa')} (got "Checkout_SA")`,
    );
    expect(message).toContain(
      `cluster.pod.imagePullSecrets[0].name: ${kubernetesName('registry-credentials')} (got "")`,
    );
    expect(message).toContain('cluster.pod.imagePullSecrets[1]: must be an object (got "ecr")');
  });

  it('refuses a terminationGracePeriodSeconds out of 0-86400 or not whole', () => {
    // Act
    const tooLong = validationMessageOf(() =>
      validateRequest('canary', onCluster({ pod: { terminationGracePeriodSeconds: 90_000 } })),
    );
    const fraction = validationMessageOf(() =>
      validateRequest('canary', onCluster({ pod: { terminationGracePeriodSeconds: 1.5 } })),
    );
    // Assess
    expect(tooLong.split('\n')).toEqual([
      'invalid canary request:',
      '  - cluster.pod.terminationGracePeriodSeconds: must be an integer 0-86400 (got 90000)',
    ]);
    expect(fraction).toContain(
      'cluster.pod.terminationGracePeriodSeconds: must be an integer 0-86400 (got 1.5)',
    );
  });

  it('checks the nested Kubernetes fields for their shape only: objects, arrays of objects, mounts with a name and path', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({
          pod: {
            affinity: 'zone-a',
            tolerations: { key: 'dedicated' },
            nodeSelector: { zone: 1 },
            volumes: [{ emptyDir: {} }],
          },
          container: { lifecycle: [], envFrom: ['checkout-secrets'], volumeMounts: [{ name: 'cache' }] },
        }),
      ),
    );
    // Assess
    expect(message).toContain('cluster.pod.affinity: must be an object (got "zone-a")');
    expect(message).toContain('cluster.pod.tolerations: must be an array (got {"key":"dedicated"})');
    expect(message).toContain('cluster.pod.nodeSelector.zone: must be a string (got 1)');
    expect(message).toContain('cluster.pod.volumes[0].name: is required');
    expect(message).toContain('cluster.container.lifecycle: must be an object (got [])');
    expect(message).toContain('cluster.container.envFrom[0]: must be an object (got "checkout-secrets")');
    expect(message).toContain('cluster.container.volumeMounts[0].mountPath: is required');
  });

  it('refuses a volume mount that names no volume of the pod, at admission', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({
          pod: { volumes: [{ name: 'cache', emptyDir: {} }] },
          container: {
            volumeMounts: [
              { name: 'cache', mountPath: '/cache' },
              { name: 'config', mountPath: '/etc/checkout' },
            ],
          },
        }),
      ),
    );
    // Assess
    expect(message).toContain(
      'cluster.container.volumeMounts[1].name: must name a volume of cluster.pod.volumes (cache); got "config"',
    );
    expect(message).not.toContain('volumeMounts[0]');
  });

  it('keeps refusing pod and container on the local cluster, which runs processes', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        canaryInput(undefined, {
          cluster: { type: 'local', pod: { serviceAccountName: 'checkout' }, container: {} },
        }),
      ),
    );
    // Assess
    expect(message).toContain('cluster: unknown fields pod, container (allowed: type)');
  });
});
