import type { DescribeClusterCommand, DescribeClusterCommandOutput } from '@aws-sdk/client-eks';
import type { AssumeRoleCommand, AssumeRoleCommandOutput } from '@aws-sdk/client-sts';
import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { clientOnFirstSend } from '../aws-clients.ts';
import { defaultCredentialProvider } from '../aws-credentials.ts';
import { asAdapterError } from '../aws-errors.ts';
import { type KubernetesClientOptions, KubernetesObjectClient, type KubernetesObjects } from './client.ts';
import { DeferredKubernetesObjects } from './deferred-client.ts';
import { EksTokenProvider } from './eks-token.ts';
import { KubernetesConfigError } from './errors.ts';
import { KUBECONFIG_ENV, type KubeconfigConnection } from './kubeconfig-env.ts';

/** The EKS call Cutover makes: DescribeCluster for the endpoint and CA. */
export interface EksApi {
  send(command: DescribeClusterCommand): Promise<DescribeClusterCommandOutput>;
}

/** The STS call Cutover makes when the cluster is reached through another role. */
export interface StsApi {
  send(command: AssumeRoleCommand): Promise<AssumeRoleCommandOutput>;
}

/** Where an EKS cluster is and who Cutover is there. */
export interface EksConnection {
  readonly name: string;
  readonly region: string;
  /** Assume this role (e.g. in the cluster's account) for the token; default the task's own credentials. */
  readonly roleArn?: string;
}

/** The AWS clients and clock behind an EKS connection (tests pass mocked clients and a fixed clock). */
export interface EksDependencies {
  readonly eks?: EksApi;
  readonly sts?: StsApi;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly now?: () => Date;
  readonly clientOptions?: KubernetesClientOptions;
}

/**
 * A client for an EKS cluster: DescribeCluster gives the endpoint and CA, an EKS token (refreshed every
 * 14 minutes) authenticates every request. Both are made with the same credentials, the assumed
 * `roleArn`'s when given (a cluster in another account is described there). The API call happens on
 * first use.
 *
 * @example
 * const cluster = new KubernetesCluster(eksObjects({ name: 'prod', region: 'eu-west-1' }));
 */
export function eksObjects(connection: EksConnection, deps: EksDependencies = {}): KubernetesObjects {
  return new DeferredKubernetesObjects(async () => {
    const { DescribeClusterCommand, EKSClient } = await import('@aws-sdk/client-eks');
    const credentials = credentialsFor(connection, deps);
    const eks = deps.eks ?? new EKSClient({ region: connection.region, credentials });
    const output = await eks
      .send(new DescribeClusterCommand({ name: connection.name }))
      .catch((error: unknown) =>
        Promise.reject(asAdapterError(error, `eks:DescribeCluster ${connection.name}`)),
      );
    const endpoint = output.cluster?.endpoint;
    const caData = output.cluster?.certificateAuthority?.data;
    if (!endpoint || !caData) {
      throw new KubernetesConfigError(
        `EKS cluster ${connection.name} in ${connection.region} has no endpoint or certificate authority yet (status ${output.cluster?.status ?? 'unknown'})`,
      );
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: connection.name, server: endpoint, caData }],
      users: [{ name: 'cutover' }],
      contexts: [{ name: connection.name, cluster: connection.name, user: 'cutover' }],
      currentContext: connection.name,
    });
    const tokens = new EksTokenProvider(
      {
        clusterName: connection.name,
        region: connection.region,
        credentials,
      },
      deps.now,
    );
    return KubernetesObjectClient.fromKubeConfig(kc, { ...deps.clientOptions, token: () => tokens.token() });
  });
}

/** The credentials that sign the token: the given ones, an assumed role, or the default provider chain. */
function credentialsFor(
  connection: EksConnection,
  deps: EksDependencies,
): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if (deps.credentials) return deps.credentials;
  if (!connection.roleArn) return defaultCredentialProvider(connection.region);
  const sts =
    deps.sts ??
    clientOnFirstSend(
      async () => new (await import('@aws-sdk/client-sts')).STSClient({ region: connection.region }),
    );
  const roleArn = connection.roleArn;
  return async () => {
    const { AssumeRoleCommand } = await import('@aws-sdk/client-sts');
    const output = await sts
      .send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'cutover', DurationSeconds: 900 }))
      .catch((error: unknown) => Promise.reject(asAdapterError(error, `sts:AssumeRole ${roleArn}`)));
    const c = output.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new KubernetesConfigError(`sts:AssumeRole ${roleArn} returned no credentials`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };
}

