import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricProvider } from '#adapters/metrics/cloudwatch.ts';
import { CloudWatchAlarmsMetricProvider } from '#adapters/metrics/cloudwatch-alarms.ts';
import { analyzeMetrics } from '#core/analysis/index.ts';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import type { MetricQuery } from '#core/types.ts';
import { aService } from '#test/support/kubernetes-fixtures.ts';

const now = new Date('2026-11-28T12:00:00Z');
const options = {
  loadBalancer: 'app/prod/50dc6c495c0c9188',
  targetGroups: { canary: 'targetgroup/checkout-canary/73e2d6bc24d8a067' },
};
const aQuery = (overrides: Partial<MetricQuery> = {}): MetricQuery => ({
  service: aService(),
  track: 'canary',
  metric: 'errorRate',
  windowSeconds: 300,
  ...overrides,
});
const dimensions = [
  { Name: 'LoadBalancer', Value: 'app/prod/50dc6c495c0c9188' },
  { Name: 'TargetGroup', Value: 'targetgroup/checkout-canary/73e2d6bc24d8a067' },
];

describe('CloudWatchMetricProvider', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const provider = (extra = {}) =>
    new CloudWatchMetricProvider(
      new CloudWatchClient({ region: 'eu-west-1' }),
      { ...options, ...extra },
      () => now,
    );

  beforeEach(() => cloudwatch.reset());

  it('asks GetMetricData for the error rate of the track target group with FILL for periods without 5xx', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'result', StatusCode: 'Complete', Timestamps: [now], Values: [0.02] }],
    });
    // Act
    const value = await provider().query(aQuery());
    // Assess
    expect(value).toBe(0.02);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toEqual({
      MetricDataQueries: [
        {
          Id: 'requests',
          MetricStat: {
            Metric: { Namespace: 'AWS/ApplicationELB', MetricName: 'RequestCount', Dimensions: dimensions },
            Period: 300,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        {
          Id: 'errors',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/ApplicationELB',
              MetricName: 'HTTPCode_Target_5XX_Count',
              Dimensions: dimensions,
            },
            Period: 300,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        { Id: 'result', Expression: 'FILL(errors, 0) / requests', Period: 300, ReturnData: true },
      ],
      StartTime: new Date('2026-11-28T11:54:00Z'),
      EndTime: new Date('2026-11-28T11:59:00Z'),
      ScanBy: 'TimestampDescending',
    });
  });

  it('ends the window a minute ago, when the ALB has published it, and starts it on a whole minute', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [0.01] }] });
    // Act
    await provider().query(aQuery({ windowSeconds: 42 }));
    // Assess
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(provider().publicationDelaySeconds).toBe(60);
    expect(input).toMatchObject({
      StartTime: new Date('2026-11-28T11:58:00Z'),
      EndTime: new Date('2026-11-28T11:59:00Z'),
    });
    expect(input.MetricDataQueries!.at(-1)!.Period).toBe(60);
  });

  it("ends the window at the query's windowEnd, whatever its own clock says", async () => {
    // Prepare: the analysis judged the data published up to 11:58; the provider's clock reads 12:00
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [0.01] }] });
    // Act
    await provider().query(aQuery({ windowSeconds: 120, windowEnd: Date.parse('2026-11-28T11:58:00Z') }));
    // Assess
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toMatchObject({
      StartTime: new Date('2026-11-28T11:56:00Z'),
      EndTime: new Date('2026-11-28T11:58:00Z'),
    });
  });

  describe('at a time off the minute (shift at 12:30:17.5, analysis at 12:35:17.9)', () => {
    const offTheMinute = new Date('2026-11-28T12:35:17.900Z');
    const thresholds = { maxErrorRate: 0.01, minRequests: 100 };
    const analyze = () =>
      analyzeMetrics(
        new CloudWatchMetricProvider(
          new CloudWatchClient({ region: 'eu-west-1' }),
          options,
          () => offTheMinute,
        ),
        { service: aService(), track: 'canary', windowSeconds: 240 },
        thresholds,
      );
    const minutes = (...traffic: [requests: number, errors: number][]) =>
      Object.fromEntries(traffic.map((counts, i) => [`2026-11-28T12:${30 + i}:00Z`, counts]));

    it('asks one period of whole minutes, ending at the last minute that ended a minute ago', async () => {
      // Prepare
      cloudwatch.on(GetMetricDataCommand).callsFake(answeredAsCloudWatch(minutes([100, 0])));
      // Act
      await analyze();
      // Assess
      const inputs = cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
      expect(inputs).toHaveLength(2); // requestCount, errorRate
      for (const input of inputs) {
        expect(input).toMatchObject({
          StartTime: new Date('2026-11-28T12:30:00Z'),
          EndTime: new Date('2026-11-28T12:34:00Z'),
        });
        const periods = input.MetricDataQueries!.map((query) => query.Period ?? query.MetricStat?.Period);
        expect(new Set(periods)).toEqual(new Set([240]));
      }
    });

    it('fails a canary with 24% errors over the window whose newest minute was healthy', async () => {
      // Prepare
      const traffic = minutes([100, 24], [100, 24], [100, 24], [100, 24], [100, 0]);
      cloudwatch.on(GetMetricDataCommand).callsFake(answeredAsCloudWatch(traffic));
      // Act
      const result = await analyze();
      // Assess
      expect(result).toEqual({
        verdict: 'fail',
        reason: 'errorRate 0.24 > 0.01',
        measurements: { requestCount: 400, errorRate: 0.24 },
      });
    });

    it('passes a healthy release whose newest minute is published in part (4 requests, 1 error)', async () => {
      // Prepare
      const traffic = minutes([100, 0], [100, 0], [100, 0], [100, 0], [4, 1]);
      cloudwatch.on(GetMetricDataCommand).callsFake(answeredAsCloudWatch(traffic));
      // Act
      const result = await analyze();
      // Assess
      expect(result).toEqual({
        verdict: 'pass',
        reason: 'all metrics within thresholds',
        measurements: { requestCount: 400, errorRate: 0 },
      });
    });
  });

  it('reports p99 latency in milliseconds from TargetResponseTime, over a period rounded up to a minute', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [412.5] }] });
    // Act
    const value = await provider().query(aQuery({ metric: 'latencyP99Ms', windowSeconds: 90 }));
    // Assess
    expect(value).toBe(412.5);
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.MetricDataQueries).toEqual([
      {
        Id: 'p99',
        MetricStat: {
          Metric: {
            Namespace: 'AWS/ApplicationELB',
            MetricName: 'TargetResponseTime',
            Dimensions: dimensions,
          },
          Period: 120,
          Stat: 'p99',
        },
        ReturnData: false,
      },
      { Id: 'result', Expression: 'p99 * 1000', Period: 120, ReturnData: true },
    ]);
  });

  it('answers undefined (inconclusive) when there is no data, never an error rate of 0', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'result', StatusCode: 'Complete', Values: [] }] });
    // Act
    const errorRate = await provider().query(aQuery());
    const requests = await provider().query(aQuery({ metric: 'requestCount' }));
    // Assess
    expect(errorRate).toBeUndefined();
    expect(requests).toBe(0);
  });

  it('runs a user-defined metric math query with placeholders filled in', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [3] }] });
    const queries = {
      slowRequests: 'SELECT SUM(SlowRequests) FROM "Shop/{{service}}" WHERE Track = \'{{track}}\'',
    };
    // Act
    const value = await provider({ queries }).query(aQuery({ metric: 'slowRequests' }));
    // Assess
    expect(value).toBe(3);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries).toEqual([
      {
        Id: 'result',
        Expression: 'SELECT SUM(SlowRequests) FROM "Shop/checkout" WHERE Track = \'canary\'',
        Period: 300,
        ReturnData: true,
      },
    ]);
  });

  it('refuses an unknown metric and a track without a target group, naming the field', async () => {
    // Act + Assess
    await expect(provider().query(aQuery({ metric: 'cpu' }))).rejects.toThrow(
      'metric must be one of: requestCount, errorRate, latencyP50Ms, latencyP95Ms, latencyP99Ms (got "cpu")',
    );
    await expect(provider().query(aQuery({ track: 'stable' }))).rejects.toThrow(ValidationError);
    await expect(provider().query(aQuery({ track: 'stable' }))).rejects.toThrow(
      'metrics.targetGroups has no target group for track "stable" (has: canary)',
    );
    expect(cloudwatch.calls()).toHaveLength(0);
  });

  it('surfaces throttling and an InternalError result as TransientAdapterError', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      )
      .resolves({
        MetricDataResults: [
          {
            Id: 'result',
            StatusCode: 'InternalError',
            Values: [],
            Messages: [{ Code: 'InternalError', Value: 'try again' }],
          },
        ],
      });
    // Act
    const throttled = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    const internal = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    // Assess
    expect(throttled).toBeInstanceOf(TransientAdapterError);
    expect((throttled as Error).message).toBe('cloudwatch:GetMetricData failed, retry later: Rate exceeded');
    expect(internal).toBeInstanceOf(TransientAdapterError);
    expect((internal as Error).message).toContain('InternalError: try again');
  });

  it('keeps a persistent CloudWatch error with its reason', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).rejects(
      Object.assign(new Error('The expression is not valid'), {
        name: 'InvalidParameterValueException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    // Act + Assess
    const error = await provider()
      .query(aQuery())
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(TransientAdapterError);
    expect((error as Error).message).toBe('The expression is not valid');
  });
});

