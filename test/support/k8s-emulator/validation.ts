import type { StatusCause } from './status.ts';
import type { KubeObject } from './store.ts';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

// biome-ignore lint/suspicious/noExplicitAny: validation walks untyped JSON
type Loose = any;

/** The API server's field validation for the kinds Cutover writes; returns the failing fields. */
export function validate(object: KubeObject, previous: KubeObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = object.metadata?.name ?? '';
  if (!DNS_SUBDOMAIN.test(name)) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": must be a lowercase RFC 1123 subdomain`,
    });
  }
  const check = VALIDATORS[object.kind];
  if (check) causes.push(...check(object as Loose, previous as Loose));
  return causes;
}

const VALIDATORS: Record<string, (object: Loose, previous: Loose) => StatusCause[]> = {
  Deployment(object, previous) {
    const causes: StatusCause[] = [];
    const spec = object.spec ?? {};
    const selector = spec.selector?.matchLabels ?? {};
    const labels = spec.template?.metadata?.labels ?? {};
    if (Object.keys(selector).length === 0)
      causes.push({ field: 'spec.selector', message: 'Required value' });
    for (const [key, value] of Object.entries(selector)) {
      if (labels[key] !== value) {
        causes.push({
          field: 'spec.template.metadata.labels',
          message: 'Invalid value: `selector` does not match template `labels`',
        });
        break;
      }
    }
    if (previous && JSON.stringify(previous.spec?.selector) !== JSON.stringify(spec.selector)) {
      causes.push({ field: 'spec.selector', message: 'field is immutable', reason: 'FieldValueInvalid' });
    }
    if (typeof spec.replicas === 'number' && spec.replicas < 0) {
      causes.push({ field: 'spec.replicas', message: 'must be greater than or equal to 0' });
    }
    const containers: Loose[] = spec.template?.spec?.containers ?? [];
    if (containers.length === 0)
      causes.push({ field: 'spec.template.spec.containers', message: 'Required value' });
    containers.forEach((c, i) => {
      if (!c.name)
        causes.push({ field: `spec.template.spec.containers[${i}].name`, message: 'Required value' });
      if (!c.image)
        causes.push({ field: `spec.template.spec.containers[${i}].image`, message: 'Required value' });
    });
    return causes;
  },
  Service(object) {
    const ports: Loose[] = object.spec?.ports ?? [];
    return ports.length === 0 ? [{ field: 'spec.ports', message: 'Required value' }] : [];
  },
  HTTPRoute(object) {
    const causes: StatusCause[] = [];
    (object.spec?.rules ?? []).forEach((rule: Loose, r: number) => {
      (rule.backendRefs ?? []).forEach((ref: Loose, b: number) => {
        const weight = ref.weight ?? 1;
        if (!Number.isInteger(weight) || weight < 0 || weight > 1_000_000) {
          causes.push({
            field: `spec.rules[${r}].backendRefs[${b}].weight`,
            message: 'must be 0 to 1000000',
          });
        }
      });
    });
    return causes;
  },
  /**
   * Istio's checks of http route weights since 1.15 (istio/istio#39544): weights are relative, so they need
   * not sum to 100, but each is an integer >= 0 and a route of several destinations weights one above 0.
   */
  VirtualService(object) {
    const causes: StatusCause[] = [];
    (object.spec?.http ?? []).forEach((route: Loose, r: number) => {
      const destinations: Loose[] = route.route ?? [];
      destinations.forEach((d, i) => {
        const weight = d.weight ?? 0;
        if (!Number.isInteger(weight) || weight < 0) {
          causes.push({ field: `spec.http[${r}].route[${i}].weight`, message: 'must be an integer >= 0' });
        }
      });
      const total = destinations.reduce((sum, d) => sum + (d.weight ?? 0), 0);
      if (destinations.length > 1 && total === 0) {
        causes.push({ field: `spec.http[${r}].route`, message: 'total destination weight = 0' });
      }
    });
    return causes;
  },
};
