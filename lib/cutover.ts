import { join } from 'node:path';
import { Annotations, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as eks from 'aws-cdk-lib/aws-eks';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_BACKUP_PREFIX } from '#adapters/backup/keys.ts';
import { urlPrefixProblem } from '#adapters/hooks/hook-url.ts';
import {
  HOOK_SECRETS_VARIABLE,
  type HookSecretGrant,
  hookSecretsVariable,
} from '#adapters/hooks/secret-destinations.ts';
import { type JsonSchema, strategyRequestModels } from '#core/api-routes.ts';
import { ROLLBACK_MACHINE } from '#core/rollback.ts';
import { RDS_INSTANCE_IDENTIFIER } from '#core/schemas/fields.ts';
import { isStrategy } from '#core/strategies.ts';
import { LOCAL_SUBSTITUTIONS } from '#core/substitutions.ts';
import { allowedNamespacesEnvironment } from '#lambdas/shared/allowed-namespaces.ts';
import { AbortRollbacks } from './abort-rollbacks.ts';
import { ApprovalStateMachine } from './approval-machine.ts';
import { type Capability, FUNCTION_CAPABILITIES } from './capabilities.ts';
import { checkSubstitutions, discoverFunctions, discoverStateMachines } from './discovery.ts';
import { DEPLOYERS_GROUP, EksAccess, kubernetesReaderRoles, READERS_GROUP } from './eks-access.ts';
import { CutoverConfigError } from './errors.ts';
import { CutoverMonitoring } from './monitoring.ts';
import { suppressJustifiedFindings } from './nag-suppressions.ts';
import { ReleaseApi } from './release-api.ts';
import { retainExceptOnCreate } from './removal-policy.ts';
import { RuleDeadLetters } from './rule-targets.ts';
import { StrategyStateMachines } from './state-machines.ts';
import { CutoverStorage } from './storage.ts';
import { TaskFunctions } from './task-functions.ts';
import { checkEcrTriggers, type EcrReleaseTrigger, ReleaseTriggers } from './triggers.ts';

export type { HookSecretGrant } from '#adapters/hooks/secret-destinations.ts';
export type { EcrReleaseTrigger } from './triggers.ts';

const PROJECT_ROOT = join(import.meta.dirname, '..');

