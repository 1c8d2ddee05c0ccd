import type { Action, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Weights } from '#core/types.ts';
import { callElbv2, type Elbv2RetryOptions } from './elbv2-calls.ts';
import { backendWeights } from './weights.ts';

/** The tag the AWS Load Balancer Controller puts on each target group: `<namespace>/<ingress>-<service>:<port>`. */
export const RESOURCE_TAG = 'ingress.k8s.aws/resource';

/** The ELBv2 calls verification makes. */
export type Elbv2Api = Pick<ElasticLoadBalancingV2Client, 'send'>;

/**
 * The weighted forward actions of the ALB behind `hostname`, per rule, as track percentages: finds the load
 * balancer by DNS name, reads every listener's rules, and maps target groups to tracks through the
 * controller's resource tag (`trackOfTag` returns undefined for target groups of other services).
 */
export async function albForwardWeights(
  elbv2: Elbv2Api,
  hostname: string,
  trackOfTag: (resourceTag: string) => string | undefined,
  retry?: Elbv2RetryOptions,
): Promise<Weights[]> {
  const { DescribeRulesCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const loadBalancerArn = await findLoadBalancer(elbv2, hostname, retry);
  if (!loadBalancerArn) return [];
  const actions: Action[] = [];
  for (const listener of await listeners(elbv2, loadBalancerArn, retry)) {
    let marker: string | undefined;
    do {
      const page = await callElbv2(
        'elasticloadbalancing:DescribeRules',
        () => elbv2.send(new DescribeRulesCommand({ ListenerArn: listener, Marker: marker })),
        retry,
      );
      for (const rule of page.Rules ?? [])
        actions.push(...(rule.Actions ?? []).filter((a) => a.Type === 'forward'));
      marker = page.NextMarker;
    } while (marker);
  }
  const arns = [
    ...new Set(actions.flatMap((a) => (a.ForwardConfig?.TargetGroups ?? []).map((t) => t.TargetGroupArn!))),
  ];
  const tracks = await tracksOfTargetGroups(elbv2, arns, trackOfTag, retry);
  return actions
    .map((action) =>
      backendWeights(
        (action.ForwardConfig?.TargetGroups ?? []).map((tg) => [
          tracks.get(tg.TargetGroupArn ?? ''),
          tg.Weight ?? 1,
        ]),
      ),
    )
    .filter((weights) => Object.keys(weights).length > 0);
}

async function findLoadBalancer(
  elbv2: Elbv2Api,
  hostname: string,
  retry?: Elbv2RetryOptions,
): Promise<string | undefined> {
  const { DescribeLoadBalancersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  let marker: string | undefined;
  do {
    const page = await callElbv2(
      'elasticloadbalancing:DescribeLoadBalancers',
      () => elbv2.send(new DescribeLoadBalancersCommand({ Marker: marker })),
      retry,
    );
    const match = page.LoadBalancers?.find((lb) => lb.DNSName?.toLowerCase() === hostname.toLowerCase());
    if (match) return match.LoadBalancerArn;
    marker = page.NextMarker;
  } while (marker);
  return undefined;
}

async function listeners(
  elbv2: Elbv2Api,
  loadBalancerArn: string,
  retry?: Elbv2RetryOptions,
): Promise<string[]> {
  const { DescribeListenersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const arns: string[] = [];
  let marker: string | undefined;
  do {
    const page = await callElbv2(
      'elasticloadbalancing:DescribeListeners',
      () => elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: loadBalancerArn, Marker: marker })),
      retry,
    );
    arns.push(...(page.Listeners ?? []).map((l) => l.ListenerArn!));
    marker = page.NextMarker;
  } while (marker);
  return arns;
}

async function tracksOfTargetGroups(
  elbv2: Elbv2Api,
  arns: string[],
  trackOfTag: (resourceTag: string) => string | undefined,
  retry?: Elbv2RetryOptions,
): Promise<Map<string, string>> {
  const { DescribeTagsCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const tracks = new Map<string, string>();
  for (let i = 0; i < arns.length; i += 20) {
    const page = await callElbv2(
      'elasticloadbalancing:DescribeTags',
      () => elbv2.send(new DescribeTagsCommand({ ResourceArns: arns.slice(i, i + 20) })),
      retry,
    );
    for (const description of page.TagDescriptions ?? []) {
      const tag = description.Tags?.find((t) => t.Key === RESOURCE_TAG)?.Value;
      const track = tag && trackOfTag(tag);
      if (track && description.ResourceArn) tracks.set(description.ResourceArn, track);
    }
  }
  return tracks;
}
