/**
 * Static check of a Task `Resource`: an ARN of a form Step Functions accepts. Reports `INVALID_RESOURCE`.
 * Only what AWS itself refuses is reported: a value that is no ARN, a Lambda function or activity ARN without
 * a region, an account or a well-formed name, and an `arn:aws:states:::` integration of an unknown service,
 * action or integration pattern. Other services' ARNs and AWS SDK integrations (`aws-sdk:<service>:<action>`)
 * are accepted as they are written.
 */
import type { Report } from './expression-checks.ts';

type Pattern = '' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** An optimized integration: its patterns, and its actions where Step Functions names them all. */
interface Integration {
  readonly patterns: readonly Pattern[];
  readonly actions?: readonly string[];
}

const RESPONSE_AND_CALLBACK: readonly Pattern[] = ['', 'waitForTaskToken'];
const RESPONSE_AND_JOB: readonly Pattern[] = ['', 'sync'];
const EVERY_PATTERN: readonly Pattern[] = ['', 'sync', 'waitForTaskToken'];

/** The optimized integrations (developer guide, *Integrating optimized services with Step Functions*). */
const OPTIMIZED_INTEGRATIONS: ReadonlyMap<string, Integration> = new Map(
  Object.entries({
    apigateway: { patterns: RESPONSE_AND_CALLBACK, actions: ['invoke'] },
    athena: { patterns: RESPONSE_AND_JOB },
    batch: { patterns: RESPONSE_AND_JOB, actions: ['submitJob'] },
    bedrock: { patterns: EVERY_PATTERN },
    codebuild: { patterns: RESPONSE_AND_JOB },
    databrew: { patterns: RESPONSE_AND_JOB, actions: ['startJobRun'] },
    dynamodb: { patterns: [''], actions: ['getItem', 'putItem', 'updateItem', 'deleteItem'] },
    ecs: { patterns: EVERY_PATTERN, actions: ['runTask'] },
    eks: { patterns: EVERY_PATTERN },
    elasticmapreduce: { patterns: RESPONSE_AND_JOB },
    'emr-containers': { patterns: RESPONSE_AND_JOB },
    'emr-serverless': { patterns: RESPONSE_AND_JOB },
    events: { patterns: RESPONSE_AND_CALLBACK, actions: ['putEvents'] },
    glue: { patterns: RESPONSE_AND_JOB, actions: ['startJobRun'] },
    http: { patterns: EVERY_PATTERN, actions: ['invoke'] },
    lambda: { patterns: RESPONSE_AND_CALLBACK, actions: ['invoke'] },
    mediaconvert: { patterns: RESPONSE_AND_JOB, actions: ['createJob'] },
    sagemaker: { patterns: RESPONSE_AND_JOB },
    sns: { patterns: RESPONSE_AND_CALLBACK, actions: ['publish'] },
    sqs: { patterns: RESPONSE_AND_CALLBACK, actions: ['sendMessage'] },
    states: { patterns: ['', 'sync', 'sync:2', 'waitForTaskToken'], actions: ['startExecution'] },
  } satisfies Record<string, Integration>),
);

/**
 * `arn:<partition>:<service>:<region>:<account>:<resource>`. The region and account are not checked further:
 * AWS accepted `arn:aws:lambda:your-region:your-account-id:function:...` (a TestState recorded in November 2025).
 */
const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):([^:]*):(.+)$/;
const LAMBDA_FUNCTION = /^function:[\w-]{1,64}(:[\w$-]{1,128})?$/;
const ACTIVITY = /^activity:[^\s:]{1,80}$/;
const SDK_INTEGRATION = /^aws-sdk:[a-z0-9-]+:[a-z][a-zA-Z0-9]*(\.waitForTaskToken)?$/;
const OPTIMIZED_INTEGRATION = /^([a-z0-9-]+):([a-z][a-zA-Z0-9]*)(?:\.(sync(?::2)?|waitForTaskToken))?$/;

/** Reports `INVALID_RESOURCE` at `<location>/Resource` unless `resource` is a Task resource AWS accepts. */
export function checkTaskResource(report: Report, resource: string, location: string): void {
  if (isValidTaskResource(resource)) return;
  report(
    'INVALID_RESOURCE',
    `The value '${resource}' of the field 'Resource' is not a valid resource`,
    `${location}/Resource`,
  );
}

function isValidTaskResource(resource: string): boolean {
  const arn = ARN.exec(resource);
  if (!arn) return false;
  const [, service, region, account, rest] = arn as unknown as [string, string, string, string, string];
  const regional = region !== '' && account !== '';
  if (service === 'lambda') return regional && LAMBDA_FUNCTION.test(rest);
  if (service !== 'states') return true;
  if (rest.startsWith('activity:')) return regional && ACTIVITY.test(rest);
  if (rest.startsWith('aws-sdk:')) return SDK_INTEGRATION.test(rest);
  return isOptimizedIntegration(rest);
}

function isOptimizedIntegration(resource: string): boolean {
  const match = OPTIMIZED_INTEGRATION.exec(resource);
  const integration = match ? OPTIMIZED_INTEGRATIONS.get(match[1]!) : undefined;
  if (!match || !integration) return false;
  const [, , action, pattern = ''] = match;
  return (
    integration.patterns.includes(pattern as Pattern) &&
    (integration.actions === undefined || integration.actions.includes(action!))
  );
}