/** Props of {@link Cutover}. */
export interface CutoverProps {
  /** Name of the EKS cluster the releases run on (its access entries and eks:DescribeCluster). */
  readonly clusterName: string;
  /**
   * IAM roles the task functions may assume for the EKS token (requests' `cluster.roleArn`, e.g. a role in
   * the cluster's account). Every function that talks to the cluster may assume them, the read-only ones
   * (ValidateRequest, BackupState, CheckRollout) too, since a request names one role for all its tasks: in
   * the cluster, map each only to the group of the `allowedNamespaces` RoleBindings (`kubernetesGroup`),
   * never to an access policy such as AmazonEKSClusterAdminPolicy. @default none: the functions use their
   * own role
   */
  readonly eksRoleArns?: readonly string[];
  /** Kubernetes namespaces the task functions may change (the Role/RoleBinding go there). */
  readonly allowedNamespaces: readonly string[];
  /** A cluster construct to apply the Role/RoleBinding manifests to. @default none: apply docs/eks-rbac.yaml yourself */
  readonly cluster?: eks.ICluster;
  /** Kubernetes group of the access entries of the task functions that change objects. @default 'cutover-deployers' */
  readonly kubernetesGroup?: string;
  /** Kubernetes group of the access entries of the task functions that only read them. @default 'cutover-readers' */
  readonly kubernetesReaderGroup?: string;
  /** Runs the task functions in this VPC (private EKS endpoints, RDS). @default no VPC */
  readonly vpc?: ec2.IVpc;
  /** Subnets of the task functions in `vpc`. @default the VPC's private subnets */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * Security groups of the task functions in `vpc`. @default one shared by every task function, all egress
   * and no ingress (`functions.securityGroup`)
   */
  readonly securityGroups?: ec2.ISecurityGroup[];
  /**
   * Email of the on-call: gets every alarm and alert, and the deployment events `Failed`, `RolledBack`,
   * `ApprovalRequested` and `ApprovalUnanswered` (see {@link CutoverMonitoring}). @default no subscription
   */
  readonly alarmEmail?: string;
  /** ALB listener ARNs whose weights the `elbv2` router may modify. @default none */
  readonly listenerArns?: readonly string[];
  /** Amazon Managed Prometheus workspace ARNs the `prometheus` metrics may query. @default none */
  readonly prometheusWorkspaceArns?: readonly string[];
  /** RDS instance identifiers the database tasks may snapshot (snapshots are named `cutover-*`). @default none */
  readonly rdsInstanceIdentifiers?: readonly string[];
  /** Secrets Manager ARNs of the database credentials. @default none */
  readonly databaseSecretArns?: readonly string[];
  /**
   * The secrets of the webhooks' headers and signing keys (requests' `hooks.*.headersSecretArn` and
   * `hooks.*.signingSecretArn`), which RunHooks may read, each with the URL prefixes it may be sent to: a
   * hook naming one for a URL outside its `urlPrefixes` (same scheme, host and port, and a path under the
   * prefix's), or naming a secret not listed, fails ValidateRequest and RunHooks before any secret is read.
   * An `arn` is matched as IAM matches it: complete (`...:secret:ci-AbCdEf`), or ending in `-??????` or `*`.
   * @default none: no hook may name a secret
   */
  readonly hookSecrets?: readonly HookSecretGrant[];
  /**
   * Refused at synth when it lists a secret: it let every release send them to any URL. Use `hookSecrets`,
   * which binds each secret to its URL prefixes.
   * @deprecated use `hookSecrets`
   */
  readonly hookSecretArns?: readonly string[];
  /** ECR repositories whose pushes start a release. @default none */
  readonly ecrTriggers?: readonly EcrReleaseTrigger[];
  /**
   * IAM role ARNs and 12-digit account ids that may start releases with `Release Requested` events, on the
   * event bus `<stack name>-releases` (the only ones its policy lets put events).
   * @default none: no release event bus, releases start from the API and ECR triggers only
   */
  readonly releaseEventPrincipals?: readonly string[];
  /**
   * IAM role or user ARNs, of any account, that may start releases with the release API
   * (`POST /releases/<strategy>`) and read them (its GET routes); its resource policy denies every other
   * principal the start routes. @default none: IAM identity policies decide, and synth warns
   */
  readonly releaseApiPrincipals?: readonly string[];
  /**
   * IAM role or user ARNs, of any account, that may approve and reject releases with the release API
   * (`POST /releases/{executionId}/approve` and `.../reject`) and read them; its resource policy denies every
   * other principal those routes. @default none: IAM identity policies decide, and synth warns
   */
  readonly approverPrincipals?: readonly string[];
  /** Event bus the notifier also publishes deployment events to (`CUTOVER_EVENT_BUS`). @default SNS only */
  readonly eventBusName?: string;
  /** Key prefix of the backups in the backup bucket. @default 'backups/' */
  readonly backupPrefix?: string;
  /** Days a backup is kept. @default 90 */
  readonly backupRetentionDays?: number;
  /** Days an overwritten or deleted backup is kept as a noncurrent version of its object. @default 30 */
  readonly noncurrentBackupRetentionDays?: number;
  /**
   * IAM role or user ARNs of the stack's account that may read backups besides the backup task functions,
   * e.g. the role of the people who run `cutover backups restore`: the backup key's policy lets them
   * decrypt through S3 and the bucket policy does not deny them `s3:GetObject` under the backup prefix (their
   * own IAM policies must still grant `s3:GetObject`, `s3:ListBucket` and `kms:Decrypt`, docs/cli.md). A `*`
   * matches any characters (`ArnLike` on `aws:PrincipalArn`), for IAM Identity Center roles, whose names end
   * in a generated suffix. @default none: only the backup task functions read backups
   */
  readonly backupReaderArns?: readonly string[];
  /** Retention of every log group. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the bucket, table, log groups, state machines and rule dead-letter queue when the stack
   * is deleted. A RETAIN keeps the log groups, state machines and queue on update and delete, but not when
   * their creation is rolled back (see {@link retainExceptOnCreate}); a DESTROY also lifts the table's
   * deletion protection. @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /** Runtime of the task functions (Node.js 20, 22 or 24). @default lambda.Runtime.NODEJS_22_X */
  readonly runtime?: lambda.Runtime;
  /** Timeout of the task functions. @default Duration.minutes(5) */
  readonly functionTimeout?: Duration;
  /** Memory of the task functions, in MiB (DbBackup, DbCopyTable and DbValidate get at least 1769). @default 512 */
  readonly functionMemorySize?: number;
  /** Capabilities of each task function, by directory name. @default FUNCTION_CAPABILITIES */
  readonly functionCapabilities?: Readonly<Record<string, readonly Capability[]>>;
  /** Request JSON Schema (draft 4) of each strategy, the API models. @default strategyRequestModels() */
  readonly requestSchemas?: Readonly<Record<string, JsonSchema>>;
  /** Directory of the task handlers, `<dir>/<verb-noun>/handler.ts`. @default the project's lambdas/ */
  readonly lambdasDir?: string;
  /** Directory of the strategy state machines, `<dir>/<strategy>.asl.json`. @default the project's statemachines/ */
  readonly stateMachinesDir?: string;
}

