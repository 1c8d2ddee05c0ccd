import { Command } from 'commander';
import { executionArnIn } from '#core/api-routes.ts';
import { UNANSWERED_RELEASE } from '#core/approval-stages.ts';
import {
  type BakeSchedule,
  buildDatabaseMigrationPlan,
  buildPlan,
  type DatabaseMigrationPlan,
  type Plan,
  type PlanWindow,
  rollingBounds,
  type SourceTable,
  transitionCostUsd,
} from '#core/plan/index.ts';
import { previewTrafficText } from '#core/preview-traffic.ts';
import type { DatabaseMigrationRequest } from '#core/schemas/database-migration.ts';
import type {
  ApprovalTimeoutAction,
  DeploymentRequest,
  HookPhase,
  RequestOf,
  RollingRequest,
  Strategy,
} from '#core/schemas/index.ts';
import type { ServiceRef } from '#core/types.ts';
import { integerOption, localDataDir } from '../arguments.ts';
import { localWaitScale } from '../console-api.ts';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';
import { formatDuration } from '../format.ts';
import { currentStateOf, type LiveTrack, readLiveTrack } from '../live-track.ts';
import { useLocalPostgresPassword } from '../local-postgres.ts';
import {
  type AnalysisConfig,
  allAtOnceLine,
  analysisLines,
  promoteLine,
  scaleDownLine,
} from '../plan-analysis.ts';
import { weightsBar } from '../progress.ts';
import {
  checkMigrationsDirectory,
  parseRequestFilePath,
  readRequestFile,
  validateRequestFor,
} from '../request-file.ts';
import { assertStrategy, machineArnOf, STRATEGIES } from '../resolve.ts';
import { type ServiceRelease, serviceReleases, stoppedItsRollback } from '../service-releases.ts';

/** What a paused step leads to when nobody answers in time (`approval.onTimeout`), as `cutover plan` words it. */
const UNANSWERED_STEP: Record<ApprovalTimeoutAction, string> = {
  rollback: 'then roll back',
  continue: 'then go on',
};

/** A local runtime the plan was read against, and how it scales its waits (`WAIT_TIME_SCALE`). */
export interface ScaledRuntime {
  readonly endpoint: string;
  readonly waitScale: number;
}

/** `seconds` of waiting on a runtime whose waits take `scale` times their time, at least 1s. */
function scaledDuration(seconds: number, scale: number): string {
  return formatDuration(Math.max(1, Math.round(seconds * scale)));
}

/**
 * What the expected duration comes to on a local runtime that scales its waits: ` (about 8s on the
 * runtime at http://127.0.0.1:8083, whose waits take 0.1x their time: WAIT_TIME_SCALE)`; nothing at scale 1.
 */
function onRuntimeText(plan: Plan, runtime: ScaledRuntime | undefined): string {
  if (!runtime || runtime.waitScale === 1) return '';
  const { endpoint, waitScale } = runtime;
  if (waitScale === 0) return ` (its waits are skipped on the runtime at ${endpoint}: WAIT_TIME_SCALE=0)`;
  return ` (about ${scaledDuration(plan.expectedDurationSeconds, waitScale)} on the runtime at ${endpoint}, whose waits take ${waitScale}x their time: WAIT_TIME_SCALE)`;
}

/**
 * What the expected duration leaves out: the waits for a person, each up to the approval's timeout (and what
 * that comes to on a runtime that scales its waits), and which only an inconclusive analysis brings (`, plus
 * up to 2 waits for approve or reject of up to 3600s each (1 of them only if an analysis is inconclusive)`);
 * nothing for a release that asks none.
 */
