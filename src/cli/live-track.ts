/**
 * The live track of a service as the Step Functions API tells it, for `cutover plan`: the API reads no
 * router, so this is the track Cutover last gave all traffic, as its executions recorded it.
 */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { type CurrentState, promotedTrack } from '#core/plan/index.ts';
import { isStrategy } from '#core/strategies.ts';
import type { ServiceRef } from '#core/types.ts';
import { CliError, ExitCode } from './exit-codes.ts';
import type { MachineNaming } from './resolve.ts';
import {
  type ServiceRelease,
  serviceReleases,
  stoppedItsRollback,
  trackLeftLive,
} from './service-releases.ts';

/**
 * What a plan knows of the service's live track: `assumed` (no endpoint was given: the strategy's first
 * pair), `release` (the track the newest release that took all traffic left live, or that a newer release
 * whose rollback stopped left the most traffic), or `none` (no release of the service succeeded among the
 * newest `scan` executions of each workflow: a first release). `running` is a release of the service still
 * running, which may change the live track before the planned one starts. `replicas` is how many the
 * release that left the track live ran it with (its `release.replicas`, as ValidateRequest recorded it),
 * when known: the cluster is not read, so a later scaling is not seen.
 */
export type LiveTrack =
  | { readonly source: 'assumed' }
  | { readonly source: 'none'; readonly scan: number; readonly running?: ServiceRelease }
  | {
      readonly source: 'release';
      readonly track: string;
      readonly release: ServiceRelease;
      readonly replicas?: number;
      readonly running?: ServiceRelease;
    };

/** ValidateRequest, whose output (the whole state from then on) holds the release's plan. */
const VALIDATE_STATE = 'ValidateRequest';
/**
 * The oldest events read of a FAILED release to reach ValidateRequest's exit: a dozen, and 3 more per retry
 * of its task (at most 13).
 */
const VALIDATE_EVENTS = 100;

/**
 * The service's live track: the one its newest release that took all traffic (SUCCEEDED, or promoted before
 * its clean-up failed: see `servingRelease`) left it on, as that release's plan names it ({@link
 * promotedTrack}), or `none` when no release of it succeeded among the newest `scan` executions of each
 * workflow. A failed or aborted release in between changes nothing: its rollback restored the weights it
 * found; but a newer one whose rollback stopped before it moved any traffic (`RollbackStopped`) left the
 * weights it had set, so the live track is the one they give the most traffic ({@link trackLeftLive}), and
 * unknown, which throws, when they could not be read. A newer one aborted whose rollback did not restore in
 * full left the version its tracks run unknown: that throws too. Calls as `cutover status` does, plus one
 * DescribeExecution (of a SUCCEEDED release) or one page of history (of a promoted one); an endpoint that
 * does not answer throws, as there.
 *
 * @example
 * await readLiveTrack(sfn, { namespace: 'shop', name: 'checkout' }, 100); // { source: 'release', track: 'green', ... }
 */
export async function readLiveTrack(
  sfn: SFNClient,
  service: ServiceRef,
  scan: number,
  naming?: MachineNaming,
): Promise<LiveTrack> {
  const found = await serviceReleases(sfn, service, { scan, limit: 1 }, naming);
  const running = found.releases.find((release) => release.status === 'RUNNING');
  const also = running ? { running } : {};
  const release = found.servingRelease;
  if (!release) return { source: 'none', scan, ...also };
  if (stoppedItsRollback(release))
    return { source: 'release', track: stoppedTrack(service, release), release, ...also };
  refuseNotRestored(service, release);
  const state = await planStateOf(sfn, release);
  const plan = tracksIn(state);
  if (!plan) {
    throw new CliError(
      `cannot tell the live track of ${service.namespace}/${service.name}: ${release.workflow} ${release.name}, ` +
        'the release that last gave it all traffic, records no plan.tracks: leave out --endpoint and --aws to plan with assumed tracks',
      ExitCode.Failed,
    );
  }
  const replicas = replicasIn(state);
  return {
    source: 'release',
    track: promotedTrack(plan),
    release,
    ...(replicas === undefined ? {} : { replicas }),
    ...also,
  };
}

