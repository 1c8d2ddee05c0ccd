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
  | 'SendTaskFailure'
  | 'StopExecution';

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

/** The most characters of an approval's comment or a rejection's reason. */
export const DECISION_REASON_MAX_LENGTH = 1000;

/** Body of `POST /releases/{executionId}/approve`. */
export const APPROVE_BODY_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'ApproveRelease',
  type: 'object',
  additionalProperties: false,
  properties: {
    comment: { type: 'string', maxLength: DECISION_REASON_MAX_LENGTH },
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
    reason: { type: 'string', maxLength: DECISION_REASON_MAX_LENGTH },
    approver: { type: 'string', maxLength: 256 },
  },
};

/** Body of `POST /releases/{executionId}/abort`: why, recorded as the stop's cause and the rollback's reason. */
export const ABORT_BODY_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'AbortRelease',
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', minLength: 1, maxLength: DECISION_REASON_MAX_LENGTH },
  },
};

/** The error an abort stops a release with, from the API and the CLI alike. */
export const ABORT_ERROR = 'Aborted';

/** The stop's cause when an abort through the API gives no `reason`. */
export const API_ABORT_REASON = 'aborted through the release API';

/**
 * What an abort of an execution that is not a release's answers (403): only the strategies' state machines
 * may be stopped through the API, not a rollback, an approval or a database migration.
 */
export const NOT_A_RELEASE =
  'only a release (an execution of the canary, blue-green or rolling state machine) can be aborted through the release API';

/**
 * What a read of an execution the release API may not read answers (403), on AWS: one of a state machine that
 * is not Cutover's, or of its approval machine.
 */
export const NOT_READABLE =
  "only an execution of Cutover's release, database migration and rollback state machines can be read through the release API";

/**
 * The routes. Answers:
 * - StartExecution: `{ executionId, executionArn, startDate }` (startDate in epoch seconds); the optional
 *   `?name=` query parameter names the execution (a repeated name with the same input is idempotent).
 * - DescribeExecution: Step Functions' DescribeExecution answer as is; 404 for an unknown execution.
 * - DescribeApproval: `{ executionId, stage, requestedAt, timeoutSeconds, onTimeout, timesOutAt }` of the
 *   approval a release waits for (the last three when its token was stored with them; while its task still
 *   takes the token); 404 when it waits for none.
 * - SendTaskSuccess/SendTaskFailure: `{ executionId, decision: 'approved' | 'rejected' }`; 404 when the
 *   execution has no pending approval. A rejection fails the approval state with `ApprovalRejected`.
 * - StopExecution: `{ executionId, stopDate }` (epoch seconds): the release is stopped with error `Aborted`
 *   and the platform rolls it back, as for any stop; 404 for an unknown execution, 403 for one that is not a
 *   release. A release that already ended is left as it ended (the answer is when it ended; read its status).
 * - Errors: `{ message }`, with 400 for a body that does not match its schema, 409 for a `?name=` already
 *   taken (by an ended execution, or a running one with another input), and on AWS 429 when Step Functions
 *   throttles the start or has too many open executions (worth a retry).
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
    summary: 'The approval a release waits for: its stage, since when, until when and what then',
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
  {
    operation: 'StopExecution',
    method: 'POST',
    path: '/releases/{executionId}/abort',
    body: ABORT_BODY_SCHEMA,
    successStatus: 200,
    summary: 'Abort a release: stop it, and the platform rolls it back',
  },
];

/** The error name a rejection fails the approval state with (see `ApprovalRejectedError`). */
export const REJECTION_ERROR = 'ApprovalRejected';

/**
 * The execution id of an execution ARN: what follows `:execution:`, `<state machine>:<name>`; of an Express
 * execution's ARN (`:express:<state machine>:<name>:<id>`), its state machine and name.
 *
 * @example
 * executionIdOf('arn:aws:states:eu-west-1:123456789012:execution:cutover-canary:r1'); // 'cutover-canary:r1'
 * executionIdOf('arn:aws:states:eu-west-1:123456789012:express:approvals:a1:0f1e...'); // 'approvals:a1'
 */