function approvalWaitsText({ approval }: Plan, runtime: ScaledRuntime | undefined): string {
  const { maxWaits, inconclusiveWaits, timeoutSeconds } = approval;
  if (maxWaits === 0) return '';
  const scale = runtime?.waitScale ?? 1;
  const onRuntime =
    scale === 1
      ? ''
      : scale === 0
        ? ' (it times out at once there)'
        : ` (${scaledDuration(timeoutSeconds, scale)} there)`;
  const waits = maxWaits === 1 ? 'a wait' : `up to ${maxWaits} waits`;
  const each = maxWaits === 1 ? '' : ' each';
  const when =
    inconclusiveWaits === 0
      ? ''
      : inconclusiveWaits === maxWaits
        ? ` if ${maxWaits === 1 ? 'an analysis is' : 'analyses are'} inconclusive`
        : ` (${inconclusiveWaits} of them only if an analysis is inconclusive)`;
  return `, plus ${waits} for approve or reject of up to ${timeoutSeconds}s${onRuntime}${each}${when}`;
}

function approvalLine(plan: Plan, before: string): string[] {
  const { required, timeoutSeconds, onTimeout } = plan.approval;
  return required
    ? [
        `  approval before ${before} (times out after ${timeoutSeconds}s, then ${UNANSWERED_RELEASE[onTimeout]})`,
      ]
    : [];
}

function hookLine(plan: Plan, phase: HookPhase, when: string): string[] {
  const names = plan.hooks.names[phase];
  if (names.length === 0) return [];
  return [`  webhook${names.length === 1 ? '' : 's'} ${names.join(', ')} ${when}`];
}

function stepLines(plan: Plan, requestedBakes: readonly number[]): string[] {
  return plan.steps.map((step, index) => {
    const replicas =
      step.newReplicas === undefined ? '' : `  replicas new=${step.newReplicas} old=${step.oldReplicas}`;
    const analysis = step.analyze ? `analyze ${step.windowSeconds}s` : 'no analysis';
    const bake = bakeText(step.bakeSeconds, step.analyze && requestedBakes[index] === 0, step.bake);
    const checked = step.pauseChecks?.checks ? `, checked every ${step.pauseChecks.checkSeconds}s` : '';
    const pause = step.pause
      ? `, then wait for approve or reject (up to ${plan.approval.timeoutSeconds}s${checked}, ${UNANSWERED_STEP[plan.approval.onTimeout]})`
      : '';
    // Named as `cutover watch` and `status` name it: `step 2 of 3`, `batch 2 of 3`.
    const unit = plan.strategy === 'rolling' ? 'batch' : 'step';
    return `  ${unit} ${index + 1} of ${plan.stepCount}  ${weightsBar({ ...step.weights })}  ${bake}, ${analysis}${pause}${replicas}`;
  });
}

/**
 * A wait before an analysis: `bake 30s`, saying so when a bake of 0 became one analysis interval, and how
 * often it is checked when it is (`bake 300s checked every 30s`).
 */
function bakeText(seconds: number, fromZero: boolean, schedule: BakeSchedule): string {
  const checked = schedule.checks > 0 ? ` checked every ${schedule.checkSeconds}s` : '';
  return fromZero ? `bake ${seconds}s (bakeSeconds 0: one analysis interval)` : `bake ${seconds}s${checked}`;
}

/**
 * Blue-green has no steps: an optional preview analysis and approval, the switch, a post-switch analysis
 * (each with its thresholds and limits).
 */
function blueGreenLines(plan: Plan, request: RequestOf['blue-green']): string[] {
  const { live, next } = plan.tracks;
  const window = (
    title: string,
    w: PlanWindow | undefined,
    block?: { bakeSeconds: number; analysis: AnalysisConfig },
  ) =>
    w?.enabled && block
      ? [
          `  ${title}: ${bakeText(w.bakeSeconds, block.bakeSeconds === 0, w.bake)}, analyze ${w.windowSeconds}s`,
          ...analysisLines(block.analysis, request.metrics, plan.approval.timeoutSeconds, '    '),
        ]
      : [];
  const preview = window(`preview analysis of ${next}`, plan.preview, request.blueGreen.preview);
  return [
    ...preview,
    ...(preview.length > 0 ? [`    traffic      ${previewTrafficText(request, next)}`] : []),
    ...approvalLine(plan, 'promotion, the switch'),
    // Live track first, as `watch` shows the weights the switch sets; a first release has none.
    plan.firstRelease
      ? `  switch  ${next} 100% (first release: no live track to switch from)`
      : `  switch  ${weightsBar({ [live]: 0, [next]: 100 })}`,
    ...window('post-switch analysis', plan.postSwitch, request.blueGreen.postSwitch),
  ];
}

