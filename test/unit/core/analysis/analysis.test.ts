import { describe, expect, it } from 'vitest';
import {
  ALARMS_IN_ALARM,
  analysisWindowSeconds,
  analyzeMetrics,
  decide,
  decideDuringBake,
  judge,
  judgeAlarms,
  measurementsText,
  NO_ANALYSIS_YET,
  publishedUntil,
  unquoteMeasurements,
} from '#core/analysis/index.ts';
import { AnalysisFailedError, AnalysisInconclusiveError } from '#core/errors.ts';
import type { MetricProvider } from '#core/ports/metric-provider.ts';

const thresholds = { maxErrorRate: 0.01, maxLatencyP99Ms: 500, minRequests: 100 };
const limits = { failureLimit: 2, inconclusiveLimit: 1, onInconclusive: 'fail' as const };

describe('judge', () => {
  it('passes healthy numbers', () => {
    expect(judge({ requestCount: 200, errorRate: 0.001, latencyP99Ms: 120 }, thresholds).verdict).toBe(
      'pass',
    );
  });

  it('fails on any exceeded limit, naming them', () => {
    const result = judge({ requestCount: 200, errorRate: 0.2, latencyP99Ms: 900 }, thresholds);
    expect(result).toEqual({
      verdict: 'fail',
      reason: 'errorRate 0.2 > 0.01; latencyP99Ms 900 > 500',
      measurements: { requestCount: 200, errorRate: 0.2, latencyP99Ms: 900 },
    });
  });

  it('quotes measurements in the reason to 4 decimals, keeping every digit in the measurements', () => {
    const measured = { requestCount: 590, errorRate: 180 / 590, latencyP99Ms: 512.345678 };
    expect(judge(measured, thresholds)).toEqual({
      verdict: 'fail',
      reason: 'errorRate 0.3051 > 0.01; latencyP99Ms 512.3457 > 500',
      measurements: measured,
    });
  });

  it('is inconclusive with too few requests while the missing ones could still bring the error rate within its limit', () => {
    // Prepare: 1 error in 3 requests; with 97 more successes, 1 in 100 is not above 0.01
    const measured = { requestCount: 3, errorRate: 1 / 3 };
    // Act
    const result = judge(measured, thresholds);
    // Assess
    expect(result).toMatchObject({ verdict: 'inconclusive', reason: 'requestCount 3 < minRequests 100' });
  });

  describe('with fewer requests than minRequests', () => {
    const fewRequests = { maxErrorRate: 0.01, minRequests: 250 };

    it('fails when the errors alone exceed maxErrorRate of minRequests, saying so', () => {
      // Prepare: 20 errors in 97 requests; even with 153 more successes, 20 in 250 is above 0.01
      const measured = { requestCount: 97, errorRate: 20 / 97 };
      // Act
      const result = judge(measured, fewRequests);
      // Assess
      expect(result).toEqual({
        verdict: 'fail',
        reason:
          'errorRate: 20 errors in 97 requests already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01)',
        measurements: measured,
      });
    });

    it('says a single error exceeds when that alone is too many', () => {
      // Act
      const result = judge(
        { requestCount: 40, errorRate: 1 / 40 },
        { maxErrorRate: 0.001, minRequests: 250 },
      );
      // Assess
      expect(result).toMatchObject({
        verdict: 'fail',
        reason:
          'errorRate: 1 error in 40 requests already exceeds 0.001 of minRequests 250 (errorRate 0.025 > 0.001)',
      });
    });

    it.each([
      // maxErrorRate, minRequests, errors, requestCount, verdict: errors / minRequests > maxErrorRate fails
      [0.01, 250, 2, 97, 'inconclusive'], // 2 of 250 = 0.008
      [0.01, 250, 3, 97, 'fail'], // 3 of 250 = 0.012
      [0.02, 250, 5, 97, 'inconclusive'], // 5 of 250 = 0.02, not above it
      [0.02, 250, 6, 97, 'fail'],
      [0.07, 100, 7, 50, 'inconclusive'], // 7 of 100 = 0.07 (0.07 * 100 is 7.000000000000001 in floating point)
      [0.29, 100, 29, 58, 'inconclusive'], // 29 of 100 = 0.29 (0.29 * 100 is 28.999999999999996)
      [0.29, 100, 30, 58, 'fail'],
      [0.05, 20, 1, 3, 'inconclusive'], // 1 of 20 = 0.05
    ])(
      'with maxErrorRate %s and minRequests %s, judges %s errors in %s requests %s, exactly at the boundary',
      (maxErrorRate, minRequests, errors, requestCount, verdict) => {
        // Act
        const result = judge(
          { requestCount, errorRate: errors / requestCount },
          { maxErrorRate, minRequests },
        );
        // Assess
        expect(result.verdict).toBe(verdict);
      },
    );

    it('counts errors that are not whole (a provider that extrapolates) as they come', () => {
      // Prepare: Prometheus's increase() over a window: 96.5 requests, 2.6 of them errors
      const measured = { requestCount: 96.5, errorRate: 2.6 / 96.5 };
      // Act
      const result = judge(measured, fewRequests);
      // Assess
      expect(result).toMatchObject({
        verdict: 'fail',
        reason:
          'errorRate: 2.6 errors in 96.5 requests already exceed 0.01 of minRequests 250 (errorRate 0.0269 > 0.01)',
      });
    });

    it('leaves latency inconclusive however slow: a percentile of few requests bounds nothing over minRequests', () => {
      // Prepare: p99 466 ms over 18 requests, no error
      const measured = { requestCount: 18, errorRate: 0, latencyP99Ms: 466 };
      // Act
      const result = judge(measured, { maxErrorRate: 0.01, maxLatencyP99Ms: 300, minRequests: 250 });
      // Assess
      expect(result).toEqual({
        verdict: 'inconclusive',
        reason: 'requestCount 18 < minRequests 250',
        measurements: measured,
      });
    });

    it('names only the error rate when it fails early, latency being judged at minRequests only', () => {
      // Act
      const result = judge(
        { requestCount: 18, errorRate: 6 / 18, latencyP99Ms: 466 },
        { maxErrorRate: 0.01, maxLatencyP99Ms: 300, minRequests: 250 },
      );
      // Assess
      expect(result).toMatchObject({
        verdict: 'fail',
        reason:
          'errorRate: 6 errors in 18 requests already exceed 0.01 of minRequests 250 (errorRate 0.3333 > 0.01)',
      });
    });

    it('stays inconclusive without an error rate to count errors from', () => {
      // Act
      const result = judge({ requestCount: 97, errorRate: undefined }, fewRequests);
      // Assess
      expect(result).toMatchObject({ verdict: 'inconclusive', reason: 'requestCount 97 < minRequests 250' });
    });
  });

  it('never passes a metric without data', () => {
    expect(judge({ requestCount: undefined, errorRate: 0 }, thresholds).verdict).toBe('inconclusive');
    expect(judge({ requestCount: 200, errorRate: undefined, latencyP99Ms: 10 }, thresholds)).toMatchObject({
      verdict: 'inconclusive',
      reason: 'no data for errorRate',
      measurements: { errorRate: null },
    });
    expect(judge({ requestCount: 200, errorRate: 0, latencyP99Ms: Number.NaN }, thresholds).verdict).toBe(
      'inconclusive',
    );
  });

  it('skips latency when no threshold is set', () => {
    const result = judge({ requestCount: 200, errorRate: 0 }, { maxErrorRate: 0.01, minRequests: 1 });
    expect(result.verdict).toBe('pass');
    expect(result.measurements).not.toHaveProperty('latencyP99Ms');
  });
});

