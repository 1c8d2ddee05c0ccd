import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { KubernetesEmulator } from './k8s-emulator/index.ts';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012';

/**
 * Answers ELBv2 Describe* calls as the ALB the AWS Load Balancer Controller would have built from the
 * emulator's Ingresses: one load balancer per Ingress with a status hostname, one listener, one rule per
 * `alb.ingress.kubernetes.io/actions.*` forward action, target groups tagged `ingress.k8s.aws/resource`.
 *
 * @example
 * fakeAlbController(mockClient(ElasticLoadBalancingV2Client), emulator);
 */
export function fakeAlbController(
  elbv2: AwsClientStub<ElasticLoadBalancingV2Client>,
  emulator: KubernetesEmulator,
): void {
  const tags = new Map<string, string>();
  const ingresses = () =>
    emulator.store
      .list('ingresses', '')
      .map((ingress) => ({
        ingress,
        hostname: (ingress.status as { loadBalancer?: { ingress?: { hostname?: string }[] } })?.loadBalancer
          ?.ingress?.[0]?.hostname,
        arn: `${ARN}:loadbalancer/app/k8s-${ingress.metadata.namespace}-${ingress.metadata.name}/50dc6c495c0c9188`,
      }))
      .filter((lb) => lb.hostname);
  elbv2.on(DescribeLoadBalancersCommand).callsFake(async () => ({
    LoadBalancers: ingresses().map((lb) => ({
      LoadBalancerArn: lb.arn,
      DNSName: lb.hostname,
      Type: 'application',
    })),
  }));
  elbv2.on(DescribeListenersCommand).callsFake(async (input: { LoadBalancerArn?: string }) => ({
    Listeners: [
      {
        ListenerArn: `${input.LoadBalancerArn}/f2f7dc8efc522ab2`,
        LoadBalancerArn: input.LoadBalancerArn,
        Port: 80,
      },
    ],
  }));
  elbv2.on(DescribeRulesCommand).callsFake(async (input: { ListenerArn?: string }) => {
    const lb = ingresses().find((l) => input.ListenerArn?.startsWith(l.arn));
    const { namespace, name, annotations = {} } = lb!.ingress.metadata;
    const rules = Object.entries(annotations)
      .filter(([key]) => key.startsWith('alb.ingress.kubernetes.io/actions.'))
      .map(([, json], index) => {
        const action = JSON.parse(json) as {
          forwardConfig: { targetGroups: { serviceName: string; servicePort: string; weight: number }[] };
        };
        const targetGroups = action.forwardConfig.targetGroups.map((tg) => {
          const arn = `${ARN}:targetgroup/k8s-${namespace}-${tg.serviceName}/${index}`;
          tags.set(arn, `${namespace}/${name}-${tg.serviceName}:${tg.servicePort}`);
          return { TargetGroupArn: arn, Weight: tg.weight };
        });
        return {
          RuleArn: `${input.ListenerArn}/rule/${index}`,
          Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: targetGroups } }],
        };
      });
    return { Rules: rules };
  });
  elbv2.on(DescribeTagsCommand).callsFake(async (input: { ResourceArns?: string[] }) => ({
    TagDescriptions: (input.ResourceArns ?? []).map((arn) => ({
      ResourceArn: arn,
      Tags: [{ Key: 'ingress.k8s.aws/resource', Value: tags.get(arn) }],
    })),
  }));
}