/**
 * A canary's steps, the thresholds and limits of the analysis after each (none without steps: preset
 * `AllAtOnce`, or a first release), the approval, then the promotion.
 */
function canaryLines(plan: Plan, request: RequestOf['canary']): string[] {
  const { analysis } = request.canary;
  const { version } = request.release;
  const why = plan.firstRelease ? 'first release' : 'steps [] or preset AllAtOnce';
  const judged = plan.steps.some((step) => step.analyze);
  return [
    ...(plan.stepCount === 0
      ? [allAtOnceLine(version, why)]
      : stepLines(
          plan,
          request.canary.steps.map((step) => step.bakeSeconds),
        )),
    ...(judged ? analysisLines(analysis, request.metrics, plan.approval.timeoutSeconds, '  ') : []),
    // With steps, the approval before promotion is the (checked) wait after the last one.
    ...(request.canary.approval && plan.steps.at(-1)?.pause
      ? [`  approval before promotion: the wait after step ${plan.stepCount} of ${plan.stepCount}`]
      : approvalLine(plan, 'promotion')),
    promoteLine(plan.tracks.live, version),
  ];
}

/** A rolling release's batches, then the thresholds and limits of the analysis after each, if it has one. */
function rollingLines(plan: Plan, request: RequestOf['rolling']): string[] {
  const { analysis } = request.rolling;
  const judged = analysis !== undefined && plan.steps.some((step) => step.analyze);
  return [
    ...stepLines(
      plan,
      plan.steps.map(() => request.rolling.bakeSeconds),
    ),
    ...(judged ? analysisLines(analysis, request.metrics, plan.approval.timeoutSeconds, '  ') : []),
  ];
}

const COST_NOTE = '(at $0.025 per 1,000 transitions)';
/** Labels are this wide, values start after them (`state transitions  34`). */
const label = (text: string) => text.padEnd(17);
const continued = label('');

/** The transitions known from the request, then those the data and RDS decide, and what they cost. */
function transitionLines(plan: DatabaseMigrationPlan): string[] {
  const cost = `$${plan.estimatedCostUsd.toFixed(6)}`;
  if (plan.variableTransitions.length === 0) {
    return [`state transitions  ${plan.stateTransitions}`, `AWS cost of a run  ${cost} ${COST_NOTE}`];
  }
  const terms = plan.variableTransitions.map(
    (term) =>
      `+ ${term.transitions} per ${term.per}${term.max === undefined ? '' : ` (at most ${term.max})`}`,
  );
  const tables = plan.sourceTables?.length;
  const copied =
    plan.source === undefined
      ? []
      : [
          `${tables === undefined ? 'tables and slices depend on the data' : `${tables} ${tables === 1 ? 'table' : 'tables'} read in the source: ${plan.leastCopyTransitions} at least`}: ` +
            "one slice per table, one more each time a table's copy outlasts copy.budgetSeconds",
        ];
  return [
    `state transitions  ${plan.stateTransitions}`,
    ...[...terms, ...copied].map((line) => `${continued}  ${line}`),
    `AWS cost of a run  ${cost} + $${transitionCostUsd(1).toFixed(6)} per further transition ${COST_NOTE}`,
  ];
}

/** What a failing step leads to: the copy undone or not, what stays, the notification, the unlock, the end. */
function failureLines(onFailure: DatabaseMigrationPlan['onFailure']): string[] {
  return [
    `${label('on failure')}  ${onFailure.detail}; then publish Failed, unlock`,
    `${continued}  ${onFailure.kept}`,
    `${continued}  ends FAILED with the error's name; a request Prepare refuses ends there, nothing locked`,
  ];
}

