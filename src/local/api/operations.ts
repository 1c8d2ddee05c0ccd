import * as z from 'zod';
import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import { CAUSE_MAX_LENGTH } from '#core/rollback.ts';
import {
  DIAGNOSTIC_SEVERITIES,
  EXECUTION_STATUSES,
  INCLUDED_DATA,
  LOG_LEVELS,
  NAME_MAX_LENGTH,
  REDRIVE_FILTERS,
  STATE_MACHINE_TYPES,
  TASK_TOKEN_MAX_LENGTH,
} from '../service-validation.ts';

/**
 * The Step Functions operations the local API serves: the `X-Amz-Target` operation name, the service
 * method that implements it, and the request shape (field names, types and limits of the AWS API
 * reference). A request that does not match its shape is answered with a `ValidationException` naming
 * the field, before the service sees it.
 */
export interface OperationSpec {
  /** `LocalStepFunctions` method (the operation name in camelCase). */
  readonly method: string;
  readonly request: z.ZodType<Record<string, unknown>>;
  /**
   * Whether an `X-Amzn-Trace-Id` HTTP header gives the request's `traceHeader`: AWS uses the header when
   * both are sent (StartExecution).
   */
  readonly traceHeaderFromHttp?: boolean;
}

const KIB = 1024;

/**
 * A string of `min` to `max` UTF-16 code units, as AWS's API model counts a length (an emoji takes two);
 * zod's own `min` and `max` count code points.
 */
function text(min: number, max: number) {
  return z.string().check((context) => {
    const input = context.value;
    if (input.length < min) {
      context.issues.push({ code: 'too_small', origin: 'string', minimum: min, inclusive: true, input });
    } else if (input.length > max) {
      context.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input });
    }
  });
}

const arn = text(1, 256);
const name = text(1, NAME_MAX_LENGTH);
const definition = text(1, 1024 * KIB);
/** An execution input or task output: its length constraint counts bytes in UTF-8, as AWS's does. */
const payload = z.string().check((context) => {
  if (!exceedsPayloadLimit(context.value)) return;
  context.issues.push({
    code: 'too_big',
    origin: 'string',
    maximum: PAYLOAD_LIMIT_BYTES,
    inclusive: true,
    input: context.value,
  });
});
const taskToken = text(1, TASK_TOKEN_MAX_LENGTH);
const nextToken = text(1, 1024);
const includedData = z.enum(INCLUDED_DATA);
const stateMachineType = z.enum(STATE_MACHINE_TYPES);
const tagKey = text(1, 128);
/** Any number of tags here: the service refuses more than a state machine may have, `TooManyTags`, as AWS does. */
const tags = z.array(z.looseObject({ key: tagKey, value: text(0, 256).optional() }));
const logDestination = z.looseObject({
  cloudWatchLogsLogGroup: z.looseObject({ logGroupArn: text(1, 256).optional() }).optional(),
});
const loggingConfiguration = z.looseObject({
  level: z.enum(LOG_LEVELS).optional(),
  includeExecutionData: z.boolean().optional(),
  destinations: z.array(logDestination).optional(),
});
const tracingConfiguration = z.looseObject({ enabled: z.boolean().optional() });
const encryptionConfiguration = z.looseObject({
  type: z.enum(['AWS_OWNED_KEY', 'CUSTOMER_MANAGED_KMS_KEY']),
  kmsKeyId: text(1, 2048).optional(),
  kmsDataKeyReusePeriodSeconds: z.int().min(60).max(900).optional(),
});
const maxResults = (max: number) => z.int().min(0).max(max);
const mapRunArn = text(1, 2000);

/** An alias's routes: one or two versions, each with a share of 0-100 (the service checks they add up to 100). */
const routingConfiguration = z
  .array(z.looseObject({ stateMachineVersionArn: arn, weight: z.int().min(0).max(100) }))
  .min(1)
  .max(2);
const cause = text(0, CAUSE_MAX_LENGTH);
const traceHeader = text(0, 256).regex(/^\p{ASCII}*$/u, {
  error: 'Member must satisfy regular expression pattern: \\p{ASCII}*',
});

