import { TRACK_LABEL } from '#adapters/kubernetes/manifests.ts';

type SnapshotObject =
  | { track?: unknown; kind?: unknown; metadata?: { labels?: Record<string, unknown> } }
  | null
  | undefined;

/**
 * The track a cluster snapshot's object is, if it is one: a local track (`{ track, release, replicas }`),
 * or a Kubernetes track Deployment (labelled `cutover.dev/track`; its Services and routes are no tracks).
 *
 * @example
 * trackOf({ kind: 'Deployment', metadata: { labels: { 'cutover.dev/track': 'blue' } } }); // 'blue'
 * trackOf({ kind: 'Service', metadata: { name: 'checkout' } }); // undefined
 */
export function trackOf(object: unknown): string | undefined {
  const candidate = object as SnapshotObject;
  const track =
    candidate?.track ??
    (candidate?.kind === 'Deployment' ? candidate.metadata?.labels?.[TRACK_LABEL] : undefined);
  return typeof track === 'string' ? track : undefined;
}
