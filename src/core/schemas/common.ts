import * as z from 'zod';
import { clusterConfigSchema } from './cluster.ts';
import { decimal, dnsLabel, integer, secretArn, text } from './fields.ts';
import { metricsConfigSchema } from './metrics.ts';
import { trafficConfigSchema } from './traffic.ts';

/** What users deploy. Track workloads are named `<name>-<track>`, so the name stays short. */
export const serviceSchema = z.strictObject({
  name: dnsLabel(50).describe('service name, e.g. checkout'),
  namespace: dnsLabel(63).default('default').describe('Kubernetes namespace'),
});

/**
 * What the new track runs: an image on Kubernetes, a command (argv) on the local cluster. A request is
 * admitted with an image reference only (`admission.ts`).
 */
/** The most replicas a release may ask for (the local cluster runs fewer: `MAX_LOCAL_REPLICAS`). */
export const MAX_RELEASE_REPLICAS = 1000;

export const releaseSchema = z.strictObject({
  version: text().describe('release version label, e.g. v2'),
  image: text().optional().describe('container image (Kubernetes clusters)'),
  command: z.array(text()).min(1).optional().describe('argv to run (local cluster)'),
  replicas: integer(1, MAX_RELEASE_REPLICAS)
    .optional()
    .describe(
      "replicas of the release at full size; default: as many as the live track runs (1 for a service's first release)",
    ),
  env: z.record(text(), z.string()).optional().describe('environment variables'),
});

/** Thresholds and limits of one analysis (the judge in core/analysis applies them). */
export const analysisSchema = z.strictObject({
  // Up to 1 as tasks read it; admission refuses 1 (checkErrorRateLimits), so the message asks for below 1.
  maxErrorRate: decimal(0, 1, 'must be a number from 0 to below 1')
    .default(0.01)
    .describe('highest acceptable share of 5xx responses, from 0 to below 1'),
  maxLatencyP99Ms: decimal(1).optional().describe('highest acceptable p99 latency; absent = not judged'),
  minRequests: integer(0)
    .default(50)
    .describe(
      'fewer requests in the window = inconclusive, failed when their errors alone exceed maxErrorRate of minRequests',
    ),
  failureLimit: integer(1, 100).default(1).describe('failed analyses (in the whole release) before rollback'),
  inconclusiveLimit: integer(0, 100)
    .default(2)
    .describe('inconclusive re-analyses in a row before onInconclusive applies'),
  onInconclusive: z
    .enum(['fail', 'pause'])
    .default('fail')
    .describe('fail = roll back; pause = ask a person'),
  intervalSeconds: integer(1, 3600)
    .default(30)
    .describe('time between checks during a bake, and wait before a re-analysis'),
});

/** What an unanswered approval leads to (`approval.onTimeout`). */
export const APPROVAL_TIMEOUT_ACTIONS = ['rollback', 'continue'] as const;
export type ApprovalTimeoutAction = (typeof APPROVAL_TIMEOUT_ACTIONS)[number];

/** Whether `value` is one of {@link APPROVAL_TIMEOUT_ACTIONS} (as read back from a store or a payload). */
export function isApprovalTimeoutAction(value: unknown): value is ApprovalTimeoutAction {
  return (APPROVAL_TIMEOUT_ACTIONS as readonly unknown[]).includes(value);
}

/** A person approves before promotion (the traffic switch, for blue-green). */
export const approvalSchema = z.strictObject({
  before: z.literal('promote').default('promote'),
  timeoutSeconds: integer(60, 31_536_000).default(3600).describe('how long a person has to answer'),
  onTimeout: z
    .enum(APPROVAL_TIMEOUT_ACTIONS)
    .default('rollback')
    .describe(
      'no answer in time: rollback = ApprovalTimedOut; continue = the release goes on (the promotion, or the step after a paused one)',
    ),
});

/** The lifecycle events the Notify task publishes. */
export const DEPLOYMENT_EVENT_TYPES = [
  'Started',
  'ApprovalRequested',
  'ApprovalUnanswered',
  'Promoted',
  'Succeeded',
  'RolledBack',
  'Failed',
] as const;
export type DeploymentEventType = (typeof DEPLOYMENT_EVENT_TYPES)[number];