/**
 * A database migration as a person reads it: one line per step, what a failure does, the duration, the
 * transitions (with those the data and RDS decide) and their cost.
 *
 * @example
 * console.log(formatDatabaseMigrationPlan(buildDatabaseMigrationPlan(request)));
 * // database-migration: shop/orders, target postgres://postgres@127.0.0.1:5432/shop
 * //   Prepare        check the request and the migrations directory, lock shop/orders ...
 */
export function formatDatabaseMigrationPlan(plan: DatabaseMigrationPlan): string {
  const width = Math.max(...plan.steps.map((step) => step.name.length));
  const databases = plan.source === undefined ? `target ${plan.target}` : `${plan.source} -> ${plan.target}`;
  const wait = plan.rdsWaitSeconds;
  const rdsWaits = wait ? `; RDS waits ${formatDuration(wait.min)} to ${formatDuration(wait.max)}` : '';
  return [
    `${plan.strategy}: ${plan.service.namespace}/${plan.service.name}, ${databases}`,
    ...plan.steps.map((step) => `  ${step.name.padEnd(width)}  ${step.detail}`),
    ...failureLines(plan.onFailure),
    `expected duration  depends on the data (backup, migrations, copy, validation)${rdsWaits}`,
    ...transitionLines(plan),
  ].join('\n');
}

/** The lines of a release's own walk: its steps or switch, with their analyses, approval and promotion. */
function strategyLines(plan: Plan, request: DeploymentRequest): string[] {
  if (plan.strategy === 'blue-green') return blueGreenLines(plan, request as RequestOf['blue-green']);
  if (plan.strategy === 'rolling') return rollingLines(plan, request as RequestOf['rolling']);
  return canaryLines(plan, request as RequestOf['canary']);
}

/**
 * The scale-down of the previous version once the release has all traffic: the canary track, or the
 * previous colour. A rolling release replaces its replicas batch by batch; a first release has nothing to
 * scale down.
 */
function scaleDownLines(plan: Plan): string[] {
  if (plan.strategy === 'rolling' || plan.firstRelease) return [];
  const track = plan.strategy === 'canary' ? plan.tracks.next : plan.tracks.live;
  return [scaleDownLine(track, plan.scaleDownDelaySeconds)];
}

/**
 * The plan of `request` as a person reads it: its tracks and where they come from (see {@link tracksLine}),
 * one line per step, the analyses' thresholds and limits, the promotion, the webhooks, the scale-down, then
 * duration, transitions and cost.
 *
 * @example
 * console.log(formatPlan(buildPlan('canary', request), request));
 * // canary: stable -> canary assumed (the live track is read when the release starts; ...)
 * //   step 1 of 2  stable ███...░░░░ canary 90/10  bake 30s, analyze 30s ...
 */
export function formatPlan(
  plan: Plan,
  request: DeploymentRequest,
  live: LiveTrack = { source: 'assumed' },
  runtime?: ScaledRuntime,
): string {
  const body = [
    ...hookLine(plan, 'beforeTraffic', `once ${plan.tracks.next} is ready, before it takes traffic`),
    ...strategyLines(plan, request),
    ...hookLine(plan, 'afterTraffic', 'once the release has all traffic, before scale-down and clean-up'),
    ...scaleDownLines(plan),
  ];
  return [
    tracksLine(plan, request.service, live),
    ...body,
    `expected duration  ${formatDuration(plan.expectedDurationSeconds)}${onRuntimeText(plan, runtime)}${approvalWaitsText(plan, runtime)}`,
    `state transitions  ${plan.stateTransitions}`,
    `AWS cost of a run  $${plan.estimatedCostUsd.toFixed(6)} ${COST_NOTE}`,
  ].join('\n');
}