const NODE_RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x'];
/**
 * The functions told where each hook secret may be sent besides those that read them (the `hooks`
 * capability): ValidateRequest refuses a release whose hooks would send one elsewhere before anything
 * changes.
 */
const HOOK_SECRET_CHECKERS: ReadonlySet<string> = new Set(['validate-request']);
/**
 * The longest {@link HOOK_SECRETS_VARIABLE} value, in characters: Lambda allows 4 KB of environment
 * variables per function, and the others take up to about 1 KB.
 */
const HOOK_SECRETS_VARIABLE_LIMIT = 3000;

/**
 * Cutover on AWS: the strategy state machines and their task functions (discovered from `statemachines/`
 * and `lambdas/`), the backup bucket and state table, EKS access, the release API and EventBridge triggers,
 * the rollback of stopped executions (rules whose failed starts go to a dead-letter queue with an alarm),
 * and alerts, alarms and a dashboard.
 *
 * @example
 * new Cutover(stack, 'Cutover', {
 *   clusterName: 'prod',
 *   allowedNamespaces: ['shop'],
 *   alarmEmail: 'oncall@example.com',
 *   ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request: canaryRequestWithoutRelease }],
 * });
 */
export class Cutover extends Construct {
  readonly storage: CutoverStorage;
  readonly functions: TaskFunctions;
  readonly stateMachines: StrategyStateMachines;
  readonly monitoring: CutoverMonitoring;
  /** Where the events go whose rollback or release an EventBridge rule could not start, and its alarm. */
  readonly ruleDeadLetters: RuleDeadLetters;
  readonly api?: ReleaseApi;
  /** The state machine that answers approvals for the release API: the one caller of SendTaskSuccess/Failure. */
  readonly approvals?: ApprovalStateMachine;