describe('decide', () => {
  const pass = { verdict: 'pass' as const, reason: 'ok', measurements: {} };
  const fail = { verdict: 'fail' as const, reason: 'errorRate 0.2 > 0.01', measurements: {} };
  const inconclusive = { verdict: 'inconclusive' as const, reason: 'few requests', measurements: {} };

  it('continues on a pass and resets the inconclusive run', () => {
    expect(decide(pass, { failures: 1, inconclusives: 1 }, limits)).toEqual({
      action: 'continue',
      failures: 1,
      inconclusives: 0,
    });
  });

  it('retries failures below the limit, then throws AnalysisFailed', () => {
    // Act
    const first = decide(fail, NO_ANALYSIS_YET, limits);
    // Assess
    expect(first).toEqual({ action: 'retry', failures: 1, inconclusives: 0 });
    expect(() => decide(fail, first, limits)).toThrow(AnalysisFailedError);
    expect(() => decide(fail, first, limits)).toThrow(
      'analysis failed 2 times (failureLimit 2): errorRate 0.2 > 0.01',
    );
  });

  it("ends the message it fails with with the deciding analysis's numbers", () => {
    // Prepare
    const measured = { ...fail, measurements: { requestCount: 120, errorRate: 0.266666 } };
    // Act
    const act = () => decide(measured, { failures: 1, inconclusives: 0 }, limits);
    // Assess
    expect(act).toThrow(
      'analysis failed 2 times (failureLimit 2): errorRate 0.2 > 0.01 (requestCount=120 errorRate=0.2667)',
    );
  });

  it('fails an analysis at the end of a bake that has too few requests but too many errors already', () => {
    // Prepare
    const measured = judge(
      { requestCount: 97, errorRate: 20 / 97 },
      { maxErrorRate: 0.01, minRequests: 250 },
    );
    // Act
    const act = () => decide(measured, NO_ANALYSIS_YET, { ...limits, failureLimit: 1 });
    // Assess
    expect(act).toThrow(AnalysisFailedError);
    expect(act).toThrow(
      'analysis failed once (failureLimit 1): errorRate: 20 errors in 97 requests already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01) (requestCount=97 errorRate=0.2062)',
    );
  });

  it('re-analyzes inconclusive results up to the limit, then fails or pauses', () => {
    // Act
    const first = decide(inconclusive, NO_ANALYSIS_YET, limits);
    // Assess
    expect(first.action).toBe('retry');
    expect(() => decide(inconclusive, first, limits)).toThrow(AnalysisInconclusiveError);
    expect(decide(inconclusive, first, { ...limits, onInconclusive: 'pause' })).toEqual({
      action: 'pause',
      failures: 0,
      inconclusives: 0,
    });
  });
});

