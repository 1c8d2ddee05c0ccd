import type { CloudWatchClient, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { ALARMS_IN_ALARM } from '#core/analysis/index.ts';
import { ValidationError } from '#core/errors.ts';
import type { AlarmGate } from '#core/ports/metric-provider.ts';
import type { MetricQuery } from '#core/types.ts';
import { asAdapterError } from '../aws-errors.ts';

/**
 * A gate on CloudWatch alarms, as CodeDeploy's rollback-on-alarm: only the named alarms in state ALARM count
 * (any fails the step); OK and INSUFFICIENT_DATA do not. `alarmsInAlarm` is their number.
 *
 * @example
 * const gate = new CloudWatchAlarmsMetricProvider(new CloudWatchClient({}), { alarmNames: ['checkout-5xx', 'checkout-p99'] });
 * const firing = await gate.alarmsInAlarm(); // ['checkout-5xx']
 */
export class CloudWatchAlarmsMetricProvider implements AlarmGate {
  readonly type = 'cloudwatch-alarms';

  constructor(
    private readonly cloudwatch: Pick<CloudWatchClient, 'send'>,
    private readonly options: { readonly alarmNames: readonly string[] },
  ) {}

  async query(query: MetricQuery): Promise<number> {
    if (query.metric !== ALARMS_IN_ALARM) {
      throw new ValidationError(`metric must be one of: ${ALARMS_IN_ALARM} (got "${query.metric}")`);
    }
    return (await this.alarmsInAlarm()).length;
  }

  /** The named alarms in state ALARM, in the order named; refuses names that match no alarm. */
  async alarmsInAlarm(): Promise<string[]> {
    const alarms = await this.#describeAlarms();
    const found = new Set(alarms.map((a) => a.AlarmName));
    const missing = this.options.alarmNames.filter((name) => !found.has(name));
    if (missing.length > 0) {
      throw new ValidationError(`metrics.alarmNames names alarms that do not exist: ${missing.join(', ')}`);
    }
    const firing = new Set(alarms.filter((a) => a.StateValue === 'ALARM').map((a) => a.AlarmName));
    return this.options.alarmNames.filter((name) => firing.has(name));
  }

  async #describeAlarms(): Promise<MetricAlarm[]> {
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
    return alarms;
  }
}
