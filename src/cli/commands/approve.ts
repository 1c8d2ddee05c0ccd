import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { createStepFunctionsClient, type EndpointOptions, withEndpointOptions } from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { pendingTaskToken, readHistory } from '../history.ts';
import { resolveExecutionArn } from '../resolve.ts';

type Decision = 'approve' | 'reject';

async function decide(decision: Decision, ref: string, options: EndpointOptions & { reason?: string }) {
  const sfn = createStepFunctionsClient(options);
  const executionArn = await resolveExecutionArn(sfn, ref);
  const taskToken = pendingTaskToken(await readHistory(sfn, executionArn));
  if (!taskToken) throw new CliError(`${ref} is not waiting for an approval`, ExitCode.Usage);
  const by = process.env.USER ?? 'cli';
  if (decision === 'approve') {
    const output = JSON.stringify({ approved: true, by, reason: options.reason ?? null });
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output }));
  } else {
    const cause = options.reason ?? `rejected by ${by}`;
    await sfn.send(new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause }));
  }
  console.log(`${decision === 'approve' ? 'approved' : 'rejected'} ${executionArn}`);
}

/** `cutover approve|reject <execution> [--reason]`: answers the approval a release is waiting on. */
export function approvalCommands(): Command[] {
  return (['approve', 'reject'] as const).map((decision) =>
    withEndpointOptions(
      new Command(decision)
        .description(`${decision} the approval a release is waiting on`)
        .argument('<execution>', 'execution ARN or name')
        .option('--reason <text>', 'why, recorded in the history')
        .addHelpText(
          'after',
          `\nExample:\n  $ cutover ${decision} checkout-v3 --reason "dashboards look good"`,
        ),
    ).action((ref: string, options: EndpointOptions & { reason?: string }) => decide(decision, ref, options)),
  );
}
