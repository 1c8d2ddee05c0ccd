import type { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
import { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
import { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
import { KubernetesApiNotServedError, KubernetesConfigError, toAdapterError } from './errors.ts';

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
  /**
   * The live object, or `undefined` when it does not exist; a `KubernetesApiNotServedError` when the cluster
   * does not serve its kind at `ref.apiVersion`.
   */
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
  private constructor(private readonly api: DiscoveringObjectApi) {}

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
    return new KubernetesObjectClient(new DiscoveringObjectApi(configuration));
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    return this.#call(`apply ${describe(object)}`, object, () =>
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
    return this.#call(`patch ${describe(body)}`, body, () =>
      this.api.patch(body, undefined, undefined, FIELD_MANAGER, undefined, PatchStrategy.MergePatch),
    );
  }

  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    try {
      return await this.#call(`read ${describe(ref)}`, ref, () =>
        this.api.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        }),
      );
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<KubeObject[]> {
    const list = await this.#call(`list ${kind} in ${namespace}`, { apiVersion, kind }, () =>
      this.api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector),
    );
    return (list.items as unknown[]).map((item) => ({ apiVersion, kind, ...(item as object) }) as KubeObject);
  }

  async delete(ref: ObjectRef): Promise<void> {
    try {
      await this.#call(`delete ${describe(ref)}`, ref, () =>
        this.api.delete({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace },
        }),
      );
    } catch (error) {
      if (!isMissingObject(error)) throw error;
    }
  }

  async #call<T>(action: string, type: ApiType, request: () => Promise<T>): Promise<KubeObject & T> {
    await this.#assertServed(action, type);
    try {
      return plain(await request()) as KubeObject & T;
    } catch (error) {
      throw toAdapterError(error, action);
    }
  }

  /**
   * Refuses a kind the cluster does not serve at the apiVersion Cutover uses, from the discovery document
   * (which the client reads once per apiVersion and keeps).
   */
  async #assertServed(action: string, { apiVersion, kind }: ApiType): Promise<void> {
    let served: unknown;
    try {
      served = await this.api.served(apiVersion, kind);
    } catch (error) {
      if ((error as { code?: number }).code !== 404) throw toAdapterError(error, action);
    }
    if (!served) {
      const needs = SERVED_BY[apiVersion] ? ` (${SERVED_BY[apiVersion]})` : '';
      throw new KubernetesApiNotServedError(
        `${action}: the cluster does not serve ${kind} in ${apiVersion}; Cutover needs ${apiVersion}${needs}`,
      );
    }
  }
}

/** `KubernetesObjectApi` with its discovery lookup (cached per apiVersion) open to the client. */
class DiscoveringObjectApi extends KubernetesObjectApi {
  /** The API resource of `kind` at `apiVersion`, undefined when that version lacks it; throws a 404 when not served. */
  served(apiVersion: string, kind: string): Promise<unknown> {
    return this.resource(apiVersion, kind);
  }
}

/** An object's API group version and kind. */
interface ApiType {
  readonly apiVersion: string;
  readonly kind: string;
}

/** What serves the API group versions of custom resources Cutover uses. */
const SERVED_BY: Readonly<Record<string, string>> = {
  'gateway.networking.k8s.io/v1': 'the Gateway API CRDs v1.0 or later',
  'networking.istio.io/v1': 'Istio 1.22 or later',
};

/** A 404 of the object itself: the cluster serves its kind, and it does not exist. */
function isMissingObject(error: unknown): boolean {
  return (error as { code?: number }).code === 404 && !(error instanceof KubernetesApiNotServedError);
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