/** Which events to publish (default: all). */
export const notificationsSchema = z.strictObject({
  events: z.array(z.enum(DEPLOYMENT_EVENT_TYPES)).default([...DEPLOYMENT_EVENT_TYPES]),
});

/**
 * A hook's URL as the tasks of a release read it: http(s) without credentials (it is recorded in the
 * execution's history), as `URL` parses it. A request is admitted with the form `httpUrl` takes only
 * (`admission.ts`).
 */
const hookUrl = text()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    error: 'must be an http:// or https:// URL',
  })
  .refine((value) => !URL.canParse(value) || new URL(value).username + new URL(value).password === '', {
    error: "must not hold credentials (user:password@): it is recorded in the execution's history",
  });

/** What a hook's URL is checked with: {@link hookUrl}, or admission's stricter form. */
type UrlSchema = z.ZodString | z.ZodURL;

/**
 * One webhook: POSTed the release (with the headers of `headersSecretArn`, if given, and signed with the key
 * of `signingSecretArn`, if given), it passes with a 2xx answer within `timeoutSeconds`.
 */
const hookSchema = (url: UrlSchema) =>
  z
    .strictObject({
      name: dnsLabel(63).describe('names the hook in the history and in errors'),
      url: url.describe(
        'POSTed {hook, phase, strategy, service, release, track, executionArn, metadata, timeoutSeconds, deadline}',
      ),
      timeoutSeconds: integer(1, 600).default(60).describe('no 2xx answer in time = HookFailed'),
      metadata: z.record(text(), z.string()).optional().describe('sent as is, e.g. the test suite to run'),
      headersSecretArn: secretArn()
        .optional()
        .describe(
          'Secrets Manager secret whose SecretString is a JSON object of header names to values, sent with the POST (e.g. {"authorization": "Bearer ..."}); only its ARN enters the history',
        ),
      signingSecretArn: secretArn()
        .optional()
        .describe(
          'Secrets Manager secret whose SecretString (at least 32 bytes) is the key each POST is signed with: x-cutover-signature: v1=<hex HMAC-SHA256 of "<x-cutover-timestamp>.<body>">; only its ARN enters the history',
        ),
    })
    .refine((hook) => hook.headersSecretArn === undefined || sentPrivately(hook.url), {
      error:
        'must be an https:// URL when headersSecretArn sends credentials (http:// only to this machine: 127.x.x.x, [::1] or localhost)',
      path: ['url'],
    });

/** A URL whose request no one on the network reads: https, or http to this machine. */
function sentPrivately(url: string): boolean {
  if (!URL.canParse(url)) return true; // the url's own check names it
  const { protocol, hostname } = new URL(url);
  const loopback = hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return protocol === 'https:' || loopback;
}

export type Hook = z.output<ReturnType<typeof hookSchema>>;

/** The time all webhooks of a phase may take together: one task runs them, within Lambda's 15 minutes. */
export const HOOKS_TIME_LIMIT_SECONDS = 840;

/** When a phase's webhooks run: before the new track takes traffic, or once it has all of it. */
export const HOOK_PHASES = ['beforeTraffic', 'afterTraffic'] as const;

export type HookPhase = (typeof HOOK_PHASES)[number];

/** The webhooks of one phase: run in order by one task, within Lambda's 15 minutes. */
const hookPhaseSchema = (url: UrlSchema) =>
  z
    .array(hookSchema(url))
    .min(1)
    .max(10)
    .refine((hooks) => repeatedNames(hooks).length === 0, {
      error: (issue) =>
        `each webhook of a phase needs a name of its own (the history and errors name them): ${repeatedNames(issue.input as Hook[]).join(', ')} used twice`,
    })
    .refine((hooks) => totalSeconds(hooks) <= HOOKS_TIME_LIMIT_SECONDS, {
      error: (issue) =>
        `timeoutSeconds must add up to at most ${HOOKS_TIME_LIMIT_SECONDS} (one task runs the hooks, within Lambda's 15 minutes; got ${totalSeconds(issue.input as Hook[])})`,
    });

