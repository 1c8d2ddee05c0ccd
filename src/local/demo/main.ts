import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendTaskSuccessCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { consoleDeadline } from '../../cli/approval-deadline.ts';
import { pendingTaskToken } from '../../cli/history.ts';
import { startTraffic } from '../adapters/traffic-generator.ts';
import { RealClock } from '../clock.ts';
import { startLocalRuntime } from '../runtime.ts';
import { runDatabaseChapter } from './database-chapter.ts';
import { type FollowedExecution, followExecution } from './follow.ts';
import { startSmokeTest } from './smoke-test.ts';
import { type Chapter, STORY } from './story.ts';

// The SDK warns on every call that its 2027 releases need Node 22; that is for the maintainers, not the user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * Waits run at this fraction of real time unless WAIT_TIME_SCALE says otherwise: the whole story takes
 * about a minute and a half, long enough to watch the weights move.
 */
const DEMO_WAIT_TIME_SCALE = 0.8;
const SERVICE = { name: 'checkout', namespace: 'shop' };

interface ChapterResult {
  readonly title: string;
  readonly strategy: string;
  readonly expected: string;
  readonly status: string;
  readonly error?: string;
  readonly seconds: number;
  /** What the chapter left behind: the version served and the traffic split, or the migration's summary. */
  readonly after: string;
}

/** Follows one execution, granting its approval through the Step Functions API when the chapter says so. */
function follow(
  sfn: SFNClient,
  executionArn: string,
  chapter: Chapter,
  endpoint: string,
): Promise<FollowedExecution> {
  let approved = false;
  return followExecution(sfn, executionArn, (line) => console.log(`   ${line}`), {
    onEvents: async (events) => {
      const token = chapter.approve && !approved ? pendingTaskToken(events) : undefined;
      if (!token) return;
      console.log('   ✔ approval requested: granting it with SendTaskSuccess');
      const output = JSON.stringify({ approved: true, by: 'demo' });
      await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output }));
      approved = true;
    },
    approvalDeadline: consoleDeadline(endpoint),
    endpoint,
  });
}

/** Asks the service's proxy which version answers (the example app answers with its VERSION). */
async function servingVersion(url: string): Promise<string> {
  try {
    const body = (await (await fetch(url)).json()) as { version?: string };
    return body.version ?? '?';
  } catch {
    return 'nothing';
  }
}

function printSummary(results: readonly ChapterResult[]): void {
  console.log('\nSummary');
  const rows = results.map((r) => [
    r.title.split(':')[0]!.split(' (')[0]!,
    r.strategy,
    r.error ? `${r.status} (${r.error})` : r.status,
    `${r.seconds.toFixed(1)}s`,
    r.after,
  ]);
  const header = ['release', 'strategy', 'result', 'took', 'afterwards'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const last = header.length - 1;
  for (const row of [header, ...rows])
    console.log(`  ${row.map((cell, i) => (i === last ? cell : cell.padEnd(widths[i]!))).join('  ')}`);
}

async function main(): Promise<number> {
  // The tasks log as they would in Lambda; the demo narrates from the history instead (failures included).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const dataDir = await mkdtemp(join(tmpdir(), 'cutover-demo-'));
  process.env.CUTOVER_DATA_DIR = dataDir;
  const clock = process.env.WAIT_TIME_SCALE ? RealClock.fromEnv() : new RealClock(DEMO_WAIT_TIME_SCALE);
  // Notifications are told from the history, in order with the states (the notifier's own line comes as
  // the task runs, ahead of the states printed since the last look).
  const runtime = await startLocalRuntime({ port: 0, dataDir, clock, echoNotifications: false });
  console.log(`Cutover local runtime: ${runtime.endpoint} (waits at ${clock.scale}x, data in ${dataDir})`);
  console.log(`Follow it in a browser while it runs: ${runtime.endpoint}/console\n`);
  const sfn = new SFNClient({
    endpoint: runtime.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const results: ChapterResult[] = [];
  // Users call the service from the start; until the first release is live the proxy answers 503.
  const url = await runtime.adapters!.router.url(SERVICE);
  const traffic = startTraffic({ url, ratePerSecond: 40 });
  const smokeTest = await startSmokeTest(url);
  // The same smoke test before the new track takes traffic and once it has all of it.
  const hooks = {
    beforeTraffic: [{ name: 'smoke-test', url: smokeTest.url }],
    afterTraffic: [{ name: 'live-smoke-test', url: smokeTest.url }],
  };
  try {
    for (const [index, chapter] of STORY.entries()) {
      console.log(`${index + 1}. ${chapter.title}`);
      const started = performance.now();
      const before = { ...traffic.stats.byTrack };
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: runtime.stateMachines.find((m) => m.name === chapter.strategy)!.stateMachineArn,
          name: `checkout-${String(chapter.request.release && (chapter.request.release as { version: string }).version)}`,
          input: JSON.stringify(chapter.smokeTest ? { ...chapter.request, hooks } : chapter.request),
        }),
      );
      const outcome = await follow(sfn, executionArn!, chapter, runtime.endpoint);
      const split = Object.fromEntries(
        Object.entries(traffic.stats.byTrack).map(([track, n]) => [track, n - (before[track] ?? 0)]),
      );
      const serving = await servingVersion(url);
      const requests = Object.entries(split)
        .filter(([, n]) => n > 0)
        .map(([track, n]) => `${track} ${n}`)
        .join(', ');
      results.push({
        title: chapter.title,
        strategy: chapter.strategy,
        expected: chapter.expected,
        status: outcome.status,
        error: outcome.error,
        seconds: (performance.now() - started) / 1000,
        after: `serving ${serving}; requests by track: ${requests}`,
      });
      console.log(
        `   => ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}, serving ${serving}\n`,
      );
    }
    const title = 'Database migration: back up, migrate (V1, V2 expand), copy, validate';
    console.log(`${STORY.length + 1}. ${title}`);
    const database = await runDatabaseChapter({ sfn, runtime, print: (line) => console.log(`   ${line}`) });
    console.log(`   => ${database.status}: ${database.summary}\n`);
    results.push({
      title,
      strategy: 'database-migration',
      expected: 'SUCCEEDED',
      ...database,
      after: database.summary,
    });
  } finally {
    await traffic.stop();
    await smokeTest.close();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  printSummary(results);
  const surprises = results.filter((r) => r.status !== r.expected);
  for (const r of surprises)
    console.error(`unexpected: "${r.title}" ended ${r.status}, expected ${r.expected}`);
  return surprises.length === 0 ? 0 : 1;
}

process.exitCode = await main();