/**
 * The plan's first line: the live and next tracks and where the live one comes from. Assumed (the
 * strategy's first pair) without an endpoint; with one, the track the last release that took all traffic
 * left live (or that a newer one whose rollback stopped left the most traffic), or a first release, which
 * has no live track.
 *
 * @example
 * tracksLine(plan, { namespace: 'shop', name: 'checkout' }, { source: 'assumed' });
 * // 'blue-green: blue -> green assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)'
 */
function tracksLine(plan: Plan, service: ServiceRef, live: LiveTrack): string {
  const { strategy, tracks } = plan;
  const pair = `${strategy}: ${tracks.live} -> ${tracks.next}`;
  if (live.source === 'assumed') {
    return `${pair} assumed (the live track is read when the release starts; --endpoint <url> or --aws reads it now)`;
  }
  const label = `${service.namespace}/${service.name}`;
  if (live.source === 'none') {
    return (
      `${strategy}: planned as a first release: no release of ${label} succeeded among the newest ${live.scan} ` +
      'executions of each workflow (--scan <n> looks further): if none serves it, it goes to 100% without ' +
      "steps, analysis or approval (the release reads the router's weights when it starts)"
    );
  }
  const { release } = live;
  const named = `${release.workflow} ${release.version} ${release.name}`;
  if (release.status === 'SUCCEEDED') {
    return `${pair} (${live.track} is live: ${label}'s last successful release, ${named}, left it all traffic)`;
  }
  const weight = release.weights?.[live.track];
  return weight !== undefined && stoppedItsRollback(release)
    ? `${pair} (${live.track} is live: it serves ${weight}% since ${named} stopped its rollback (${release.error}))`
    : `${pair} (${live.track} is live: ${named} gave it all traffic, then its clean-up failed)`;
}

/**
 * A release or database migration of the service still running when the plan read the live track: `cutover
 * run` refuses the planned release until it ends, and a release may change the live track.
 */
function runningNote(running: ServiceRelease | undefined, service: ServiceRef): string[] {
  if (!running) return [];
  const { workflow, version, name } = running;
  const migration = version === undefined;
  return [
    `${service.namespace}/${service.name} is being ${migration ? 'migrated' : 'released'} by ${name} (${migration ? workflow : `${workflow} ${version}`}): ` +
      `\`cutover run\` refuses another release of it until that one ends${migration ? '' : ', which may change the live track'}`,
  ];
}

/**
 * The planned version already serves the service (its live track's release has it): unlike Argo Rollouts
 * or Flagger, which see no change, a release of it runs every step and analysis again.
 */
function sameVersionNote(live: LiveTrack, service: ServiceRef, version: string): string[] {
  if (live.source !== 'release' || live.release.version !== version) return [];
  return [
    `${version} already serves ${service.namespace}/${service.name} (${live.release.workflow} ${live.release.name}): ` +
      'releasing it again runs every step and analysis again, on the same version',
  ];
}

/** The live track as `--json` gives it, next to the plan: where it comes from, and the release it is from. */
function liveTrackJson(live: LiveTrack): Record<string, unknown> {
  const brief = (release: ServiceRelease) => ({
    name: release.name,
    workflow: release.workflow,
    version: release.version,
    status: release.status,
    executionArn: release.executionArn,
  });
  const running = live.source !== 'assumed' && live.running ? { running: brief(live.running) } : {};
  if (live.source === 'release') {
    const replicas = live.replicas === undefined ? {} : { replicas: live.replicas };
    return { source: live.source, track: live.track, ...replicas, release: brief(live.release), ...running };
  }
  return { ...live, ...running };
}

const NOT_GIVEN =
  'release.replicas is not given: the release will run as many replicas as the live track when it starts';
/** A first release has no live track to take its replicas from: ValidateRequest runs 1. */
const FIRST_NOT_GIVEN = 'release.replicas is not given: a first release, with no live track to match, runs 1';

/**
 * The replicas a plan of a request without `release.replicas` assumes: 1, or for a rolling release the
 * fewest its bounds fit as ValidateRequest checks them (a count in `maxSurge` or `maxUnavailable` at most
 * the replicas; without a surge, one replica left serving), with why.
 *
 * @example
 * assumedReplicas('rolling', request); // { replicas: 2, why: 'the fewest maxSurge 2 allows' }
 */
