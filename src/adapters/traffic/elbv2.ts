import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ValidationError } from '#core/errors.ts';
import { proportionalWeights } from '#core/plan/weights.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { Elbv2Api } from './alb-verification.ts';
import { callElbv2, type Elbv2RetryOptions } from './elbv2-calls.ts';
import { assertWeights } from './weights.ts';

/** Which listener default action or rule to weight, and each track's target group. */
export type Elbv2Options = (
  | { readonly listenerArn: string; readonly ruleArn?: undefined }
  | { readonly ruleArn: string; readonly listenerArn?: undefined }
) & {
  readonly targetGroups: Readonly<Record<string, string>>;
  readonly retry?: Elbv2RetryOptions;
};

/**
 * Weighted target groups set directly through the ELBv2 API (ModifyListener / ModifyRule), for load
 * balancers no controller owns. Percentages are written as target-group weights (0-999); weights read back
 * are normalized to percentages. The action's stickiness settings are kept.
 *
 * @example
 * const router = new Elbv2TrafficRouter(new ElasticLoadBalancingV2Client({}), {
 *   listenerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2',
 *   targetGroups: { stable: 'arn:...:targetgroup/checkout-stable/6d0ecf831eec9f09', canary: 'arn:...:targetgroup/checkout-canary/73e2d6bc24d8a067' },
 * });
 * await router.setWeights(service, { stable: 90, canary: 10 });
 */
export class Elbv2TrafficRouter implements TrafficRouter {
  readonly type = 'elbv2';

  constructor(
    private readonly elbv2: Elbv2Api,
    private readonly options: Elbv2Options,
  ) {}

  async setWeights(_service: ServiceRef, weights: Weights): Promise<void> {
    assertWeights(weights);
    const unknown = Object.keys(weights).filter((track) => !(track in this.options.targetGroups));
    if (unknown.length > 0) {
      throw new ValidationError(
        `traffic.targetGroups has no target group for tracks ${unknown.join(', ')} (has: ${Object.keys(this.options.targetGroups).join(', ')})`,
      );
    }
    const current = await this.#forwardAction();
    const action: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: Object.entries(weights).map(([track, weight]) => ({
          TargetGroupArn: this.options.targetGroups[track],
          Weight: weight,
        })),
        ...(current?.ForwardConfig?.TargetGroupStickinessConfig
          ? { TargetGroupStickinessConfig: current.ForwardConfig.TargetGroupStickinessConfig }
          : {}),
      },
    };
    const { listenerArn, ruleArn, retry } = this.options;
    const { ModifyListenerCommand, ModifyRuleCommand } = await import(
      '@aws-sdk/client-elastic-load-balancing-v2'
    );
    if (listenerArn) {
      await callElbv2(
        'elasticloadbalancing:ModifyListener',
        () =>
          this.elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: [action] })),
        retry,
      );
    } else {
      await callElbv2(
        'elasticloadbalancing:ModifyRule',
        () => this.elbv2.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: [action] })),
        retry,
      );
    }
  }

  async getWeights(_service: ServiceRef): Promise<Weights> {
    const action = await this.#forwardAction();
    const trackOf = new Map(Object.entries(this.options.targetGroups).map(([track, arn]) => [arn, track]));
    const raw: Record<string, number> = {};
    for (const tg of action?.ForwardConfig?.TargetGroups ?? []) {
      const track = trackOf.get(tg.TargetGroupArn ?? '');
      if (track) raw[track] = (raw[track] ?? 0) + (tg.Weight ?? 1);
    }
    return Object.keys(raw).length === 0 ? {} : proportionalWeights(raw);
  }

  /** The ELBv2 API is the data plane's configuration: the weights it reports are the ones in force. */
  async verifyWeights(service: ServiceRef, weights: Weights): Promise<boolean> {
    const actual = await this.getWeights(service);
    const tracks = new Set([...Object.keys(actual), ...Object.keys(weights)]);
    return [...tracks].every((track) => (actual[track] ?? 0) === (weights[track] ?? 0));
  }

  async #forwardAction(): Promise<Action | undefined> {
    const { listenerArn, ruleArn, retry } = this.options;
    const { DescribeListenersCommand, DescribeRulesCommand } = await import(
      '@aws-sdk/client-elastic-load-balancing-v2'
    );
    const actions = listenerArn
      ? (
          await callElbv2(
            'elasticloadbalancing:DescribeListeners',
            () => this.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
            retry,
          )
        ).Listeners?.[0]?.DefaultActions
      : (
          await callElbv2(
            'elasticloadbalancing:DescribeRules',
            () => this.elbv2.send(new DescribeRulesCommand({ RuleArns: [ruleArn!] })),
            retry,
          )
        ).Rules?.[0]?.Actions;
    return actions?.find((a) => a.Type === 'forward');
  }
}