describe('decideDuringBake', () => {
  const fewRequests = { maxErrorRate: 0.01, minRequests: 250 };

  it('fails fast at a check with fewer requests than minRequests whose errors already exceed the limit', () => {
    // Prepare: a check of one interval of a canary answering 20% errors
    const checked = judge({ requestCount: 97, errorRate: 20 / 97 }, fewRequests);
    // Act
    const act = () => decideDuringBake(checked, NO_ANALYSIS_YET, { ...limits, failureLimit: 1 });
    // Assess
    expect(act).toThrow(AnalysisFailedError);
    expect(act).toThrow(
      'analysis failed once (failureLimit 1), the last at a check during the bake: errorRate: 20 errors in 97 requests already exceed 0.01 of minRequests 250 (errorRate 0.2062 > 0.01) (requestCount=97 errorRate=0.2062)',
    );
  });

  it('counts such a check against failureLimit below it, and bakes on', () => {
    // Prepare
    const checked = judge({ requestCount: 97, errorRate: 20 / 97 }, fewRequests);
    // Act
    const next = decideDuringBake(checked, NO_ANALYSIS_YET, limits);
    // Assess
    expect(next).toEqual({ action: 'bake', failures: 1, inconclusives: 0 });
  });

  it('bakes on, counting nothing, after a check with too few requests and errors still within reach of the limit', () => {
    // Prepare: 2 errors in 97 requests; 2 in 250 would be within 0.01
    const checked = judge({ requestCount: 97, errorRate: 2 / 97 }, fewRequests);
    // Act
    const next = decideDuringBake(checked, NO_ANALYSIS_YET, { ...limits, failureLimit: 1 });
    // Assess
    expect(checked.reason).toBe('requestCount 97 < minRequests 250');
    expect(next).toEqual({ action: 'bake', failures: 0, inconclusives: 0 });
  });
});

describe('analysisWindowSeconds', () => {
  const shift = '2026-01-01T00:00:00.000Z';
  const at = (seconds: number) => Date.parse(shift) + seconds * 1000;

  it('cuts the window to the whole seconds since the weights shifted, rounded down', () => {
    expect(analysisWindowSeconds(300, shift, at(42.3))).toBe(42);
    expect(analysisWindowSeconds(300, shift, at(900))).toBe(300);
  });

  it('keeps at least one second (also right after the shift), and the full window when no shift is known', () => {
    expect(analysisWindowSeconds(300, shift, at(0.01))).toBe(1);
    expect(analysisWindowSeconds(300, shift, at(-5))).toBe(1);
    expect(analysisWindowSeconds(300, undefined, at(1))).toBe(300);
  });
});

