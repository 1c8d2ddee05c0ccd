import { SFNClient } from '@aws-sdk/client-sfn';
import type { Command } from 'commander';

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
 * A Step Functions client for the local runtime (default) or AWS (`--aws`).
 *
 * @example
 * const sfn = createStepFunctionsClient({}); // http://127.0.0.1:8083
 */
export function createStepFunctionsClient(options: EndpointOptions, env = process.env): SFNClient {
  if (options.aws) {
    // The default credential chain and region; --endpoint here is an AWS endpoint (a VPC endpoint, say).
    return new SFNClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
  }
  return new SFNClient({
    endpoint: options.endpoint ?? env.CUTOVER_ENDPOINT ?? DEFAULT_LOCAL_ENDPOINT,
    region: options.region ?? env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
  });
}