describe('CloudWatchAlarmsMetricProvider', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  const gate = () =>
    new CloudWatchAlarmsMetricProvider(new CloudWatchClient({ region: 'eu-west-1' }), {
      alarmNames: ['checkout-5xx', 'checkout-p99'],
    });

  beforeEach(() => cloudwatch.reset());

  it('counts the named alarms in ALARM', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'checkout-5xx', StateValue: 'ALARM' },
        { AlarmName: 'checkout-p99', StateValue: 'OK' },
      ],
    });
    // Act
    const firing = await gate().query(aQuery({ metric: 'alarmsInAlarm' }));
    // Assess
    expect(firing).toBe(1);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toEqual({
      AlarmNames: ['checkout-5xx', 'checkout-p99'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
      NextToken: undefined,
    });
  });

  it('names the alarms in ALARM, in the order watched', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'checkout-p99', StateValue: 'ALARM' },
        { AlarmName: 'checkout-5xx', StateValue: 'OK' },
      ],
    });
    // Act + Assess
    expect(await gate().alarmsInAlarm()).toEqual(['checkout-p99']);
  });

  it('counts no alarm with insufficient data: a 5XX alarm has none while the service is healthy', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'checkout-5xx', StateValue: 'INSUFFICIENT_DATA' },
        { AlarmName: 'checkout-p99', StateValue: 'INSUFFICIENT_DATA' },
      ],
    });
    // Act
    const firing = await gate().query(aQuery({ metric: 'alarmsInAlarm' }));
    // Assess
    expect(firing).toBe(0);
  });

  it('names alarms that do not exist', async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'checkout-5xx', StateValue: 'OK' }] });
    // Act + Assess
    await expect(gate().query(aQuery({ metric: 'alarmsInAlarm' }))).rejects.toThrow(
      'metrics.alarmNames names alarms that do not exist: checkout-p99',
    );
  });

  it('refuses other metrics, naming the one it answers', async () => {
    // Act + Assess
    await expect(gate().query(aQuery({ metric: 'errorRate' }))).rejects.toThrow(
      'metric must be one of: alarmsInAlarm (got "errorRate")',
    );
  });
});