function assumedReplicas(strategy: Strategy, request: DeploymentRequest): { replicas: number; why?: string } {
  if (strategy !== 'rolling') return { replicas: 1 };
  const { maxSurge, maxUnavailable } = (request as RollingRequest).rolling;
  const [field, count] = Object.entries({ maxSurge, maxUnavailable }).reduce<[string, number]>(
    (most, [name, value]) => (typeof value === 'number' && value > most[1] ? [name, value] : most),
    ['', 1],
  );
  const { surge, unavailable } = rollingBounds(count, maxSurge, maxUnavailable);
  if (surge === 0 && unavailable >= count) {
    const why = `the fewest that leaves a replica serving with maxSurge ${maxSurge} and maxUnavailable ${maxUnavailable}`;
    return { replicas: count + 1, why };
  }
  return field === '' ? { replicas: 1 } : { replicas: count, why: `the fewest ${field} ${count} allows` };
}

interface PlanOptions extends EndpointOptions {
  readonly file: string;
  readonly dataDir?: string;
  readonly json?: boolean;
  readonly scan: string;
}

/**
 * The service's live track: read at the endpoint when `--endpoint` or `--aws` names one (see
 * {@link readLiveTrack}), else assumed. `--stack` without `--aws` and `--region` without either are usage
 * errors: they would read nothing.
 */
async function liveTrackFor(options: PlanOptions, service: ServiceRef): Promise<LiveTrack> {
  const naming = machineNamingFor(options);
  const scan = integerOption('--scan', options.scan, 1, 1000);
  if (options.aws || options.endpoint !== undefined) {
    return readLiveTrack(createStepFunctionsClient(options), service, scan, naming);
  }
  if (options.region !== undefined) {
    throw new CliError(
      '--region says where to read the live track: give --aws (or --endpoint <url>) too',
      ExitCode.Usage,
    );
  }
  return { source: 'assumed' };
}

/**
 * With `--endpoint` or `--aws`, a release or database migration of `service` running there (calls as `cutover
 * status` does; an endpoint that does not answer throws, as there); else undefined, unread.
 */
async function runningAt(options: PlanOptions, service: ServiceRef): Promise<ServiceRelease | undefined> {
  if (!options.aws && options.endpoint === undefined) return undefined;
  const scan = integerOption('--scan', options.scan, 1, 1000);
  const sfn = createStepFunctionsClient(options);
  const found = await serviceReleases(sfn, service, { scan, limit: 1 }, machineNamingFor(options));
  return found.releases.find((release) => release.status === 'RUNNING');
}

/** What a plan learnt of a database migration's target: its pending migrations, or why it was not read. */
interface TargetReading {
  /** The migrations directory's files of the phase the target has not applied, when both were read. */
  readonly pending?: readonly string[];
  /** The source's tables the copy would fill, when there is a source and it was read. */
  readonly sourceTables?: readonly SourceTable[];
  readonly notRead?: string;
}

/**
 * Checks the target (and the source) as Prepare would before it locks anything (`checkBeforeLock`, which
 * changes nothing), when `--endpoint` or `--aws` says where the migration would run: a `url` naming the
 * embedded PostgreSQL of the data dir (`--data-dir`) connects with the password kept there, as the
 * runtime's tasks do; a secret is read with the default AWS credential chain; a copy run that left a table
 * unfinished is looked up among the executions there, as Prepare does. A check Prepare would fail
 * ends the plan (exit 2); a database that refuses the connection or cannot be reached is left unread.
 */
