import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { Command, InvalidArgumentError } from 'commander';
import { executionArnIn, executionNameOf } from '#core/api-routes.ts';
import { failureSummary } from '#core/errors.ts';
import { oversizedInputReason } from '#core/payload-limit.ts';
import type { DatabaseMigrationRequest } from '#core/schemas/database-migration.ts';
import type { ServiceRef } from '#core/types.ts';
import { integerOption } from '../arguments.ts';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  endpointFlags,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { failureOnItsPath } from '../history.ts';
import { readLiveTrack } from '../live-track.ts';
import {
  checkMigrationsDirectory,
  parseRequestFilePath,
  readRequestFile,
  validateRequestFor,
  withAbsoluteMigrationsDirectory,
} from '../request-file.ts';
import {
  assertStrategy,
  type CliStrategy,
  executionsNamed,
  type MachineNaming,
  resolveStateMachineArn,
  STRATEGIES,
} from '../resolve.ts';
import { type RunningRelease, runningReleaseOf } from '../service-releases.ts';
import { followExecution } from '../watch.ts';

interface RunOptions extends EndpointOptions {
  readonly file: string;
  readonly name?: string;
  readonly wait?: boolean;
  readonly reconnectSeconds?: string;
}

/** Parses `--name`: Step Functions accepts 1-80 characters; these keep names safe in ARNs and URLs. */
export function parseExecutionName(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(value)) {
    throw new InvalidArgumentError(
      `--name must be 1-80 letters, digits, '-' or '_' (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

/**
 * The name of an execution started without `--name`: `<service>-<version>-<random>`, or
 * `<service>-<random>` for a request without a version (a database migration), within Step Functions'
 * name rules.
 *
 * @example
 * defaultExecutionName({ service: { name: 'orders' } }); // 'orders-818f76'
 */
export function defaultExecutionName(request: {
  service?: { name?: string };
  release?: { version?: string };
}): string {
  const base = [request.service?.name ?? 'release', request.release?.version].filter(Boolean).join('-');
  return `${base.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60)}-${randomBytes(3).toString('hex')}`;
}

/** `cutover run <strategy> -f request.json [--name] [--wait]`: starts a release. */
export function runCommand(): Command {
  return withEndpointOptions(
    new Command('run')
      .description('start a release (or database migration) from a request file')
      .argument('<strategy>', STRATEGIES.join(' | '))
      .requiredOption('-f, --file <path>', 'the request, as JSON', parseRequestFilePath)
      .option(
        '--name <name>',
        'execution name (default: <service>-<version>-<random>, or <service>-<random> without a version)',
        parseExecutionName,
      )
      .option('--wait', 'follow the execution until it ends; exit 0 only if it succeeded')
      .option(
        '--reconnect-seconds <n>',
        'with --wait: how long to keep trying when the endpoint stops answering, 0-86400 (then exit 3) (default: 120)',
      )
      .addHelpText(
        'after',
        [
          '\nExample:',
          '  $ cutover run canary -f examples/requests/canary.json --wait',
          '  $ cutover run canary -f examples/requests/canary-eks.json --aws --region eu-west-1 --wait',
        ].join('\n'),
      ),
  ).action(async (strategy: string, options: RunOptions) => {
    assertStrategy(strategy, STRATEGIES);
    if (options.reconnectSeconds !== undefined && !options.wait) {
      throw new CliError(
        '--reconnect-seconds applies to following the execution: give --wait too',
        ExitCode.Usage,
      );
    }
    const reconnectSeconds =
      options.reconnectSeconds === undefined
        ? undefined
        : integerOption('--reconnect-seconds', options.reconnectSeconds, 0, 86_400);
    const file = await readRequestFile(options.file);
    // Checked here first, so a bad request starts nothing and exits 2 with every bad field named, as given.
    const { service } = await checkRequest(strategy, file);
    // A local runtime reads a relative migrations.directory from where it runs, which need not be here.
    const request = options.aws ? file : withAbsoluteMigrationsDirectory(file);
    const input = executionInput(options.file, request);
    const sfn = createStepFunctionsClient(options);
    const naming = machineNamingFor(options);
    const stateMachineArn = await resolveStateMachineArn(sfn, strategy, naming);
    const name = options.name ?? defaultExecutionName(request as object);
    if (options.name !== undefined) await refuseNameOfAnotherWorkflow(sfn, stateMachineArn, name, naming);
    const running = options.name === undefined ? undefined : await runningNamed(sfn, stateMachineArn, name);
    // The same name while it runs is StartExecution's to answer: the same execution, or ExecutionAlreadyExists.
    // Another --name is refused while the same request runs: it would answer an execution not of that name.
    const same = running
      ? undefined
      : await refuseWhileReleased(sfn, service, naming, endpointFlags(options), {
          strategy,
          input,
          answerSameRequest: options.name === undefined,
        });
    if (same) {
      console.error(alreadyRunning(executionNameOf(same.executionArn), same.startDate, options.wait));
    }
    if (!same && !running && strategy !== 'database-migration') {
      await refuseReplicasNotFitting(sfn, strategy, file, service, naming);
    }
    // The same request but for its key order is the running one's: StartExecution gets its text, as sent.
    const startInput = running && sameRequest(running.input, input) ? running.input : input;
    const executionArn = same
      ? same.executionArn
      : (await startExecution(sfn, { stateMachineArn, name, input: startInput })).executionArn;
    // StartExecution answered the running execution: same name and input, so nothing new started.
    if (running) console.error(alreadyRunning(name, running.startDate, options.wait));
    console.log(executionArn);
    if (options.wait) {
      process.exitCode = await followExecution(sfn, executionArn!, { ...options, reconnectSeconds });
    }
  });
}

/**
 * Checks the request as its execution would, first: against its strategy's schema, and a database
 * migration's `migrations.directory` as `cutover plan` and Prepare read it.
 */
async function checkRequest(strategy: CliStrategy, request: unknown): Promise<{ service: ServiceRef }> {
  const checked = (await validateRequestFor(strategy, request)) as { service: ServiceRef };
  if (strategy === 'database-migration') await checkMigrationsDirectory(checked as DatabaseMigrationRequest);
  return checked;
}

/** The request as the execution's input: a usage error naming the file when it is over Step Functions' limit. */
function executionInput(file: string, request: unknown): string {
  const input = JSON.stringify(request);
  const tooLarge = oversizedInputReason(input);
  if (tooLarge !== undefined) throw new CliError(`-f ${file}: ${tooLarge}`, ExitCode.Usage);
  return input;
}

/**
 * Refuses (exit 2) to start a release of a service another release or migration of it is running, or the
 * rollback of one stopped is: it would fail `ServiceLocked` (a FAILED execution, and a `Failed` event for
 * the on-call). With `answerSameRequest`, a release of `strategy` running with this very `input` (a CI step
 * run again) is no other release: it is returned, to answer as the one started. The lock still decides
 * when two start at once.
 */
async function refuseWhileReleased(
  sfn: SFNClient,
  service: ServiceRef,
  naming: MachineNaming,
  flags: string,
  {
    strategy,
    input,
    answerSameRequest,
  }: { strategy: CliStrategy; input: string; answerSameRequest: boolean },
): Promise<RunningRelease | undefined> {
  const running = await runningReleaseOf(sfn, service, naming);
  if (!running) return undefined;
  const answered =
    answerSameRequest &&
    running.rollsBack === undefined &&
    running.workflow === strategy &&
    sameRequest(running.input, input);
  if (answered) return running;
  const name = executionNameOf(running.executionArn);
  const label = `${service.namespace}/${service.name}`;
  const since = running.startDate ? `, running since ${running.startDate.toISOString()}` : ', running';
  const migration = running.workflow === 'database-migration';
  // A release rolling back after its own failure (or a migration cleaning up) holds the lock until it ends.
  const failure =
    running.rollsBack === undefined
      ? await failureOnItsPath(
          (input) => sfn.send(new GetExecutionHistoryCommand(input)),
          running.executionArn,
        )
      : undefined;
  if (running.rollsBack !== undefined || failure) {
    const which = failure
      ? `${running.workflow}, after ${failureSummary(failure)}`
      : `the rollback of ${running.workflow} ${executionNameOf(running.rollsBack!)}`;
    throw new CliError(
      `${label} is being ${migration ? 'unlocked' : 'rolled back'} by ${name} (${which}${since}): another release ` +
        'of it would fail ServiceLocked until that rollback ends: follow it ' +
        `(\`cutover watch ${name}${flags}\`), then run the release; nothing was started`,
      ExitCode.Usage,
    );
  }
  throw new CliError(
    `${label} is being ${migration ? 'migrated' : 'released'} by ${name} (${running.workflow}${since}): another release ` +
      `of it would fail ServiceLocked. Follow it (\`cutover watch ${name}${flags}\`) or stop it ` +
      `(\`cutover abort ${name}${flags}\`); nothing was started`,
    ExitCode.Usage,
  );
}