export function executionIdOf(executionArn: string): string {
  const express = ':express:';
  const at = executionArn.indexOf(express);
  if (at >= 0)
    return executionArn
      .slice(at + express.length)
      .split(':')
      .slice(0, 2)
      .join(':');
  const marker = ':execution:';
  const start = executionArn.indexOf(marker);
  if (start < 0) throw new TypeError(`not an execution ARN: ${executionArn}`);
  return executionArn.slice(start + marker.length);
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
 * The ARN of the execution `name` of the state machine `executionArn` is an execution of.
 *
 * @example
 * siblingExecutionArn('arn:aws:states:eu-west-1:123456789012:execution:cutover-db:orders-db-2', 'orders-db-1'); // '...:execution:cutover-db:orders-db-1'
 */
export function siblingExecutionArn(executionArn: string, name: string): string {
  return `${executionArn.slice(0, executionArn.lastIndexOf(':') + 1)}${name}`;
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

/** The `type` of the request variants only the local runtime runs: child processes, its proxy, its counters. */
const LOCAL_TYPE = 'local';

/** The request fields with a {@link LOCAL_TYPE} variant: a `oneOf` on `type` in the JSON Schema. */
const FIELDS_WITH_LOCAL_VARIANT = ['cluster', 'traffic', 'metrics'] as const;

/**
 * The pattern of every URL of the API models: no user or password before the host (`https://bob:pw@host/`).
 * ValidateRequest refuses such a URL too, but the API starts the execution first, and the request, with the
 * password, would then be in the execution's history.
 */
export const URL_WITHOUT_CREDENTIALS = '^(?![^:/?#]*:(?://)?[^/?#]*@)';

/**
 * The body schema of each strategy's start route on API Gateway: the strategy's request schema (the input
 * side, so defaulted fields are optional) as JSON Schema draft 4, the dialect of API Gateway models, without
 * what only the local runtime runs (see {@link withoutLocalVariants}), its URLs without credentials
 * ({@link URL_WITHOUT_CREDENTIALS}) and, given the namespaces ValidateRequest allows, `service.namespace` one
 * of them (required when `default` is not). A body written for `cutover local` is then a 400 at the API
 * naming the field, not an execution that fails in ValidateRequest. The local runtime's routes validate with
 * the request schemas themselves, local variants included.
 *
 * @example
 * strategyRequestModels().canary.required; // ['service', 'release', 'cluster', 'traffic', ...]
 * strategyRequestModels(['shop']).canary.properties.service; // namespace: { enum: ['shop'], ... }, required: ['name', 'namespace']
 */
export function strategyRequestModels(allowedNamespaces?: readonly string[]): Record<string, JsonSchema> {
  return Object.fromEntries(
    STRATEGIES.map((strategy) => {
      const schema = z.toJSONSchema(REQUEST_SCHEMAS[strategy], { io: 'input', target: 'draft-04' });
      const model = withoutLocalVariants(withUrlsWithoutCredentials(schema as JsonSchema) as JsonSchema);
      return [strategy, allowedNamespaces ? withNamespaces(model, allowedNamespaces) : model];
    }),
  );
}

/** `schema` with {@link URL_WITHOUT_CREDENTIALS} as the pattern of each `uri` string, at any depth. */
function withUrlsWithoutCredentials(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withUrlsWithoutCredentials);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy = Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, withUrlsWithoutCredentials(value)]),
  );
  return copy.format === 'uri' ? { ...copy, pattern: URL_WITHOUT_CREDENTIALS } : copy;
}

/** The model with `service.namespace` one of `namespaces`, and required when the default one is not. */
function withNamespaces(model: JsonSchema, namespaces: readonly string[]): JsonSchema {
  const properties = model.properties as Readonly<Record<string, JsonSchema>>;
  const service = properties.service!;
  const fields = service.properties as Readonly<Record<string, JsonSchema>>;
  const required = (service.required ?? []) as readonly string[];
  return {
    ...model,
    properties: {
      ...properties,
      service: {
        ...service,
        properties: { ...fields, namespace: { ...fields.namespace, enum: [...namespaces] } },
        required: namespaces.includes('default') ? required : [...new Set([...required, 'namespace'])],
      },
    },
  };
}

/**
 * A request's JSON Schema as AWS runs requests: `cluster`, `traffic` and `metrics` without their `local`
 * variant, and a `release` of an image (`release.image` required, no `release.command`, the local
 * cluster's argv).
 */
function withoutLocalVariants(schema: JsonSchema): JsonSchema {
  const properties = schema.properties as Readonly<Record<string, JsonSchema>>;
  return {
    ...schema,
    properties: {
      ...properties,
      release: imageRelease(properties.release),
      ...Object.fromEntries(
        FIELDS_WITH_LOCAL_VARIANT.map((field) => [field, withoutLocalVariant(field, properties[field])]),
      ),
    },
  };
}

/** The `release` schema with `image` required and without `command`. */
function imageRelease(release: JsonSchema | undefined): JsonSchema {
  const { command: _command, ...properties } = (release?.properties ?? {}) as Record<string, unknown>;
  const required = (release?.required ?? []) as readonly string[];
  return { ...release, properties, required: [...new Set([...required, 'image'])] };
}

/**
 * A `oneOf` on `type` without its {@link LOCAL_TYPE} variant, with `type` also checked on its own: the 400
 * of a `local` one names the value and the types allowed, which a failed `oneOf` alone does not.
 * Throws when the field is not such a union (the request schemas changed shape).
 */
function withoutLocalVariant(field: string, union: JsonSchema | undefined): JsonSchema {
  const variants = (union?.oneOf ?? []) as readonly JsonSchema[];
  if (!variants.some((variant) => variantType(variant) === LOCAL_TYPE)) {
    throw new TypeError(
      `request JSON Schema: ${field} is not a oneOf on type with a "${LOCAL_TYPE}" variant`,
    );
  }
  const kept = variants.filter((variant) => variantType(variant) !== LOCAL_TYPE);
  return {
    ...union,
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: kept.map(variantType) } },
    oneOf: kept,
  };
}

/** The `type` a variant of a discriminated union stands for: its `properties.type.enum`'s one value. */
function variantType(variant: JsonSchema): unknown {
  const type = (variant.properties as Record<string, { enum?: readonly unknown[] }> | undefined)?.type;
  return type?.enum?.[0];
}
