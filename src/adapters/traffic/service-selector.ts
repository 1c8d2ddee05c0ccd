import { UnsupportedWeightError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { KubernetesObjects } from '../kubernetes/client.ts';
import { TRACK_LABEL, trackSelector } from '../kubernetes/manifests.ts';
import { readRequired } from '../kubernetes/read-required.ts';
import { assertWeights } from './weights.ts';

/** Which Service to switch; default the Service named like the service. */
export interface ServiceSelectorOptions {
  readonly service?: string;
}

/**
 * Blue-green by Service selector: the Service selects exactly one track's pods (`app` + `cutover.dev/track`).
 * Only all-or-nothing weights are possible; anything else is `UnsupportedWeightError`.
 *
 * @example
 * const router = new ServiceSelectorTrafficRouter(client, { service: 'checkout' });
 * await router.setWeights({ name: 'checkout', namespace: 'shop' }, { blue: 0, green: 100 });
 */
export class ServiceSelectorTrafficRouter implements TrafficRouter {
  readonly type = 'service-selector';

  constructor(
    private readonly client: KubernetesObjects,
    private readonly options: ServiceSelectorOptions = {},
  ) {}

  async setWeights(service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    const target = Object.entries(weights).find(([, weight]) => weight === 100)?.[0];
    if (!target) {
      throw new UnsupportedWeightError(
        `service-selector routes all traffic to one track: weights must be 100 for one track and 0 for the others (got ${JSON.stringify(weights)})`,
      );
    }
    const live = await this.#readService(service);
    const selector: Record<string, string | null> = { ...trackSelector(service, target) };
    for (const key of Object.keys(asSelector(live))) if (!(key in selector)) selector[key] = null;
    await this.client.mergePatch(this.#ref(service), {
      metadata: { resourceVersion: live.metadata.resourceVersion },
      spec: { selector },
    });
  }

  /** 100 for the selected track, 0 for the service's other track Deployments. */
  async getWeights(service: ServiceRef): Promise<Weights> {
    const selected = asSelector(await this.#readService(service))[TRACK_LABEL];
    const deployments = await this.client.list(
      'apps/v1',
      'Deployment',
      service.namespace,
      `app=${service.name}`,
    );
    const tracks = deployments
      .map((d) => d.metadata.labels?.[TRACK_LABEL])
      .filter((t): t is string => Boolean(t));
    const weights: Record<string, number> = Object.fromEntries(tracks.map((t) => [t, 0]));
    if (selected) weights[selected] = 100;
    return weights;
  }

  #ref(service: ServiceRef) {
    return {
      apiVersion: 'v1',
      kind: 'Service',
      namespace: service.namespace,
      name: this.options.service ?? service.name,
    };
  }

  #readService(service: ServiceRef) {
    return readRequired(this.client, this.#ref(service), 'traffic.service');
  }
}

function asSelector(service: { spec?: Record<string, unknown> }): Record<string, string> {
  return (service.spec?.selector as Record<string, string> | undefined) ?? {};
}
