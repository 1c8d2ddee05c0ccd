import { existsSync } from 'node:fs';
import { Command } from 'commander';
import type { ServiceRef } from '#core/types.ts';
import type { TrafficStats } from '#local/adapters/traffic-generator.ts';
import { integerOption, localDataDir, serviceArgument } from '../arguments.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

interface TrafficCommandOptions {
  readonly rate: string;
  readonly seconds?: string;
  readonly dataDir?: string;
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
      '-d, --data-dir <dir>',
      'data dir of the running `cutover local` (default $CUTOVER_DATA_DIR or .cutover)',
    )
    .addHelpText('after', '\nExample:\n  $ cutover traffic shop/checkout --rate 50')
    .action(async (ref: string, options: TrafficCommandOptions) => {
      const service = serviceArgument(ref);
      const rate = integerOption('--rate', options.rate, 1, 1000);
      const seconds =
        options.seconds === undefined ? undefined : integerOption('--seconds', options.seconds, 1, 86_400);
      const url = await proxyUrlOf(service, localDataDir(options.dataDir));
      await sendTraffic(url, rate, seconds);
    });
}

/** The URL of the service's proxy, from the runtime's SQLite file in `dataDir` (read only). */
async function proxyUrlOf(service: ServiceRef, dataDir: string): Promise<string> {
  const { localDatabasePath } = await import('#local/adapters/database.ts');
  const file = localDatabasePath(dataDir);
  const label = `${service.namespace}/${service.name}`;
  if (!existsSync(file)) {
    throw new CliError(`no \`cutover local\` data in ${dataDir} (pass --data-dir)`, ExitCode.Usage);
  }
  const { default: Database } = await import('libsql');
  const db = new Database(file, { readonly: true });
  let row: { port: number } | undefined;
  try {
    row = db
      .prepare('SELECT port FROM local_router_services WHERE namespace = ? AND name = ?')
      .get(service.namespace, service.name) as { port: number } | undefined;
  } catch {
    // No table yet: no service was ever routed on this data dir.
  } finally {
    db.close();
  }
  if (!row) {
    throw new CliError(
      `${label} has no proxy in ${dataDir} yet: its first release starts one (cutover run)`,
      ExitCode.Usage,
    );
  }
  return `http://127.0.0.1:${row.port}/`;
}

/** Sends `rate` requests a second until SIGINT or `seconds`, printing the tally as it goes and at the end. */
async function sendTraffic(url: string, rate: number, seconds: number | undefined): Promise<void> {
  const { startTraffic } = await import('#local/adapters/traffic-generator.ts');
  const traffic = startTraffic({ url, ratePerSecond: rate });
  console.log(
    `sending ${rate} requests/s to ${url} ${seconds === undefined ? '(Ctrl-C stops)' : `for ${seconds} s`}`,
  );
  const report = setInterval(() => console.log(tally(traffic.stats)), REPORT_EVERY_MS);
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
    if (seconds !== undefined) setTimeout(done, seconds * 1000).unref();
  });
  clearInterval(report);
  const stats = await traffic.stop();
  console.log(tally(stats));
  if (stats.answered === 0 && stats.failed > 0) {
    console.error(`nothing answered at ${url}: is \`cutover local\` running on this data dir?`);
  }
}

function tally(stats: TrafficStats): string {
  const tracks = Object.entries(stats.byTrack)
    .map(([track, n]) => `${track} ${n}`)
    .join(', ');
  const statuses = Object.entries(stats.byStatus)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  return `${new Date().toISOString().slice(11, 19)}  sent ${stats.sent}  by track: ${tracks || 'none'}  by status: ${statuses || 'none'}  unanswered ${stats.failed}`;
}