/**
 * A {@link CliError} when `release` was aborted and its rollback did not restore in full (see
 * `servingRelease`): the version its tracks run is not known, so no plan is built on a guess.
 */
function refuseNotRestored(service: ServiceRef, release: ServiceRelease): void {
  if (release.status !== 'ABORTED' || release.rollback?.notRestored === undefined) return;
  throw new CliError(
    `cannot tell what is live in ${service.namespace}/${service.name}: ${release.workflow} ${release.version} ` +
      `${release.name} was aborted and its rollback did not restore in full (${release.rollback.notRestored}): leave out ` +
      '--endpoint and --aws to plan with assumed tracks',
    ExitCode.Failed,
  );
}

/**
 * The track a release whose rollback stopped left the most traffic; a {@link CliError} when its weights
 * could not be read, rather than a guess from an older release.
 */
function stoppedTrack(service: ServiceRef, release: ServiceRelease): string {
  const track = trackLeftLive(release);
  if (track !== undefined) return track;
  throw new CliError(
    `cannot tell the live track of ${service.namespace}/${service.name}: ${release.workflow} ${release.name} ` +
      `stopped its rollback (${release.error}) and the weights it left could not be read: leave out --endpoint ` +
      'and --aws to plan with assumed tracks',
    ExitCode.Failed,
  );
}

/**
 * The state the release ran with, as JSON: a SUCCEEDED release's output, or ValidateRequest's output in
 * the oldest events of a FAILED one.
 */
async function planStateOf(sfn: SFNClient, { executionArn, status }: ServiceRelease): Promise<unknown> {
  if (status === 'SUCCEEDED') {
    return parsed((await sfn.send(new DescribeExecutionCommand({ executionArn }))).output);
  }
  const page = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, includeExecutionData: true, maxResults: VALIDATE_EVENTS }),
  );
  const exited = page.events?.find((event) => event.stateExitedEventDetails?.name === VALIDATE_STATE);
  return parsed(exited?.stateExitedEventDetails?.output);
}

function parsed(json: string | undefined): unknown {
  try {
    return json === undefined ? undefined : JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** `plan.strategy` and `plan.tracks` of a release's state, when it has them. */
function tracksIn(state: unknown): Parameters<typeof promotedTrack>[0] | undefined {
  const plan = (state as { plan?: { strategy?: unknown; tracks?: { live?: unknown; next?: unknown } } })
    ?.plan;
  const { live, next } = plan?.tracks ?? {};
  if (!isStrategy(plan?.strategy) || typeof live !== 'string' || typeof next !== 'string') return undefined;
  return { strategy: plan.strategy, tracks: { live, next } };
}

/** The replicas a release's state records it ran at full size (ValidateRequest fills them in). */
function replicasIn(state: unknown): number | undefined {
  const replicas = (state as { request?: { release?: { replicas?: unknown } } })?.request?.release?.replicas;
  return Number.isInteger(replicas) && (replicas as number) > 0 ? (replicas as number) : undefined;
}

/**
 * What a plan starts from: nothing known when the tracks are assumed (see `buildPlan`); no weights for a
 * first release; else all traffic on the live track, which runs `liveReplicas`.
 *
 * @example
 * currentStateOf({ source: 'release', track: 'green', release }, 2); // { weights: { green: 100 }, liveReplicas: 2 }
 */
export function currentStateOf(live: LiveTrack, liveReplicas: number): CurrentState | undefined {
  if (live.source === 'assumed') return undefined;
  if (live.source === 'none') return { weights: {}, liveReplicas: 0 };
  return { weights: { [live.track]: 100 }, liveReplicas };
}