  constructor(scope: Construct, id: string, props: CutoverProps) {
    super(scope, id);
    validateProps(props, Stack.of(this).account);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const stackOwnedRemovalPolicy = retainExceptOnCreate(removalPolicy);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const backupPrefix = props.backupPrefix ?? DEFAULT_BACKUP_PREFIX;
    const functions = discoverFunctions(props.lambdasDir ?? join(PROJECT_ROOT, 'lambdas'));
    const machines = discoverStateMachines(props.stateMachinesDir ?? join(PROJECT_ROOT, 'statemachines'));

    this.storage = new CutoverStorage(this, 'Storage', {
      backupPrefix,
      backupRetentionDays: props.backupRetentionDays ?? 90,
      noncurrentBackupRetentionDays: props.noncurrentBackupRetentionDays ?? 30,
      backupReaderArns: props.backupReaderArns ?? [],
      removalPolicy,
    });
    warnOfDatabasesOutsideVpc(this, props);
    this.monitoring = new CutoverMonitoring(this, 'Monitoring', {
      alarmEmail: props.alarmEmail,
      removalPolicy: stackOwnedRemovalPolicy,
    });
    const values = substitutionValues({
      BackupBucket: this.storage.bucket.bucketName,
      BackupPrefix: backupPrefix,
      StateTable: this.storage.table.tableName,
      EventTopicArn: this.monitoring.eventTopic.topicArn,
      EventBusName: props.eventBusName ?? 'default',
    });
    checkSubstitutions(machines, [...functions.map((fn) => fn.substitution), ...Object.keys(values)]);
    checkEcrTriggers(
      props.ecrTriggers ?? [],
      machines.map((machine) => machine.strategy),
      props.allowedNamespaces,
    );

    const capabilities = props.functionCapabilities ?? FUNCTION_CAPABILITIES;
    this.functions = new TaskFunctions(this, 'Tasks', {
      functions,
      capabilities,
      runtime: props.runtime ?? lambda.Runtime.NODEJS_22_X,
      timeout: props.functionTimeout ?? Duration.minutes(5),
      memorySize: props.functionMemorySize ?? 512,
      logRetention,
      removalPolicy: stackOwnedRemovalPolicy,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      resources: {
        clusterName: props.clusterName,
        eksRoleArns: props.eksRoleArns ?? [],
        listenerArns: props.listenerArns ?? [],
        prometheusWorkspaceArns: props.prometheusWorkspaceArns ?? [],
        bucket: this.storage.bucket,
        backupPrefix,
        backupKey: this.storage.backupKey,
        rdsInstanceIdentifiers: props.rdsInstanceIdentifiers ?? [],
        databaseSecretArns: props.databaseSecretArns ?? [],
        hookSecretArns: [...new Set((props.hookSecrets ?? []).map((secret) => secret.arn))],
        table: this.storage.table,
        topic: this.monitoring.eventTopic,
        eventBusName: props.eventBusName,
      },
      environment: {
        CUTOVER_STATE_TABLE: this.storage.table.tableName,
        CUTOVER_BACKUP_BUCKET: this.storage.bucket.bucketName,
        CUTOVER_BACKUP_PREFIX: backupPrefix,
        CUTOVER_EVENT_TOPIC_ARN: this.monitoring.eventTopic.topicArn,
        ...allowedNamespacesEnvironment(props.allowedNamespaces),
        ...(props.eventBusName ? { CUTOVER_EVENT_BUS: props.eventBusName } : {}),
      },
    });

    this.storage.allowBackupReaders(
      [...this.functions.byName]
        .filter(([name]) => capabilities[name]?.includes('backup'))
        .map(([, fn]) => fn.role!),
    );

    const hookSecrets = hookSecretsVariable(props.hookSecrets ?? []);
    for (const [name, fn] of this.functions.byName) {
      if (capabilities[name]?.includes('hooks') || HOOK_SECRET_CHECKERS.has(name)) {
        fn.addEnvironment(HOOK_SECRETS_VARIABLE, hookSecrets);
      }
    }

    this.stateMachines = new StrategyStateMachines(this, 'Strategies', {
      machines,
      functions: new Map(functions.map((fn) => [fn.substitution, this.functions.byName.get(fn.name)!])),
      values,
      logRetention,
      removalPolicy: stackOwnedRemovalPolicy,
    });
    this.monitoring.watch(this.stateMachines.byStrategy);
    this.monitoring.watchTaskFunctions(this.functions.byName);
    this.ruleDeadLetters = new RuleDeadLetters(this, 'RuleDeadLetters', {
      monitoring: this.monitoring,
      removalPolicy: stackOwnedRemovalPolicy,
    });
    const deadLetterQueue = this.ruleDeadLetters.queue;
    // The rollback machine is started by aborts, not by users: no API route, trigger or approval.
    const rollback = this.stateMachines.byStrategy.get(ROLLBACK_MACHINE);
    const releases = new Map(
      [...this.stateMachines.byStrategy].filter(([name]) => name !== ROLLBACK_MACHINE),
    );
    if (rollback) {
      new AbortRollbacks(this, 'AbortRollbacks', { stateMachines: releases, rollback, deadLetterQueue });
    }

    new EksAccess(this, 'EksAccess', {
      clusterName: props.clusterName,
      roles: this.functions.clusterRoles,
      readerRoles: kubernetesReaderRoles(this.functions.byName, capabilities),
      kubernetesGroup: props.kubernetesGroup ?? DEPLOYERS_GROUP,
      kubernetesReaderGroup: props.kubernetesReaderGroup ?? READERS_GROUP,
      namespaces: props.allowedNamespaces,
      cluster: props.cluster,
    });

    if (releases.size > 0) {
      // The approval machine answers the machines that ask for approval (a task waiting for a task token).
      const asking = machines
        .filter((machine) => machine.waitsForTaskToken && releases.has(machine.strategy))
        .map((machine) => releases.get(machine.strategy)!);
      this.approvals =
        asking.length > 0
          ? new ApprovalStateMachine(this, 'Approvals', {
              table: this.storage.table,
              stateMachines: asking,
              logRetention,
              removalPolicy: stackOwnedRemovalPolicy,
            })
          : undefined;
      this.api = new ReleaseApi(this, 'ReleaseApi', {
        // POST /releases/<strategy> for the release strategies, as the local runtime serves it; a database
        // migration is started with StartExecution (`cutover run database-migration`).
        stateMachines: new Map([...releases].filter(([name]) => isStrategy(name))),
        readableStateMachines: [...this.stateMachines.byStrategy]
          .filter(([name]) => !isStrategy(name))
          .map(([, machine]) => machine),
        requestSchemas: props.requestSchemas ?? strategyRequestModels(props.allowedNamespaces),
        approvals: this.approvals?.stateMachine,
        logRetention,
        removalPolicy: stackOwnedRemovalPolicy,
        monitoring: this.monitoring,
        releaseApiPrincipals: props.releaseApiPrincipals,
        approverPrincipals: props.approverPrincipals,
      });
    }
    new ReleaseTriggers(this, 'Triggers', {
      stateMachines: releases,
      ecrTriggers: props.ecrTriggers ?? [],
      releaseEventPrincipals: props.releaseEventPrincipals,
      deadLetterQueue,
    });
    suppressJustifiedFindings(this);
  }
}

