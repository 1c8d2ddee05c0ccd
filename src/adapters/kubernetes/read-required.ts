import type { KubeObject, KubernetesObjects, ObjectRef } from './client.ts';
import { KubernetesApiError } from './errors.ts';

/**
 * Reads an object the request names; a missing one is a `KubernetesApiError` (404) naming the request field.
 *
 * @example
 * const route = await readRequired(client, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'shop', name: 'checkout' }, 'traffic.httpRoute');
 */
export async function readRequired(
  client: KubernetesObjects,
  ref: ObjectRef,
  field: string,
): Promise<KubeObject> {
  const live = await client.read(ref);
  if (!live)
    throw new KubernetesApiError(`${field}: ${ref.kind} ${ref.namespace}/${ref.name} does not exist`, 404);
  return live;
}
