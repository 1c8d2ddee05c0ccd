import { z } from 'zod';
import { text } from './fields.ts';

/** Tracks run as child processes on this machine (`cutover local`). */
export const localClusterSchema = z.strictObject({ type: z.literal('local') });

/** An EKS cluster, reached with an EKS token for the task's IAM role. */
export const eksClusterSchema = z.strictObject({
  type: z.literal('eks'),
  name: text().describe('EKS cluster name'),
  region: text().describe('AWS region of the cluster, e.g. eu-west-1'),
});

/** Any Kubernetes cluster reachable through a kubeconfig file. */
export const kubeconfigClusterSchema = z.strictObject({
  type: z.literal('kubeconfig'),
  path: text().optional().describe('kubeconfig file; default $KUBECONFIG or ~/.kube/config'),
  context: text().optional().describe('context name; default the current context'),
});

/** Where the tracks run: the request's `cluster` field. */
export const clusterConfigSchema = z.discriminatedUnion('type', [
  localClusterSchema,
  eksClusterSchema,
  kubeconfigClusterSchema,
]);

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;

/** JSON Schema of {@link clusterConfigSchema}. */
export const clusterConfigJsonSchema = z.toJSONSchema(clusterConfigSchema, { io: 'input' });
