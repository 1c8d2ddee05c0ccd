import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
import { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { KubernetesConfigError, toAdapterError } from './errors.ts';

/** The field manager Cutover applies as (server-side apply ownership). */
export const FIELD_MANAGER = 'cutover';

/** A Kubernetes object as JSON, with the fields Cutover reads. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    [field: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

/** Which object: `apiVersion` + `kind` + namespace + name. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

/**
 * The narrow Kubernetes client the cluster adapter and the Kubernetes traffic routers use. Objects in and
 * out are plain JSON; failures are `TransientAdapterError` (5xx, 429, timeouts) or `KubernetesApiError`.
 */
export interface KubernetesObjects {
  /** Server-side apply (field manager `cutover`, forced): creates or updates `object`; returns the live object. */
  apply(object: KubeObject): Promise<KubeObject>;
  /** JSON merge patch of an existing object (include `metadata.resourceVersion` for optimistic concurrency). */
  mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject>;
  /** The live object, or `undefined` when it does not exist. */
  read(ref: ObjectRef): Promise<KubeObject | undefined>;
  list(apiVersion: string, kind: string, namespace: string, labelSelector?: string): Promise<KubeObject[]>;
  /** Deletes the object; a missing object is not an error. */
  delete(ref: ObjectRef): Promise<void>;
}

/** Per-request options of {@link KubernetesObjectClient}. */
export interface KubernetesClientOptions {
  /** Abort a request after this many milliseconds (a `TransientAdapterError`). @default 10000 */
  readonly timeoutMs?: number;
  /** Supplies the bearer token per request (EKS); without it the KubeConfig's user authenticates. */
  readonly token?: () => Promise<string>;
}

/**
 * {@link KubernetesObjects} over `@kubernetes/client-node`'s `KubernetesObjectApi`, from any KubeConfig.
 *
 * @example
 * const kc = new KubeConfig();
 * kc.loadFromFile(`${homedir()}/.kube/config`);
 * const client = KubernetesObjectClient.fromKubeConfig(kc);
 * const deployment = await client.read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'checkout-stable' });
 */
export class KubernetesObjectClient implements KubernetesObjects {
  private constructor(private readonly api: KubernetesObjectApi) {}

  static fromKubeConfig(kc: KubeConfig, options: KubernetesClientOptions = {}): KubernetesObjectClient {
    const cluster = kc.getCurrentCluster();
    if (!cluster)
      throw new KubernetesConfigError(`kubeconfig has no cluster for context "${kc.getCurrentContext()}"`);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const token = options.token;
    const auth = {
      getName: () => 'cutover',
      async applySecurityAuthentication(context: RequestContext) {
        await kc.applySecurityAuthentication(context);
        if (token) context.setHeaderParam('Authorization', `Bearer ${await token()}`);
        context.setSignal(AbortSignal.timeout(timeoutMs));
      },
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: auth },
    });
    return new KubernetesObjectClient(new KubernetesObjectApi(configuration));
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    return this.#call(`apply ${describe(object)}`, () =>
      this.api.patch(object, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
    );
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    const body = {
      ...patch,
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { ...asMap(patch.metadata), name: ref.name, namespace: ref.namespace },
    };
    return this.#call(`patch ${describe(body)}`, () =>
      this.api.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch),
    );
  }

  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.#call(`read ${describe(ref)}`, () =>
        this.api.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        }),
      );
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<KubeObject[]> {
    const list = await this.#call(`list ${kind} in ${namespace}`, () =>
      this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
    );
    return (list.items as unknown[]).map((item) => ({ apiVersion, kind, ...(item as object) }) as KubeObject);
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.#call(`delete ${describe(ref)}`, () =>
        this.api.delete({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        }),
      );
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw error;
    }
  }

  async #call<T>(action: string, request: () => Promise<T>): Promise<KubeObject & T> {
    try {
      return plain(await request()) as KubeObject & T;
    } catch (error) {
      throw toAdapterError(error, action);
    }
  }
}

/** `Deployment shop/checkout-stable` */
function describe(object: {
  kind: string;
  name?: string;
  namespace?: string;
  metadata?: { name?: string; namespace?: string };
}): string {
  const name = object.metadata?.name ?? object.name;
  const namespace = object.metadata?.namespace ?? object.namespace;
  return `${object.kind} ${namespace}/${name}`;
}

function asMap(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The client returns model class instances (dates as `Date`); Cutover keeps JSON. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
