import { Command } from 'commander';
import type { ServiceRef } from '#core/types.ts';
import type { TrafficStats } from '#local/adapters/traffic-generator.ts';
import { assertLocalData, integerOption, localDataDir, serviceArgument } from '../arguments.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

interface TrafficCommandOptions {
  readonly rate: string;
  readonly seconds?: string;
  readonly track?: string;
  readonly dataDir?: string;
}

/** `--track`: a track name, else a usage error naming the flag. */
async function trackOption(value: string): Promise<string> {
  const { assertTrackName } = await import('#local/adapters/validation.ts');
  try {
    assertTrackName(value);
  } catch (error) {
    throw new CliError(`--${(error as Error).message}`, ExitCode.Usage);
  }
  return value;
}

/** How often the running tally is printed. */
const REPORT_EVERY_MS = 5000;

/**
 * `cutover traffic <namespace>/<name>`: sends requests to the service's proxy of a `cutover local` on the
 * data dir, as users would, and prints what answered them by track every few seconds, so analyses have
 * traffic to judge.
 */
export function trafficCommand(): Command {
  return new Command('traffic')
    .description(
      "send requests to a local service's proxy, as its users would, and tally the answers by track",
    )
    .argument('<service>', '<namespace>/<name>, or <name> in namespace default')
    .option('--rate <n>', 'requests per second, 1-1000', '20')
    .option('--seconds <n>', 'stop after this long (default: until Ctrl-C)')
    .option(
      '--track <track>',
      'send every request to this track, whatever the weights (a blue-green preview has none)',
    )
    .option(
      '-d, --data-dir <dir>',
      'data dir of the running `cutover local` (default: $CUTOVER_DATA_DIR or .cutover)',
    )
    .addHelpText(
      'after',
      '\nExamples:\n  $ cutover traffic shop/checkout --rate 50\n  $ cutover traffic shop/checkout --track green',
    )
    .action(async (ref: string, options: TrafficCommandOptions) => {
      const service = serviceArgument(ref);
      const rate = integerOption('--rate', options.rate, 1, 1000);
      const seconds =
        options.seconds === undefined ? undefined : integerOption('--seconds', options.seconds, 1, 86_400);
      const track = options.track === undefined ? undefined : await trackOption(options.track);
      const dataDir = localDataDir(options.dataDir);
      const stopped = stopRequested();
      const { url, tracks } = await proxyOf(service, dataDir, track);
      if (track !== undefined && tracks !== undefined && !runsTrack(tracks, track)) {
        const runs = await untilTrackRuns(service, dataDir, track, tracks, stopped);
        if (!runs) return;
      }
      await sendTraffic(url, rate, seconds, track, stopped);
    });
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C): the command stops waiting or sending then. */
function stopRequested(): Promise<void> {
  return new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
}

/** How often a command waiting for a track reads the runtime's file. */
const TRACK_POLL_MS = 250;

/**
 * Waits until the service runs `track` (with a replica: a colour blue-green scaled down to 0 runs none), one
 * of the tracks a release deploys (`canary`, `green`, ...: the release started beside this command deploys
 * it), reading the runtime's file; any other track the service does not run is a usage error naming those
 * it runs. False when stopped first.
 */
async function untilTrackRuns(
  service: ServiceRef,
  dataDir: string,
  track: string,
  tracks: readonly LocalTrack[],
  stopped: Promise<void>,
): Promise<boolean> {
  const label = `${service.namespace}/${service.name}`;
  const named = tracks.map((found) => (found.replicas === 0 ? `${found.track} at 0 replicas` : found.track));
  const runs = `its tracks: ${named.join(', ') || 'none'}`;
  const { RELEASE_TRACKS } = await import('#core/strategies.ts');
  if (!RELEASE_TRACKS.includes(track)) {
    throw new CliError(
      `--track ${track}: ${label} runs no track ${track} (${runs}), and no release deploys one of that name (${RELEASE_TRACKS.join(', ')})`,
      ExitCode.Usage,
    );
  }
  console.log(
    `waiting for ${label} to run track ${track} (${runs}): a release deploys its new track at its start (Ctrl-C stops)`,
  );
  let stop = false;
  void stopped.then(() => {
    stop = true;
  });
  while (!stop) {
    await new Promise((resolve) => setTimeout(resolve, TRACK_POLL_MS));
    const { tracks: now } = await proxyOf(service, dataDir, track);
    if (now && runsTrack(now, track)) return true;
  }
  console.log(`stopped before ${label} ran track ${track}: nothing sent`);
  return false;
}

