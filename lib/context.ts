import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ContextProvider } from 'aws-cdk-lib/cloud-assembly-schema';
import * as z from 'zod';
import { urlPrefixProblem } from '#adapters/hooks/hook-url.ts';
import { CUTOVER_WORKFLOWS, DEFAULT_STACK_NAME, stateMachineName } from '#core/rollback.ts';
import { closestName } from '#core/schemas/closest-name.ts';
import { describeIssue } from '#core/schemas/issues.ts';
import { HOOK_SECRET_ARNS_REFUSED, ITEM_FORMS, SECRET_ARN_FORM, URL_PREFIX_PLACEHOLDER } from './cutover.ts';
import { CutoverConfigError } from './errors.ts';
import { STATE_MACHINE_NAME_LIMIT } from './state-machines.ts';

/**
 * Reads a context value: `cdk.json` gives JSON, `-c key=value` gives a string (a list may be comma-separated
 * or a JSON array).
 */
type ContextReader = (key: string) => unknown;

/** A `-c key=value` string parsed as JSON; not JSON is an issue of the key. */
function parseJson(value: string, context: z.core.$RefinementCtx): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: `is not valid JSON (${(error as Error).message})` });
    return z.NEVER;
  }
}

/** A list: a JSON array from `cdk.json` or `-c key='["a","b"]'`, or a comma-separated `-c key=a,b`. */
const list = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value, context) => {
    if (typeof value !== 'string') return value;
    if (/^\s*\[/.test(value)) return parseJson(value, context);
    return value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }, schema);
/** JSON: a value from `cdk.json`, or a `-c key='...'` string parsed. */
const json = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value, context) => (typeof value === 'string' ? parseJson(value, context) : value), schema);

/** A number of days, 1 or more: a number from `cdk.json` or a `-c key=7` string. */
const days = () => {
  const error = (issue: { input?: unknown }) =>
    `must be a whole number of days, 1 or more (got ${JSON.stringify(issue.input)})`;
  return z.preprocess(numberOfDays, z.int({ error }).min(1, { error })).optional();
};

/** A `-c key=7` string as the number it spells; any other value as it is. */
function numberOfDays(value: unknown): unknown {
  return typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
}

/** The retention periods CloudWatch Logs accepts, in days (`logs.RetentionDays` but never-expire). */
const LOG_RETENTION_DAYS = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

/** A log retention CloudWatch Logs accepts, in days, from `cdk.json` or `-c logRetentionDays=365`. */
const logRetentionDays = () => {
  const error = (issue: { input?: unknown }) =>
    `must be a retention CloudWatch Logs accepts, in days: ${LOG_RETENTION_DAYS.join(', ')} (got ${JSON.stringify(issue.input)})`;
  return z
    .preprocess(
      numberOfDays,
      z.number({ error }).refine((days) => LOG_RETENTION_DAYS.includes(days), { error }),
    )
    .transform((days) => days as RetentionDays)
    .optional();
};

/** The message of a required key that is missing: what it is, and how to give it. */
const required = (form: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? `is required: ${form}` : undefined),
});

/** A string matching `pattern`; any other is refused as `"<value>" is not <form>`. */
const matching = ([pattern, form]: readonly [RegExp, string]) =>
  z.string().regex(pattern, { error: (issue) => `"${issue.input}" is not ${form}` });

/** An optional list prop of {@link ITEM_FORMS}, each item checked against its pattern. */
const itemsOf = (prop: keyof typeof ITEM_FORMS) => list(z.array(matching(ITEM_FORMS[prop]))).optional();

/**
 * The pattern of an EC2 resource id as AWS makes it, `<prefix>-` and 8 or 17 lower-case hex digits, and what
 * it must be: `ec2Id('vpc', 'a VPC id')`.
 */
