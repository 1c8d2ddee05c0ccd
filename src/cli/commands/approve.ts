import { Command } from 'commander';
import { answerApprovalToken, type Decision, type DecisionBody } from '../approval-token.ts';
import { withSetupHints } from '../aws-errors.ts';
import {
  awsClientConfig,
  createStepFunctionsClient,
  type EndpointOptions,
  localEndpoint,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { resolveExecutionArn } from '../resolve.ts';

type DecisionOptions = EndpointOptions & { reason?: string };

/**
 * Who answers: on AWS (`--aws`) the caller's IAM identity, the ARN `sts:GetCallerIdentity` answers (it
 * needs no permission), as CloudTrail names the caller; against the local runtime `$USER`. STS is reached
 * at its regional endpoint, or where `AWS_ENDPOINT_URL_STS` says (a VPC endpoint): not at `--endpoint`,
 * which is Step Functions'.
 */
async function approverFor(options: EndpointOptions): Promise<string> {
  if (!options.aws) return process.env.USER ?? 'cli';
  const { GetCallerIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = withSetupHints(new STSClient(awsClientConfig(options)));
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  return Arn ?? 'unknown IAM identity';
}

/** What the release API's approve or reject call takes; also the output or cause sent on AWS. */
function decisionBody(decision: Decision, reason: string | undefined, approver: string): DecisionBody {
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

/**
 * Refuses a reason longer than the release API takes ({@link DECISION_REASON_MAX_LENGTH} characters, as
 * JSON Schema counts them), before anything is called, on AWS too: one limit wherever it is answered.
 */
function refuseLongReason(reason: string | undefined, limit: number): void {
  const length = reason === undefined ? 0 : [...reason].length;
  if (length <= limit) return;
  throw new CliError(
    `--reason must be at most ${limit.toLocaleString('en-US')} characters, the release API's limit ` +
      `(got ${length.toLocaleString('en-US')}): nothing was answered`,
    ExitCode.Usage,
  );
}

async function decide(decision: Decision, ref: string, options: DecisionOptions): Promise<void> {
  const { DECISION_REASON_MAX_LENGTH } = await import('#core/api-routes.ts');
  refuseLongReason(options.reason, DECISION_REASON_MAX_LENGTH);
  const sfn = createStepFunctionsClient(options);
  const executionArn = await resolveExecutionArn(sfn, ref, machineNamingFor(options));
  const body = decisionBody(decision, options.reason, await approverFor(options));
  const answered =
    !options.aws && (await answerThroughReleaseApi(localEndpoint(options), executionArn, decision, body));
  if (!answered) await answerApprovalToken(sfn, ref, executionArn, decision, body);
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
        .option('--reason <text>', 'why, recorded in the history (at most 1,000 characters)')
        .addHelpText(
          'after',
          `\nExample:\n  $ cutover ${decision} checkout-v3 --reason "${decision === 'approve' ? 'dashboards look good' : 'p99 is creeping up'}"`,
        ),
    ).action((ref: string, options: DecisionOptions) => decide(decision, ref, options)),
  );
}
