import * as eks from 'aws-cdk-lib/aws-eks';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Capability } from './capabilities.ts';
import { pascalCase } from './discovery.ts';

/** Default Kubernetes group of the task functions that change Kubernetes objects (capability `cluster`). */
export const DEPLOYERS_GROUP = 'cutover-deployers';
/** Default Kubernetes group of the task functions that only read them (capability `clusterRead`). */
export const READERS_GROUP = 'cutover-readers';

/**
 * What the deployers group may do in each allowed namespace: what the cluster adapter and the Kubernetes
 * traffic routers call. Server-side apply is a `patch` that needs `create` for a missing object; scaling is
 * a merge patch of the Deployment; only track Deployments are deleted.
 */
export const DEPLOYER_RULES = [
  {
    apiGroups: ['apps'],
    resources: ['deployments'],
    verbs: ['get', 'list', 'create', 'patch', 'delete'],
  },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'patch'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'create', 'patch'] },
  {
    apiGroups: ['gateway.networking.k8s.io'],
    resources: ['httproutes'],
    verbs: ['get', 'list', 'create', 'patch'],
  },
  {
    apiGroups: ['networking.istio.io'],
    resources: ['virtualservices'],
    verbs: ['get', 'list', 'create', 'patch'],
  },
] as const;

const READ_VERBS: readonly string[] = ['get', 'list'];

/** What the readers group may do in each allowed namespace: read what the deployers may change. */
const READER_RULES = DEPLOYER_RULES.map((rule) => ({
  ...rule,
  verbs: rule.verbs.filter((verb) => READ_VERBS.includes(verb)),
}));

/** The namespaced Role of each kind of Kubernetes access. */
const ROLES = {
  deployer: { name: 'cutover-deployer', rules: DEPLOYER_RULES },
  reader: { name: 'cutover-reader', rules: READER_RULES },
} as const;

/** Which Role a Kubernetes group is bound to: `deployer` (changes objects) or `reader` (reads them). */
export type KubernetesAccess = keyof typeof ROLES;

/**
 * The namespaced Role and RoleBinding, per namespace, that give a Kubernetes group the task functions map
 * to (through their EKS access entries) what a release needs: `deployer` to change objects, `reader` to
 * read them.
 *
 * @example
 * rbacManifests(['shop'], 'cutover-deployers'); // [Role shop/cutover-deployer, RoleBinding shop/cutover-deployer]
 * rbacManifests(['shop'], 'cutover-readers', 'reader'); // [Role shop/cutover-reader, RoleBinding shop/cutover-reader]
 */
export function rbacManifests(
  namespaces: readonly string[],
  group: string,
  access: KubernetesAccess = 'deployer',
): Record<string, unknown>[] {
  const role = ROLES[access];
  const metadata = (namespace: string) => ({
    name: role.name,
    namespace,
    labels: { 'app.kubernetes.io/managed-by': 'cutover' },
  });
  return namespaces.flatMap((namespace) => [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: metadata(namespace),
      rules: role.rules.map((rule) => ({
        apiGroups: [...rule.apiGroups],
        resources: [...rule.resources],
        verbs: [...rule.verbs],
      })),
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: metadata(namespace),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    },
  ]);
}

/**
 * The roles of the task functions that only read Kubernetes objects: capability `clusterRead` without
 * `cluster` (which reads too, and puts the role in the deployers group).
 */
export function kubernetesReaderRoles(
  functions: ReadonlyMap<string, lambda.IFunction>,
  capabilities: Readonly<Record<string, readonly Capability[]>>,
): Map<string, iam.IRole> {
  const readers = [...functions].filter(([name]) => {
    const granted = capabilities[name] ?? [];
    return granted.includes('clusterRead') && !granted.includes('cluster');
  });
  return new Map(readers.map(([name, fn]) => [name, fn.role!]));
}

/** Props of {@link EksAccess}. */
export interface EksAccessProps {
  readonly clusterName: string;
  /** Roles of the functions that change Kubernetes objects, by function name. */
  readonly roles: ReadonlyMap<string, iam.IRole>;
  /** Roles of the functions that only read them, by function name. */
  readonly readerRoles: ReadonlyMap<string, iam.IRole>;
  /** Group of `roles`, bound to the `cutover-deployer` Role. */
  readonly kubernetesGroup: string;
  /** Group of `readerRoles`, bound to the read-only `cutover-reader` Role. */
  readonly kubernetesReaderGroup: string;
  readonly namespaces: readonly string[];
  /** When given, the Role/RoleBinding manifests are applied to it. */
  readonly cluster?: eks.ICluster;
}

/**
 * An EKS access entry (authentication mode API or API_AND_CONFIG_MAP) for each cluster-facing task role, in
 * the deployers or the readers Kubernetes group bound by {@link rbacManifests}; the manifests too when a
 * cluster is passed.
 *
 * @example
 * new EksAccess(this, 'EksAccess', { clusterName: 'prod', roles, readerRoles, kubernetesGroup: DEPLOYERS_GROUP, kubernetesReaderGroup: READERS_GROUP, namespaces: ['shop'] });
 */
export class EksAccess extends Construct {
  constructor(scope: Construct, id: string, props: EksAccessProps) {
    super(scope, id);
    const entries = [
      ...[...props.roles].map(([name, role]) => [name, role, props.kubernetesGroup] as const),
      ...[...props.readerRoles].map(([name, role]) => [name, role, props.kubernetesReaderGroup] as const),
    ];
    for (const [name, role, group] of entries) {
      new eks.CfnAccessEntry(this, `${pascalCase(name)}AccessEntry`, {
        clusterName: props.clusterName,
        principalArn: role.roleArn,
        type: 'STANDARD',
        kubernetesGroups: [group],
      });
    }
    if (props.cluster) {
      props.cluster.addManifest(
        `CutoverRbac${this.node.addr.slice(0, 8)}`,
        ...rbacManifests(props.namespaces, props.kubernetesGroup),
        ...rbacManifests(props.namespaces, props.kubernetesReaderGroup, 'reader'),
      );
    }
  }
}
