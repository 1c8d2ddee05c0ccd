import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { CliError, ExitCode } from './exit-codes.ts';

/** The endpoint of the local runtime when nothing else is said. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:8083';

/** Options every command that talks to Step Functions accepts. */
export interface EndpointOptions {
  readonly endpoint?: string;
  readonly aws?: boolean;
  readonly region?: string;
}

/** Adds `--endpoint`, `--aws` and `--region` to a command. */
export function withEndpointOptions(command: Command): Command {
  return command
    .option('--endpoint <url>', 'Step Functions endpoint (default: $CUTOVER_ENDPOINT or the local runtime)')
    .option(
      '--aws',
      'talk to AWS Step Functions with the default credential chain (ignores $CUTOVER_ENDPOINT)',
    )
    .option('--region <region>', 'AWS region (default: $AWS_REGION)');
}

/**
 * The endpoint options as given on the command line, to repeat in a command suggested to the user.
 *
 * @example
 * endpointFlags({ aws: true, region: 'eu-west-1' }); // ' --aws --region eu-west-1'
 */
export function endpointFlags(options: EndpointOptions): string {
  return [
    options.aws ? ' --aws' : '',
    options.region !== undefined ? ` --region ${options.region}` : '',
    options.endpoint !== undefined ? ` --endpoint ${options.endpoint}` : '',
  ].join('');
}

/** `url` when it is an http(s) URL; otherwise a usage error naming `source` (the flag or variable). */
function httpUrl(url: string, source: string): string {
  const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new CliError(
      `${source} must be an http:// or https:// URL, e.g. ${DEFAULT_LOCAL_ENDPOINT} (got ${JSON.stringify(url)})`,
      ExitCode.Usage,
    );
  }
  return url;
}

/**
 * The endpoint a command without `--aws` talks to: `--endpoint`, else `$CUTOVER_ENDPOINT`, else the local
 * runtime; a usage error naming the flag or variable when it is not an http(s) URL.
 *
 * @example
 * localEndpoint({}, {}); // 'http://127.0.0.1:8083'
 */
export function localEndpoint(options: EndpointOptions, env = process.env): string {
  if (options.endpoint !== undefined) return httpUrl(options.endpoint, '--endpoint');
  if (env.CUTOVER_ENDPOINT) return httpUrl(env.CUTOVER_ENDPOINT, 'CUTOVER_ENDPOINT');
  return DEFAULT_LOCAL_ENDPOINT;
}

/**
 * The endpoint a command talks to without having been told it on the command line (no `--endpoint`, no
 * `--aws`): `$CUTOVER_ENDPOINT` or the local runtime; undefined when the user named it.
 *
 * @example
 * unnamedLocalEndpoint({}, {}); // 'http://127.0.0.1:8083'
 */
export function unnamedLocalEndpoint(options: EndpointOptions, env = process.env): string | undefined {
  return options.aws || options.endpoint !== undefined ? undefined : localEndpoint(options, env);
}

/**
 * How long a call may wait on a silent connection (a stopped process, a dropped network) before it fails
 * with `TimeoutError`: every Step Functions call answers in well under it.
 */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * A Step Functions client for the local runtime (default) or AWS (`--aws`).
 *
 * @example
 * const sfn = createStepFunctionsClient({}); // http://127.0.0.1:8083
 */
export function createStepFunctionsClient(options: EndpointOptions, env = process.env): SFNClient {
  if (options.aws) {
    // The default credential chain and region; --endpoint here is an AWS endpoint (a VPC endpoint, say).
    return new SFNClient({
      requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: httpUrl(options.endpoint, '--endpoint') } : {}),
    });
  }
  return new SFNClient({
    endpoint: localEndpoint(options, env),
    region: options.region ?? env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
    requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
}