/** Executions of each workflow read back for the live track: as many as `cutover plan` reads by default. */
const LIVE_TRACK_SCAN = 100;

/**
 * Refuses (exit 2) a release request without `release.replicas` that the replicas its live track runs do
 * not fit (rolling bounds over them), as ValidateRequest would once started, failing the execution and
 * telling the on-call: the count the release that left the track live ran it with, as `cutover plan` reads
 * it. Starts nothing; refuses nothing when that count is not known (a first release, a history not read).
 */
async function refuseReplicasNotFitting(
  sfn: SFNClient,
  strategy: Exclude<CliStrategy, 'database-migration'>,
  file: unknown,
  service: ServiceRef,
  naming: MachineNaming,
): Promise<void> {
  const [{ ValidationError }, { validateRequest, validateWithReplicas }] = await Promise.all([
    import('#core/errors.ts'),
    import('#core/schemas/index.ts'),
  ]);
  const request = validateRequest(strategy, file);
  if (request.release.replicas !== undefined) return;
  const live = await readLiveTrack(sfn, service, LIVE_TRACK_SCAN, naming).catch(() => undefined);
  if (live?.source !== 'release' || live.replicas === undefined) return;
  const { workflow, name } = live.release;
  try {
    validateWithReplicas(
      strategy,
      request,
      live.replicas,
      `release.replicas is not given, and the ${live.replicas} replicas the live track ${live.track} runs (as ` +
        `${workflow} ${name} left it) do not fit the request; ValidateRequest would refuse it once started, so ` +
        'nothing was started:',
    );
  } catch (error) {
    if (error instanceof ValidationError) throw new CliError(error.message, ExitCode.Usage, { cause: error });
    throw error;
  }
}

