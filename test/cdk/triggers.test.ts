import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { readContext } from '#lib/context.ts';
import { Cutover, type CutoverProps } from '#lib/cutover.ts';

const PROJECT = join(import.meta.dirname, '../..');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const CI_ROLE = 'arn:aws:iam::123456789012:role/ci';
const PARTNER_ACCOUNT = '210987654321';

/** The EKS canary example without `release.version` and `release.image`, which an ECR push fills in. */
function canaryRequestWithoutRelease(): Record<string, unknown> {
  const example = JSON.parse(readFileSync(join(PROJECT, 'examples/requests/canary-eks.json'), 'utf8'));
  const { version, image, ...release } = example.release;
  return { ...example, release };
}

function buildProps(overrides: Partial<CutoverProps> = {}): CutoverProps {
  return {
    clusterName: 'prod',
    allowedNamespaces: ['shop'],
    lambdasDir: join(FIXTURES, 'lambdas'),
    stateMachinesDir: join(FIXTURES, 'statemachines'),
    functionCapabilities: { 'check-rollout': ['cluster'] },
    ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request: canaryRequestWithoutRelease() }],
    ...overrides,
  };
}

function synth(props: CutoverProps) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
  new Cutover(stack, 'Cutover', props);
  return { app, stack };
}

function templateOf(props: CutoverProps): Template {
  return Template.fromStack(synth(props).stack);
}

interface RuleTarget {
  readonly Arn: { readonly Ref?: string };
  readonly InputTransformer: {
    readonly InputPathsMap: Record<string, string>;
    readonly InputTemplate: string;
  };
}
interface Rule {
  readonly Description: string;
  readonly EventPattern: { readonly source: string[]; readonly detail?: Record<string, unknown> };
  readonly Targets: RuleTarget[];
}

/** The id and properties of each resource of `type`, typed as the test reads them. */
function resourcesOf<Properties = Record<string, unknown>>(
  template: Template,
  type: string,
): [string, Properties][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [id, resource.Properties]);
}

/** The logical id of the one resource of `type` (matching `props`). */
function onlyIdOf(template: Template, type: string, props?: object): string {
  const ids = Object.keys(template.findResources(type, props));
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

/** The logical id of the dead-letter queue the rules that start executions share. */
function ruleDeadLettersQueue(template: Template): string {
  const ids = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) =>
    id.startsWith('CutoverRuleDeadLetters'),
  );
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

function rulesOf(template: Template): Rule[] {
  return resourcesOf<Rule>(template, 'AWS::Events::Rule').map(([, rule]) => rule);
}

/** The rules with a target that starts an execution of one of the template's state machines. */
function executionStartingRules(template: Template): Rule[] {
  const machines = new Set(Object.keys(template.findResources('AWS::StepFunctions::StateMachine')));
  return rulesOf(template).filter((rule) =>
    rule.Targets.some((target) => machines.has(target.Arn.Ref ?? '')),
  );
}

