import { onFirstUse } from '../first-use.ts';
import type { KubeObject, KubernetesObjects, ObjectRef } from './client.ts';

/**
 * A {@link KubernetesObjects} whose connection is set up on first use (EKS needs an API call to find the
 * endpoint, while adapter factories are synchronous). A failed set-up is retried on the next call.
 */
export class DeferredKubernetesObjects implements KubernetesObjects {
  readonly #connected: () => Promise<KubernetesObjects>;

  constructor(connect: () => Promise<KubernetesObjects>) {
    this.#connected = onFirstUse(connect);
  }

  async apply(object: KubeObject): Promise<KubeObject> {
    return (await this.#connected()).apply(object);
  }

  async mergePatch(ref: ObjectRef, patch: Record<string, unknown>): Promise<KubeObject> {
    return (await this.#connected()).mergePatch(ref, patch);
  }

  async read(ref: ObjectRef): Promise<KubeObject | undefined> {
    return (await this.#connected()).read(ref);
  }

  async list(
    apiVersion: string,
    kind: string,
    namespace: string,
    labelSelector?: string,
  ): Promise<KubeObject[]> {
    return (await this.#connected()).list(apiVersion, kind, namespace, labelSelector);
  }

  async delete(ref: ObjectRef): Promise<void> {
    return (await this.#connected()).delete(ref);
  }
}
