import { MAX_BAKE_CHECKS } from '../history-limit.ts';
import type { MetricsConfig } from '../schemas/metrics.ts';

/**
 * How a bake is cut: `checks` checks during it, one every `checkSeconds` after the shift, each judging the
 * traffic since the one before; then the final analysis `finalSeconds` after the last check. A bake no
 * longer than one interval has no check: `checkSeconds` and `finalSeconds` are then the whole bake.
 */
export interface BakeSchedule {
  readonly checks: number;
  readonly checkSeconds: number;
  readonly finalSeconds: number;
}

/**
 * The providers whose numbers come in periods: a check judges whole periods (CloudWatch's Application Load
 * Balancer metrics, a minute each), so checks come a whole number of periods apart, lest two judge one.
 */
const PROVIDER_PERIOD_SECONDS: Partial<Record<MetricsConfig['type'], number>> = { cloudwatch: 60 };

/**
 * The seconds between two checks of bakes: the analysis interval (in whole periods of a provider that has
 * them, see {@link PROVIDER_PERIOD_SECONDS}), or longer when the bakes (`bakeSeconds`, all those sharing
 * the budget) would take more than `maxChecks` checks at that interval ({@link MAX_BAKE_CHECKS}, a
 * release's, by default).
 *
 * @example
 * checkIntervalSeconds(30, [300, 600], 'prometheus'); // 30
 * checkIntervalSeconds(30, [300, 600], 'cloudwatch'); // 60: one minute each
 * checkIntervalSeconds(30, [86_400, 86_400], 'local'); // 346: two day-long bakes take 498 checks
 */
export function checkIntervalSeconds(
  intervalSeconds: number,
  bakeSeconds: readonly number[],
  provider: MetricsConfig['type'],
  maxChecks = MAX_BAKE_CHECKS,
): number {
  const period = PROVIDER_PERIOD_SECONDS[provider] ?? 1;
  const total = bakeSeconds.reduce((sum, seconds) => sum + seconds, 0);
  const interval = Math.max(intervalSeconds, Math.ceil(total / maxChecks));
  return Math.ceil(interval / period) * period;
}

/**
 * The schedule of a bake of `bakeSeconds` checked every `intervalSeconds`; without checks when
 * `intervalSeconds` is undefined (a bake nothing judges).
 *
 * @example
 * bakeSchedule(100, 30); // { checks: 3, checkSeconds: 30, finalSeconds: 10 }
 * bakeSchedule(30, 30); // { checks: 0, checkSeconds: 30, finalSeconds: 30 }
 */
export function bakeSchedule(bakeSeconds: number, intervalSeconds?: number): BakeSchedule {
  if (intervalSeconds === undefined || bakeSeconds <= intervalSeconds) {
    return { checks: 0, checkSeconds: bakeSeconds, finalSeconds: bakeSeconds };
  }
  const checks = Math.ceil(bakeSeconds / intervalSeconds) - 1;
  return { checks, checkSeconds: intervalSeconds, finalSeconds: bakeSeconds - checks * intervalSeconds };
}

/**
 * What the state machine keeps of a bake in progress (`$.analysis.bake`): checks to go, the wait before the
 * next one, and where the traffic the last check judged ended (ISO 8601; none before the first check). A
 * bake starts with all its checks to go and `checkSeconds` ahead.
 */
export interface BakeProgress {
  readonly checksLeft: number;
  readonly waitSeconds: number;
  readonly checkedAt?: string;
}

/** A bake with no check left: what comes is its final analysis (or a re-analysis). */
export const BAKE_CHECKED: BakeProgress = { checksLeft: 0, waitSeconds: 0 };

/**
 * Where a bake stands after a check that judged the traffic up to `checkedAt`: one check fewer to go, and
 * the wait to the next check, or to the final analysis after the last check.
 *
 * @example
 * afterCheck({ checksLeft: 1, waitSeconds: 30 }, { checks: 3, checkSeconds: 30, finalSeconds: 10 }, '2026-01-01T00:01:00.000Z');
 * // { checksLeft: 0, waitSeconds: 10, checkedAt: '2026-01-01T00:01:00.000Z' }
 */
export function afterCheck(progress: BakeProgress, schedule: BakeSchedule, checkedAt: string): BakeProgress {
  const checksLeft = progress.checksLeft - 1;
  return {
    checksLeft,
    waitSeconds: checksLeft > 0 ? schedule.checkSeconds : schedule.finalSeconds,
    checkedAt,
  };
}
