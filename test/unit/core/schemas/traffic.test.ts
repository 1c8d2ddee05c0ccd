import { describe, expect, it } from 'vitest';
import { validateRequest } from '#core/schemas/index.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { validationMessageOf } from '#test/support/validation.ts';

/** A canary request's fields for a kubeconfig cluster, where the Kubernetes routers' objects live. */
const onKubernetes = {
  cluster: { type: 'kubeconfig' },
  release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
};
const NAME_RULE =
  "must be a Kubernetes object name (RFC 1123 subdomain): lowercase letters, digits, '-' and '.', " +
  'at most 253 characters, each part between dots starting and ending with a letter or digit (e.g. checkout-route)';

/** The refusal of a canary request on a kubeconfig cluster with this `traffic` block. */
const refusalOf = (traffic: object) =>
  validationMessageOf(() => validateRequest('canary', canaryInput(undefined, { ...onKubernetes, traffic })));

describe('validateRequest (traffic routing object names)', () => {
  it.each([
    ['gateway-api', 'httpRoute', { httpRoute: 'Checkout_Route' }],
    ['istio', 'virtualService', { virtualService: 'checkout.' }],
    ['alb-ingress', 'ingress', { ingress: 'checkout ingress' }],
    ['alb-ingress', 'rootService', { ingress: 'checkout', rootService: '-checkout' }],
    ['nginx-ingress', 'ingress', { ingress: 'Checkout' }],
    ['service-selector', 'service', { service: 'checkout..blue' }],
  ])('refuses a %s %s that is not a Kubernetes object name, saying what is allowed', (type, field, names) => {
    // Act
    const message = refusalOf({ type, ...names });
    // Assess
    expect(message).toContain(`traffic.${field}: ${NAME_RULE}`);
  });

  it('refuses a name longer than 253 characters', () => {
    // Act
    const message = refusalOf({ type: 'gateway-api', httpRoute: `${'a'.repeat(250)}.com` });
    // Assess
    expect(message).toContain(`traffic.httpRoute: ${NAME_RULE}`);
  });

  it('accepts object names with dots and dashes, and any istio http route name (it names no object)', () => {
    // Act
    const request = validateRequest(
      'canary',
      canaryInput(undefined, {
        ...onKubernetes,
        traffic: { type: 'istio', virtualService: 'checkout-v2.shop', route: 'Primary_Route' },
      }),
    );
    // Assess
    expect(request.traffic).toMatchObject({ virtualService: 'checkout-v2.shop', route: 'Primary_Route' });
  });
});
