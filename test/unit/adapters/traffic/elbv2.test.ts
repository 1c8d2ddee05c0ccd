import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { albForwardWeights } from '#adapters/traffic/alb-verification.ts';
import { Elbv2TrafficRouter } from '#adapters/traffic/elbv2.ts';
import { TransientAdapterError, ValidationError } from '#core/errors.ts';
import { aService } from '#test/support/kubernetes-fixtures.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';
const LISTENER = `${ARN}:listener/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2`;
const RULE = `${ARN}:listener-rule/app/prod/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const STABLE = `${ARN}:targetgroup/checkout-stable/6d0ecf831eec9f09`;
const CANARY = `${ARN}:targetgroup/checkout-canary/73e2d6bc24d8a067`;
const throttling = () =>
  Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $metadata: { httpStatusCode: 400 },
  });

/** The listener rule as DescribeRules returns it: forward to stable and canary with these weights. */
function aForwardRule(stableWeight: number, canaryWeight: number) {
  return {
    RuleArn: RULE,
    Actions: [
      {
        Type: 'forward' as const,
        ForwardConfig: {
          TargetGroups: [
            { TargetGroupArn: STABLE, Weight: stableWeight },
            { TargetGroupArn: CANARY, Weight: canaryWeight },
          ],
        },
      },
    ],
  };
}

/** An OIDC authentication action as Describe* returns it: ELBv2 never reports the client secret. */
const AUTHENTICATE = {
  Type: 'authenticate-oidc' as const,
  Order: 1,
  AuthenticateOidcConfig: {
    Issuer: 'https://idp.example.com',
    AuthorizationEndpoint: 'https://idp.example.com/authorize',
    TokenEndpoint: 'https://idp.example.com/token',
    UserInfoEndpoint: 'https://idp.example.com/userinfo',
    ClientId: 'checkout',
    OnUnauthenticatedRequest: 'authenticate' as const,
  },
};
/** The authentication action as ModifyListener / ModifyRule must receive it to keep the client secret it has. */
const AUTHENTICATE_KEPT = {
  ...AUTHENTICATE,
  AuthenticateOidcConfig: { ...AUTHENTICATE.AuthenticateOidcConfig, UseExistingClientSecret: true },
};
/** A forward action at `Order` 2, after the authentication, with these weights. */
const forwardAfterAuthentication = (stableWeight: number, canaryWeight: number) => ({
  Type: 'forward' as const,
  Order: 2,
  ForwardConfig: {
    TargetGroups: [
      { TargetGroupArn: STABLE, Weight: stableWeight },
      { TargetGroupArn: CANARY, Weight: canaryWeight },
    ],
  },
});

describe('Elbv2TrafficRouter', () => {
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const client = () => new ElasticLoadBalancingV2Client({ region: 'eu-west-1' });
  const targetGroups = { stable: STABLE, canary: CANARY };

  beforeEach(() => elbv2.reset());

  it('sets the listener default action to weighted target groups, keeping its stickiness', async () => {
    // Prepare
    elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [
        {
          ListenerArn: LISTENER,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [{ TargetGroupArn: STABLE, Weight: 1 }],
                TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
              },
            },
          ],
        },
      ],
    });
    elbv2.on(ModifyListenerCommand).resolves({});
    const router = new Elbv2TrafficRouter(client(), { listenerArn: LISTENER, targetGroups });
    // Act
    await router.setWeights(aService(), { stable: 90, canary: 10 });
    // Assess
    expect(elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(elbv2.commandCalls(ModifyListenerCommand)[0]!.args[0].input).toEqual({
      ListenerArn: LISTENER,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: STABLE, Weight: 90 },
              { TargetGroupArn: CANARY, Weight: 10 },
            ],
            TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 600 },
          },
        },
      ],
    });
  });

  it('modifies a rule when given a rule ARN', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Actions: [] }] });
    elbv2.on(ModifyRuleCommand).resolves({});
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    await router.setWeights(aService(), { stable: 0, canary: 100 });
    // Assess
    expect(elbv2.commandCalls(DescribeRulesCommand)[0]!.args[0].input).toEqual({ RuleArns: [RULE] });
    expect(elbv2.commandCalls(ModifyRuleCommand)[0]!.args[0].input).toEqual({
      RuleArn: RULE,
      Actions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: STABLE, Weight: 0 },
              { TargetGroupArn: CANARY, Weight: 100 },
            ],
          },
        },
      ],
    });
  });

  it('weights only the forward action of a listener that authenticates first, keeping the authentication', async () => {
    // Prepare
    elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [
        { ListenerArn: LISTENER, DefaultActions: [AUTHENTICATE, forwardAfterAuthentication(100, 0)] },
      ],
    });
    elbv2.on(ModifyListenerCommand).resolves({});
    const router = new Elbv2TrafficRouter(client(), { listenerArn: LISTENER, targetGroups });
    // Act
    await router.setWeights(aService(), { stable: 90, canary: 10 });
    // Assess
    expect(elbv2.commandCalls(ModifyListenerCommand)[0]!.args[0].input).toEqual({
      ListenerArn: LISTENER,
      DefaultActions: [AUTHENTICATE_KEPT, forwardAfterAuthentication(90, 10)],
    });
  });

  it('weights only the forward action of a rule that authenticates first, keeping the authentication', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [{ RuleArn: RULE, Actions: [AUTHENTICATE, forwardAfterAuthentication(90, 10)] }],
    });
    elbv2.on(ModifyRuleCommand).resolves({});
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    await router.setWeights(aService(), { stable: 0, canary: 100 });
    // Assess
    expect(elbv2.commandCalls(ModifyRuleCommand)[0]!.args[0].input).toEqual({
      RuleArn: RULE,
      Actions: [AUTHENTICATE_KEPT, forwardAfterAuthentication(0, 100)],
    });
  });

  it('puts the forward action in place of a fixed response, still keeping the authentication', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [
        {
          RuleArn: RULE,
          Actions: [
            AUTHENTICATE,
            { Type: 'fixed-response', Order: 2, FixedResponseConfig: { StatusCode: '503' } },
          ],
        },
      ],
    });
    elbv2.on(ModifyRuleCommand).resolves({});
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    await router.setWeights(aService(), { stable: 100, canary: 0 });
    // Assess
    expect(elbv2.commandCalls(ModifyRuleCommand)[0]!.args[0].input).toEqual({
      RuleArn: RULE,
      Actions: [AUTHENTICATE_KEPT, forwardAfterAuthentication(100, 0)],
    });
  });

  it('reads and verifies the weights of a forward action that follows an authentication', async () => {
    // Prepare
    elbv2.on(DescribeListenersCommand).resolves({
      Listeners: [
        { ListenerArn: LISTENER, DefaultActions: [AUTHENTICATE, forwardAfterAuthentication(900, 100)] },
      ],
    });
    const router = new Elbv2TrafficRouter(client(), { listenerArn: LISTENER, targetGroups });
    // Act
    const weights = await router.getWeights(aService());
    // Assess
    expect(weights).toEqual({ stable: 90, canary: 10 });
    expect(await router.verifyWeights(aService(), { stable: 90, canary: 10 })).toBe(true);
  });

  it('reads weights back as percentages, whatever scale the ALB holds (0-999)', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [aForwardRule(666, 333)] });
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    const weights = await router.getWeights(aService());
    // Assess
    expect(weights).toEqual({ stable: 67, canary: 33 });
    expect(await router.verifyWeights(aService(), { stable: 67, canary: 33 })).toBe(true);
    expect(await router.verifyWeights(aService(), { stable: 90, canary: 10 })).toBe(false);
  });

  it('reads a forward action that weights every target group 0 as every track at 0 (a first release)', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [aForwardRule(0, 0)] });
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    const weights = await router.getWeights(aService());
    // Assess
    expect(weights).toEqual({ stable: 0, canary: 0 });
    expect(await router.verifyWeights(aService(), { stable: 100, canary: 0 })).toBe(false);
  });

  it('refuses a track without a target group, naming the field, before any call', async () => {
    // Prepare
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    const setting = router.setWeights(aService(), { stable: 50, preview: 50 });
    // Assess
    await expect(setting).rejects.toThrow(ValidationError);
    await expect(setting).rejects.toThrow('traffic.targetGroups has no target group for tracks preview');
    expect(elbv2.calls()).toHaveLength(0);
  });

  it('leaves out a track at 0 that has no target group, as an AllAtOnce canary promotes', async () => {
    // Prepare: the listener rule of a service whose canary track never takes traffic
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Actions: [] }] });
    elbv2.on(ModifyRuleCommand).resolves({});
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups: { stable: STABLE } });
    // Act
    await router.setWeights(aService(), { stable: 100, canary: 0 });
    // Assess
    expect(elbv2.commandCalls(ModifyRuleCommand)[0]!.args[0].input.Actions).toEqual([
      { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: STABLE, Weight: 100 }] } },
    ]);
  });

  it('checks the tracks a release will route against the target groups, without any call', async () => {
    // Prepare
    const router = new Elbv2TrafficRouter(client(), { ruleArn: RULE, targetGroups });
    // Act
    const missing = router.checkTracks(aService(), ['stable', 'blue']);
    const routed = router.checkTracks(aService(), ['stable', 'canary']);
    // Assess
    await expect(missing).rejects.toThrow('traffic.targetGroups has no target group for tracks blue');
    await expect(routed).resolves.toBeUndefined();
    expect(elbv2.calls()).toHaveLength(0);
  });

  it('retries throttling, then surfaces it as TransientAdapterError naming the operation', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).rejects(throttling());
    const router = new Elbv2TrafficRouter(client(), {
      ruleArn: RULE,
      targetGroups,
      retry: { attempts: 3, baseDelayMs: 0 },
    });
    // Act
    const error = await router.getWeights(aService()).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TransientAdapterError);
    expect((error as Error).message).toBe(
      'elasticloadbalancing:DescribeRules failed, retry later: Rate exceeded',
    );
    expect(elbv2).toHaveReceivedCommandTimes(DescribeRulesCommand, 3);
  });

  it('keeps a persistent error with its reason', async () => {
    // Prepare
    elbv2.on(DescribeRulesCommand).rejects(
      Object.assign(new Error('One or more rules not found'), {
        name: 'RuleNotFoundException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const router = new Elbv2TrafficRouter(client(), {
      ruleArn: RULE,
      targetGroups,
      retry: { baseDelayMs: 0 },
    });
    // Act + Assess
    await expect(router.getWeights(aService())).rejects.toThrow('One or more rules not found');
    expect(elbv2).toHaveReceivedCommandTimes(DescribeRulesCommand, 1);
  });
});

describe('albForwardWeights', () => {
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const LB = `${ARN}:loadbalancer/app/k8s-shop-checkout/50dc6c495c0c9188`;

  beforeEach(() => elbv2.reset());

  it('finds the ALB by hostname across pages, reads the rules and maps target groups to tracks by tag', async () => {
    // Prepare
    elbv2
      .on(DescribeLoadBalancersCommand, { Marker: undefined })
      .resolves({
        LoadBalancers: [
          { LoadBalancerArn: `${ARN}:loadbalancer/app/other/1`, DNSName: 'other.elb.amazonaws.com' },
        ],
        NextMarker: 'page-2',
      })
      .on(DescribeLoadBalancersCommand, { Marker: 'page-2' })
      .resolves({
        LoadBalancers: [
          { LoadBalancerArn: LB, DNSName: 'k8s-shop-checkout-1234.eu-west-1.elb.amazonaws.com' },
        ],
      });
    elbv2.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER }] });
    elbv2
      .on(DescribeRulesCommand)
      .rejectsOnce(throttling())
      .resolves({
        Rules: [
          aForwardRule(80, 20),
          { RuleArn: `${RULE}-default`, IsDefault: true, Actions: [{ Type: 'fixed-response' }] },
        ],
      });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        {
          ResourceArn: STABLE,
          Tags: [{ Key: 'ingress.k8s.aws/resource', Value: 'shop/checkout-checkout-stable:80' }],
        },
        {
          ResourceArn: CANARY,
          Tags: [{ Key: 'ingress.k8s.aws/resource', Value: 'shop/checkout-checkout-canary:80' }],
        },
      ],
    });
    const trackOfTag = (tag: string) => /^shop\/checkout-checkout-(\w+):/.exec(tag)?.[1];
    // Act
    const rules = await albForwardWeights(
      new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
      'K8S-shop-checkout-1234.eu-west-1.elb.amazonaws.com',
      trackOfTag,
      { baseDelayMs: 0 },
    );
    // Assess
    expect(rules).toEqual([{ stable: 80, canary: 20 }]);
    expect(elbv2.commandCalls(DescribeListenersCommand)[0]!.args[0].input).toEqual({ LoadBalancerArn: LB });
    expect(elbv2.commandCalls(DescribeRulesCommand)[1]!.args[0].input).toEqual({ ListenerArn: LISTENER });
    expect(elbv2.commandCalls(DescribeTagsCommand)[0]!.args[0].input).toEqual({
      ResourceArns: [STABLE, CANARY],
    });
  });

  it('reads a rule that weights every target group 0 as every track at 0', async () => {
    // Prepare
    elbv2.on(DescribeLoadBalancersCommand).resolves({
      LoadBalancers: [{ LoadBalancerArn: LB, DNSName: 'k8s-shop-checkout-1234.eu-west-1.elb.amazonaws.com' }],
    });
    elbv2.on(DescribeListenersCommand).resolves({ Listeners: [{ ListenerArn: LISTENER }] });
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [aForwardRule(0, 0)] });
    elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        { ResourceArn: STABLE, Tags: [{ Key: 'ingress.k8s.aws/resource', Value: 'stable' }] },
        { ResourceArn: CANARY, Tags: [{ Key: 'ingress.k8s.aws/resource', Value: 'canary' }] },
      ],
    });
    // Act
    const rules = await albForwardWeights(
      new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
      'k8s-shop-checkout-1234.eu-west-1.elb.amazonaws.com',
      (tag) => tag,
    );
    // Assess
    expect(rules).toEqual([{ stable: 0, canary: 0 }]);
  });

  it('answers no rules when no load balancer has the hostname', async () => {
    // Prepare
    elbv2.on(DescribeLoadBalancersCommand).resolves({ LoadBalancers: [] });
    // Act
    const rules = await albForwardWeights(
      new ElasticLoadBalancingV2Client({ region: 'eu-west-1' }),
      'missing.elb.amazonaws.com',
      () => 'x',
    );
    // Assess
    expect(rules).toEqual([]);
  });
});
