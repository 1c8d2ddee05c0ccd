import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ValidationError } from '#core/errors.ts';
import { isStrategy, validateRequest } from '#core/schemas/index.ts';
import {
  allowedNamespacesEnvironment,
  refuseNamespaceNotAllowed,
} from '#lambdas/shared/allowed-namespaces.ts';
import { pascalCase } from './discovery.ts';
import { CutoverConfigError } from './errors.ts';
import { startExecution } from './rule-targets.ts';

/** An ECR repository whose image pushes start a release. */
export interface EcrReleaseTrigger {
  /** The ECR repository name, `checkout`. */
  readonly repositoryName: string;
  /** The release strategy to run, `canary` (not the database migration: it deploys no image). */
  readonly strategy: string;
  /**
   * The pushed tags that start a release: an EventBridge wildcard (`v*`, `release-*`, `*` for every tag).
   * @default every tag but `latest`, a tag that moves and names no version to roll back to
   */
  readonly tags?: string;
  /**
   * The release request, without `release.version` and `release.image`: a push sets them to its tag and to
   * the pushed image by digest (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:...`), so a
   * tag pushed again cannot change the image of a running release. `release.replicas` is kept.
   */
  readonly request: Readonly<Record<string, unknown>>;
}

/** Props of {@link ReleaseTriggers}. */
export interface ReleaseTriggersProps {
  /** The workflows by name; only the release strategies' are started, never the database migration's. */
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  /** The ECR triggers, as {@link checkEcrTriggers} accepts them. */
  readonly ecrTriggers: readonly EcrReleaseTrigger[];
  /**
   * IAM role ARNs and account ids that may put `Release Requested` events on the release event bus.
   * @default none: no release event bus, no custom-event trigger
   */
  readonly releaseEventPrincipals?: readonly string[];
  /** Receives the events whose release could not be started. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** `source` and `detail-type` of a custom release request event. */
export const RELEASE_REQUESTED = { source: 'cutover', detailType: 'Release Requested' } as const;

/**
 * The fields of `detail.request` that every strategy's request needs on AWS (`release.image`: its clusters
 * run images): a `Release Requested` event without one of them starts nothing.
 */
const REQUIRED_REQUEST_FIELDS = [
  'service.name',
  'release.version',
  'release.image',
  'cluster.type',
  'traffic.type',
  'metrics.type',
] as const;

/**
 * An event pattern matching events in which each dotted field of `paths` exists (EventBridge matches
 * `exists` on leaf fields only): `['service.name']` is `{ service: { name: [{ exists: true }] } }`.
 */
function existing(paths: readonly string[]): Record<string, unknown> {
  const pattern: Record<string, unknown> = {};
  for (const path of paths) {
    const keys = path.split('.');
    let node = pattern;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = [{ exists: true }];
  }
  return pattern;
}

/** An event pattern matching events without the dotted field `path`: `{ service: { name: [{ exists: false }] } }`. */
function missing(path: string): Record<string, unknown> {
  return path
    .split('.')
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), [{ exists: false }]) as Record<string, unknown>;
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * EventBridge rules that start releases: one per ECR trigger (successful PUSH of a tag to the repository,
 * the tag and image digest filled into the configured request) and, when `releaseEventPrincipals` names
 * anyone, one per release strategy for `cutover` / `Release Requested` events whose `detail` is
 * `{ strategy, request }`, the request with its {@link REQUIRED_REQUEST_FIELDS}, on the bus
 * `<stack name>-releases`, where only those principals may put events. An event of another strategy
 * (`database-migration`) or without a required field starts nothing: it goes to the dead-letter queue.
 *
 * @example
 * new ReleaseTriggers(this, 'Triggers', {
 *   stateMachines,
 *   ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request }],
 *   releaseEventPrincipals: ['arn:aws:iam::123456789012:role/ci'],
 *   deadLetterQueue: deadLetters.queue,
 * });
 */