/**
 * The URL of the service's proxy, from the runtime's SQLite file in `dataDir` (read only), and with a
 * `track`, the tracks the service runs (none read when its tracks run elsewhere than the local cluster). A
 * service without a proxy is a usage error: one whose releases route it some other way than `traffic:
 * local` (a Kubernetes router, a load balancer) says so, and where its traffic goes.
 */
async function proxyOf(
  service: ServiceRef,
  dataDir: string,
  track: string | undefined,
): Promise<{ url: string; tracks?: LocalTrack[] }> {
  const { localDatabasePath } = await import('#local/adapters/database.ts');
  const file = localDatabasePath(dataDir);
  const label = `${service.namespace}/${service.name}`;
  assertLocalData(dataDir, [file]);
  const { default: Database } = await import('libsql');
  const db = new Database(file, { readonly: true });
  let row: { port: number } | undefined;
  let traffic: RoutedTraffic | undefined;
  let tracks: LocalTrack[] | undefined;
  try {
    row = db
      .prepare('SELECT port FROM local_router_services WHERE namespace = ? AND name = ?')
      .get(service.namespace, service.name) as { port: number } | undefined;
  } catch {
    // No table yet: no service was ever routed on this data dir.
  }
  try {
    traffic = row ? undefined : lastReleaseTraffic(db, service);
    tracks = row && track !== undefined ? tracksOf(db, service) : undefined;
  } finally {
    db.close();
  }
  if (traffic && traffic.type !== 'local') {
    const { by, goesTo } = routedBy(traffic);
    throw new CliError(
      `${label} has no Cutover proxy: its releases route its traffic with ${by} (traffic.type ${traffic.type}), so requests go to ${goesTo}; only services released with "traffic": {"type": "local"} get a proxy from cutover local`,
      ExitCode.Usage,
    );
  }
  if (!row) {
    throw new CliError(
      `${label} has no proxy in ${dataDir} yet: its first release starts one (cutover run)`,
      ExitCode.Usage,
    );
  }
  return { url: `http://127.0.0.1:${row.port}/`, ...(tracks && { tracks }) };
}

/** A track the local cluster keeps for a service, with the replicas it keeps of it (0: scaled down). */
interface LocalTrack {
  readonly track: string;
  readonly replicas: number;
}

/** Whether `track` is among `tracks` with a replica to answer: one scaled down to 0 has none. */
function runsTrack(tracks: readonly LocalTrack[], track: string): boolean {
  return tracks.some((found) => found.track === track && found.replicas > 0);
}

/** The tracks the local cluster keeps for the service, by name; `undefined` when no local cluster ran here. */
function tracksOf(
  db: { prepare(sql: string): { all(...values: unknown[]): unknown[] } },
  service: ServiceRef,
): LocalTrack[] | undefined {
  try {
    return db
      .prepare(
        'SELECT track, replicas FROM local_cluster_tracks WHERE namespace = ? AND name = ? ORDER BY track',
      )
      .all(service.namespace, service.name) as LocalTrack[];
  } catch {
    // No table: the service's tracks run elsewhere than the local cluster.
    return undefined;
  }
}

/** A release request's `traffic`, as far as this command reads it. */
type RoutedTraffic = { readonly type: string } & Readonly<Record<string, unknown>>;

/**
 * The `traffic` of the service's newest release the runtime ran on the data dir (its execution's input is
 * the request), if any.
 */