/** The CDK value of each non-function substitution listed in src/core/substitutions.ts. */
function substitutionValues(cdkValues: Readonly<Record<string, string>>): Record<string, string> {
  const names = Object.keys(LOCAL_SUBSTITUTIONS);
  const missing = names.filter((name) => !(name in cdkValues));
  if (missing.length > 0) {
    throw new CutoverConfigError(
      `src/core/substitutions.ts lists ${missing.map((name) => `\${${name}}`).join(', ')} with no CDK value: ` +
        `add it to substitutionValues in lib/cutover.ts (known: ${Object.keys(cdkValues).join(', ')})`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, cdkValues[name]!]));
}

/** A secret ARN as IAM matches it: whole (with the 6 characters Secrets Manager appends), or a pattern. */
const SECRET_ARN = /^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+(-[A-Za-z0-9]{6}|-\?{6}|\*)$/;
const SECRET_FORM =
  'a Secrets Manager secret ARN as IAM matches it: complete, with its 6-character suffix (...:secret:orders-AbCdEf), or ending in -?????? or *';
/** The pattern of a secret ARN as IAM matches it, and what it must be. */
export const SECRET_ARN_FORM = [SECRET_ARN, SECRET_FORM] as const;

/**
 * Why `hookSecretArns` is refused, after the key's name: it let anyone who could start a release send the
 * secrets to a URL of their own.
 */
export const HOOK_SECRET_ARNS_REFUSED =
  'is replaced by hookSecrets, which binds each secret to the URLs it may be sent to (with hookSecretArns, ' +
  'anyone who can start a release could send the secrets to a URL of their own)';