/** The names more than one webhook of a phase has. */
function repeatedNames(hooks: readonly Hook[]): string[] {
  const names = hooks.map((hook) => hook.name);
  return [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
}

function totalSeconds(hooks: readonly Hook[]): number {
  return hooks.reduce((total, hook) => total + hook.timeoutSeconds, 0);
}

/**
 * Webhooks by phase, each hook's URL checked with `url`.
 *
 * @example
 * const admissionHooks = hooksSchemaWith(httpUrl()); // hooks as a request is admitted with them
 */
export function hooksSchemaWith(url: UrlSchema) {
  const phase = hookPhaseSchema(url);
  return z
    .strictObject({
      beforeTraffic: phase
        .optional()
        .describe('run in order once the new track is ready, before it takes traffic; a failure rolls back'),
      afterTraffic: phase
        .optional()
        .describe(
          'run in order once all traffic is on the new release, before the previous version is scaled down or removed; a failure rolls back',
        ),
    })
    .refine((hooks) => hooks.beforeTraffic !== undefined || hooks.afterTraffic !== undefined, {
      error: `give the webhooks of at least one phase: ${HOOK_PHASES.join(', ')}`,
    });
}

/** Webhooks by phase, as the tasks of a release read them. */
export const hooksSchema = hooksSchemaWith(hookUrl);

/** `cluster.minReadySeconds` below the Deployment's deadline: the cluster's own, else the request's. */
function checkMinReadySeconds(request: BaseRequest, ctx: z.RefinementCtx): void {
  const cluster = request.cluster as
    | { minReadySeconds?: unknown; progressDeadlineSeconds?: unknown }
    | undefined;
  const minReady = cluster?.minReadySeconds;
  const deadline = cluster?.progressDeadlineSeconds ?? request.progressDeadlineSeconds;
  if (typeof minReady !== 'number' || typeof deadline !== 'number' || minReady < deadline) return;
  ctx.addIssue({
    code: 'custom',
    path: ['cluster', 'minReadySeconds'],
    message: `must be below the Deployment's progress deadline, ${deadline} s (cluster.progressDeadlineSeconds, else progressDeadlineSeconds) (got ${minReady})`,
  });
}

/**
 * Fields every strategy's request shares, as the tasks of a release read them; a request is admitted with
 * stricter forms of some (`admissionShape` in `admission.ts`).
 */
export const baseRequestShape = {
  service: serviceSchema,
  release: releaseSchema,
  cluster: clusterConfigSchema,
  traffic: trafficConfigSchema,
  metrics: metricsConfigSchema,
  scaleDownDelaySeconds: integer(0, 86_400)
    .default(30)
    .describe('how long the previous version keeps running after promotion'),
  progressDeadlineSeconds: integer(10, 86_400)
    .default(600)
    .describe('a track not ready within this time fails with RolloutDeadlineExceeded'),
  notifications: notificationsSchema.optional(),
  hooks: hooksSchema.optional(),
};

export type BaseRequest = z.infer<z.ZodObject<typeof baseRequestShape>>;

/**
 * Cross-field rules of every request: the release must fit the cluster, and a track's `minReadySeconds`
 * its Deployment's progress deadline (Kubernetes refuses it otherwise).
 */
export function checkRelease(request: BaseRequest, ctx: z.RefinementCtx): void {
  checkMinReadySeconds(request, ctx);
  // A missing or mistyped release is reported as such, not as lacking an image or a command.
  if (typeof request.release !== 'object' || request.release === null) return;
  const { image, command } = request.release;
  const clusterType = request.cluster?.type;
  const knownCluster = clusterConfigSchema.options.some((option) => option.shape.type.value === clusterType);
  const both = image !== undefined && command !== undefined;
  const neither = image === undefined && command === undefined;
  // Without a known cluster type (reported as such), neither is as wrong as both; with one, the field it runs.
  if (both || (neither && !knownCluster)) {
    ctx.addIssue({ code: 'custom', path: ['release'], message: 'give exactly one of image or command' });
  } else if (!knownCluster) {
    return;
  } else if (clusterType === 'local' && command === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['release', 'command'],
      message: 'is required with cluster.type local (argv)',
    });
  } else if (clusterType !== 'local' && image === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['release', 'image'],
      message: `is required with cluster.type ${clusterType} (a container image)`,
    });
  }
}