async function readTarget(options: PlanOptions, request: DatabaseMigrationRequest): Promise<TargetReading> {
  if (!options.aws && options.endpoint === undefined) return {};
  // Loaded here: only a database migration's plan connects to a database.
  const [{ checkBeforeLock }, { tableLabel }, errors, { StepFunctionsExecutions }] = await Promise.all([
    import('#adapters/database/workflow.ts'),
    import('#adapters/database/sql.ts'),
    import('#core/errors.ts'),
    import('#adapters/executions/step-functions.ts'),
  ]);
  await useLocalPostgresPassword(localDataDir(options.dataDir));
  const sfn = createStepFunctionsClient(options);
  const naming = machineNamingFor(options);
  // A copy run is named after its execution, one of the database-migration state machine's (as Prepare reads it).
  const copyRuns = async (copyId: string) => {
    const machine = await machineArnOf(sfn, 'database-migration', naming);
    return machine ? new StepFunctionsExecutions(sfn).describe(executionArnIn(machine, copyId)) : undefined;
  };
  try {
    const { pending, copied } = await checkBeforeLock(request, undefined, copyRuns);
    const sourceTables = copied.map((table) => ({
      table: tableLabel(table),
      estimatedRows: table.estimatedRows,
      bytes: table.bytes,
    }));
    return {
      ...(request.migrations?.directory === undefined ? {} : { pending }),
      ...(request.database.source ? { sourceTables } : {}),
    };
  } catch (error) {
    const unread =
      error instanceof errors.TransientAdapterError || error instanceof errors.DatabaseConnectionError;
    if (unread && !answeredNoSuchDatabase(error)) return { notRead: error.message };
    if (!(error instanceof errors.CutoverError)) throw error;
    throw new CliError(
      `Prepare would refuse this migration before locking ${request.service.namespace}/${request.service.name}: ${error.name}: ${error.message}`,
      ExitCode.Usage,
      { cause: error },
    );
  }
}

/**
 * Whether the server answered that the database does not exist (`3D000`): it answers Prepare the same,
 * whoever connects, unlike a server not reached or a login refused to the plan's credentials.
 */
function answeredNoSuchDatabase(error: Error): boolean {
  return (error.cause as { code?: unknown } | undefined)?.code === '3D000';
}

/** With `--endpoint` at a `cutover local`, that runtime and how it scales its waits. */
async function scaledRuntimeFor(options: PlanOptions): Promise<ScaledRuntime | undefined> {
  if (options.aws || options.endpoint === undefined) return undefined;
  const waitScale = await localWaitScale(options.endpoint);
  return waitScale === undefined ? undefined : { endpoint: options.endpoint, waitScale };
}