/**
 * GetMetricData as CloudWatch answers the built-in `requestCount` and `errorRate` of an ALB target group
 * with these requests and 5xx per minute (by the minute's start): StartTime rounded down to the minute, a
 * datapoint at StartTime + k * Period for each period that starts before EndTime, summing the minutes of
 * the period that start before EndTime, newest first (ScanBy TimestampDescending); none without requests.
 */
function answeredAsCloudWatch(
  minutes: Readonly<Record<string, readonly [requests: number, errors: number]>>,
) {
  return async (input: GetMetricDataCommandInput) => {
    const query = input.MetricDataQueries!.find((q) => q.Id === 'result')!;
    const period = query.Period! * 1000;
    const end = input.EndTime!.getTime();
    const result: MetricDataResult = { Id: 'result', StatusCode: 'Complete', Timestamps: [], Values: [] };
    for (let at = Math.floor(input.StartTime!.getTime() / 60_000) * 60_000; at < end; at += period) {
      const [requests, errors] = Object.entries(minutes)
        .filter(([minute]) => Date.parse(minute) >= at && Date.parse(minute) < Math.min(at + period, end))
        .reduce(([r, e], [, [requests, errors]]) => [r + requests, e + errors], [0, 0]);
      if (requests === 0) continue;
      result.Timestamps!.unshift(new Date(at));
      result.Values!.unshift(query.Expression === 'requests' ? requests : errors / requests);
    }
    return { MetricDataResults: [result] };
  };
}
