// The models alone, as the client's serializer holds them: the package's index would bundle every API too.
import * as models from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { ValidationError } from '#core/errors.ts';
import { closestName } from '#core/schemas/closest-name.ts';
import type { TrackTemplateOptions } from './manifests.ts';

/** A model class of the Kubernetes client: the fields of one Kubernetes type, by JSON name, with their types. */
interface KubernetesModel {
  getAttributeTypeMap(): readonly { readonly baseName: string; readonly type: string }[];
}

/** The client's models, where each Kubernetes type's model class is found by its name (`V1PodSpec`). */
const EXPORTS = models as unknown as Readonly<Record<string, Partial<KubernetesModel> | undefined>>;

/** The Kubernetes type of `cluster.pod` and of `cluster.container`. */
const TEMPLATE_TYPES = { pod: 'V1PodSpec', container: 'V1Container' } as const;

/**
 * Refuses, with a `ValidationError` naming each, the fields of `cluster.pod` and `cluster.container`, at any
 * depth, that their Kubernetes types lack (`cluster.pod.securityContext: unknown field runAsNonroot (allowed:
 * ...): did you mean runAsNonRoot?`). The Kubernetes client builds each Deployment from its models, which
 * drop a field they do not know before the API server sees it: a misspelt security or placement setting
 * would be left out without a word, and so would a field newer than the client.
 *
 * @example
 * refuseUnknownTemplateFields({ pod: { securityContext: { runAsNonroot: true } } }); // throws
 */
export function refuseUnknownTemplateFields({ pod, container }: TrackTemplateOptions): void {
  const problems = [
    ...unknownFields(pod, TEMPLATE_TYPES.pod, 'cluster.pod'),
    ...unknownFields(container, TEMPLATE_TYPES.container, 'cluster.container'),
  ];
  if (problems.length > 0) throw new ValidationError(problems.join('; '));
}

/** What is wrong with each field of `value`, read as the Kubernetes type named `type`, that the type lacks. */
function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || typeof value !== 'object') return [];
  const item = /^Array<(.+)>$/.exec(type)?.[1];
  if (item !== undefined) {
    return Array.isArray(value)
      ? value.flatMap((entry, index) => unknownFields(entry, item, `${path}[${index}]`))
      : [];
  }
  const entries = Object.entries(value);
  const mapped = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (mapped !== undefined)
    return entries.flatMap(([key, entry]) => unknownFields(entry, mapped, `${path}.${key}`));
  const fields = EXPORTS[type]?.getAttributeTypeMap?.();
  if (!fields || Array.isArray(value)) return [];
  const types = new Map(fields.map(({ baseName, type: fieldType }) => [baseName, fieldType]));
  return entries.flatMap(([key, entry]) => {
    const fieldType = types.get(key);
    if (fieldType !== undefined) return unknownFields(entry, fieldType, `${path}.${key}`);
    const allowed = [...types.keys()];
    const meant = closestName(key, allowed);
    return [
      `${path}: unknown field ${key} (allowed: ${allowed.join(', ')})${meant ? `: did you mean ${meant}?` : ''}`,
    ];
  });
}
