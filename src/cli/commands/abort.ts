import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { createStepFunctionsClient, type EndpointOptions, withEndpointOptions } from '../endpoint.ts';
import { resolveExecutionArn } from '../resolve.ts';

/** `cutover abort <execution>`: stops an execution; its traffic is restored by the rollback that follows. */
export function abortCommand(): Command {
  return withEndpointOptions(
    new Command('abort')
      .description('abort a running release')
      .argument('<execution>', 'execution ARN or name')
      .option('--reason <text>', 'why, recorded in the history', 'aborted from the CLI')
      .addHelpText('after', '\nExample:\n  $ cutover abort checkout-v2 --reason "wrong image"'),
  ).action(async (ref: string, options: EndpointOptions & { reason: string }) => {
    const sfn = createStepFunctionsClient(options);
    const executionArn = await resolveExecutionArn(sfn, ref);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Aborted', cause: options.reason }));
    console.log(`aborted ${executionArn}`);
  });
}
