import { Command } from 'commander';
import { createStepFunctionsClient, type EndpointOptions, withEndpointOptions } from '../endpoint.ts';
import { resolveExecutionArn } from '../resolve.ts';
import { followExecution } from '../watch.ts';

/** `cutover watch <execution>`: live progress until the execution ends; exits 0 when it succeeded. */
export function watchCommand(): Command {
  return withEndpointOptions(
    new Command('watch')
      .description('follow a release: states, traffic weights, analysis verdicts, the end')
      .argument('<execution>', 'execution ARN or name')
      .addHelpText('after', '\nExample:\n  $ cutover watch checkout-v2'),
  ).action(async (ref: string, options: EndpointOptions) => {
    const sfn = createStepFunctionsClient(options);
    process.exitCode = await followExecution(sfn, await resolveExecutionArn(sfn, ref), options);
  });
}
