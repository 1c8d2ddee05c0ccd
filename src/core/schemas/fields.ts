import * as z from 'zod';

/**
 * Field builders whose error messages name the allowed values, so a bad request reads
 * `canary.steps[1].weight: must be an integer 1-100 (got 150)`.
 */

/** An integer in `[min, max]` (`max` omitted: no upper bound). */
export function integer(min: number, max?: number) {
  const error = max === undefined ? `must be an integer >= ${min}` : `must be an integer ${min}-${max}`;
  const schema = z.number({ error }).int({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
}

/** A number in `[min, max]`. */
export function decimal(min: number, max?: number) {
  const error = max === undefined ? `must be a number >= ${min}` : `must be a number ${min}-${max}`;
  const schema = z.number({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
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

/** An ARN of the given service (`elasticloadbalancing`, `sns`, ...). */
export function arn(service: string) {
  const error = `must be an ARN (arn:aws:${service}:...)`;
  return z.string({ error }).regex(new RegExp(`^arn:[a-z-]+:${service}:`), { error });
}

/**
 * Refinement options that run the refinement on any object, even when fields inside failed, so one error
 * lists every bad field. Such refinements must read their fields defensively.
 */
export const EVEN_WITH_ISSUES = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
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
