import { Command } from 'commander';
import { createStepFunctionsClient, type EndpointOptions, withEndpointOptions } from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { listCutoverExecutions } from '../resolve.ts';

const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/** `cutover list [--status S]`: Cutover's executions, newest first. */
export function listCommand(): Command {
  return withEndpointOptions(
    new Command('list')
      .description('list executions of every strategy, newest first')
      .option('--status <status>', `only executions in this status (${STATUSES.join(', ')})`)
      .addHelpText('after', '\nExample:\n  $ cutover list --status RUNNING'),
  ).action(async (options: EndpointOptions & { status?: string }) => {
    const status = options.status?.toUpperCase();
    if (status && !STATUSES.includes(status)) {
      throw new CliError(
        `--status must be one of: ${STATUSES.join(', ')} (got "${options.status}")`,
        ExitCode.Usage,
      );
    }
    const executions = await listCutoverExecutions(createStepFunctionsClient(options), status);
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