describe('judgeAlarms', () => {
  it('fails when a watched alarm is in ALARM, naming the alarms in ALARM', () => {
    // Act
    const result = judgeAlarms(['checkout-5xx']);
    // Assess
    expect(result).toEqual({
      verdict: 'fail',
      reason: 'alarmsInAlarm 1 > 0 (in ALARM: checkout-5xx)',
      measurements: { alarmsInAlarm: 1 },
    });
  });

  it('passes when no alarm is in ALARM', () => {
    // Act
    const result = judgeAlarms([]);
    // Assess
    expect(result).toEqual({
      verdict: 'pass',
      reason: 'no alarm in ALARM',
      measurements: { alarmsInAlarm: 0 },
    });
  });
});

describe('analyzeMetrics', () => {
  const query = { service: { name: 'checkout', namespace: 'shop' }, track: 'canary', windowSeconds: 300 };
  const provider = (values: Record<string, number | undefined>) => {
    const asked: string[] = [];
    const metrics: MetricProvider = {
      type: 'fake',
      query: async ({ metric }) => {
        asked.push(metric);
        return values[metric];
      },
    };
    return { asked, metrics };
  };

  it('asks an alarm gate only which alarms are in ALARM and judges it as a gate', async () => {
    // Prepare
    const { asked, metrics } = provider({ [ALARMS_IN_ALARM]: 2 });
    const gate = { ...metrics, alarmsInAlarm: async () => ['checkout-5xx', 'checkout-p99'] };
    // Act
    const result = await analyzeMetrics(gate, query, thresholds);
    // Assess
    expect(asked).toEqual([]);
    expect(result).toMatchObject({
      verdict: 'fail',
      reason: 'alarmsInAlarm 2 > 0 (in ALARM: checkout-5xx, checkout-p99)',
    });
  });

  it('asks other providers for the request metrics of the track, latency only with a latency limit', async () => {
    // Prepare
    const { asked, metrics } = provider({ requestCount: 200, errorRate: 0 });
    // Act
    const result = await analyzeMetrics(metrics, query, { maxErrorRate: 0.01, minRequests: 100 });
    // Assess
    expect(asked).toEqual(['requestCount', 'errorRate']);
    expect(result.verdict).toBe('pass');
  });

  it('asks latencyP99Ms too when a latency limit is set, and judges it', async () => {
    // Prepare
    const { asked, metrics } = provider({ requestCount: 200, errorRate: 0, latencyP99Ms: 900 });
    // Act
    const result = await analyzeMetrics(metrics, query, {
      maxErrorRate: 0.01,
      maxLatencyP99Ms: 500,
      minRequests: 100,
    });
    // Assess
    expect(asked).toEqual(['requestCount', 'errorRate', 'latencyP99Ms']);
    expect(result).toMatchObject({ verdict: 'fail', reason: 'latencyP99Ms 900 > 500' });
  });
});

describe('publishedUntil', () => {
  it('ends at the last whole interval that ended a delay ago or more', () => {
    expect(publishedUntil(Date.parse('2026-11-28T12:35:17.9Z'), 60)).toBe(Date.parse('2026-11-28T12:34:00Z'));
    expect(publishedUntil(Date.parse('2026-11-28T12:35:00Z'), 60)).toBe(Date.parse('2026-11-28T12:34:00Z'));
  });

  it('is now for a provider that publishes at once', () => {
    expect(publishedUntil(1_764_331_517_900, 0)).toBe(1_764_331_517_900);
  });
});

describe('unquoteMeasurements', () => {
  it('takes back the measurements a reason quotes as measurementsText wrote them', () => {
    // Prepare
    const measurements = { requestCount: 30, errorRate: 0.26666666, latencyP99Ms: null };
    const text = `errorRate 0.2667 > 0.05 (${measurementsText(measurements)})`;
    // Act
    const unquoted = unquoteMeasurements(text);
    // Assess
    expect(unquoted).toEqual({
      reason: 'errorRate 0.2667 > 0.05',
      measurements: { requestCount: 30, errorRate: 0.2667, latencyP99Ms: null },
    });
    expect(unquoteMeasurements('requestCount 4 < minRequests 50 (inconclusiveLimit 2)')).toEqual({
      reason: 'requestCount 4 < minRequests 50 (inconclusiveLimit 2)',
      measurements: {},
    });
  });
});
