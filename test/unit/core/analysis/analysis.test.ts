import { describe, expect, it } from 'vitest';
import {
  ALARMS_IN_ALARM,
  analysisWindowSeconds,
  analyzeMetrics,
  decide,
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

  it('is inconclusive with too few requests, even when errors are high', () => {
    expect(judge({ requestCount: 3, errorRate: 1 }, thresholds)).toMatchObject({
      verdict: 'inconclusive',
      reason: 'requestCount 3 < minRequests 100',
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
