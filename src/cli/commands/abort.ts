import { Command } from 'commander';
import { abortRelease } from '../abort-release.ts';
import { createStepFunctionsClient, type EndpointOptions, withEndpointOptions } from '../endpoint.ts';
import { resolveExecutionArn } from '../resolve.ts';

/**
 * `cutover abort <execution>`: stops an execution, then starts the rollback state machine
 * (`abort-<execution name>`) that restores its traffic and tracks from the backup and unlocks the service.
 */
export function abortCommand(): Command {
  return withEndpointOptions(
    new Command('abort')
      .description('abort a running release and roll it back')
      .argument('<execution>', 'execution ARN or name')
      .option('--reason <text>', 'why, recorded in the history', 'aborted from the CLI')
      .addHelpText(
        'after',
        '\nExample:\n  $ cutover abort checkout-v2 --reason "wrong image"\n  $ cutover watch abort-checkout-v2',
      ),
  ).action(async (ref: string, options: EndpointOptions & { reason: string }) => {
    const sfn = createStepFunctionsClient(options);
    const executionArn = await resolveExecutionArn(sfn, ref);
    const { rollbackExecutionArn } = await abortRelease(sfn, executionArn, options.reason);
    console.log(`aborted ${executionArn}`);
    console.log(
      rollbackExecutionArn
        ? `rolling back: ${rollbackExecutionArn}`
        : 'nothing to roll back (it stopped before changing anything, or is not a release)',
    );
  });
}
