import { randomUUID } from 'node:crypto';
import type { KubeObject as AdapterKubeObject } from '#adapters/kubernetes/client.ts';
import { alreadyExists, conflict, invalid, notFound } from './status.ts';
import { validate } from './validation.ts';

/** A stored object: the object as Cutover's Kubernetes adapter reads it, plus the API server's bookkeeping. */
export interface KubeObject extends AdapterKubeObject {
  metadata: AdapterKubeObject['metadata'] & {
    uid?: string;
    creationTimestamp?: string;
    managedFields?: { manager: string; operation: string }[];
  };
}

/** What a write does to `metadata.managedFields`. */
export interface WriteOptions {
  readonly manager?: string;
  readonly operation?: 'Apply' | 'Update';
  /** Of an object created: its `creationTimestamp` (the emulator's own pods only); default now. */
  readonly createdAt?: Date;
}

/**
 * The objects of one emulated cluster, with the API server's bookkeeping: a cluster-wide resourceVersion,
 * `generation` bumped on spec changes, optimistic concurrency on writes that carry a resourceVersion.
 */
export class ObjectStore {
  readonly #objects = new Map<string, KubeObject>();
  #resourceVersion = 1000;

  static key(plural: string, namespace: string, name: string): string {
    return `${plural}/${namespace}/${name}`;
  }

  /** Forgets every object (between tests). */
  clear(): void {
    this.#objects.clear();
  }

  get(plural: string, namespace: string, name: string): KubeObject | undefined {
    const object = this.#objects.get(ObjectStore.key(plural, namespace, name));
    return object && structuredClone(object);
  }

  /** Objects of one type in one namespace ('' = all) matching an equality-based label selector (`a=b,c=d`). */
  list(plural: string, namespace: string, labelSelector = ''): KubeObject[] {
    const prefix = namespace ? `${plural}/${namespace}/` : `${plural}/`;
    const wanted = labelSelector
      .split(',')
      .filter(Boolean)
      .map((term) => term.split('='));
    return [...this.#objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .map(([, object]) => object)
      .filter((o) => wanted.every(([k, v]) => o.metadata.labels?.[k ?? ''] === v))
      .map((o) => structuredClone(o));
  }

  /** The current resourceVersion of the whole store (a list's `metadata.resourceVersion`). */
  get resourceVersion(): string {
    return String(this.#resourceVersion);
  }

  create(plural: string, object: KubeObject, options: WriteOptions = {}): KubeObject {
    const { name, namespace = 'default' } = object.metadata;
    if (this.#objects.has(ObjectStore.key(plural, namespace, name))) throw alreadyExists(object.kind, name);
    return this.#write(plural, object, undefined, options);
  }

  /** Replaces an object; a `metadata.resourceVersion` in `object` must match the stored one (else 409). */
  update(plural: string, object: KubeObject, options: WriteOptions = {}): KubeObject {
    const { name, namespace = 'default', resourceVersion } = object.metadata;
    const previous = this.#objects.get(ObjectStore.key(plural, namespace, name));
    if (!previous) throw notFound(object.kind, name);
    if (resourceVersion && resourceVersion !== previous.metadata.resourceVersion) {
      throw conflict(object.kind, name);
    }
    return this.#write(plural, object, previous, options);
  }

  /** Writes `status` only (the controller's path); does not change `generation`. */
  updateStatus(plural: string, namespace: string, name: string, status: Record<string, unknown>): void {
    const object = this.#objects.get(ObjectStore.key(plural, namespace, name));
    if (!object) return;
    this.#objects.set(ObjectStore.key(plural, namespace, name), {
      ...object,
      metadata: { ...object.metadata, resourceVersion: String(++this.#resourceVersion) },
      status,
    });
  }

  delete(plural: string, namespace: string, name: string, kind: string): KubeObject {
    const key = ObjectStore.key(plural, namespace, name);
    const object = this.#objects.get(key);
    if (!object) throw notFound(kind, name);
    this.#objects.delete(key);
    return object;
  }

  #write(
    plural: string,
    object: KubeObject,
    previous: KubeObject | undefined,
    options: WriteOptions,
  ): KubeObject {
    const { name, namespace = 'default' } = object.metadata;
    const causes = validate(object, previous);
    if (causes.length > 0) throw invalid(object.kind, name, causes);
    const specChanged = JSON.stringify(previous?.spec) !== JSON.stringify(object.spec);
    const managers = (previous?.metadata.managedFields ?? []).filter((f) => f.manager !== options.manager);
    if (options.manager)
      managers.push({ manager: options.manager, operation: options.operation ?? 'Update' });
    const stored: KubeObject = {
      ...object,
      metadata: {
        ...object.metadata,
        namespace,
        uid: previous?.metadata.uid ?? randomUUID(),
        creationTimestamp:
          previous?.metadata.creationTimestamp ?? (options.createdAt ?? new Date()).toISOString(),
        generation: (previous?.metadata.generation ?? 0) + (specChanged || !previous ? 1 : 0),
        resourceVersion: String(++this.#resourceVersion),
        managedFields: managers,
      },
      status: previous?.status ?? object.status,
    };
    this.#objects.set(ObjectStore.key(plural, namespace, name), stored);
    return structuredClone(stored);
  }
}