/**
 * A client for the cluster of a kubeconfig context (kind, minikube, k3d or any cluster): the context's own
 * credentials (token, client certificate, exec plugin) authenticate. A file or context that is not there is
 * a `KubernetesConfigError` naming the request field the connection came from, `field` (`traffic.cluster`).
 *
 * @example
 * const cluster = new KubernetesCluster(kubeconfigObjects({ context: 'kind-cutover' }));
 */
export function kubeconfigObjects(
  connection: KubeconfigConnection,
  options: KubernetesClientOptions = {},
  field = 'cluster',
): KubernetesObjects {
  const kc = connection.path
    ? loadKubeconfig(connection.path, fieldName(field, 'path', connection.path))
    : defaultKubeconfig(field);
  if (connection.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(connection.context)) {
      throw new KubernetesConfigError(
        `${fieldName(field, 'context', connection.context)} must be one of the kubeconfig's contexts: ${names.join(', ') || '(none)'} (got "${connection.context}")`,
      );
    }
    kc.setCurrentContext(connection.context);
  }
  return KubernetesObjectClient.fromKubeConfig(kc, options);
}

/**
 * The kubeconfig file at `path`; one that cannot be read or is no kubeconfig is a `KubernetesConfigError`
 * naming `field` (`cluster.path`, `--kubeconfig`) and what is wrong: no such file, a directory, no access,
 * not YAML.
 *
 * @example
 * const contexts = loadKubeconfig('/home/me/.kube/config', '--kubeconfig').getContexts().map((c) => c.name);
 */
export function loadKubeconfig(path: string, field = 'cluster.path'): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (error) {
    throw new KubernetesConfigError(`${field} must name a kubeconfig file: ${unreadable(path, error)}`, {
      cause: error,
    });
  }
  return kc;
}

/** Why a kubeconfig file could not be loaded, as a person reads it. */
function unreadable(path: string, error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return `there is no ${path}`;
    case 'ENOTDIR':
      return `there is no ${path} (a file is in the way)`;
    case 'EISDIR':
      return `${path} is a directory`;
    case 'EACCES':
    case 'EPERM':
      return `${path} cannot be read (permission denied)`;
    default:
      // An empty file or a YAML scalar loads as nothing, and the client then reads its `clusters` off it.
      return error instanceof TypeError
        ? `${path} is not one (no clusters, users or contexts in it)`
        : `${path} is not one (${(error as Error).message.split('\n')[0]})`;
  }
}

/**
 * The kubeconfig of `$KUBECONFIG`, else `~/.kube/config`; one that cannot be loaded is a `KubernetesConfigError`
 * naming `<cluster>.path`.
 */
function defaultKubeconfig(cluster: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (error) {
    const file = (error as { path?: string }).path ?? process.env.KUBECONFIG ?? '~/.kube/config';
    throw new KubernetesConfigError(
      `${cluster}.path is not given, and the default kubeconfig ($KUBECONFIG, else ~/.kube/config) is unusable: ${unreadable(file, error)}`,
      { cause: error },
    );
  }
  return kc;
}

/**
 * The request field a kubeconfig value came from, as an error names it: `cluster.path` (`<cluster>.<field>`),
 * or, when it is the default `cutover local --kubeconfig` / `--context` set, that flag too (the request did
 * not say it).
 */
function fieldName(cluster: string, field: keyof typeof KUBECONFIG_ENV, value: string): string {
  const variable = KUBECONFIG_ENV[field];
  if (process.env[variable] !== value) return `${cluster}.${field}`;
  const flag = field === 'path' ? '--kubeconfig' : '--context';
  return `${cluster}.${field} (${variable}, from cutover local ${flag})`;
}
