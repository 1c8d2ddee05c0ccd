import type { KubeObject, ObjectStore } from './store.ts';

// biome-ignore lint/suspicious/noExplicitAny: autoscalers and Deployments are read as untyped JSON
type Loose = any;

/**
 * The HorizontalPodAutoscaler controller of a cluster without metrics: each autoscaling/v2 HPA whose
 * `scaleTargetRef` names a Deployment (group `apps`) keeps that Deployment's `spec.replicas` within
 * `[minReplicas (default 1), maxReplicas]`, as the real controller does before it reads any metric, writing
 * them as `kube-controller-manager`; a Deployment at 0 replicas is left alone (`ScalingDisabled`). Returns
 * whether it scaled any Deployment.
 */
export function enforceAutoscalerBounds(store: ObjectStore): boolean {
  let scaled = false;
  for (const autoscaler of store.list('horizontalpodautoscalers', '')) {
    scaled = scaleTarget(store, autoscaler) || scaled;
  }
  return scaled;
}

/** Brings the Deployment `autoscaler` targets within its bounds; whether it had to. */
function scaleTarget(store: ObjectStore, autoscaler: KubeObject): boolean {
  const spec: Loose = autoscaler.spec ?? {};
  const target = spec.scaleTargetRef;
  if (target?.kind !== 'Deployment' || !String(target.apiVersion).startsWith('apps/')) return false;
  const deployment = store.get('deployments', autoscaler.metadata.namespace ?? 'default', target.name);
  const replicas: number = (deployment?.spec as Loose)?.replicas ?? 1;
  if (!deployment || replicas === 0) return false;
  const bounded = Math.min(Math.max(replicas, spec.minReplicas ?? 1), spec.maxReplicas ?? replicas);
  if (bounded === replicas) return false;
  const scaled = { ...deployment, spec: { ...deployment.spec, replicas: bounded } };
  store.update('deployments', scaled, { manager: 'kube-controller-manager', operation: 'Update' });
  return true;
}