/** The placeholder of a URL prefix in the examples of {@link HOOK_SECRET_ARNS_REFUSED}. */
export const URL_PREFIX_PLACEHOLDER = 'https://<host of its hooks>/';

/**
 * A principal of the release API's resource policy, as `aws:PrincipalArn` names it: an IAM role (with its
 * path) or user, no wildcard (ArnNotEquals), no STS session.
 */
const API_PRINCIPAL_FORM = [
  /^arn:aws[\w-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
  'an IAM role or user ARN without wildcards (arn:aws:iam::123456789012:role/ci; for a role, not its sts assumed-role session)',
] as const;

/**
 * The list props that name Kubernetes namespaces, AWS resources or principals: the pattern of an item, and
 * what it must be.
 */
export const ITEM_FORMS = {
  // An RFC 1123 label, as Kubernetes names namespaces.
  allowedNamespaces: [
    /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'a Kubernetes namespace name (lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters)',
  ],
  listenerArns: [
    /^arn:aws[\w-]*:elasticloadbalancing:[\w-]+:\d{12}:listener\/(app|net)\/.+/,
    'an ELBv2 listener ARN',
  ],
  eksRoleArns: [/^arn:aws[\w-]*:iam::\d{12}:role\/.+/, 'an IAM role ARN'],
  backupReaderArns: [
    /^arn:aws[\w-]*:iam::\d{12}:(role|user)\/.+/,
    'an IAM role or user ARN (arn:aws:iam::123456789012:role/dba; a * matches any characters)',
  ],
  prometheusWorkspaceArns: [
    /^arn:aws[\w-]*:aps:[\w-]+:\d{12}:workspace\/.+/,
    'an Amazon Managed Prometheus workspace ARN',
  ],
  rdsInstanceIdentifiers: RDS_INSTANCE_IDENTIFIER,
  databaseSecretArns: SECRET_ARN_FORM,
  releaseEventPrincipals: [
    /^(\d{12}|arn:aws[\w-]*:iam::\d{12}:role\/.+)$/,
    'a 12-digit AWS account id or an IAM role ARN',
  ],
  releaseApiPrincipals: API_PRINCIPAL_FORM,
  approverPrincipals: API_PRINCIPAL_FORM,
} as const satisfies { readonly [Prop in keyof CutoverProps]?: readonly [RegExp, string] };

/**
 * Throws one error naming every bad prop; {@link checkEcrTriggers} checks `ecrTriggers` once the state
 * machines are known. `account` is the stack's (a token when the stack is environment-agnostic).
 */
function validateProps(props: CutoverProps, account: string): void {
  const problems: string[] = [];
  if (!props.clusterName?.trim())
    problems.push('clusterName is required: the name of the EKS cluster releases run on');
  if (!props.allowedNamespaces?.length)
    problems.push('allowedNamespaces must list at least one Kubernetes namespace');
  if (props.runtime && !NODE_RUNTIMES.includes(props.runtime.name)) {
    problems.push(`runtime must be one of: ${NODE_RUNTIMES.join(', ')} (got ${props.runtime.name})`);
  }
  if (
    props.backupRetentionDays !== undefined &&
    !(Number.isInteger(props.backupRetentionDays) && props.backupRetentionDays >= 1)
  ) {
    problems.push(
      `backupRetentionDays must be a whole number of days >= 1 (got ${props.backupRetentionDays})`,
    );
  }
  if (
    props.noncurrentBackupRetentionDays !== undefined &&
    !(Number.isInteger(props.noncurrentBackupRetentionDays) && props.noncurrentBackupRetentionDays >= 1)
  ) {
    problems.push(
      `noncurrentBackupRetentionDays must be a whole number of days >= 1 (got ${props.noncurrentBackupRetentionDays})`,
    );
  }
  problems.push(...backupReaderAccountProblems(props.backupReaderArns ?? [], account));
  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    problems.push(`alarmEmail must be an email address (got "${props.alarmEmail}")`);
  }
  if ((props.vpcSubnets || props.securityGroups) && !props.vpc)
    problems.push('vpcSubnets and securityGroups need vpc');
  for (const [prop, [pattern, form]] of Object.entries(ITEM_FORMS)) {
    for (const item of props[prop as keyof typeof ITEM_FORMS] ?? []) {
      if (!pattern.test(item)) problems.push(`${prop}: "${item}" is not ${form}`);
    }
  }
  problems.push(...hookSecretProblems(props));
  if (problems.length > 0) throw new CutoverConfigError(problems.join('\n'));
}

