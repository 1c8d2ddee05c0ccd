import { describe, expect, it } from 'vitest';
import {
  TEMPLATE_LABEL,
  type TrackTemplateOptions,
  trackDeployment,
} from '#adapters/kubernetes/manifests.ts';
import { aRelease, aService } from '#test/support/kubernetes-fixtures.ts';

// biome-ignore lint/suspicious/noExplicitAny: the test reads the written Deployment's untyped spec
type Loose = any;

const service = aService();

/** The Deployment Cutover writes for the canary track with these options. */
const deploymentWith = (options: TrackTemplateOptions, release = aRelease()) =>
  trackDeployment(service, 'canary', release, options);
const podSpecOf = (options: TrackTemplateOptions): Loose =>
  (deploymentWith(options).spec as Loose).template.spec;
const templateDigestOf = (options: TrackTemplateOptions, release = aRelease()): string =>
  (deploymentWith(options, release).spec as Loose).template.metadata.labels[TEMPLATE_LABEL];

const pod = {
  serviceAccountName: 'checkout',
  imagePullSecrets: [{ name: 'registry-credentials' }],
  nodeSelector: { 'kubernetes.io/arch': 'arm64' },
  terminationGracePeriodSeconds: 45,
  volumes: [{ name: 'cache', emptyDir: { sizeLimit: '1Gi' } }],
};
const container = {
  envFrom: [{ secretRef: { name: 'checkout-secrets' } }],
  volumeMounts: [{ name: 'cache', mountPath: '/var/cache/checkout' }],
  lifecycle: { preStop: { sleep: { seconds: 10 } } },
};

describe('trackDeployment (cluster.pod and cluster.container)', () => {
  it("writes the pod fields into the pod spec, beside Cutover's container", () => {
    // Act
    const spec = podSpecOf({ containerPort: 8080, pod });
    // Assess
    expect(spec).toEqual({
      ...pod,
      containers: [expect.objectContaining({ name: 'checkout', image: 'registry.example/checkout:v2' })],
    });
  });

  it("writes the container fields into the track's container, with Cutover's own fields", () => {
    // Act
    const [written] = podSpecOf({ containerPort: 8080, readinessPath: '/ready', pod, container }).containers;
    // Assess
    expect(written).toMatchObject({
      name: 'checkout',
      image: 'registry.example/checkout:v2',
      ports: [{ name: 'http', containerPort: 8080 }],
      readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
      envFrom: [{ secretRef: { name: 'checkout-secrets' } }],
      volumeMounts: [{ name: 'cache', mountPath: '/var/cache/checkout' }],
      lifecycle: { preStop: { sleep: { seconds: 10 } } },
    });
  });

  it("keeps Cutover's own fields where the options name them too (the schema refuses them anyway)", () => {
    // Prepare
    const overlapping = {
      pod: { containers: [{ name: 'sidecar', image: 'envoy' }], serviceAccountName: 'checkout' },
      container: { name: 'other', image: 'other:v1', ports: [], envFrom: [{ secretRef: { name: 's' } }] },
    } as unknown as TrackTemplateOptions;
    // Act
    const spec = podSpecOf({ containerPort: 8080, ...overlapping });
    // Assess
    expect(spec.serviceAccountName).toBe('checkout');
    expect(spec.containers).toHaveLength(1);
    expect(spec.containers[0]).toMatchObject({
      name: 'checkout',
      image: 'registry.example/checkout:v2',
      ports: [{ name: 'http', containerPort: 8080 }],
      envFrom: [{ secretRef: { name: 's' } }],
    });
  });

  it('keeps the template digest of a track that sets neither pod nor container', () => {
    // Prepare: the digests Cutover wrote before pod and container existed
    const release = aRelease({ env: { LOG_LEVEL: 'debug' } });
    // Act
    const digests = [
      templateDigestOf({}, release),
      templateDigestOf({ containerPort: 8080 }, release),
      templateDigestOf({ containerPort: 8080, resources: { requests: { cpu: '250m' } } }, release),
      templateDigestOf({ containerPort: 8080, pod: {}, container: {} }, release),
    ];
    // Assess
    expect(digests).toEqual(['70370f6f7a', 'c7f627d0bb', 'f8b66ea7ff', 'c7f627d0bb']);
  });

  it('gives the pods a new template digest when a pod or container field changes', () => {
    // Act
    const digests = [
      templateDigestOf({ containerPort: 8080 }),
      templateDigestOf({ containerPort: 8080, pod: { serviceAccountName: 'checkout' } }),
      templateDigestOf({ containerPort: 8080, pod: { serviceAccountName: 'checkout-v2' } }),
      templateDigestOf({ containerPort: 8080, pod: { terminationGracePeriodSeconds: 60 } }),
      templateDigestOf({
        containerPort: 8080,
        container: { lifecycle: { preStop: { sleep: { seconds: 5 } } } },
      }),
    ];
    // Assess
    expect(new Set(digests).size).toBe(digests.length);
    expect(digests.every((digest) => /^[0-9a-f]{10}$/.test(digest))).toBe(true);
  });
});
