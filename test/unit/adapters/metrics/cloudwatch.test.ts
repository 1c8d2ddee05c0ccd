import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricProvider } from '#adapters/metrics/cloudwatch.ts';
import { CloudWatchAlarmsMetricProvider } from '#adapters/metrics/cloudwatch-alarms.ts';
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

  it('ends the window a minute ago, when the ALB has published it, and makes it no longer than asked', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'result', Values: [0.01] }] });
    // Act
    await provider().query(aQuery({ windowSeconds: 42 }));
    // Assess
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(provider().publicationDelaySeconds).toBe(60);
    expect(input).toMatchObject({
      StartTime: new Date('2026-11-28T11:58:18Z'),
      EndTime: new Date('2026-11-28T11:59:00Z'),
    });
    expect(input.MetricDataQueries!.at(-1)!.Period).toBe(60);
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

  it('is inconclusive when every alarm has insufficient data', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'checkout-5xx', StateValue: 'INSUFFICIENT_DATA' },
        { AlarmName: 'checkout-p99', StateValue: 'INSUFFICIENT_DATA' },
      ],
    });
    // Act + Assess
    expect(await gate().query(aQuery({ metric: 'alarmsInAlarm' }))).toBeUndefined();
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
