import { ValidationError } from '#core/errors.ts';
import type { ServiceRef } from '#core/types.ts';

/**
 * Refuses, with a `ValidationError` naming `service.namespace` and the allowed values, a service outside the
 * namespaces the deployment's Kubernetes access reaches: `CUTOVER_ALLOWED_NAMESPACES` (comma-separated, the
 * CDK app's `allowedNamespaces`). Without it (the local runtime) every namespace is allowed.
 *
 * @example
 * refuseNamespaceNotAllowed(request.service, { CUTOVER_ALLOWED_NAMESPACES: 'shop,billing' });
 */
export function refuseNamespaceNotAllowed(service: ServiceRef, env: NodeJS.ProcessEnv = process.env): void {
  const allowed = (env.CUTOVER_ALLOWED_NAMESPACES ?? '')
    .split(',')
    .map((namespace) => namespace.trim())
    .filter(Boolean);
  if (allowed.length === 0 || allowed.includes(service.namespace)) return;
  throw new ValidationError(
    `service.namespace: must be one of: ${allowed.join(', ')}, the allowedNamespaces of this Cutover ` +
      `deployment, whose Kubernetes Roles exist only there (got "${service.namespace}")`,
  );
}

/**
 * The environment {@link refuseNamespaceNotAllowed} reads for `namespaces`: what the CDK app gives each task
 * function, and what its synth check passes.
 *
 * @example
 * allowedNamespacesEnvironment(['shop', 'billing']); // { CUTOVER_ALLOWED_NAMESPACES: 'shop,billing' }
 */
export function allowedNamespacesEnvironment(namespaces: readonly string[]): {
  CUTOVER_ALLOWED_NAMESPACES: string;
} {
  return { CUTOVER_ALLOWED_NAMESPACES: namespaces.join(',') };
}