describe('Release Requested events', () => {
  it('start nothing by default: no rule matches source cutover on any bus, and no release bus exists', () => {
    // Act
    const template = templateOf(buildProps());
    // Assess
    template.resourcePropertiesCountIs(
      'AWS::Events::Rule',
      { EventPattern: Match.objectLike({ source: ['cutover'] }) },
      0,
    );
    template.resourceCountIs('AWS::Events::EventBus', 0);
  });

  it('with releaseEventPrincipals, start the release strategies from rules on the <stack>-releases bus, never the database migration', () => {
    // Act
    const template = templateOf(buildProps({ releaseEventPrincipals: [CI_ROLE] }));
    // Assess
    const busId = onlyIdOf(template, 'AWS::Events::EventBus');
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'Test-releases' });
    const rules = executionStartingRules(template).filter(
      (rule) => rule.EventPattern.source[0] === 'cutover',
    );
    expect(rules).toEqual([
      expect.objectContaining({
        EventBusName: { Ref: busId },
        EventPattern: {
          source: ['cutover'],
          'detail-type': ['Release Requested'],
          detail: { strategy: ['canary'], request: expect.any(Object) },
        },
        Targets: [
          expect.objectContaining({
            Arn: { Ref: expect.stringMatching(/^CutoverStrategiesCanary/) },
            InputPath: '$.detail.request',
          }),
        ],
      }),
    ]);
    expect(JSON.stringify(rules)).not.toMatch(/DatabaseMigration|database-migration/);
  });

  it('start nothing for a request without a field every strategy needs on AWS', () => {
    // Act
    const template = templateOf(buildProps({ releaseEventPrincipals: [CI_ROLE] }));
    // Assess
    const exists = [{ exists: true }];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['cutover'],
        'detail-type': ['Release Requested'],
        detail: {
          strategy: ['canary'],
          request: {
            service: { name: exists },
            release: { version: exists, image: exists },
            cluster: { type: exists },
            traffic: { type: exists },
            metrics: { type: exists },
          },
        },
      },
    });
  });

  it('that start no release (a strategy not served or none, a required field missing) go to the dead-letter queue, whose alarm pages', () => {
    // Act
    const template = templateOf(buildProps({ releaseEventPrincipals: [CI_ROLE] }));
    // Assess
    const missing = [{ exists: false }];
    const unstartable = rulesOf(template).filter((rule) =>
      rule.Targets.some((target) => JSON.stringify(target.Arn).includes(ruleDeadLettersQueue(template))),
    );
    expect(unstartable).toEqual([
      expect.objectContaining({
        EventBusName: { Ref: onlyIdOf(template, 'AWS::Events::EventBus') },
        EventPattern: {
          source: ['cutover'],
          'detail-type': ['Release Requested'],
          detail: {
            $or: [
              { strategy: [{ 'anything-but': ['canary'] }] },
              { strategy: missing },
              { request: { service: { name: missing } } },
              { request: { release: { version: missing } } },
              { request: { release: { image: missing } } },
              { request: { cluster: { type: missing } } },
              { request: { traffic: { type: missing } } },
              { request: { metrics: { type: missing } } },
            ],
          },
        },
      }),
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('Release Requested event names no strategy served'),
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [ruleDeadLettersQueue(template), 'QueueName'] } },
      ],
    });
  });

  it('are put on the release bus only by the named principals: an Allow for exactly them, a Deny for every other', () => {
    // Act
    const template = templateOf(buildProps({ releaseEventPrincipals: [CI_ROLE, PARTNER_ACCOUNT] }));
    // Assess
    const statements = resourcesOf(template, 'AWS::Events::EventBusPolicy').map(
      ([, policy]) => policy.Statement,
    );
    const busArn = { 'Fn::GetAtt': [expect.stringMatching(/ReleaseEvents/), 'Arn'] };
    expect(statements).toEqual([
      {
        Sid: expect.any(String),
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: busArn,
        Principal: {
          AWS: [
            CI_ROLE,
            {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${PARTNER_ACCOUNT}:root`]],
            },
          ],
        },
      },
      {
        Sid: expect.any(String),
        Effect: 'Deny',
        Action: 'events:PutEvents',
        Resource: busArn,
        Principal: { AWS: '*' },
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': [CI_ROLE] },
          StringNotEquals: { 'aws:PrincipalAccount': [PARTNER_ACCOUNT] },
        },
      },
    ]);
  });
});

describe('ECR triggers', () => {
  it('start a release of the pushed image by digest, with the tag as release.version', () => {
    // Act
    const template = templateOf(buildProps());
    const ecrRule = rulesOf(template).find((rule) => rule.EventPattern.source[0] === 'aws.ecr');
    const { InputPathsMap, InputTemplate } = ecrRule!.Targets[0]!.InputTransformer;
    // The registry's domain is the partition's (amazonaws.com, amazonaws.com.cn): a reference in the template.
    const [, parts] = (InputTemplate as unknown as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    const text = parts
      .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
      .join('');
    // Assess
    expect(InputPathsMap).toMatchObject({
      'detail-image-tag': '$.detail.image-tag',
      'detail-image-digest': '$.detail.image-digest',
    });
    expect(text).toContain(
      '"release":{"replicas":3,"version":<detail-image-tag>,' +
        '"image":"<account>.dkr.ecr.<region>.<AWS::URLSuffix>/checkout@<detail-image-digest>"}',
    );
  });

  it('starts a release of each trigger of a repository, one per namespace', () => {
    // Prepare
    const trigger = (namespace: string) => ({
      repositoryName: 'checkout',
      strategy: 'canary',
      request: { ...canaryRequestWithoutRelease(), service: { name: 'checkout', namespace } },
    });
    // Act
    const template = templateOf(
      buildProps({
        allowedNamespaces: ['shop', 'staging'],
        ecrTriggers: [trigger('shop'), trigger('staging')],
      }),
    );
    // Assess
    const ecrRules = rulesOf(template).filter((rule) => rule.EventPattern.source[0] === 'aws.ecr');
    expect(ecrRules).toHaveLength(2);
  });

  it('refuse a request that is not valid for the strategy once a push fills in the release, naming the trigger and the field', () => {
    // Prepare
    const request = { ...canaryRequestWithoutRelease(), foo: 1, release: { replicas: 0 } };
    // Act + Assess
    expect(() =>
      synth(buildProps({ ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request }] })),
    ).toThrowError(
      /ecrTriggers\[0\]\.request \(repository checkout\) is not a valid canary request[\s\S]*release\.replicas[\s\S]*unknown field foo/,
    );
  });

  it("refuse a request whose rule input would pass EventBridge's 8,192 characters, which the deploy would fail on, and fit one under it", () => {
    // Prepare
    const withEnv = (length: number) => {
      const request = canaryRequestWithoutRelease();
      const release = request.release as Record<string, unknown>;
      return { ...request, release: { ...release, env: { NOTE: 'x'.repeat(length) } } };
    };
    const props = (length: number) =>
      buildProps({
        ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request: withEnv(length) }],
      });
    // Act
    const fits = () => synth(props(7_000));
    const message = messageOf(() => synth(props(8_000)));
    // Assess
    expect(fits).not.toThrow();
    expect(message).toMatch(
      /^ecrTriggers\[0\]\.request \(repository checkout\) makes an input template of 8,\d{3} characters for its EventBridge rule, over the 8,192 EventBridge takes: shorten the request \(its defaults need not be given\)$/,
    );
  });

  it('refuse a request for a namespace outside allowedNamespaces, which every push would fail, naming the trigger, the namespace and the allowed ones', () => {
    // Prepare
    const request = { ...canaryRequestWithoutRelease(), service: { name: 'checkout', namespace: 'staging' } };
    // Act + Assess
    expect(() =>
      synth(
        buildProps({
          allowedNamespaces: ['shop', 'billing'],
          ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request }],
        }),
      ),
    ).toThrowError(
      'ecrTriggers[0].request (repository checkout) would fail ValidateRequest on every push: ' +
        'service.namespace: must be one of: shop, billing, the allowedNamespaces of this Cutover deployment, ' +
        'whose Kubernetes Roles exist only there (got "staging")',
    );
  });

  it('refuse a request without a namespace unless allowedNamespaces has the default one it then names', () => {
    // Prepare
    const request = { ...canaryRequestWithoutRelease(), service: { name: 'checkout' } };
    const trigger = { repositoryName: 'checkout', strategy: 'canary', request };
    // Act + Assess
    expect(() => synth(buildProps({ ecrTriggers: [trigger] }))).toThrowError(
      /ecrTriggers\[0\]\.request \(repository checkout\) would fail ValidateRequest on every push: service\.namespace: must be one of: shop, .*\(got "default"\)/,
    );
    expect(() =>
      synth(buildProps({ allowedNamespaces: ['shop', 'default'], ecrTriggers: [trigger] })),
    ).not.toThrow();
  });

  it('release every tag but latest, which moves with each push, unless tags names the ones to release', () => {
    // Prepare
    const request = canaryRequestWithoutRelease();
    const versioned = { repositoryName: 'checkout', strategy: 'canary', tags: 'v*', request };
    // Act
    const [byDefault, onlyVersions] = [buildProps(), buildProps({ ecrTriggers: [versioned] })].map(
      (props) =>
        rulesOf(templateOf(props)).find((rule) => rule.EventPattern.source[0] === 'aws.ecr')!.EventPattern
          .detail?.['image-tag'],
    );
    // Assess
    expect(byDefault).toEqual([{ 'anything-but': ['latest'] }]);
    expect(onlyVersions).toEqual([{ wildcard: 'v*' }]);
  });

  it('refuse tags that are no image tag wildcard, naming the trigger', () => {
    // Prepare
    const request = canaryRequestWithoutRelease();
    // Act + Assess
    expect(() =>
      synth(
        buildProps({
          ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', tags: 'v 1', request }],
        }),
      ),
    ).toThrowError(
      'ecrTriggers[0].tags must be an image tag wildcard of letters, digits, _ . - and * (e.g. "v*"), at most 128 characters (got "v 1")',
    );
  });

  it('refuse the database migration, which deploys no image', () => {
    // Prepare
    const request = canaryRequestWithoutRelease();
    // Act + Assess
    expect(() =>
      synth(
        buildProps({
          ecrTriggers: [{ repositoryName: 'orders', strategy: 'database-migration', request }],
        }),
      ),
    ).toThrowError('ecrTriggers[0].strategy must be one of: canary (got "database-migration")');
  });
});

describe('Rule targets that start executions', () => {
  let template: Template;
  beforeAll(() => {
    template = templateOf(buildProps({ releaseEventPrincipals: [CI_ROLE] }));
  });

  it('retry for an hour, then send the event to the dead-letter queue', () => {
    // Act
    const rules = executionStartingRules(template);
    const queueId = ruleDeadLettersQueue(template);
    // Assess
    expect(rules.map((rule) => rule.Description).sort()).toEqual([
      'Cutover: canary release of the images pushed to checkout tagged anything but latest',
      'Cutover: canary releases requested by "Release Requested" events',
      'Cutover: roll back canary releases that were stopped',
      'Cutover: unlock the service of database migrations that were stopped',
    ]);
    for (const rule of rules) {
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 3600 },
        }),
      ]);
    }
  });

  it('share one encrypted, SSL-only dead-letter queue keeping events 14 days, whose alarm publishes to the alert topic', () => {
    // Act
    const queueId = ruleDeadLettersQueue(template);
    const alarmId = onlyIdOf(template, 'AWS::CloudWatch::Alarm', {
      Properties: { Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }] },
    });
    const topicStatements = resourcesOf<{ PolicyDocument: { Statement: unknown[] } }>(
      template,
      'AWS::SNS::TopicPolicy',
    ).flatMap(([, policy]) => policy.PolicyDocument.Statement);
    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^CutoverMonitoringAlerts') }],
    });
    expect(topicStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'sns:Publish',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Condition: expect.objectContaining({
          ArnLike: { 'aws:SourceArn': [{ 'Fn::GetAtt': [alarmId, 'Arn'] }] },
        }),
      }),
    );
  });

  it('pass the cdk-nag AwsSolutions checks, with the release bus', () => {
    // Prepare
    const { app } = synth(buildProps({ releaseEventPrincipals: [CI_ROLE, PARTNER_ACCOUNT] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act + Assess
    expect(() => app.synth()).not.toThrow();
  });
});

describe('Cutover props naming AWS resources', () => {
  it('refuses every malformed ARN, RDS instance identifier and principal in one error', () => {
    // Prepare
    const badIdentifiers = ['Orders-2', 'prod_db!', 'a--b', 'orders-', '1orders', 'o'.repeat(64)];
    const props = buildProps({
      databaseSecretArns: [
        'nope',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf',
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-??????',
      ],
      prometheusWorkspaceArns: ['arn:aws:aps:eu-west-1:123456789012:rulegroupsnamespace/x'],
      rdsInstanceIdentifiers: ['orders', 'orders-2', ...badIdentifiers],
      releaseEventPrincipals: ['arn:aws:iam::123456789012:user/ci', '1234'],
    });
    // Act
    const message = messageOf(() => synth(props));
    // Assess
    expect(message.split('\n')).toEqual([
      'prometheusWorkspaceArns: "arn:aws:aps:eu-west-1:123456789012:rulegroupsnamespace/x" is not an Amazon Managed Prometheus workspace ARN',
      ...badIdentifiers.map((id) =>
        expect.stringMatching(`^rdsInstanceIdentifiers: "${id}" is not an RDS DB`),
      ),
      expect.stringMatching(
        /^databaseSecretArns: "nope" is not a Secrets Manager secret ARN as IAM matches it/,
      ),
      expect.stringMatching(
        /^databaseSecretArns: ".*:secret:orders" is not a Secrets Manager secret ARN as IAM/,
      ),
      'releaseEventPrincipals: "arn:aws:iam::123456789012:user/ci" is not a 12-digit AWS account id or an IAM role ARN',
      'releaseEventPrincipals: "1234" is not a 12-digit AWS account id or an IAM role ARN',
    ]);
  });
});

describe('readContext', () => {
  it('reads the values of `cdk deploy -c clusterName=prod -c allowedNamespaces=shop -c alarmEmail=...`, and lists given as JSON arrays', () => {
    // Act
    const plain = readContext(
      (key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', alarmEmail: 'oncall@example.com' })[key],
    );
    const json = readContext(
      (key) =>
        ({
          clusterName: 'prod',
          allowedNamespaces: '["shop", "billing"]',
          releaseEventPrincipals: `["${CI_ROLE}", "${PARTNER_ACCOUNT}"]`,
        })[key],
    );
    // Assess
    expect(plain).toMatchObject({
      clusterName: 'prod',
      allowedNamespaces: ['shop'],
      alarmEmail: 'oncall@example.com',
    });
    expect(json).toMatchObject({
      allowedNamespaces: ['shop', 'billing'],
      releaseEventPrincipals: [CI_ROLE, PARTNER_ACCOUNT],
    });
  });

  it('names each missing required key with the form to give it in', () => {
    // Act
    const message = messageOf(() => readContext(() => undefined));
    // Assess
    expect(message).toMatch(/- clusterName: is required: .*\(-c clusterName=prod\)/);
    expect(message).toMatch(
      /- allowedNamespaces: is required: .*\(-c allowedNamespaces=shop,billing\) or a JSON array \(-c 'allowedNamespaces=\["shop","billing"\]'\)/,
    );
  });

  it('names every malformed ARN and RDS instance identifier, and a list that is not JSON, in one error', () => {
    // Act
    const message = messageOf(() =>
      readContext(
        (key) =>
          ({
            clusterName: 'prod',
            allowedNamespaces: '["shop"',
            databaseSecretArns: 'nope',
            prometheusWorkspaceArns: 'nope',
            rdsInstanceIdentifiers: 'orders, prod_db!',
          })[key],
      ),
    );
    // Assess
    expect(message.split('\n').slice(1)).toEqual([
      expect.stringMatching(/^- allowedNamespaces: is not valid JSON/),
      '- prometheusWorkspaceArns.0: "nope" is not an Amazon Managed Prometheus workspace ARN',
      expect.stringMatching(/^- rdsInstanceIdentifiers.1: "prod_db!" is not an RDS DB instance identifier/),
      expect.stringMatching(
        /^- databaseSecretArns.0: "nope" is not a Secrets Manager secret ARN as IAM matches it/,
      ),
    ]);
  });

  it('refuses a key of an ecrTriggers item it does not know, which would otherwise be dropped (tag: every tag released), naming the allowed keys and the one meant', () => {
    // Prepare: -c 'ecrTriggers=[{..., "tag": "v*", ...}]', tags misspelt
    const trigger = {
      repositoryName: 'checkout',
      strategy: 'canary',
      tag: 'v*',
      request: canaryRequestWithoutRelease(),
    };
    const given = { clusterName: 'prod', allowedNamespaces: 'shop', ecrTriggers: JSON.stringify([trigger]) };
    // Act + Assess
    expect(() => readContext((key) => (given as Record<string, unknown>)[key])).toThrowError(
      'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- ecrTriggers.0: unknown field tag (allowed: repositoryName, strategy, tags, request): did you mean tags?',
    );
  });

  it('the CDK app says what context is missing, exit 1, without a stack trace', async () => {
    // Act: as `cdk synth -c clusterName=prod` runs it
    const synthesized = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: PROJECT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ clusterName: 'prod' }) },
    }).catch((error: { code: number; stdout: string; stderr: string }) => error);
    // Assess
    expect(synthesized).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- allowedNamespaces: is required: the Kubernetes namespaces the tasks may change, comma-separated (-c allowedNamespaces=shop,billing) or a JSON array (-c \'allowedNamespaces=["shop","billing"]\')\n',
    });
  });

  it('ships no cluster, namespaces or alarm email in cdk.json: a deploy must name them', () => {
    // Act
    const { context } = JSON.parse(readFileSync(join(PROJECT, 'cdk.json'), 'utf8'));
    const examples = ['clusterName', 'allowedNamespaces', 'alarmEmail'].filter((key) => key in context);
    // Assess
    expect(examples).toEqual([]);
  });
});

/** The message of the error `act` throws. */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('nothing was thrown');
}
