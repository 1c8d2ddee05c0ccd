import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';
import { DEFAULT_STACK_NAME } from '#core/rollback.ts';
import { withSetupHints } from './aws-errors.ts';
import { CLI_REQUEST_HANDLER, withoutRetryAfterTimeout } from './call-timeouts.ts';
import { CredentialChainLog } from './credential-chain-log.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import { withFailedCalls } from './failed-call.ts';
import { refuseForeignAnswers } from './foreign-answers.ts';
import { LOCAL_MACHINES, type MachineNaming } from './resolve.ts';

/** The endpoint of the local runtime when nothing else is said. */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:8083';

/** Options every command that talks to Step Functions accepts. */
export interface EndpointOptions {
  readonly endpoint?: string;
  readonly aws?: boolean;
  readonly region?: string;
  readonly stack?: string;
}

/** What `--endpoint` says in the help of a command that calls the API. */
const ENDPOINT_HELP = 'Step Functions endpoint (default: $CUTOVER_ENDPOINT or the local runtime)';

/** Adds `--endpoint` (described by `endpointHelp`), `--aws`, `--region` and `--stack` to a command. */
export function withEndpointOptions(command: Command, endpointHelp = ENDPOINT_HELP): Command {
  return command
    .option('--endpoint <url>', endpointHelp)
    .option(
      '--aws',
      'talk to AWS Step Functions with the default credential chain (ignores $CUTOVER_ENDPOINT)',
    )
    .option('--region <region>', 'AWS region (default: $AWS_REGION)')
    .option(
      '--stack <name>',
      `with --aws: the CDK stack whose state machines (<stack>-canary, ...) to use (default: $CUTOVER_STACK or ${DEFAULT_STACK_NAME})`,
    );
}

/** A CloudFormation stack name, as the CDK app accepts it. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

/**
 * Which state machines are Cutover's: the local runtime's, named after their workflows, or, with `--aws`,
 * those of the stack `--stack`, else `$CUTOVER_STACK`, else {@link DEFAULT_STACK_NAME} (refused when several
 * stacks' are deployed: see `MachineNaming.named`). `--stack` without `--aws`, or a name that is no stack's,
 * is a usage error.
 *
 * @example
 * machineNamingFor({ aws: true, stack: 'CutoverStaging' }); // { stack: 'CutoverStaging', named: true }
 */
export function machineNamingFor(options: EndpointOptions, env = process.env): MachineNaming {
  if (!options.aws) {
    if (options.stack === undefined) return LOCAL_MACHINES;
    throw new CliError('--stack names the stack of --aws: give --aws too', ExitCode.Usage);
  }
  const source = options.stack !== undefined ? '--stack' : 'CUTOVER_STACK';
  const stack = options.stack ?? (env.CUTOVER_STACK || undefined);
  if (stack === undefined) return { stack: DEFAULT_STACK_NAME };
  if (!STACK_NAME.test(stack)) {
    throw new CliError(
      `${source} must be a stack name: a letter, then letters, digits or '-' (got ${JSON.stringify(stack)})`,
      ExitCode.Usage,
    );
  }
  return { stack, named: true };
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
    options.stack !== undefined ? ` --stack ${options.stack}` : '',
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
 * The settings of a CLI client of AWS itself (`--aws`): the default credential chain (its log kept, for
 * `withSetupHints` to say why a profile's credentials could not be loaded), `--region` or the SDK's region
 * chain, the timeouts, and adaptive retries, which slow every call down while AWS throttles them.
 *
 * @example
 * const sts = withSetupHints(new STSClient(awsClientConfig(options)));
 */
export function awsClientConfig(options: EndpointOptions) {
  return {
    retryMode: 'adaptive',
    requestHandler: CLI_REQUEST_HANDLER,
    logger: new CredentialChainLog(),
    ...(options.region ? { region: options.region } : {}),
  } as const;
}

/**
 * A Step Functions client for the local runtime (default) or AWS (`--aws`; without credentials or a
 * region, its calls fail with a usage error saying how to set them). A call that fails is named for
 * `describeFailedCall`; one that timed out is not tried again.
 *
 * @example
 * const sfn = createStepFunctionsClient({}); // http://127.0.0.1:8083
 */
export function createStepFunctionsClient(options: EndpointOptions, env = process.env): SFNClient {
  if (options.aws) {
    // --endpoint here is an AWS endpoint (a VPC endpoint, say).
    const client = new SFNClient({
      ...awsClientConfig(options),
      ...(options.endpoint ? { endpoint: httpUrl(options.endpoint, '--endpoint') } : {}),
    });
    if (!options.endpoint) return withSetupHints(client);
    return withSetupHints(refuseForeignAnswers(client), '--endpoint');
  }
  const client = new SFNClient({
    endpoint: localEndpoint(options, env),
    region: options.region ?? env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
    requestHandler: CLI_REQUEST_HANDLER,
  });
  const namedBy =
    options.endpoint !== undefined ? '--endpoint' : env.CUTOVER_ENDPOINT ? 'CUTOVER_ENDPOINT' : undefined;
  return withFailedCalls(refuseForeignAnswers(withoutRetryAfterTimeout(client)), { aws: false, namedBy });
}
