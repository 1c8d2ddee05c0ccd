/** Where a kubeconfig cluster is: a file (default `$KUBECONFIG` or `~/.kube/config`) and a context. */
export interface KubeconfigConnection {
  readonly path?: string | undefined;
  readonly context?: string | undefined;
}

/** Environment variables `cutover local --kubeconfig / --context` set: the defaults of a kubeconfig cluster. */
export const KUBECONFIG_ENV = { path: 'CUTOVER_KUBECONFIG', context: 'CUTOVER_KUBE_CONTEXT' } as const;

/**
 * The request's kubeconfig connection with the unset fields taken from `CUTOVER_KUBECONFIG` /
 * `CUTOVER_KUBE_CONTEXT` (then the kubeconfig's own defaults apply).
 *
 * @example
 * kubeconfigConnection({}, { CUTOVER_KUBECONFIG: '/home/me/.kube/kind' }); // { path: '/home/me/.kube/kind', context: undefined }
 */
export function kubeconfigConnection(
  connection: KubeconfigConnection,
  env: NodeJS.ProcessEnv = process.env,
): KubeconfigConnection {
  return {
    path: connection.path ?? (env[KUBECONFIG_ENV.path] || undefined),
    context: connection.context ?? (env[KUBECONFIG_ENV.context] || undefined),
  };
}
