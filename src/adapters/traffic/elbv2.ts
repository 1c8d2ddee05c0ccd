import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ValidationError } from '#core/errors.ts';
import type { TrafficRouter } from '#core/ports/traffic-router.ts';
import type { ServiceRef, Weights } from '#core/types.ts';
import type { Elbv2Api } from './alb-verification.ts';
import { callElbv2, type Elbv2RetryOptions } from './elbv2-calls.ts';
import { assertWeights, backendWeights } from './weights.ts';

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
 * are normalized to percentages. The action's stickiness settings are kept, and so are the actions before it
 * (authentication), so weighting never turns authentication off.
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
    // A track at 0 needs no target group (a canary whose steps never weight it): it is left out.
    const { targetGroups } = this.options;
    const weighted = Object.entries(weights).filter(([track, weight]) => weight > 0 || track in targetGroups);
    this.#assertTargetGroups(weighted.map(([track]) => track));
    const current = await this.#actions();
    const stickiness = forwardActionOf(current)?.ForwardConfig?.TargetGroupStickinessConfig;
    const forward: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: weighted.map(([track, weight]) => ({
          TargetGroupArn: targetGroups[track],
          Weight: weight,
        })),
        ...(stickiness ? { TargetGroupStickinessConfig: stickiness } : {}),
      },
    };
    const actions = withForwardAction(current, forward);
    const { listenerArn, ruleArn, retry } = this.options;
    const { ModifyListenerCommand, ModifyRuleCommand } = await import(
      '@aws-sdk/client-elastic-load-balancing-v2'
    );
    if (listenerArn) {
      await callElbv2(
        'elasticloadbalancing:ModifyListener',
        () =>
          this.elbv2.send(new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: actions })),
        retry,
      );
    } else {
      await callElbv2(
        'elasticloadbalancing:ModifyRule',
        () => this.elbv2.send(new ModifyRuleCommand({ RuleArn: ruleArn, Actions: actions })),
        retry,
      );
    }
  }

  /** Refuses tracks `traffic.targetGroups` has no target group for (no call). */
  async checkTracks(_service: ServiceRef, tracks: readonly string[]): Promise<void> {
    this.#assertTargetGroups(tracks);
  }

  #assertTargetGroups(tracks: readonly string[]): void {
    const unknown = tracks.filter((track) => !(track in this.options.targetGroups));
    if (unknown.length > 0) {
      throw new ValidationError(
        `traffic.targetGroups has no target group for tracks ${unknown.join(', ')} (has: ${Object.keys(this.options.targetGroups).join(', ')})`,
      );
    }
  }

  async getWeights(_service: ServiceRef): Promise<Weights> {
    const action = forwardActionOf(await this.#actions());
    const trackOf = new Map(Object.entries(this.options.targetGroups).map(([track, arn]) => [arn, track]));
    return backendWeights(
      (action?.ForwardConfig?.TargetGroups ?? []).map((tg) => [
        trackOf.get(tg.TargetGroupArn ?? ''),
        tg.Weight ?? 1,
      ]),
    );
  }

  /** The ELBv2 API is the data plane's configuration: the weights it reports are the ones in force. */
  async verifyWeights(service: ServiceRef, weights: Weights): Promise<boolean> {
    const actual = await this.getWeights(service);
    const tracks = new Set([...Object.keys(actual), ...Object.keys(weights)]);
    return [...tracks].every((track) => (actual[track] ?? 0) === (weights[track] ?? 0));
  }

  /** The listener's default actions or the rule's actions, in order. */
  async #actions(): Promise<Action[]> {
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
    return actions ?? [];
  }
}

/** The action types that end an action list; ELBv2 allows exactly one, after any authentication or validation. */
const ROUTING_ACTION_TYPES = new Set<string | undefined>(['forward', 'redirect', 'fixed-response']);

function forwardActionOf(actions: readonly Action[]): Action | undefined {
  return actions.find((action) => action.Type === 'forward');
}

/**
 * `actions` with `forward` as their routing action: it takes the place and `Order` of the current forward action
 * (or, with none, of the redirect or fixed-response one) and every other action is kept, in order.
 */
function withForwardAction(actions: readonly Action[], forward: Action): Action[] {
  const routing = actions.findIndex((action) => ROUTING_ACTION_TYPES.has(action.Type));
  const kept = actions.map(keepingClientSecret);
  if (routing < 0) return [...kept, forward];
  const { Order } = actions[routing]!;
  kept[routing] = Order === undefined ? forward : { ...forward, Order };
  return kept;
}

/**
 * The action as ModifyListener / ModifyRule must receive it to stay unchanged: Describe* never returns an OIDC
 * client secret, so an `authenticate-oidc` action asks ELBv2 to keep the one it has.
 */
function keepingClientSecret(action: Action): Action {
  return action.AuthenticateOidcConfig
    ? {
        ...action,
        AuthenticateOidcConfig: { ...action.AuthenticateOidcConfig, UseExistingClientSecret: true },
      }
    : action;
}