function lastReleaseTraffic(
  db: { prepare(sql: string): { get(...values: unknown[]): unknown } },
  service: ServiceRef,
): RoutedTraffic | undefined {
  try {
    const found = db
      .prepare(
        `SELECT json_extract(input, '$.traffic') AS traffic FROM executions
         WHERE CASE WHEN json_valid(input) THEN
           json_type(input, '$.traffic.type') = 'text'
           AND json_extract(input, '$.service.name') = ?
           AND coalesce(json_extract(input, '$.service.namespace'), 'default') = ?
         ELSE 0 END
         ORDER BY id DESC LIMIT 1`,
      )
      .get(service.name, service.namespace) as { traffic: string } | undefined;
    return found ? (JSON.parse(found.traffic) as RoutedTraffic) : undefined;
  } catch {
    // No executions table: nothing ran on this data dir.
    return undefined;
  }
}

/** The router a release's `traffic` names, and where the service's requests go through it. */
function routedBy(traffic: RoutedTraffic): { by: string; goesTo: string } {
  const named = (field: string) => String(traffic[field] ?? '?');
  switch (traffic.type) {
    case 'service-selector':
      return { by: `the selector of the Service ${named('service')}`, goesTo: 'that Service' };
    case 'alb-ingress':
      return { by: `the Ingress ${named('ingress')}`, goesTo: 'its ALB (the address in its status)' };
    case 'elbv2':
      return traffic.ruleArn
        ? { by: `the ALB rule ${named('ruleArn')}`, goesTo: "that rule's load balancer" }
        : { by: `the ALB listener ${named('listenerArn')}`, goesTo: "that listener's load balancer" };
    case 'gateway-api':
      return { by: `the HTTPRoute ${named('httpRoute')}`, goesTo: "that route's Gateway" };
    case 'istio':
      return {
        by: `the VirtualService ${named('virtualService')}`,
        goesTo: 'its hosts, through the Istio gateway or mesh',
      };
    case 'nginx-ingress':
      return { by: `the Ingress ${named('ingress')}`, goesTo: 'its hosts, through ingress-nginx' };
    default:
      return { by: 'its router', goesTo: 'wherever that router sends it' };
  }
}

/** Sends `rate` requests a second until `stopped` or `seconds`, printing the tally as it goes and at the end. */
async function sendTraffic(
  url: string,
  rate: number,
  seconds: number | undefined,
  track: string | undefined,
  stopped: Promise<void>,
): Promise<void> {
  const { startTraffic } = await import('#local/adapters/traffic-generator.ts');
  const traffic = startTraffic({ url, ratePerSecond: rate, track });
  const to = track === undefined ? url : `track ${track} at ${url}`;
  console.log(
    `sending ${rate} requests/s to ${to} ${seconds === undefined ? '(Ctrl-C stops)' : `for ${seconds} s`}`,
  );
  const report = setInterval(() => console.log(tally(traffic.stats)), REPORT_EVERY_MS);
  await new Promise<void>((done) => {
    void stopped.then(done);
    if (seconds !== undefined) setTimeout(done, seconds * 1000).unref();
  });
  clearInterval(report);
  const stats = await traffic.stop();
  console.log(tally(stats));
  if (stats.answered === 0 && stats.failed > 0) {
    console.error(`nothing answered at ${url}: is \`cutover local\` running on this data dir?`);
    process.exitCode = ExitCode.Failed;
  }
}

function tally(stats: TrafficStats): string {
  const tracks = Object.entries(stats.byTrack)
    .map(([track, n]) => `${track} ${n}`)
    .join(', ');
  const statuses = Object.entries(stats.byStatus)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  const fromProxy = Object.entries(stats.byProxyError)
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
  const proxy = fromProxy ? `  answered by the proxy itself: ${fromProxy}` : '';
  const failures = Object.entries(stats.byFailure)
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
  const why = failures ? ` (${failures})` : '';
  return `${new Date().toISOString().slice(11, 19)}  sent ${stats.sent}  by track: ${tracks || 'none'}  by status: ${statuses || 'none'}  unanswered ${stats.failed}${why}${proxy}`;
}
