import * as z from 'zod';
import { arn, integer, text } from './fields.ts';

/** How tracks are shaped on a Kubernetes cluster (EKS or kubeconfig). */
const trackTemplateFields = {
  containerPort: integer(1, 65535)
    .optional()
    .describe("the app's container port, exposed as the named port http"),
  progressDeadlineSeconds: integer(1)
    .optional()
    .describe(
      'Deployment progress deadline; past it the rollout fails with ProgressDeadlineExceeded; default 600',
    ),
};

/** Tracks run as child processes on this machine (`cutover local`). */
export const localClusterSchema = z.strictObject({ type: z.literal('local') });

/** An EKS cluster, reached with an EKS token for the task's IAM role. */
export const eksClusterSchema = z.strictObject({
  type: z.literal('eks'),
  name: text().describe('EKS cluster name'),
  region: text().describe('AWS region of the cluster, e.g. eu-west-1'),
  roleArn: arn('iam').optional().describe("role to assume for the EKS token (e.g. in the cluster's account)"),
  ...trackTemplateFields,
});

/** Any Kubernetes cluster reachable through a kubeconfig file. */
export const kubeconfigClusterSchema = z.strictObject({
  type: z.literal('kubeconfig'),
  path: text().optional().describe('kubeconfig file; default $KUBECONFIG or ~/.kube/config'),
  context: text().optional().describe('context name; default the current context'),
  ...trackTemplateFields,
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
