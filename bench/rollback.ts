/**
 * Rollback benchmark on the local data plane: a real stable track and a bad canary (30% of requests fail)
 * behind the weighted proxy, real traffic, and the analysis loop (proxy metrics -> core judge/decide ->
 * router) run once per analysis interval. Prints:
 *   - time from the canary taking traffic to its weight back at 0, in analysis intervals (target <= 2);
 *   - the observed split of 2,000 requests against the weights set (target: within 2 points).
 *
 *   node --import tsx bench/rollback.ts [--interval-seconds 2] [--rate 200]
 */
import { decide, judge, NO_ANALYSIS_YET } from '#core/analysis/index.ts';
import { AnalysisFailedError } from '#core/errors.ts';
import { registerLocalAdapters } from '#local/adapters/register.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { anAppRelease, aTempDataDir, pollStatus } from '#test/support/local-app.ts';
import { benchOptions, positiveNumber } from './options.ts';

const USAGE = 'node --import tsx bench/rollback.ts [--interval-seconds 2] [--rate 200]';
const { values } = benchOptions(
  {
    options: {
      'interval-seconds': { type: 'string', default: '2' },
      rate: { type: 'string', default: '200' },
    },
  },
  USAGE,
);
const intervalSeconds = positiveNumber('interval-seconds', values['interval-seconds'], USAGE);
const ratePerSecond = positiveNumber('rate', values.rate, USAGE);
const TARGET_INTERVALS = 2;
const TARGET_SPLIT_POINTS = 2;
const service = { name: 'checkout', namespace: 'bench' };
const thresholds = { maxErrorRate: 0.05, minRequests: 10 };
const limits = { failureLimit: 1, inconclusiveLimit: 3, onInconclusive: 'fail' as const };

const temp = aTempDataDir();
const local = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
const { cluster, router, metrics } = local.adapters;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  await cluster.apply(service, 'stable', anAppRelease('v1', 2));
  await cluster.apply(service, 'canary', anAppRelease('v2', 1, { ERROR_RATE: '0.3' }));
  await pollStatus(cluster, service, 'stable');
  await pollStatus(cluster, service, 'canary');
  const url = await router.url(service);

  // 1. Observed split over 2,000 requests at 90/10.
  await router.setWeights(service, { stable: 90, canary: 10 });
  const split = await startTraffic({ url, ratePerSecond: 2_000, total: 2_000 }).done;
  const canaryShare = ((split.byTrack.canary ?? 0) / 2_000) * 100;
  const splitError = Math.abs(canaryShare - 10);

  // 2. Bad canary to weight 0, analysing every interval.
  await router.setWeights(service, { stable: 100, canary: 0 });
  const traffic = startTraffic({ url, ratePerSecond });
  await sleep(1_000);
  await router.setWeights(service, { stable: 90, canary: 10 });
  const tookTraffic = performance.now();
  let counters = NO_ANALYSIS_YET;
  let analyses = 0;
  for (;;) {
    await sleep(intervalSeconds * 1000);
    analyses += 1;
    const query = (metric: string) =>
      metrics.query({ service, track: 'canary', metric, windowSeconds: intervalSeconds });
    const measured = { requestCount: await query('requestCount'), errorRate: await query('errorRate') };
    try {
      counters = decide(judge(measured, thresholds), counters, limits);
    } catch (error) {
      if (!(error instanceof AnalysisFailedError)) throw error;
      await router.setWeights(service, { stable: 100, canary: 0 });
      break;
    }
  }
  const rolledBackMs = performance.now() - tookTraffic;
  const afterRollback = traffic.stats.byTrack.canary ?? 0;
  await sleep(500);
  const stats = await traffic.stop();
  const intervals = rolledBackMs / (intervalSeconds * 1000);

  console.log(`traffic split (90/10, 2,000 requests): canary ${canaryShare.toFixed(2)}%`);
  console.log(
    `  deviation ${splitError.toFixed(2)} points; target <= ${TARGET_SPLIT_POINTS}: ratio ${(splitError / TARGET_SPLIT_POINTS).toFixed(2)}`,
  );
  console.log(
    `bad canary to weight 0: ${rolledBackMs.toFixed(0)} ms = ${intervals.toFixed(2)} analysis intervals of ${intervalSeconds}s (${analyses} analyses)`,
  );
  console.log(
    `  target <= ${TARGET_INTERVALS} intervals: ratio ${(intervals / TARGET_INTERVALS).toFixed(2)}`,
  );
  console.log(
    `  canary answers after weight 0: ${(stats.byTrack.canary ?? 0) - afterRollback} (of ${stats.answered} answered at ${ratePerSecond}/s)`,
  );
} finally {
  await local.close();
  temp.remove();
}
