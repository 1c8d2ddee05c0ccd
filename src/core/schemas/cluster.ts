import * as z from 'zod';
import { arn, dnsLabel, integer, objectName, text } from './fields.ts';

/** A Kubernetes resource quantity: a plain or decimal number with an optional SI, binary or exponent suffix. */
const QUANTITY = /^(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

function quantity() {
  const error = 'must be a Kubernetes quantity like 250m, 0.5, 512Mi or 1Gi';
  return z.string({ error }).regex(QUANTITY, { error });
}

/** The factor of each quantity suffix. */
const QUANTITY_SUFFIXES: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/**
 * The number a quantity stands for (`512Mi` is 536870912); `undefined` for a value that does not match
 * {@link QUANTITY}, which the field's own check reports.
 */
function quantityValue(text: string | undefined): number | undefined {
  const match = text === undefined ? null : QUANTITY.exec(text);
  if (!match) return undefined;
  const [, digits, , suffix = ''] = match;
  return Number(digits) * (QUANTITY_SUFFIXES[suffix] ?? Number(`1${suffix}`));
}

/** CPU and memory of one container, as Kubernetes takes them. */
const computeResources = z.strictObject({
  cpu: quantity().optional().describe('CPU in cores: 250m, 0.5, 2'),
  memory: quantity().optional().describe('memory in bytes: 512Mi, 1Gi'),
});

type ComputeResources = z.infer<typeof computeResources>;

/**
 * Each request at most its limit, as Kubernetes requires (it refuses the Deployment's pods otherwise);
 * compared only when both are quantities (a malformed one is reported by its own check, once).
 */
function checkRequestsWithinLimits(
  resources: { requests?: ComputeResources; limits?: ComputeResources },
  ctx: z.RefinementCtx,
): void {
  for (const resource of ['cpu', 'memory'] as const) {
    const request = resources.requests?.[resource];
    const limit = resources.limits?.[resource];
    const [requested, allowed] = [quantityValue(request), quantityValue(limit)];
    if (requested === undefined || allowed === undefined || requested <= allowed) continue;
    ctx.addIssue({
      code: 'custom',
      path: ['requests', resource],
      message: `must not exceed limits.${resource}, ${limit} (got ${JSON.stringify(request)})`,
    });
  }
}

const readinessPathError = "must be an HTTP path starting with '/' (e.g. /healthz), or false for no probe";

/**
 * A Kubernetes object whose fields the API server validates (an affinity, a toleration, a volume source):
 * checked here for being an object only, its keys kept as given.
 */
function kubernetesObject() {
  return z.record(z.string(), z.unknown());
}

/** Fields of the track's pod spec, written as given into `spec.template.spec` (its `containers` are Cutover's). */
const podTemplateFields = z.strictObject({
  serviceAccountName: objectName('checkout-sa')
    .optional()
    .describe("the pods' ServiceAccount, e.g. one an IAM role is bound to (IRSA, EKS Pod Identity)"),
  imagePullSecrets: z
    .array(z.strictObject({ name: objectName('registry-credentials') }))
    .optional()
    .describe('Secrets of type kubernetes.io/dockerconfigjson to pull release.image with'),
  nodeSelector: z
    .record(z.string(), z.string())
    .optional()
    .describe('node labels the pods must run on, e.g. {"kubernetes.io/arch": "arm64"}'),
  tolerations: z.array(kubernetesObject()).optional().describe('Kubernetes tolerations, as given'),
  affinity: kubernetesObject().optional().describe('Kubernetes affinity, as given'),
  topologySpreadConstraints: z
    .array(kubernetesObject())
    .optional()
    .describe('Kubernetes topology spread constraints, as given'),
  securityContext: kubernetesObject().optional().describe("the pod's securityContext, as given"),
  priorityClassName: objectName('high-priority').optional().describe("the pods' PriorityClass"),
  terminationGracePeriodSeconds: integer(0, 86_400)
    .optional()
    .describe('seconds a stopping pod gets between SIGTERM and SIGKILL; default 30 (Kubernetes)'),
  volumes: z
    .array(z.looseObject({ name: dnsLabel(63) }))
    .optional()
    .describe("the pod's volumes, as given (Kubernetes volume sources), for container.volumeMounts"),
});

/** Fields of the track's container, written as given beside Cutover's (name, image, command, env, ports, probe, resources). */
const containerTemplateFields = z.strictObject({
  envFrom: z
    .array(kubernetesObject())
    .optional()
    .describe('environment from Secrets or ConfigMaps, e.g. [{"secretRef": {"name": "checkout"}}]'),
  volumeMounts: z
    .array(z.looseObject({ name: text(), mountPath: text() }))
    .optional()
    .describe("mounts of the pod's volumes, as given"),
  securityContext: kubernetesObject().optional().describe("the container's securityContext, as given"),
  lifecycle: kubernetesObject()
    .optional()
    .describe('lifecycle hooks, as given, e.g. {"preStop": {"sleep": {"seconds": 10}}} to drain'),
});

/** How tracks are shaped on a Kubernetes cluster (EKS or kubeconfig). */
const trackTemplateFields = {
  containerPort: integer(1, 65535)
    .optional()
    .describe("the app's container port, exposed as the named port http"),
  readinessPath: z
    .union([z.string().regex(/^\/\S*$/, { error: readinessPathError }), z.literal(false)], {
      error: readinessPathError,
    })
    .optional()
    .describe(
      'readiness probe path (HTTP GET on port http, so a path needs containerPort), false for no probe; default /healthz',
    ),
  resources: z
    .strictObject({
      requests: computeResources
        .optional()
        .describe('what the scheduler reserves (and a ResourceQuota counts)'),
      limits: computeResources.optional().describe('the most the container may use'),
    })
    .superRefine(checkRequestsWithinLimits)
    .optional()
    .describe("the container's resources, written as is"),
  minReadySeconds: integer(0, 3600)
    .optional()
    .describe('seconds a ready pod must stay ready before it counts as available; default 0'),
  progressDeadlineSeconds: integer(1, 86_400)
    .optional()
    .describe(
      "Deployment progress deadline; past it the rollout fails with ProgressDeadlineExceeded; default the request's progressDeadlineSeconds",
    ),
  pod: podTemplateFields
    .optional()
    .describe("fields of the tracks' pod spec (serviceAccountName, volumes, ...), written as given"),
  container: containerTemplateFields
    .optional()
    .describe("fields of the track's container (envFrom, volumeMounts, lifecycle, ...), written as given"),
};

/**
 * Adds an issue on `cluster.readinessPath` when an eks or kubeconfig cluster gives a path without
 * `containerPort`: the probe is an HTTP GET on the container's port named `http`, which only `containerPort`
 * declares, so the tracks would run without one and be ready as soon as their process starts. (The local
 * cluster takes neither field: it probes `/healthz` on the port it gives each replica.)
 *
 * @example
 * checkReadinessProbePort(request.cluster, ctx); // in a strategy's admission refinement
 */
export function checkReadinessProbePort(cluster: unknown, ctx: z.RefinementCtx): void {
  const { type, readinessPath, containerPort } = (cluster ?? {}) as Record<string, unknown>;
  if (type !== 'eks' && type !== 'kubeconfig') return;
  if (typeof readinessPath !== 'string' || containerPort !== undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['cluster', 'readinessPath'],
    message:
      "needs cluster.containerPort: the readiness probe is an HTTP GET on the container's port http, which " +
      'containerPort declares (or give false for no probe)',
  });
}