function ec2Id(prefix: string, what: string): readonly [RegExp, string] {
  return [
    new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`),
    `${what}: "${prefix}-" and 8 or 17 lower-case hex digits (${prefix}-0123456789abcdef0)`,
  ];
}
const VPC_ID = ec2Id('vpc', 'a VPC id');

/** The form of a `hookSecrets` item. */
const HOOK_SECRET_FORM = '"<secret ARN> <URL prefix> [<URL prefix>...]"';

/**
 * A `hookSecrets` item, `<secret ARN> <URL prefix> [<URL prefix>...]`, as the construct takes it:
 * `{ arn, urlPrefixes }`, the ARN and each prefix checked.
 */
const hookSecret = z.string().transform((item, context) => {
  const [arn = '', ...urlPrefixes] = item.trim().split(/\s+/);
  if (urlPrefixes.length === 0) {
    context.addIssue({
      code: 'custom',
      message:
        `"${item}" is not ${HOOK_SECRET_FORM}: name the URL prefixes the secret may be sent to, ` +
        `e.g. "${arn} https://ci.example.com/hooks/"`,
    });
    return z.NEVER;
  }
  const [pattern, form] = SECRET_ARN_FORM;
  if (!pattern.test(arn)) context.addIssue({ code: 'custom', message: `"${arn}" is not ${form}` });
  for (const problem of urlPrefixes.map(urlPrefixProblem)) {
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }
  return { arn, urlPrefixes };
});

/** The longest workflow name, `database-migration`. */
const LONGEST_WORKFLOW = CUTOVER_WORKFLOWS.reduce<string>(
  (longest, workflow) => (workflow.length > longest.length ? workflow : longest),
  '',
);

/**
 * The longest `stackName` with which every workflow's state machine name fits Step Functions' limit
 * (CloudFormation allows 128 characters).
 */
const MAX_STACK_NAME_LENGTH = STATE_MACHINE_NAME_LIMIT - stateMachineName('', LONGEST_WORKFLOW).length;

/** The context keys of `bin/app.ts`, each validated: a missing or bad value fails synth naming the key. */
const contextObject = z.object({
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]*$/, {
      error: 'is not a CloudFormation stack name (a letter, then letters, digits and "-")',
    })
    .max(MAX_STACK_NAME_LENGTH, {
      error: (issue) =>
        `is longer than ${MAX_STACK_NAME_LENGTH} characters (got ${String(issue.input).length}): ` +
        `its state machine ${stateMachineName('<stackName>', LONGEST_WORKFLOW)} must fit Step Functions' ` +
        `${STATE_MACHINE_NAME_LIMIT}-character limit on state machine names`,
    })
    .default(DEFAULT_STACK_NAME),
  account: z
    .string()
    .regex(/^\d{12}$/, { error: 'is not a 12-digit AWS account id' })
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]{2,4}(-[a-z]+)+-\d+$/, { error: 'is not an AWS region name (eu-west-1)' })
    .optional(),
  clusterName: z
    .string(required('the name of the EKS cluster releases run on (-c clusterName=prod)'))
    .regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, {
      error: (issue) =>
        `is not an EKS cluster name (a letter or digit, then letters, digits, "-" and "_", at most 100), got "${issue.input}"`,
    }),
  allowedNamespaces: list(
    z
      .array(
        matching(ITEM_FORMS.allowedNamespaces),
        required(
          `the Kubernetes namespaces the tasks may change, comma-separated (-c allowedNamespaces=shop,billing) or a JSON array (-c 'allowedNamespaces=["shop","billing"]')`,
        ),
      )
      .min(1),
  ),
  vpcId: z
    .string()
    .regex(VPC_ID[0], { error: (issue) => `is not ${VPC_ID[1]}, got "${issue.input}"` })
    .optional(),
  subnetIds: list(z.array(matching(ec2Id('subnet', 'a subnet id')))).optional(),
  securityGroupIds: list(z.array(matching(ec2Id('sg', 'a security group id')))).optional(),
  alarmEmail: z
    .email({
      error: (issue) =>
        `"${issue.input}" is not one email address (oncall@example.com): the alert topic subscribes one; subscribe more to it after deploying, or give a mailing list`,
    })
    .optional(),
  listenerArns: itemsOf('listenerArns'),
  eksRoleArns: itemsOf('eksRoleArns'),
  backupReaderArns: itemsOf('backupReaderArns'),
  prometheusWorkspaceArns: itemsOf('prometheusWorkspaceArns'),
  rdsInstanceIdentifiers: itemsOf('rdsInstanceIdentifiers'),
  databaseSecretArns: itemsOf('databaseSecretArns'),
  hookSecrets: list(z.array(hookSecret)).optional(),
  // Refused: any release could send these secrets to any URL.
  hookSecretArns: list(z.array(z.string()))
    .optional()
    .refine((arns) => !arns?.length, {
      error: (issue) => {
        const examples = (issue.input as string[]).map((arn) => `"${arn} ${URL_PREFIX_PLACEHOLDER}"`);
        return `${HOOK_SECRET_ARNS_REFUSED}: "hookSecrets": [${examples.join(', ')}]`;
      },
    }),
  releaseEventPrincipals: itemsOf('releaseEventPrincipals'),
  releaseApiPrincipals: itemsOf('releaseApiPrincipals'),
  approverPrincipals: itemsOf('approverPrincipals'),
  eventBusName: z
    .string()
    .regex(/^[/.\-_A-Za-z0-9]{1,256}$/, {
      error: (issue) =>
        `is not an EventBridge event bus name (letters, digits and "/._-", at most 256), got "${issue.input}"`,
    })
    .optional(),
  logRetentionDays: logRetentionDays(),
  backupRetentionDays: days(),
  noncurrentBackupRetentionDays: days(),
  ecrTriggers: json(
    z.array(
      // Strict: a misspelt key dropped would leave its default (no `tags`: every tag but latest released).
      z.strictObject(
        {
          repositoryName: z.string().min(1),
          strategy: z.string().min(1),
          tags: z.string().optional(),
          request: z.record(z.string(), z.unknown()),
        },
        { error: describeIssue },
      ),
    ),
  ).optional(),
});

