import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { pendingTaskToken, readHistory } from '../../cli/history.ts';
import { formatProgress, progressOf } from '../../cli/progress.ts';
import { startTraffic } from '../adapters/traffic-generator.ts';
import { RealClock } from '../clock.ts';
import { startLocalRuntime } from '../runtime.ts';
import { type Chapter, STORY } from './story.ts';

/**
 * Waits run at this fraction of real time unless WAIT_TIME_SCALE says otherwise: the whole story takes
 * about a minute and a half, long enough to watch the weights move.
 */
const DEMO_WAIT_TIME_SCALE = 0.8;
const SERVICE = { name: 'checkout', namespace: 'shop' };

interface ChapterResult {
  readonly chapter: Chapter;
  readonly status: string;
  readonly error?: string;
  readonly seconds: number;
  readonly serving: string;
  readonly split: Record<string, number>;
}

/** Follows one execution, printing its progress and granting its approval when the chapter says so. */
async function follow(
  sfn: SFNClient,
  executionArn: string,
  chapter: Chapter,
): Promise<{ status: string; error?: string }> {
  let seen = 0;
  let approved = false;
  for (;;) {
    const events = await readHistory(sfn, executionArn);
    for (const event of events.slice(seen))
      for (const line of progressOf(event)) console.log(`   ${formatProgress(line)}`);
    seen = events.length;
    const token = chapter.approve && !approved ? pendingTaskToken(events) : undefined;
    if (token) {
      console.log('   ✔ approval requested: granting it with SendTaskSuccess');
      await sfn.send(
        new SendTaskSuccessCommand({
          taskToken: token,
          output: JSON.stringify({ approved: true, by: 'demo' }),
        }),
      );
      approved = true;
    }
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING')
      return { status: execution.status ?? 'UNKNOWN', error: execution.error };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
    r.chapter.title.split(':')[0]!.split(' (')[0]!,
    r.chapter.strategy,
    r.error ? `${r.status} (${r.error})` : r.status,
    `${r.seconds.toFixed(1)}s`,
    r.serving,
    Object.entries(r.split)
      .map(([track, n]) => `${track} ${n}`)
      .join(', '),
  ]);
  const header = ['release', 'strategy', 'result', 'took', 'serving after', 'requests by track'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows])
    console.log(`  ${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')}`);
}

async function main(): Promise<number> {
  // The tasks log as they would in Lambda; the demo narrates from the history instead (failures included).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const dataDir = await mkdtemp(join(tmpdir(), 'cutover-demo-'));
  process.env.CUTOVER_DATA_DIR = dataDir;
  const clock = process.env.WAIT_TIME_SCALE ? RealClock.fromEnv() : new RealClock(DEMO_WAIT_TIME_SCALE);
  const runtime = await startLocalRuntime({ port: 0, dataDir, clock });
  console.log(`Cutover local runtime: ${runtime.endpoint} (waits at ${clock.scale}x, data in ${dataDir})\n`);
  const sfn = new SFNClient({
    endpoint: runtime.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const results: ChapterResult[] = [];
  // Users call the service from the start; until the first release is live the proxy answers 503.
  const url = await runtime.adapters!.router.url(SERVICE);
  const traffic = startTraffic({ url, ratePerSecond: 40 });
  try {
    for (const [index, chapter] of STORY.entries()) {
      console.log(`${index + 1}. ${chapter.title}`);
      const started = performance.now();
      const before = { ...traffic.stats.byTrack };
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: runtime.stateMachines.find((m) => m.name === chapter.strategy)!.stateMachineArn,
          name: `checkout-${String(chapter.request.release && (chapter.request.release as { version: string }).version)}`,
          input: JSON.stringify(chapter.request),
        }),
      );
      const outcome = await follow(sfn, executionArn!, chapter);
      const split = Object.fromEntries(
        Object.entries(traffic.stats.byTrack).map(([track, n]) => [track, n - (before[track] ?? 0)]),
      );
      results.push({
        chapter,
        ...outcome,
        seconds: (performance.now() - started) / 1000,
        serving: await servingVersion(url),
        split,
      });
      console.log(
        `   => ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}, serving ${results.at(-1)!.serving}\n`,
      );
    }
  } finally {
    await traffic.stop();
    await runtime.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  printSummary(results);
  const surprises = results.filter((r) => r.status !== r.chapter.expected);
  for (const r of surprises)
    console.error(`unexpected: "${r.chapter.title}" ended ${r.status}, expected ${r.chapter.expected}`);
  return surprises.length === 0 ? 0 : 1;
}

process.exitCode = await main();
