import * as z from 'zod';

/**
 * Field builders whose error messages name the allowed values, so a bad request reads
 * `canary.steps[1].weight: must be an integer 1-100 (got 150)`.
 */

/**
 * An integer in `[min, max]` (`max` omitted: no upper bound); `note` follows the range in the message
 * (`must be an integer 1-1000, at most 50 on the local cluster`).
 */
export function integer(min: number, max?: number, note?: string) {
  const range = max === undefined ? `must be an integer >= ${min}` : `must be an integer ${min}-${max}`;
  const error = note === undefined ? range : `${range}, ${note}`;
  const schema = z.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
}

/** A number in `[min, max]`; `error` replaces the message that names the range. */
export function decimal(min: number, max?: number, error = rangeOfNumbers(min, max)) {
  const schema = z.number({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
}

function rangeOfNumbers(min: number, max: number | undefined): string {
  return max === undefined ? `must be a number >= ${min}` : `must be a number ${min}-${max}`;
}

/** A non-empty string. */
export function text() {
  const error = 'must be a non-empty string';
  return z.string({ error }).min(1, { error });
}

/** A Kubernetes-style name: lowercase letters, digits and '-', starting and ending alphanumeric. */
export function dnsLabel(maxLength: number) {
  const error = `must be lowercase letters, digits and '-', 1-${maxLength} characters, starting and ending with a letter or digit`;
  return z
    .string({ error })
    .max(maxLength, { error })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error });
}

/**
 * A Kubernetes object name, an RFC 1123 subdomain (a routing object, a ServiceAccount, a Secret), so a name no
 * object can have is refused with the request, not when a release reads it: lowercase letters, digits, '-'
 * and '.', at most 253 characters, each part between dots starting and ending with a letter or digit.
 */
export function objectName(example: string) {
  const error =
    "must be a Kubernetes object name (RFC 1123 subdomain): lowercase letters, digits, '-' and '.', at most " +
    `253 characters, each part between dots starting and ending with a letter or digit (e.g. ${example})`;
  return z
    .string({ error })
    .max(253, { error })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error });
}

/**
 * A Kubernetes label value, as the release's version becomes (`cutover.dev/version`): 1-63 letters,
 * digits, '.', '_' and '-', beginning and ending with a letter or digit.
 */
export function labelValue() {
  const error =
    "must be a Kubernetes label value: 1-63 letters, digits, '.', '_' and '-', beginning and ending with a " +
    'letter or digit (e.g. v2.1 or 2.0.0-rc.1)';
  return z.string({ error }).regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, { error });
}

/** An environment variable name as Kubernetes takes it: letters, digits, '_', '-' and '.', not starting with a digit. */
export function envVarName() {
  const error =
    "must be an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit " +
    '(e.g. LOG_LEVEL)';
  return z.string({ error }).regex(/^[-._a-zA-Z][-._a-zA-Z0-9]*$/, { error });
}

/**
 * An RDS DB instance identifier as RDS stores it, and its description: the rule of a request's
 * `rds.instanceIdentifier` and of the CDK app's `rdsInstanceIdentifiers`, whose IAM resources name it so.
 */
export const RDS_INSTANCE_IDENTIFIER = [
  /^(?=.{1,63}$)[a-z](-?[a-z0-9])*$/,
  'an RDS DB instance identifier as RDS stores it (1-63 lower-case letters, digits and hyphens, starting with a letter, no "--", not ending with "-")',
] as const;

/** An ARN of the given service (`elasticloadbalancing`, `sns`, ...). */
export function arn(service: string) {
  const error = `must be an ARN (arn:aws:${service}:...)`;
  return z.string({ error }).regex(new RegExp(`^arn:[a-z-]+:${service}:`), { error });
}

/**
 * A Secrets Manager secret's ARN, whole: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`
 * (the region says where it is read; a partial ARN could never be read).
 */
export function secretArn() {
  const error =
    'must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)';
  return z
    .string({ error })
    .regex(/^arn:[a-z-]+:secretsmanager:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:secret:[\w/+=.@-]+$/, { error });
}

/**
 * An http:// or https:// URL without credentials (`user:password@`): the request, and so the URL, is recorded
 * in the execution's history.
 */
export function httpUrl() {
  return z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .refine((value) => !URL.canParse(value) || new URL(value).username + new URL(value).password === '', {
      error: "must not hold credentials (user:password@): it is recorded in the execution's history",
    });
}

/** A registry host (a DNS name, an IPv4 address or a bracketed IPv6 address) with an optional port. */
const REGISTRY = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`;
/** A path component: lowercase letters and digits joined by `.`, `_`, `__` or one or more `-`. */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';

/** An image reference as the OCI distribution grammar (and so Docker and the kubelet) takes it. */
const IMAGE_REFERENCE = new RegExp(
  `^(?:${REGISTRY}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::${TAG})?(?:@(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}))?$`,
);

/**
 * A container image reference: `[registry[:port]/]path[:tag][@sha256:<digest>]` (or `@sha512:`), as in
 * `registry.example:5000/shop/checkout:2.0.0`. Untagged and `:latest` references are valid ones.
 */
export function imageReference() {
  const error =
    'must be an image reference [registry[:port]/]path[:tag][@sha256:<64 hex digits>]: path components ' +
    "of lowercase letters and digits, separated by '/' and joined by '.', '_', '__' or '-'; a tag of " +
    "letters, digits, '_', '.' and '-', 1-128 characters, not starting with '.' or '-'; no spaces " +
    '(e.g. registry.example/checkout:2.0.0)';
  return z.string({ error }).regex(IMAGE_REFERENCE, { error });
}

/**
 * Refinement options that run the refinement on any object, even when fields inside failed, so one error
 * lists every bad field. Such refinements must read their fields defensively.
 */
export const EVEN_WITH_ISSUES = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
} as const;

/**
 * Refinement options that run the refinement only on a value without any issue, even one another
 * refinement added: for a rule that reads the value whole, as the release's tasks will.
 */
export const WITHOUT_ISSUES = {
  when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0,
} as const;

/** A replica count or a percentage of the desired replicas (`1`, `'25%'`), as Kubernetes accepts. */
export function countOrPercent() {
  const error = "must be an integer >= 0 or a percentage 0%-100% like '25%'";
  return z.union(
    [
      z.number({ error }).int({ error }).min(0, { error }),
      z.string({ error }).regex(/^(100|[1-9]?[0-9])%$/, { error }),
    ],
    { error },
  );
}
