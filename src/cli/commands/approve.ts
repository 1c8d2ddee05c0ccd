import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { ApprovalRejectedError } from '#core/errors.ts';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  localEndpoint,
  withEndpointOptions,
} from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { pendingTaskToken, readHistory } from '../history.ts';
import { resolveExecutionArn } from '../resolve.ts';

type Decision = 'approve' | 'reject';
type DecisionOptions = EndpointOptions & { reason?: string };
/** The release API's approve body (`{comment?, approver?}`) or reject body (`{reason?, approver?}`). */
type DecisionBody = Readonly<Record<string, string>>;

/** What the release API's approve or reject call takes; also the output or cause sent on AWS. */
function decisionBody(decision: Decision, reason: string | undefined): DecisionBody {
  const approver = process.env.USER ?? 'cli';
  if (reason === undefined) return { approver };
  return decision === 'approve' ? { comment: reason, approver } : { reason, approver };
}

/**
 * Answers through the local runtime's release API (`POST /releases/<executionId>/approve|reject`), which
 * reads the stored token of the pending approval, answers it and deletes it. False when the endpoint has
 * no pending approval for the execution, or no release API.
 */
async function answerThroughReleaseApi(
  endpoint: string,
  executionArn: string,
  decision: Decision,
  body: DecisionBody,
): Promise<boolean> {
  const { executionIdOf } = await import('#core/api-routes.ts');
  const path = `/releases/${encodeURIComponent(executionIdOf(executionArn))}/${decision}`;
  const response = await fetch(`${endpoint.replace(/\/+$/, '')}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.ok) return true;
  if (response.status === 404) return false;
  const answer = (await response.json().catch(() => ({}))) as { message?: string };
  throw new CliError(`${decision} refused (${response.status}): ${answer.message ?? response.statusText}`);
}

/** Answers the task token of the approval the execution's history shows pending (AWS, or any endpoint). */
async function answerTaskToken(
  sfn: SFNClient,
  ref: string,
  executionArn: string,
  decision: Decision,
  body: DecisionBody,
): Promise<void> {
  const taskToken = pendingTaskToken(await readHistory(sfn, executionArn));
  if (!taskToken) throw new CliError(`${ref} is not waiting for an approval`, ExitCode.Usage);
  const text = JSON.stringify(body);
  if (decision === 'approve') {
    await sfn.send(new SendTaskSuccessCommand({ taskToken, output: text }));
  } else {
    const error = ApprovalRejectedError.errorName;
    await sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: text }));
  }
}

async function decide(decision: Decision, ref: string, options: DecisionOptions): Promise<void> {
  const sfn = createStepFunctionsClient(options);
  const executionArn = await resolveExecutionArn(sfn, ref);
  const body = decisionBody(decision, options.reason);
  const answered =
    !options.aws && (await answerThroughReleaseApi(localEndpoint(options), executionArn, decision, body));
  if (!answered) await answerTaskToken(sfn, ref, executionArn, decision, body);
  console.log(`${decision === 'approve' ? 'approved' : 'rejected'} ${executionArn}`);
}

/**
 * `cutover approve|reject <execution> [--reason]`: answers the approval a release is waiting on, through
 * the local runtime's release API (which also deletes the stored approval), else with the task token in
 * the execution's history (AWS, `--aws`).
 */
export function approvalCommands(): Command[] {
  return (['approve', 'reject'] as const).map((decision) =>
    withEndpointOptions(
      new Command(decision)
        .description(`${decision} the approval a release is waiting on`)
        .argument('<execution>', 'execution ARN or name')
        .option('--reason <text>', 'why, recorded in the history')
        .addHelpText(
          'after',
          `\nExample:\n  $ cutover ${decision} checkout-v3 --reason "${decision === 'approve' ? 'dashboards look good' : 'p99 is creeping up'}"`,
        ),
    ).action((ref: string, options: DecisionOptions) => decide(decision, ref, options)),
  );
}
