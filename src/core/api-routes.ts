/**
 * The release API: the same paths, methods, bodies and answers on API Gateway (the CDK app) and on the
 * local runtime's server, so a script written against one works against the other.
 *
 * An execution is addressed by its id, the part of its ARN after `:execution:`
 * (`<stateMachineName>:<executionName>`), URL-encoded in paths.
 */

import * as z from 'zod';
import { REQUEST_SCHEMAS, STRATEGIES } from './schemas/index.ts';

/** A JSON Schema (draft 4 subset, the dialect API Gateway models accept). */
export type JsonSchema = Readonly<Record<string, unknown>>;

/** What a route does, named after the Step Functions call behind it (`DescribeApproval`: a read of the approval store). */
export type ApiOperation =
  | 'StartExecution'
  | 'DescribeExecution'
  | 'DescribeApproval'
  | 'SendTaskSuccess'
  | 'SendTaskFailure';

/** One route of the release API. */
export interface ApiRoute {
  readonly operation: ApiOperation;
  readonly method: 'GET' | 'POST';
  /** API Gateway path syntax; `{strategy}` is one literal path per strategy (`/releases/canary`). */
  readonly path: string;
  /**
   * The request body's schema: `strategy-request` is the JSON Schema of the strategy in the path; absent
   * means no body. A body that does not match is a 400 naming the field, and nothing is started.
   */
  readonly body?: 'strategy-request' | JsonSchema;
  readonly successStatus: 200 | 202;
  readonly summary: string;
}

/** Body of `POST /releases/{executionId}/approve`. */
export const APPROVE_BODY_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'ApproveRelease',
  type: 'object',
  additionalProperties: false,
  properties: {
    comment: { type: 'string', maxLength: 1000 },
    approver: { type: 'string', maxLength: 256 },
  },
};

/** Body of `POST /releases/{executionId}/reject`. */
export const REJECT_BODY_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'RejectRelease',
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', maxLength: 1000 },
    approver: { type: 'string', maxLength: 256 },
  },
};

/**
 * The routes. Answers:
 * - StartExecution: `{ executionId, executionArn, startDate }` (startDate in epoch seconds); the optional
 *   `?name=` query parameter names the execution (a repeated name with the same input is idempotent).
 * - DescribeExecution: Step Functions' DescribeExecution answer as is; 404 for an unknown execution.
 * - DescribeApproval: `{ executionId, stage, requestedAt }` of the approval a release waits for (its newest
 *   event is {@link AWAITING_APPROVAL_EVENT}); 404 when it waits for none.
 * - SendTaskSuccess/SendTaskFailure: `{ executionId, decision: 'approved' | 'rejected' }`; 404 when the
 *   execution has no pending approval. A rejection fails the approval state with `ApprovalRejected`.
 * - Errors: `{ message }`, with 400 for a body that does not match its schema.
 *
 * @example
 * for (const route of API_ROUTES) console.log(route.method, route.path, route.operation);
 */
export const API_ROUTES: readonly ApiRoute[] = [
  {
    operation: 'StartExecution',
    method: 'POST',
    path: '/releases/{strategy}',
    body: 'strategy-request',
    successStatus: 200,
    summary: "Start a release with the strategy's state machine",
  },
  {
    operation: 'DescribeExecution',
    method: 'GET',
    path: '/releases/{executionId}',
    successStatus: 200,
    summary: 'Status, input and output of a release',
  },
  {
    operation: 'DescribeApproval',
    method: 'GET',
    path: '/releases/{executionId}/approval',
    successStatus: 200,
    summary: 'The approval a release waits for: its stage and since when',
  },
  {
    operation: 'SendTaskSuccess',
    method: 'POST',
    path: '/releases/{executionId}/approve',
    body: APPROVE_BODY_SCHEMA,
    successStatus: 200,
    summary: "Approve a release's pending approval",
  },
  {
    operation: 'SendTaskFailure',
    method: 'POST',
    path: '/releases/{executionId}/reject',
    body: REJECT_BODY_SCHEMA,
    successStatus: 200,
    summary: "Reject a release's pending approval",
  },
];

/**
 * The newest history event of an execution whose approval waits for an answer: the approval task handed
 * out its token (`.waitForTaskToken`) and nothing happened since.
 */
export const AWAITING_APPROVAL_EVENT = 'TaskSubmitted';

/** The error name a rejection fails the approval state with (see `ApprovalRejectedError`). */
export const REJECTION_ERROR = 'ApprovalRejected';

/**
 * The execution id of an execution ARN: what follows `:execution:`.
 *
 * @example
 * executionIdOf('arn:aws:states:eu-west-1:123456789012:execution:cutover-canary:r1'); // 'cutover-canary:r1'
 */
export function executionIdOf(executionArn: string): string {
  const marker = ':execution:';
  const at = executionArn.indexOf(marker);
  if (at < 0) throw new TypeError(`not an execution ARN: ${executionArn}`);
  return executionArn.slice(at + marker.length);
}

/**
 * The execution's name, the last part of its ARN: what names what the execution creates.
 *
 * @example
 * executionNameOf('arn:aws:states:eu-west-1:123456789012:execution:cutover-canary:r1'); // 'r1'
 */
export function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

/**
 * The ARN of the execution `name` of the state machine `stateMachineArn`.
 *
 * @example
 * executionArnIn('arn:aws:states:eu-west-1:123456789012:stateMachine:rollback', 'abort-r1'); // '...:execution:rollback:abort-r1'
 */
export function executionArnIn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * The execution ARN of an execution id in a region and account.
 *
 * @example
 * executionArnOf('cutover-canary:r1', 'us-east-1', '000000000000'); // 'arn:aws:states:us-east-1:000000000000:execution:cutover-canary:r1'
 */
export function executionArnOf(executionId: string, region: string, account: string): string {
  return `arn:aws:states:${region}:${account}:execution:${executionId}`;
}

/**
 * The body schema of each strategy's start route: the strategy's request schema (the input side, so
 * defaulted fields are optional) as JSON Schema draft 4, the dialect of API Gateway models.
 *
 * @example
 * strategyRequestModels().canary.required; // ['service', 'release', 'cluster', 'traffic', ...]
 */
export function strategyRequestModels(): Record<string, JsonSchema> {
  return Object.fromEntries(
    STRATEGIES.map((strategy) => [
      strategy,
      z.toJSONSchema(REQUEST_SCHEMAS[strategy], { io: 'input', target: 'draft-04' }) as JsonSchema,
    ]),
  );
}