export class ReleaseTriggers extends Construct {
  /** The bus of `Release Requested` events, when `releaseEventPrincipals` names anyone. */
  readonly releaseEventBus?: events.EventBus;

  constructor(scope: Construct, id: string, props: ReleaseTriggersProps) {
    super(scope, id);
    const strategies = new Map([...props.stateMachines].filter(([name]) => isStrategy(name)));
    props.ecrTriggers.forEach((trigger, index) => {
      this.#ecrRule(trigger, index, strategies.get(trigger.strategy)!, props.deadLetterQueue);
    });
    if (props.releaseEventPrincipals?.length) {
      this.releaseEventBus = releaseEventBus(this, props.releaseEventPrincipals);
      for (const [strategy, machine] of strategies) {
        this.#requestedRule(this.releaseEventBus, strategy, machine, props.deadLetterQueue);
      }
      this.#unstartableRule(this.releaseEventBus, [...strategies.keys()], props.deadLetterQueue);
    }
  }

  /**
   * Sends the `Release Requested` events no strategy's rule takes (a `strategy` not served, none, or a request
   * without one of the {@link REQUIRED_REQUEST_FIELDS}) to `deadLetterQueue`, whose alarm pages: such an
   * event would otherwise start nothing, and its sender, whose PutEvents succeeded, would never know.
   */
  #unstartableRule(bus: events.IEventBus, strategies: readonly string[], deadLetterQueue: sqs.IQueue): void {
    new events.Rule(this, 'RequestedUnstartable', {
      description: `Cutover: "${RELEASE_REQUESTED.detailType}" events that start no release, to the dead-letter queue`,
      eventBus: bus,
      eventPattern: {
        source: [RELEASE_REQUESTED.source],
        detailType: [RELEASE_REQUESTED.detailType],
        detail: {
          $or: [
            { strategy: [{ 'anything-but': [...strategies] }] },
            { strategy: [{ exists: false }] },
            ...REQUIRED_REQUEST_FIELDS.map((path) => ({ request: missing(path) })),
          ],
        },
      },
      targets: [new targets.SqsQueue(deadLetterQueue)],
    });
  }

  #requestedRule(
    bus: events.IEventBus,
    strategy: string,
    machine: sfn.IStateMachine,
    deadLetterQueue: sqs.IQueue,
  ): void {
    new events.Rule(this, `Requested${pascalCase(strategy)}`, {
      description: `Cutover: ${strategy} releases requested by "${RELEASE_REQUESTED.detailType}" events`,
      eventBus: bus,
      eventPattern: {
        source: [RELEASE_REQUESTED.source],
        detailType: [RELEASE_REQUESTED.detailType],
        detail: { strategy: [strategy], request: existing(REQUIRED_REQUEST_FIELDS) },
      },
      targets: [
        startExecution(machine, events.RuleTargetInput.fromEventPath('$.detail.request'), deadLetterQueue),
      ],
    });
  }

  #ecrRule(
    trigger: EcrReleaseTrigger,
    index: number,
    machine: sfn.IStateMachine,
    deadLetterQueue: sqs.IQueue,
  ): void {
    const tag = events.EventField.fromPath('$.detail.image-tag');
    const digest = events.EventField.fromPath('$.detail.image-digest');
    const registry = `${events.EventField.account}.dkr.ecr.${events.EventField.region}.${Stack.of(this).urlSuffix}`;
    const image = `${registry}/${trigger.repositoryName}@${digest}`;
    // The first trigger of a repository keeps the id it always had; another of it (one per namespace, say) or
    // of a name that reads the same (team/orders, team-orders) gets its index too.
    const named = `Ecr${pascalCase(trigger.repositoryName.replace(/[^A-Za-z0-9-]/g, '-'))}`;
    const id = this.node.tryFindChild(named) ? `${named}${index}` : named;
    const input = events.RuleTargetInput.fromObject(pushedRequest(trigger, tag, image));
    const rule = new events.Rule(this, id, {
      description: `Cutover: ${trigger.strategy} release of the images pushed to ${trigger.repositoryName} tagged ${trigger.tags ?? `anything but ${MOVING_TAG}`}`,
      eventPattern: {
        source: ['aws.ecr'],
        detailType: ['ECR Image Action'],
        detail: {
          'action-type': ['PUSH'],
          result: ['SUCCESS'],
          'repository-name': [trigger.repositoryName],
          'image-tag': [tagMatcher(trigger.tags)],
          'image-digest': [{ exists: true }],
        },
      },
      targets: [startExecution(machine, input, deadLetterQueue)],
    });
    checkInputTemplateLength(Stack.of(this).resolve(input.bind(rule).inputTemplate), trigger, index);
  }
}