/** `cutover plan <strategy> -f request.json [--json]`: what a release would do, before running it. */
export function planCommand(): Command {
  return withEndpointOptions(
    new Command('plan')
      .description(
        'print the steps, expected duration, state transitions and AWS cost of a release or migration',
      )
      .argument('<strategy>', STRATEGIES.join(' | '))
      .requiredOption('-f, --file <path>', 'the request, as JSON', parseRequestFilePath)
      .option('--json', 'print the plan as JSON')
      .option(
        '--scan <n>',
        "with --endpoint or --aws: newest executions of each workflow read for the service's last release, 1-1000",
        '100',
      )
      .option(
        '-d, --data-dir <dir>',
        'with --endpoint, a database migration: the data dir of the cutover local whose PostgreSQL the request names (default: $CUTOVER_DATA_DIR or .cutover)',
      )
      .addHelpText(
        'after',
        '\nWithout --endpoint or --aws, the tracks are assumed (stable -> canary, blue -> green); with one, the\n' +
          "live track is the one the service's last successful release left live (or a newer release whose\n" +
          'rollback stopped left the most traffic).\n' +
          "\nA database migration's plan, with --endpoint or --aws, reads its target (and source) as Prepare would:\n" +
          'it lists the migrations the target has not applied, and exits 2 when Prepare would refuse the run.\n' +
          '\nExample:\n  $ cutover plan canary -f examples/requests/canary.json\n' +
          '  $ cutover plan blue-green -f examples/requests/blue-green.json --endpoint http://127.0.0.1:8083\n' +
          '  $ cutover plan database-migration -f examples/requests/database-migration.json --endpoint http://127.0.0.1:8083',
      ),
    "Step Functions endpoint to read the service's live track at (not $CUTOVER_ENDPOINT; without it, the tracks are assumed)",
  ).action(async (strategy: string, options: PlanOptions) => {
    assertStrategy(strategy, STRATEGIES);
    const input = await readRequestFile(options.file);
    if (strategy === 'database-migration') {
      const request = (await validateRequestFor(strategy, input)) as DatabaseMigrationRequest;
      const { migrations, conflicts } = await checkMigrationsDirectory(request);
      const [running, target] = await Promise.all([
        runningAt(options, request.service),
        readTarget(options, request),
      ]);
      const plan = buildDatabaseMigrationPlan(
        request,
        migrations && { files: migrations, ...(target.pending && { pending: target.pending }) },
        target.sourceTables,
      );
      console.log(options.json ? JSON.stringify(plan, null, 2) : formatDatabaseMigrationPlan(plan));
      if (target.notRead !== undefined) {
        console.error(
          `warning: the databases were not read (${target.notRead}): the plan lists every migration file of the ` +
            "phase, and Prepare checks them against the target's history",
        );
      }
      // Read, the target's pending migrations passed Prepare's checks.
      for (const conflict of target.pending ? [] : conflicts) {
        console.error(`warning: ${conflict} (Prepare refuses it unless the target has applied it already)`);
      }
      for (const note of runningNote(running, request.service)) console.error(note);
      return;
    }
    const request = await validateRequestFor(strategy, input);
    // Both read the endpoint, at once.
    const [live, runtime] = await Promise.all([
      liveTrackFor(options, request.service),
      scaledRuntimeFor(options),
    ]);
    const first = live.source === 'none';
    // The replicas the live track runs, as the release that left it live recorded them.
    const recorded =
      live.source === 'release' && live.replicas !== undefined
        ? { replicas: live.replicas, by: `${live.release.workflow} ${live.release.name}` }
        : undefined;
    // Without release.replicas, planned for as many as the live track runs when known, else for the fewest
    // the request fits (a first release runs 1): refused, as it would be at the start of a release, only
    // when that count does not fit it either.
    const assumed =
      request.release.replicas === undefined
        ? first
          ? { replicas: 1 }
          : recorded
            ? { replicas: recorded.replicas, why: `as many as ${recorded.by} ran the live track with` }
            : assumedReplicas(strategy, request)
        : undefined;
    const { validateWithReplicas } = await import('#core/schemas/index.ts');
    const planned =
      assumed === undefined
        ? request
        : validateWithReplicas(
            strategy,
            request,
            assumed.replicas,
            first
              ? `${FIRST_NOT_GIVEN}, which does not fit the request:`
              : `${NOT_GIVEN}, and the ${assumed.replicas} this plan assumes does not fit the request:`,
          );
    const plan = buildPlan(
      strategy,
      planned,
      currentStateOf(live, recorded?.replicas ?? planned.release.replicas ?? 1),
    );
    console.log(
      options.json
        ? JSON.stringify({ ...plan, liveTrack: liveTrackJson(live) }, null, 2)
        : formatPlan(plan, planned, live, runtime),
    );
    const running = live.source === 'assumed' ? undefined : live.running;
    for (const note of runningNote(running, request.service)) console.error(note);
    for (const note of sameVersionNote(live, request.service, request.release.version)) console.error(note);
    if (assumed !== undefined) {
      const why = assumed.why === undefined ? '' : `, ${assumed.why}`;
      console.error(
        first
          ? FIRST_NOT_GIVEN
          : `${NOT_GIVEN}; this plan, which does not read the cluster, assumes ${assumed.replicas}${why}`,
      );
    } else if (strategy === 'rolling' && !first) {
      const runs = recorded
        ? `the ${recorded.replicas} ${recorded.by} ran it with`
        : `release.replicas (${request.release.replicas})`;
      console.error(
        `this plan, which does not read the cluster, assumes the live track runs ${runs}; a release batches from the replicas it finds`,
      );
    }
  });
}
