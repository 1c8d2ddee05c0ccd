import { UnknownAdapterTypeError } from '#core/errors.ts';

/** An adapter's configuration: a discriminated union on `type`, taken from the deployment request. */
export interface AdapterConfig {
  readonly type: string;
}

/**
 * Maps an adapter family's `type` values to factories. Production adapters register themselves in their
 * family's `index.ts`; the local runtime registers the `local` ones when it starts; tests may register fakes.
 *
 * @example
 * const clusters = new AdapterRegistry<ClusterConfig, Cluster>('cluster');
 * clusters.register('kubeconfig', (config) => KubernetesCluster.fromKubeconfig(config));
 * const cluster = clusters.create({ type: 'kubeconfig' });
 */
export class AdapterRegistry<Config extends AdapterConfig, Port> {
  readonly #factories = new Map<string, (config: Config) => Port>();

  /** @param field the request field that carries the config, named in errors (`cluster`, `traffic`, ...). */
  constructor(readonly field: string) {}

  /** Registers (or replaces) the factory for one `type`. */
  register(type: string, factory: (config: Config) => Port): void {
    this.#factories.set(type, factory);
  }

  /** The registered `type` values, sorted. */
  types(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /** Builds the adapter for `config.type`; throws `UnknownAdapterTypeError` naming the allowed values. */
  create(config: Config): Port {
    const factory = this.#factories.get(config.type);
    if (!factory) {
      throw new UnknownAdapterTypeError(
        `${this.field}.type must be one of: ${this.types().join(', ')} (got ${JSON.stringify(config.type)})`,
      );
    }
    return factory(config);
  }
}
