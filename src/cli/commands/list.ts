import { Command } from 'commander';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { listCutoverExecutions } from '../resolve.ts';

/**
 * The statuses `--status` takes. Not `PENDING_REDRIVE`: Step Functions refuses it with a state machine's ARN,
 * and Cutover lists executions by state machine.
 */
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/** Collects every `--status` given, so a repeated one is refused rather than the last silently used. */
function collectStatus(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/**
 * The one status to filter by: ListExecutions takes a single `statusFilter`. An empty, unknown or
 * repeated `--status` is a usage error naming the allowed values.
 */
function statusFilter(given: readonly string[] | undefined): string | undefined {
  if (given === undefined) return undefined;
  if (given.length > 1) {
    throw new CliError(
      `--status may be given once, one of: ${STATUSES.join(', ')} (got ${given.map((s) => `"${s}"`).join(', ')}): ` +
        'Step Functions lists executions by one status',
      ExitCode.Usage,
    );
  }
  const status = given[0]!.toUpperCase();
  if (!STATUSES.includes(status)) {
    throw new CliError(`--status must be one of: ${STATUSES.join(', ')} (got "${given[0]}")`, ExitCode.Usage);
  }
  return status;
}

/** `cutover list [--status S]`: Cutover's executions, newest first. */
export function listCommand(): Command {
  return withEndpointOptions(
    new Command('list')
      .description('list executions of every strategy, newest first')
      .option('--status <status>', `only executions in this status (${STATUSES.join(', ')})`, collectStatus)
      .addHelpText('after', '\nExample:\n  $ cutover list --status RUNNING'),
  ).action(async (options: EndpointOptions & { status?: string[] }) => {
    const status = statusFilter(options.status);
    const executions = await listCutoverExecutions(
      createStepFunctionsClient(options),
      status,
      machineNamingFor(options),
    );
    for (const execution of executions) {
      const machine = execution.stateMachineArn?.split(':').pop() ?? '';
      const started = execution.startDate?.toISOString() ?? '';
      console.log(
        `${(execution.status ?? '').padEnd(10)} ${machine.padEnd(20)} ${started}  ${execution.name}`,
      );
    }
    if (executions.length === 0) console.log('no executions');
  });
}
