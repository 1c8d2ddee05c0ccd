import { randomBytes } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { ValidationError } from '#core/errors.ts';
import { isStrategy, validateRequest } from '#core/schemas/index.ts';
import { createStepFunctionsClient, type EndpointOptions, withEndpointOptions } from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { readRequestFile } from '../request-file.ts';
import { resolveStateMachineArn, STRATEGIES } from '../resolve.ts';
import { watchExecution } from '../watch.ts';

interface RunOptions extends EndpointOptions {
  readonly file: string;
  readonly name?: string;
  readonly wait?: boolean;
}

/** `<service>-<version>-<random>`, within Step Functions' name rules. */
function defaultExecutionName(request: {
  service?: { name?: string };
  release?: { version?: string };
}): string {
  const base = `${request.service?.name ?? 'release'}-${request.release?.version ?? ''}`;
  return `${base.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60)}-${randomBytes(3).toString('hex')}`;
}

/** Validates here first, so a bad request starts nothing and exits 2 with every bad field named. */
function checkRequest(strategy: string, request: unknown): void {
  if (!(STRATEGIES as readonly string[]).includes(strategy)) {
    throw new CliError(
      `strategy must be one of: ${STRATEGIES.join(', ')} (got "${strategy}")`,
      ExitCode.Usage,
    );
  }
  if (!isStrategy(strategy)) return; // other workflows validate in their first state
  try {
    validateRequest(strategy, request);
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
    throw error;
  }
}

/** `cutover run <strategy> -f request.json [--name] [--wait]`: starts a release. */
export function runCommand(): Command {
  return withEndpointOptions(
    new Command('run')
      .description('start a release (or database migration) from a request file')
      .argument('<strategy>', STRATEGIES.join(' | '))
      .requiredOption('-f, --file <path>', 'the request, as JSON')
      .option('--name <name>', 'execution name (default: <service>-<version>-<random>)')
      .option('--wait', 'follow the execution until it ends; exit 0 only if it succeeded')
      .addHelpText('after', '\nExample:\n  $ cutover run canary -f examples/requests/canary.json --wait'),
  ).action(async (strategy: string, options: RunOptions) => {
    const request = await readRequestFile(options.file);
    checkRequest(strategy, request);
    const sfn = createStepFunctionsClient(options);
    const stateMachineArn = await resolveStateMachineArn(sfn, strategy);
    const name = options.name ?? defaultExecutionName(request as object);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(request) }),
    );
    console.log(executionArn);
    if (options.wait) process.exitCode = await watchExecution(sfn, executionArn!);
  });
}