/** {@link contextObject} with the rules that tie keys together. */
export const contextSchema = contextObject
  .refine((context) => !context.subnetIds || context.vpcId, {
    message: 'subnetIds needs vpcId',
    path: ['vpcId'],
  })
  .refine((context) => !context.securityGroupIds || context.vpcId, {
    message: 'securityGroupIds needs vpcId',
    path: ['vpcId'],
  })
  .refine((context) => !context.vpcId || context.subnetIds?.length, {
    message: 'vpcId needs subnetIds (the private subnets of the task functions)',
    path: ['subnetIds'],
  });

export type CutoverContext = z.infer<typeof contextSchema>;

/**
 * How the context keys of CDK and its CLI begin: feature flags, named after their library's npm scope
 * (`@aws-cdk/core:checkSecretUsage`, `@aws-cdk-containers/...`); the CLI's settings (`aws:cdk:bundling-stacks`,
 * `aws:cdk:enable-path-metadata`), its own keys in cdk.json (`aws-cdk:enableDiffNoFail`, `cdk-migrate`); and
 * the lookups cdk.context.json caches (`availability-zones:account=...:region=...`).
 */
const CDK_KEY_PREFIXES = [
  '@',
  'aws:cdk:',
  'aws-cdk:',
  'cdk-',
  ...Object.values(ContextProvider).map((provider) => `${provider}:`),
];
/** The keys the CDK CLI keeps in cdk.context.json: `cdk acknowledge`'s notices, `cdk cli-telemetry`'s choice. */
const CDK_KEYS = ['acknowledged-issue-numbers', 'cli-telemetry'];

/** Whether `key` is one of CDK's or its CLI's own context keys, none of which Cutover could have meant. */
function isCdkKey(key: string): boolean {
  return CDK_KEYS.includes(key) || CDK_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * The keys of the app's context, whatever their shape (`alarm_email`, `cluster-name`), that are neither among
 * the `known` ones nor CDK's own ({@link isCdkKey}): a misspelt key would otherwise fall back to its default
 * without a word.
 */
function unknownKeys(keysGiven: readonly string[], known: readonly string[]): string[] {
  return keysGiven
    .filter((key) => !known.includes(key) && !isCdkKey(key))
    .map((key) => {
      const meant = closestName(key, known);
      return `${key}: is not a context key of Cutover (${meant ? `did you mean ${meant}?` : 'docs/aws.md lists them'})`;
    });
}

/**
 * The validated context of `bin/app.ts`, read with `read`; `keysGiven`, the keys of the app's whole context,
 * may name no key Cutover does not know (see {@link unknownKeys}). Throws one error naming every unknown,
 * missing or bad key.
 *
 * @example
 * const context = readContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
 */
export function readContext(read: ContextReader, keysGiven: readonly string[] = []): CutoverContext {
  const keys = Object.keys(contextObject.shape);
  const raw = Object.fromEntries(
    keys.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  const result = contextSchema.safeParse(raw);
  const problems = [
    ...unknownKeys(keysGiven, keys),
    ...(result.error?.issues ?? []).map(
      (issue) => `${issue.path.join('.') || '(context)'}: ${issue.message}`,
    ),
  ];
  if (result.success && problems.length === 0) return result.data;
  throw new CutoverConfigError(
    `cdk.json context (or -c key=value) is missing or wrong:\n- ${problems.join('\n- ')}`,
  );
}
