import { Command } from 'commander';
import { executionNameOf } from '#core/api-routes.ts';
import { approvalStageText } from '#core/approval-stages.ts';
import { failureSummary } from '#core/errors.ts';
import type { ServiceRef } from '#core/types.ts';
import { type ApprovalDeadline, approvalDeadlineFor, approvalTimeoutText } from '../approval-deadline.ts';
import { integerOption, serviceArgument } from '../arguments.ts';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  endpointFlags,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { formatDuration } from '../format.ts';
import { copiedText, failureText } from '../progress.ts';
import {
  type ReleaseWindow,
  type ServiceRelease,
  type ServiceReleases,
  serviceReleases,
  stoppedItsRollback,
  trackLeftLive,
} from '../service-releases.ts';
import { rollbackText } from '../watch.ts';

interface StatusOptions extends EndpointOptions {
  readonly limit: string;
  readonly scan: string;
  readonly json?: boolean;
}

/** `cutover status <namespace>/<name>`: the service's recent releases, a running one's state and weights. */
export function statusCommand(): Command {
  return withEndpointOptions(
    new Command('status')
      .description("a service's recent releases: which is running and where, how the others ended")
      .argument('<service>', '<namespace>/<name>, or <name> in namespace default')
      .option('--limit <n>', 'releases shown, 1-100', '5')
      .option('--scan <n>', 'newest executions of each workflow read, 1-1000', '25')
      .option('--json', 'print the releases as JSON')
      .addHelpText('after', '\nExample:\n  $ cutover status shop/checkout'),
  ).action(async (ref: string, options: StatusOptions) => {
    const service = serviceArgument(ref);
    const window: ReleaseWindow = {
      limit: integerOption('--limit', options.limit, 1, 100),
      scan: integerOption('--scan', options.scan, 1, 1000),
    };
    const found = await withApprovalDeadlines(
      await serviceReleases(createStepFunctionsClient(options), service, window, machineNamingFor(options)),
      approvalDeadlineFor(options),
    );
    const text = options.json
      ? JSON.stringify(found, null, 2)
      : formatStatus(service, found, window, endpointFlags(options));
    console.log(text);
  });
}

/** The width of the status column (`SUCCEEDED`); a rollback's line starts at the next column. */
const STATUS_WIDTH = 9;

/**
 * The releases as a person reads them: a first line naming the last successful release (as Cutover
 * recorded it; the cluster itself is not read), even one older than those listed, or else the last
 * success (a database migration), after the release serving all traffic when a newer one was promoted
 * before its clean-up failed, after the track a newer one whose rollback stopped left the most traffic
 * (`green serves 100% since ...`; the live track unknown when its weights could not be read), or after
 * `live version unknown: ...` when a newer one was aborted and its rollback did not restore in full; then one
 * line per release, newest first. A running release whose rollout waits on a track says why (`rollout
 * canary: 0/4 ready, ...`), a running migration's copy its last slice (`copy public.orders: 50,000 of
 * about 150,000 rows so far`); a waiting approval names the
 * commands that answer it, with `flags` (the endpoint flags they need); a release promoted before its
 * clean-up failed says so; an ABORTED one is followed by a line naming its rollback, its status and what it
 * did not restore in full (see {@link rollbackText}), or why its rollback was not looked up.
 */
export function formatStatus(
  service: ServiceRef,
  found: ServiceReleases,
  window: ReleaseWindow,
  flags = '',
): string {
  const { releases, servingRelease } = found;
  const label = `${service.namespace}/${service.name}`;
  const among = `among the newest ${window.scan} executions of each workflow`;
  if (releases.length === 0) {
    const meant = found.didYouMean ? `; did you mean ${found.didYouMean}?` : '';
    return `${label}: no release ${among} (--scan <n> looks further)${meant}`;
  }
  const heading = `${label}: ${servingText(servingRelease)}${successText(found, among)}`;
  const width = (pick: (r: ServiceRelease) => string) => Math.max(...releases.map((r) => pick(r).length));
  const [workflowWidth, versionWidth, nameWidth] = [
    width((r) => r.workflow),
    width((r) => r.version ?? '-'),
    width((r) => r.name),
  ];
  const lines = releases.flatMap((release) => [
    [
      release.status.padEnd(STATUS_WIDTH),
      release.workflow.padEnd(workflowWidth),
      (release.version ?? '-').padEnd(versionWidth),
      release.name.padEnd(nameWidth),
      detailOf(release, flags, release.executionArn === servingRelease?.executionArn),
    ].join('  '),
    ...(release.status === 'ABORTED'
      ? [`${' '.repeat(STATUS_WIDTH + 2)}${rollbackLine(release, flags)}`]
      : []),
  ]);
  return [heading, ...lines].join('\n');
}