/** The operations by `X-Amz-Target` operation name (`AWSStepFunctions.<name>`). */
export const OPERATIONS: Readonly<Record<string, OperationSpec>> = {
  CreateStateMachine: {
    method: 'createStateMachine',
    request: z.looseObject({
      name,
      definition,
      roleArn: arn,
      type: stateMachineType.optional(),
      loggingConfiguration: loggingConfiguration.optional(),
      tracingConfiguration: tracingConfiguration.optional(),
      encryptionConfiguration: encryptionConfiguration.optional(),
      tags: tags.optional(),
      publish: z.boolean().optional(),
      versionDescription: text(0, 256).optional(),
    }),
  },
  UpdateStateMachine: {
    method: 'updateStateMachine',
    request: z.looseObject({
      stateMachineArn: arn,
      definition: definition.optional(),
      roleArn: arn.optional(),
      loggingConfiguration: loggingConfiguration.optional(),
      tracingConfiguration: tracingConfiguration.optional(),
      encryptionConfiguration: encryptionConfiguration.optional(),
      publish: z.boolean().optional(),
      versionDescription: text(0, 256).optional(),
    }),
  },
  DescribeStateMachine: {
    method: 'describeStateMachine',
    request: z.looseObject({ stateMachineArn: arn, includedData: includedData.optional() }),
  },
  ListStateMachines: {
    method: 'listStateMachines',
    request: z.looseObject({ maxResults: maxResults(1000).optional(), nextToken: nextToken.optional() }),
  },
  DeleteStateMachine: {
    method: 'deleteStateMachine',
    request: z.looseObject({ stateMachineArn: arn }),
  },
  PublishStateMachineVersion: {
    method: 'publishStateMachineVersion',
    request: z.looseObject({
      stateMachineArn: arn,
      revisionId: text(0, 256).optional(),
      description: text(0, 256).optional(),
    }),
  },
  ListStateMachineVersions: {
    method: 'listStateMachineVersions',
    request: z.looseObject({
      stateMachineArn: arn,
      maxResults: maxResults(1000).optional(),
      nextToken: nextToken.optional(),
    }),
  },
  DeleteStateMachineVersion: {
    method: 'deleteStateMachineVersion',
    request: z.looseObject({ stateMachineVersionArn: arn }),
  },
  CreateStateMachineAlias: {
    method: 'createStateMachineAlias',
    request: z.looseObject({
      name: text(1, 80),
      description: text(0, 256).optional(),
      routingConfiguration: routingConfiguration,
    }),
  },
  DescribeStateMachineAlias: {
    method: 'describeStateMachineAlias',
    request: z.looseObject({ stateMachineAliasArn: arn }),
  },
  UpdateStateMachineAlias: {
    method: 'updateStateMachineAlias',
    request: z.looseObject({
      stateMachineAliasArn: arn,
      description: text(0, 256).optional(),
      routingConfiguration: routingConfiguration.optional(),
    }),
  },
  DeleteStateMachineAlias: {
    method: 'deleteStateMachineAlias',
    request: z.looseObject({ stateMachineAliasArn: arn }),
  },
  ListStateMachineAliases: {
    method: 'listStateMachineAliases',
    request: z.looseObject({
      stateMachineArn: arn,
      maxResults: maxResults(1000).optional(),
      nextToken: nextToken.optional(),
    }),
  },
  TestState: {
    method: 'testState',
    request: z.looseObject({
      definition,
      roleArn: arn.optional(),
      input: payload.optional(),
      inspectionLevel: z.enum(['INFO', 'DEBUG', 'TRACE']).optional(),
      revealSecrets: z.boolean().optional(),
      variables: payload.optional(),
      stateName: text(1, 80).optional(),
      context: payload.optional(),
      mock: z
        .looseObject({
          result: payload.optional(),
          errorOutput: z.looseObject({ error: text(0, 256).optional(), cause: cause.optional() }).optional(),
          fieldValidationMode: z.enum(['STRICT', 'PRESENT', 'NONE']).optional(),
        })
        .optional(),
      stateConfiguration: z
        .looseObject({
          retrierRetryCount: z.int().min(0).max(2_147_483_647).optional(),
          errorCausedByState: text(1, 80).optional(),
          mapIterationFailureCount: z.int().min(0).max(2_147_483_647).optional(),
          mapItemReaderData: payload.optional(),
        })
        .optional(),
    }),
  },
  CreateActivity: {
    method: 'createActivity',
    request: z.looseObject({
      name,
      tags: tags.optional(),
      encryptionConfiguration: encryptionConfiguration.optional(),
    }),
  },
  DescribeActivity: {
    method: 'describeActivity',
    request: z.looseObject({ activityArn: arn }),
  },
  ListActivities: {
    method: 'listActivities',
    request: z.looseObject({ maxResults: maxResults(1000).optional(), nextToken: nextToken.optional() }),
  },
  DeleteActivity: {
    method: 'deleteActivity',
    request: z.looseObject({ activityArn: arn }),
  },
  GetActivityTask: {
    method: 'getActivityTask',
    request: z.looseObject({ activityArn: arn, workerName: name.optional() }),
  },
  ValidateStateMachineDefinition: {
    method: 'validateStateMachineDefinition',
    request: z.looseObject({
      definition,
      type: stateMachineType.optional(),
      severity: z.enum(DIAGNOSTIC_SEVERITIES).optional(),
      maxResults: maxResults(100).optional(),
    }),
  },
  StartExecution: {
    method: 'startExecution',
    request: z.looseObject({
      stateMachineArn: arn,
      name: name.optional(),
      input: payload.optional(),
      traceHeader: traceHeader.optional(),
    }),
    traceHeaderFromHttp: true,
  },
  StartSyncExecution: {
    method: 'startSyncExecution',
    request: z.looseObject({
      stateMachineArn: arn,
      name: name.optional(),
      input: payload.optional(),
      traceHeader: traceHeader.optional(),
      includedData: includedData.optional(),
    }),
    traceHeaderFromHttp: true,
  },
  DescribeExecution: {
    method: 'describeExecution',
    request: z.looseObject({ executionArn: arn, includedData: includedData.optional() }),
  },
  DescribeStateMachineForExecution: {
    method: 'describeStateMachineForExecution',
    request: z.looseObject({ executionArn: arn, includedData: includedData.optional() }),
  },
  ListExecutions: {
    method: 'listExecutions',
    request: z.looseObject({
      stateMachineArn: arn.optional(),
      statusFilter: z.enum(EXECUTION_STATUSES).optional(),
      maxResults: maxResults(1000).optional(),
      nextToken: text(1, 3096).optional(),
      mapRunArn: mapRunArn.optional(),
      redriveFilter: z.enum(REDRIVE_FILTERS).optional(),
    }),
  },
  GetExecutionHistory: {
    method: 'getExecutionHistory',
    request: z.looseObject({
      executionArn: arn,
      maxResults: maxResults(1000).optional(),
      reverseOrder: z.boolean().optional(),
      nextToken: nextToken.optional(),
      includeExecutionData: z.boolean().optional(),
    }),
  },
  StopExecution: {
    method: 'stopExecution',
    request: z.looseObject({
      executionArn: arn,
      error: text(0, 256).optional(),
      cause: cause.optional(),
    }),
  },
  DescribeMapRun: {
    method: 'describeMapRun',
    request: z.looseObject({ mapRunArn }),
  },
  ListMapRuns: {
    method: 'listMapRuns',
    request: z.looseObject({
      executionArn: arn,
      maxResults: maxResults(1000).optional(),
      nextToken: nextToken.optional(),
    }),
  },
  UpdateMapRun: {
    method: 'updateMapRun',
    request: z.looseObject({
      mapRunArn,
      maxConcurrency: z.int().min(0).max(2_147_483_647).optional(),
      toleratedFailurePercentage: z.number().min(0).max(100).optional(),
      toleratedFailureCount: z.int().min(0).optional(),
    }),
  },
  RedriveExecution: {
    method: 'redriveExecution',
    request: z.looseObject({ executionArn: arn, clientToken: text(1, 64).optional() }),
  },
  SendTaskSuccess: {
    method: 'sendTaskSuccess',
    request: z.looseObject({ taskToken, output: payload }),
  },
  SendTaskFailure: {
    method: 'sendTaskFailure',
    request: z.looseObject({
      taskToken,
      error: text(0, 256).optional(),
      cause: cause.optional(),
    }),
  },
  SendTaskHeartbeat: {
    method: 'sendTaskHeartbeat',
    request: z.looseObject({ taskToken }),
  },
  TagResource: {
    method: 'tagResource',
    request: z.looseObject({ resourceArn: arn, tags }),
  },
  UntagResource: {
    method: 'untagResource',
    request: z.looseObject({ resourceArn: arn, tagKeys: z.array(tagKey) }),
  },
  ListTagsForResource: {
    method: 'listTagsForResource',
    request: z.looseObject({ resourceArn: arn }),
  },
};