/**
 * Adds an issue on each `cluster.container.volumeMounts[i].name` that names no volume of `cluster.pod.volumes`:
 * the API server would refuse the Deployment when the release deploys its first track, not when it is planned.
 *
 * @example
 * checkVolumeMounts(request.cluster, ctx); // in a strategy's admission refinement
 */
export function checkVolumeMounts(cluster: unknown, ctx: z.RefinementCtx): void {
  const { pod, container } = (cluster ?? {}) as {
    pod?: { volumes?: readonly { name?: unknown }[] };
    container?: { volumeMounts?: readonly { name?: unknown }[] };
  };
  const volumes = (pod?.volumes ?? []).map((volume) => volume.name);
  (container?.volumeMounts ?? []).forEach((mount, index) => {
    if (volumes.includes(mount.name)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['cluster', 'container', 'volumeMounts', index, 'name'],
      message: `must name a volume of cluster.pod.volumes (${volumes.length > 0 ? volumes.join(', ') : 'none given'}); got ${JSON.stringify(mount.name)}`,
    });
  });
}

/** Tracks run as child processes on this machine (`cutover local`). */
export const localClusterSchema = z.strictObject({ type: z.literal('local') });

/** Upper bound on replicas per track of the local cluster: each is a process on this machine. */
export const MAX_LOCAL_REPLICAS = 50;

/** An EKS cluster, reached with an EKS token for the task's IAM role. */
export const eksClusterSchema = z.strictObject({
  type: z.literal('eks'),
  name: text().describe('EKS cluster name'),
  region: text().describe('AWS region of the cluster, e.g. eu-west-1'),
  roleArn: arn('iam').optional().describe("role to assume for the EKS token (e.g. in the cluster's account)"),
  ...trackTemplateFields,
});

/** Any Kubernetes cluster reachable through a kubeconfig file. */
export const kubeconfigClusterSchema = z.strictObject({
  type: z.literal('kubeconfig'),
  path: text().optional().describe('kubeconfig file; default $KUBECONFIG or ~/.kube/config'),
  context: text().optional().describe('context name; default the current context'),
  ...trackTemplateFields,
});

/** Where the tracks run: the request's `cluster` field. */
export const clusterConfigSchema = z.discriminatedUnion('type', [
  localClusterSchema,
  eksClusterSchema,
  kubeconfigClusterSchema,
]);

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

/** JSON Schema of {@link clusterConfigSchema}. */
export const clusterConfigJsonSchema = z.toJSONSchema(clusterConfigSchema, { io: 'input' });