/**
 * What serves, followed by `; `, when the release that set the weights did not succeed: the version of one
 * promoted before its clean-up failed, or the track one whose rollback stopped left the most traffic, with
 * the weights it left (the live track unknown when they could not be read); after one ABORTED whose
 * rollback did not restore in full, that the live version is unknown, and what that rollback's last check
 * said.
 */
function servingText(serving: ServiceRelease | undefined): string {
  if (serving?.promoted) {
    return `${serving.version} serves all traffic (${serving.workflow} ${serving.name} promoted, then its clean-up failed); `;
  }
  if (serving?.status === 'ABORTED' && serving.rollback?.notRestored !== undefined) {
    const { executionArn, notRestored } = serving.rollback;
    return (
      `live version unknown: ${serving.workflow} ${serving.version} ${serving.name} was aborted and its rollback ` +
      `${executionNameOf(executionArn)} did not restore in full: ${notRestored}; `
    );
  }
  if (!serving || !stoppedItsRollback(serving)) return '';
  const stopped = `${serving.workflow} ${serving.name} stopped its rollback (${serving.error})`;
  const track = trackLeftLive(serving);
  return track === undefined || !serving.weights
    ? `live track unknown: ${stopped} and the weights it left could not be read; `
    : `${track} serves ${serving.weights[track]}% since ${stopped}: ${weightsText(serving.weights)}; `;
}

/** Weights as `stable 90 / canary 10`. */
function weightsText(weights: Readonly<Record<string, number>>): string {
  return Object.entries(weights)
    .map(([track, weight]) => `${track} ${weight}`)
    .join(' / ');
}

/**
 * The last successful release; else that no release succeeded `among` those read, and the last success,
 * which is then a database migration; or that nothing succeeded.
 */
function successText({ lastSuccessfulRelease: last, lastSuccess }: ServiceReleases, among: string): string {
  if (last) return `last successful release ${last.version} (${last.workflow} ${last.name})`;
  return lastSuccess
    ? `no release succeeded ${among}; the last successful database migration: ${lastSuccess.name}`
    : `nothing succeeded ${among}`;
}

/**
 * An ABORTED release's rollback, its status and what it did not restore in full (see {@link rollbackText}),
 * or why it was not looked up.
 */
function rollbackLine(release: ServiceRelease, flags: string): string {
  if (release.rollbackLookupError !== undefined)
    return `rollback: not looked up (${release.rollbackLookupError})`;
  return rollbackText(release.rollback, release.name, flags);
}

function detailOf(release: ServiceRelease, flags: string, serving: boolean): string {
  const started = release.startDate?.toISOString() ?? '?';
  if (release.status === 'RUNNING') {
    const weights = release.weights ? `, ${weightsText(release.weights)}` : '';
    const timeout = release.approval && approvalTimeoutText(release.approval);
    const stage = release.approval?.stage ? ` ${approvalStageText(release.approval.stage)}` : '';
    const approval = release.awaitingApproval
      ? `, waiting for approval${stage}${timeout ? ` (${timeout})` : ''}: \`cutover approve ${release.name}${flags}\` or \`cutover reject ${release.name}${flags}\``
      : '';
    const rollout = release.rollout ? `, rollout ${release.rollout.track}: ${release.rollout.reason}` : '';
    const copy = release.copy ? `, copy ${release.copy.table}: ${copiedText(release.copy)}` : '';
    const step = release.step ? ` (${release.step})` : '';
    const handling = release.failure
      ? `, ${release.workflow === 'database-migration' ? 'cleaning up' : 'rolling back'} after ${failureSummary(release.failure)}`
      : '';
    return `started ${started}${handling}${release.state ? `, in ${release.state}${step}` : ''}${weights}${rollout}${copy}${approval}`;
  }
  const took =
    release.startDate && release.stopDate
      ? `, took ${tookText(release.stopDate.getTime() - release.startDate.getTime())}`
      : '';
  const promoted = release.promoted
    ? `: promoted${serving ? ' (serves all traffic)' : ''}, then its clean-up failed`
    : '';
  const notRestored = release.notRestored
    ? `; its rollback did not restore in full: ${release.notRestored}`
    : '';
  return `${started}${took}${promoted}${failureText(release)}${notRestored}`;
}

/** `345ms` for a run under a second (a migration of a small database), else `1m 5s`, from milliseconds. */
function tookText(ms: number): string {
  return ms < 1000 ? `${ms}ms` : formatDuration(Math.round(ms / 1000));
}

/** The releases, a waiting approval with the instant it times out when `deadline` knows it. */
async function withApprovalDeadlines(
  found: ServiceReleases,
  deadline: ApprovalDeadline,
): Promise<ServiceReleases> {
  const releases = await Promise.all(
    found.releases.map(async (release) => {
      if (!release.approval) return release;
      const timesOutAt = await deadline(release.executionArn, release.approval);
      return timesOutAt === undefined
        ? release
        : { ...release, approval: { ...release.approval, timesOutAt } };
    }),
  );
  return { ...found, releases };
}
