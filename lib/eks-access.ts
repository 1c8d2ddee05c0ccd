import * as eks from 'aws-cdk-lib/aws-eks';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { pascalCase } from './discovery.ts';

/** What the deployers group may do in each allowed namespace. */
export const DEPLOYER_RULES = [
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'deployments/scale', 'replicasets'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  {
    apiGroups: [''],
    resources: ['services'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list'] },
  {
    apiGroups: ['networking.k8s.io'],
    resources: ['ingresses'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
  },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['httproutes'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
  },
  {
    apiGroups: ['networking.istio.io'],
    resources: ['virtualservices'],
    verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
  },
] as const;

/**
 * The namespaced Role and RoleBinding, per namespace, that give the Kubernetes group the task functions
 * map to (through their EKS access entries) what a release needs.
 *
 * @example
 * rbacManifests(['shop'], 'cutover-deployers'); // [Role shop/cutover-deployer, RoleBinding shop/cutover-deployer]
 */
export function rbacManifests(namespaces: readonly string[], group: string): Record<string, unknown>[] {
  return namespaces.flatMap((namespace) => [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {
        name: 'cutover-deployer',
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'cutover' },
      },
      rules: DEPLOYER_RULES.map((rule) => ({
        ...rule,
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs],
      })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {
        name: 'cutover-deployer',
        namespace,
        labels: { 'app.kubernetes.io/managed-by': 'cutover' },
      },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cutover-deployer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    },
  ]);
}

/** Props of {@link EksAccess}. */
export interface EksAccessProps {
  readonly clusterName: string;
  readonly roles: ReadonlyMap<string, iam.IRole>;
  readonly kubernetesGroup: string;
  readonly namespaces: readonly string[];
  /** When given, the Role/RoleBinding manifests are applied to it. */
  readonly cluster?: eks.ICluster;
}

/**
 * An EKS access entry (authentication mode API or API_AND_CONFIG_MAP) for each cluster-facing task role,
 * in the Kubernetes group bound by {@link rbacManifests}; the manifests too when a cluster is passed.
 *
 * @example
 * new EksAccess(this, 'EksAccess', { clusterName: 'prod', roles, kubernetesGroup: 'cutover-deployers', namespaces: ['shop'] });
 */
export class EksAccess extends Construct {
  constructor(scope: Construct, id: string, props: EksAccessProps) {
    super(scope, id);
    for (const [name, role] of props.roles) {
      new eks.CfnAccessEntry(this, `${pascalCase(name)}AccessEntry`, {
        clusterName: props.clusterName,
        principalArn: role.roleArn,
        type: 'STANDARD',
        kubernetesGroups: [props.kubernetesGroup],
      });
    }
    if (props.cluster) {
      props.cluster.addManifest(
        `CutoverRbac${this.node.addr.slice(0, 8)}`,
        ...rbacManifests(props.namespaces, props.kubernetesGroup),
      );
    }
  }
}