/**
 * Throws one error naming every bad ECR trigger: its strategy is not one of the release strategies among
 * `workflows` (the discovered state machines), or its request, with the `release.version` and
 * `release.image` of a push, is not a valid request of its strategy, or is for a namespace outside
 * `allowedNamespaces`, which ValidateRequest would refuse on every push.
 *
 * @example
 * checkEcrTriggers([{ repositoryName: 'orders', strategy: 'database-migration', request }], ['canary', 'database-migration'], ['shop']);
 * // throws: ecrTriggers[0].strategy must be one of: canary (got "database-migration")
 */
export function checkEcrTriggers(
  triggers: readonly EcrReleaseTrigger[],
  workflows: readonly string[],
  allowedNamespaces: readonly string[],
): void {
  const strategies = workflows.filter(isStrategy);
  const problems = triggers.flatMap((trigger, index) => {
    if (trigger.tags !== undefined && !TAG_WILDCARD.test(trigger.tags)) {
      return [
        `ecrTriggers[${index}].tags must be an image tag wildcard of letters, digits, _ . - and * (e.g. "v*"), ` +
          `at most 128 characters (got ${JSON.stringify(trigger.tags)})`,
      ];
    }
    if (!isStrategy(trigger.strategy) || !strategies.includes(trigger.strategy)) {
      return [
        `ecrTriggers[${index}].strategy must be one of: ${strategies.join(', ')} (got "${trigger.strategy}")`,
      ];
    }
    return requestProblems(trigger, index, allowedNamespaces);
  });
  if (problems.length > 0) throw new CutoverConfigError(problems.join('\n'));
}

/**
 * The problem, if any, that ValidateRequest would find in the request of ECR trigger `index` on every push:
 * not a valid request of its strategy once a push sets `release.version` and `release.image`, or for a
 * namespace outside `allowedNamespaces` (the deployment's `CUTOVER_ALLOWED_NAMESPACES`).
 */
function requestProblems(
  trigger: EcrReleaseTrigger,
  index: number,
  allowedNamespaces: readonly string[],
): string[] {
  const which = `ecrTriggers[${index}].request (repository ${trigger.repositoryName})`;
  const pushed = pushedRequest(trigger, 'v1', `${trigger.repositoryName}@sha256:${'0'.repeat(64)}`);
  const parsed = validated(() => validateRequest(trigger.strategy, pushed));
  if ('problem' in parsed) {
    return [
      `${which} is not a valid ${trigger.strategy} request once a push sets release.version and ` +
        `release.image:\n${parsed.problem.split('\n').slice(1).join('\n')}`,
    ];
  }
  const env = allowedNamespacesEnvironment(allowedNamespaces);
  const admitted = validated(() => refuseNamespaceNotAllowed(parsed.value.service, env));
  return 'problem' in admitted
    ? [`${which} would fail ValidateRequest on every push: ${admitted.problem}`]
    : [];
}

/** What `check` returns, or the message of the `ValidationError` it throws (any other error is thrown on). */
function validated<T>(check: () => T): { readonly value: T } | { readonly problem: string } {
  try {
    return { value: check() };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { problem: error.message };
  }
}

/** The most characters of a rule target's input template (EventBridge's `InputTransformer.InputTemplate`). */
const INPUT_TEMPLATE_LIMIT = 8192;