/**
 * The `backupReaderArns` of another account than the stack's: the backup key's policy delegates to the
 * stack's account only, so they could never decrypt. Unchecked when the stack's account is unknown at synth.
 */
function backupReaderAccountProblems(readerArns: readonly string[], account: string): string[] {
  if (Token.isUnresolved(account)) return [];
  return readerArns
    .filter((arn) => ITEM_FORMS.backupReaderArns[0].test(arn) && arn.split(':')[4] !== account)
    .map(
      (arn) =>
        `backupReaderArns: "${arn}" is not of the stack's account ${account}: the backup key lets principals ` +
        'of that account only decrypt backups',
    );
}

/**
 * Warns at synth when databases are configured without a VPC: the database tasks then run outside any
 * VPC and connect to no database without a public endpoint, which a private RDS instance has not.
 */
function warnOfDatabasesOutsideVpc(scope: Construct, props: CutoverProps): void {
  if (props.vpc) return;
  const configured = (['rdsInstanceIdentifiers', 'databaseSecretArns'] as const).filter(
    (prop) => (props[prop]?.length ?? 0) > 0,
  );
  if (configured.length === 0) return;
  Annotations.of(scope).addWarningV2(
    'cutover:databaseWithoutVpc',
    `${configured.join(' and ')} are set without a VPC (context vpcId and subnetIds, or the vpc prop): the ` +
      'database tasks run outside any VPC and connect only to a database with a public endpoint, not to a ' +
      'private RDS instance; deploy with -c vpcId=vpc-... -c subnetIds=subnet-...,subnet-... (docs/aws.md, ' +
      '"Running in a VPC")',
  );
}

/**
 * The problems of `hookSecrets` (a bad ARN or URL prefix, no prefix, too many for a function's
 * environment) and of `hookSecretArns`, which is refused.
 */
function hookSecretProblems({ hookSecrets = [], hookSecretArns }: CutoverProps): string[] {
  const problems: string[] = [];
  if (hookSecretArns?.length) {
    const examples = hookSecretArns.map(
      (arn) => `{ arn: '${arn}', urlPrefixes: ['${URL_PREFIX_PLACEHOLDER}'] }`,
    );
    problems.push(`hookSecretArns ${HOOK_SECRET_ARNS_REFUSED}: hookSecrets: [${examples.join(', ')}]`);
  }
  hookSecrets.forEach(({ arn, urlPrefixes }, index) => {
    if (!SECRET_ARN.test(arn)) problems.push(`hookSecrets[${index}].arn: "${arn}" is not ${SECRET_FORM}`);
    if (urlPrefixes.length === 0) {
      problems.push(
        `hookSecrets[${index}].urlPrefixes: must list at least one URL prefix the secret may be sent to`,
      );
    }
    for (const prefix of urlPrefixes) {
      const problem = urlPrefixProblem(prefix);
      if (problem) problems.push(`hookSecrets[${index}].urlPrefixes: ${problem}`);
    }
  });
  const length = hookSecretsVariable(hookSecrets).length;
  if (length > HOOK_SECRETS_VARIABLE_LIMIT) {
    problems.push(
      `hookSecrets take ${length} characters of the environment of RunHooks and ValidateRequest ` +
        `(${HOOK_SECRETS_VARIABLE}), more than ${HOOK_SECRETS_VARIABLE_LIMIT}: Lambda allows 4 KB of environment ` +
        'variables per function; list fewer URL prefixes, or name several secrets with one ARN ending in *',
    );
  }
  return problems;
}