/** StartExecution; an execution of that name that exists is a usage error saying to choose another. */
function startExecution(sfn: SFNClient, execution: { stateMachineArn: string; name: string; input: string }) {
  return sfn.send(new StartExecutionCommand(execution)).catch((error: Error) => {
    if (error.name !== 'ExecutionAlreadyExists') throw error;
    throw new CliError(
      `an execution named "${execution.name}" already exists: choose another --name, or leave --name out for a new one`,
      ExitCode.Usage,
      { cause: error },
    );
  });
}

/** What `cutover run` says of the execution `name` it found running with its request, rather than start one. */
function alreadyRunning(name: string, startDate: Date | undefined, wait: boolean | undefined): string {
  const then = wait ? 'following it' : 'nothing new started';
  return `cutover: ${name} is already running with this request (started ${startDate?.toISOString() ?? '?'}): ${then}`;
}

/** Whether an execution's input is `input`, as JSON (key order aside: a request written again). */
function sameRequest(executionInput: string | undefined, input: string): executionInput is string {
  return executionInput !== undefined && isDeepStrictEqual(JSON.parse(executionInput), JSON.parse(input));
}

/** The execution `name` of `stateMachineArn` (its start and input) if it is running; undefined if not, or if there is none. */
async function runningNamed(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
): Promise<{ startDate?: Date; input?: string } | undefined> {
  const executionArn = executionArnIn(stateMachineArn, name);
  const execution = await sfn.send(new DescribeExecutionCommand({ executionArn })).catch((error: Error) => {
    if (error.name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  });
  return execution?.status === 'RUNNING' ? execution : undefined;
}

/**
 * Refuses a `--name` an execution of another Cutover state machine has: `watch`, `abort`, `approve` and
 * the rollback of a stop find executions by name, which would then name two.
 */
async function refuseNameOfAnotherWorkflow(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  naming: MachineNaming,
) {
  const others = (await executionsNamed(sfn, name, naming)).filter(
    (executionArn) => executionArn !== executionArnIn(stateMachineArn, name),
  );
  if (others.length > 0) {
    throw new CliError(
      `an execution named "${name}" already exists (${others[0]}): names pick executions for watch, abort ` +
        'and approve, so choose another --name, or leave --name out for a new one',
      ExitCode.Usage,
    );
  }
}
