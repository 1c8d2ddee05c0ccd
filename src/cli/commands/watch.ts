import { Command } from 'commander';
import { integerOption } from '../arguments.ts';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  machineNamingFor,
  unnamedLocalEndpoint,
  withEndpointOptions,
} from '../endpoint.ts';
import { resolveExecutionArn } from '../resolve.ts';
import { type Contact, followExecution, throughLostContact, withFollowUp } from '../watch.ts';

/** `cutover watch <execution>`: live progress until the execution ends; exits 0 when it succeeded. */
export function watchCommand(): Command {
  return withEndpointOptions(
    new Command('watch')
      .description('follow a release: states, traffic weights, analysis verdicts, the end')
      .argument('<execution>', 'execution ARN or name')
      .option(
        '--reconnect-seconds <n>',
        'how long to keep trying when the endpoint stops answering, 0-86400 (then exit 3: outcome unknown)',
        '120',
      )
      .addHelpText('after', '\nExample:\n  $ cutover watch checkout-v2'),
  ).action(async (ref: string, options: EndpointOptions & { reconnectSeconds: string }) => {
    const sfn = createStepFunctionsClient(options);
    const naming = machineNamingFor(options);
    const reconnectSeconds = integerOption('--reconnect-seconds', options.reconnectSeconds, 0, 86_400);
    // An endpoint that does not answer yet (a cutover local starting again) is waited for too.
    const contact: Contact = {};
    const executionArn = await throughLostContact(
      () => resolveExecutionArn(sfn, ref, naming),
      { reconnectSeconds, unnamedEndpoint: unnamedLocalEndpoint(options) },
      contact,
    ).catch((error: unknown) => {
      throw withFollowUp(error, ref, options);
    });
    process.exitCode = await followExecution(sfn, executionArn, { ...options, reconnectSeconds }, contact);
  });
}
