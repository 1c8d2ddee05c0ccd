import type { CloudWatchClient, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ALARMS_IN_ALARM } from '#core/analysis/index.ts';
import { ValidationError } from '#core/errors.ts';
import type { MetricProvider } from '#core/ports/metric-provider.ts';
import type { MetricQuery } from '#core/types.ts';
import { asAdapterError } from '../aws-errors.ts';

/**
 * A gate on CloudWatch alarms, as CodeDeploy's rollback-on-alarm: `alarmsInAlarm` is the number of the named
 * alarms in state ALARM (any above 0 fails the step), or `undefined` when every alarm has insufficient data.
 *
 * @example
 * const gate = new CloudWatchAlarmsMetricProvider(new CloudWatchClient({}), { alarmNames: ['checkout-5xx', 'checkout-p99'] });
 * const firing = await gate.query({ service, track: 'canary', metric: 'alarmsInAlarm', windowSeconds: 60 });
 */
export class CloudWatchAlarmsMetricProvider implements MetricProvider {
  readonly type = 'cloudwatch-alarms';

  constructor(
    private readonly cloudwatch: Pick<CloudWatchClient, 'send'>,
    private readonly options: { readonly alarmNames: readonly string[] },
  ) {}

  async query(query: MetricQuery): Promise<number | undefined> {
    if (query.metric !== ALARMS_IN_ALARM) {
      throw new ValidationError(`metric must be one of: ${ALARMS_IN_ALARM} (got "${query.metric}")`);
    }
    const { DescribeAlarmsCommand } = await import('@aws-sdk/client-cloudwatch');
    const alarms: MetricAlarm[] = [];
    let nextToken: string | undefined;
    do {
      const output = await this.cloudwatch
        .send(
          new DescribeAlarmsCommand({
            AlarmNames: [...this.options.alarmNames],
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken: nextToken,
          }),
        )
        .catch((error: unknown) => Promise.reject(asAdapterError(error, 'cloudwatch:DescribeAlarms')));
      alarms.push(...(output.MetricAlarms ?? []), ...((output.CompositeAlarms ?? []) as MetricAlarm[]));
      nextToken = output.NextToken;
    } while (nextToken);
    const found = new Set(alarms.map((a) => a.AlarmName));
    const missing = this.options.alarmNames.filter((name) => !found.has(name));
    if (missing.length > 0) {
      throw new ValidationError(`metrics.alarmNames names alarms that do not exist: ${missing.join(', ')}`);
    }
    if (alarms.every((a) => a.StateValue === 'INSUFFICIENT_DATA')) return undefined;
    return alarms.filter((a) => a.StateValue === 'ALARM').length;
  }
}