/** The longest URL suffix of a partition (`amazonaws.com.cn`): the one token a rule's input template holds. */
const LONGEST_URL_SUFFIX = 'amazonaws.com.cn'.length;

/**
 * The most characters an input template resolved by the stack takes once deployed: a string, or an
 * `Fn::Join` of strings and tokens, each token counted as {@link LONGEST_URL_SUFFIX} characters.
 */
function deployedLength(template: unknown): number {
  if (typeof template === 'string') return template.length;
  const [, parts] = (template as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return parts.reduce<number>(
    (sum, part) => sum + (typeof part === 'string' ? part.length : LONGEST_URL_SUFFIX),
    0,
  );
}

/** Refuses an ECR trigger whose rule input template EventBridge would refuse at deploy, naming the trigger. */
function checkInputTemplateLength(template: unknown, trigger: EcrReleaseTrigger, index: number): void {
  const length = deployedLength(template);
  if (length <= INPUT_TEMPLATE_LIMIT) return;
  throw new CutoverConfigError(
    `ecrTriggers[${index}].request (repository ${trigger.repositoryName}) makes an input template of ` +
      `${length.toLocaleString('en-US')} characters for its EventBridge rule, over the ` +
      `${INPUT_TEMPLATE_LIMIT.toLocaleString('en-US')} EventBridge takes: shorten the request (its defaults need not be given)`,
  );
}

/** The tag that moves with every push and names no version: not released unless a trigger's `tags` say so. */
const MOVING_TAG = 'latest';

/** What an ECR trigger's `tags` may be: tag characters and `*`, at most 128 as a tag. */
const TAG_WILDCARD = /^[A-Za-z0-9_.*-]{1,128}$/;

/** The EventBridge matcher of the pushed tags `tags` (a wildcard) names; every tag but `latest` without it. */
function tagMatcher(tags: string | undefined): Record<string, unknown> {
  return tags === undefined ? { 'anything-but': [MOVING_TAG] } : { wildcard: tags };
}

/** The request a push starts: the trigger's, with the push's `release.version` and `release.image`. */
function pushedRequest(trigger: EcrReleaseTrigger, version: string, image: string): Record<string, unknown> {
  const release = (trigger.request.release ?? {}) as Record<string, unknown>;
  return { ...trigger.request, release: { ...release, version, image } };
}

/**
 * The bus `<stack name>-releases`, whose policy lets exactly `principals` (role ARNs, account ids) put
 * events: an Allow for them, which other accounts need, and a Deny for every other principal, which the
 * stack's own account needs (its identity policies may allow `events:PutEvents` on any bus).
 */
function releaseEventBus(scope: Construct, principals: readonly string[]): events.EventBus {
  const bus = new events.EventBus(scope, 'ReleaseEvents', {
    eventBusName: `${Stack.of(scope).stackName}-releases`,
    description: 'Cutover: Release Requested events, from the releaseEventPrincipals only',
  });
  const accounts = principals.filter((principal) => ACCOUNT_ID.test(principal));
  const roles = principals.filter((principal) => !ACCOUNT_ID.test(principal));
  const putEvents = { actions: ['events:PutEvents'], resources: [bus.eventBusArn] };
  // Statement ids name bus policies account- and region-wide (CloudFormation's physical id): one per stack.
  const sid = (what: string) => `${Stack.of(scope).stackName.slice(0, 40)}-${what}`;
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: sid('ReleaseEventPrincipals'),
      principals: principals.map((principal) =>
        ACCOUNT_ID.test(principal) ? new iam.AccountPrincipal(principal) : new iam.ArnPrincipal(principal),
      ),
      ...putEvents,
    }),
  );
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: sid('NoOtherPrincipals'),
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      conditions: {
        ...(roles.length > 0 ? { ArnNotEquals: { 'aws:PrincipalArn': roles } } : {}),
        ...(accounts.length > 0 ? { StringNotEquals: { 'aws:PrincipalAccount': accounts } } : {}),
      },
      ...putEvents,
    }),
  );
  return bus;
}
