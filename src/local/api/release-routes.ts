import type { IncomingMessage } from 'node:http';
import { createApprovalStoreFromEnvironment } from '#adapters/approvals/index.ts';
import {
  ABORT_ERROR,
  API_ABORT_REASON,
  API_ROUTES,
  type ApiOperation,
  type ApiRoute,
  executionIdOf,
  type JsonSchema,
  NOT_A_RELEASE,
  REJECTION_ERROR,
} from '#core/api-routes.ts';
import { ValidationError } from '#core/errors.ts';
import type { ApprovalStore } from '#core/ports/approval-store.ts';
import { isStrategy, STRATEGIES, type Strategy, validateRequest } from '#core/schemas/index.ts';
import type { RegisteredStateMachine } from '#local/project/state-machines.ts';
import type { LocalStepFunctions } from '#local/service.ts';
import { StepFunctionsApiError } from '#local/service-errors.ts';
import { BodyTooLargeError, InvalidJsonBodyError, ReleaseRouteError } from './errors.ts';
import { type ExecutionRef, executionArnPattern, executionRefOf } from './execution-refs.ts';
import { fromForeignPage, mediaTypeOf, readJsonBody, requestUrl, sendJson } from './http-io.ts';
import { jsonBodyReader } from './json-bodies.ts';
import type { LocalApiServer, RouteHandler } from './server.ts';

/** The Step Functions calls behind the release routes. */
export type ReleaseService = Pick<
  LocalStepFunctions,
  | 'region'
  | 'account'
  | 'taskTimesOutAt'
  | 'startExecution'
  | 'describeExecution'
  | 'getExecutionHistory'
  | 'sendTaskSuccess'
  | 'sendTaskFailure'
  | 'sendTaskHeartbeat'
  | 'stopExecution'
>;

/** Options of {@link registerReleaseRoutes}. */
export interface ReleaseRoutesOptions {
  readonly service: ReleaseService;
  /** The project's state machines; each one named after a strategy gets its `POST /releases/<strategy>`. */
  readonly stateMachines: readonly RegisteredStateMachine[];
  /**
   * Where the approval tasks keep their task tokens, asked on each approve/reject.
   * @default the store the task functions write (`createApprovalStoreFromEnvironment()`)
   */
  readonly approvals?: () => ApprovalStore;
}

type Params = Readonly<Record<string, string>>;
type Operation = (request: IncomingMessage, params: Params) => Promise<unknown>;

const JSON_TYPE = 'application/json';
/** SendTaskSuccess/Failure/Heartbeat errors of a token whose execution no longer waits for it. */
const STALE_TOKEN_CODES: readonly string[] = ['TaskTimedOut', 'InvalidToken'];
/** The routes AWS answers through the approval state machine: anything unexpected there is a 502. */
const APPROVAL_MACHINE_OPERATIONS: readonly ApiOperation[] = [
  'DescribeApproval',
  'SendTaskSuccess',
  'SendTaskFailure',
];
/** The query parameters of `POST /releases/<strategy>`; any other is refused rather than ignored. */
const START_QUERY_PARAMETERS: readonly string[] = ['name'];

/**
 * Serves the release API of `API_ROUTES` as the CDK app's API Gateway does: `POST /releases/<strategy>`
 * (StartExecution of the strategy's state machine, the body checked with `validateRequest`),
 * `GET /releases/{executionId}` (DescribeExecution), `GET /releases/{executionId}/approval` (the approval it
 * waits for, from the approval store), `POST /releases/{executionId}/approve|reject`
 * (the pending approval's token from the approval store, SendTaskSuccess or SendTaskFailure with
 * `ApprovalRejected`, then the token is deleted), `POST /releases/{executionId}/abort` (StopExecution with
 * `Aborted`, of a strategy's execution only); `POST /releases/<other>` is a 404 naming the strategies
 * served. `{executionId}` is `<stateMachine>:<name>` or, locally, the execution's ARN (as the CLI and the
 * console take it). A start takes `?name=` and no other query parameter. Answers and errors are JSON, errors
 * `{ message }`. Like the CDK app, it adds nothing when no state machine is named after a strategy.
 *
 * @example
 * registerReleaseRoutes(runtime.server, { service: runtime.service, stateMachines: runtime.stateMachines });
 * // curl -X POST "$ENDPOINT/releases/canary?name=checkout-v2" -H 'content-type: application/json' -d @examples/requests/canary.json
 */
export function registerReleaseRoutes(server: LocalApiServer, options: ReleaseRoutesOptions): void {
  const machines = options.stateMachines.filter((machine) => isStrategy(machine.name));
  if (machines.length === 0) return;
  const { region, account } = options.service;
  const badExecutionId = (executionId: string): never => {
    throw new ReleaseRouteError(400, executionIdMessage(executionId, region, account));
  };
  const context: Context = {
    service: options.service,
    releaseMachines: new Set(machines.map((machine) => machine.stateMachineArn)),
    approvals: options.approvals ?? (() => createApprovalStoreFromEnvironment()),
    refOf: (executionId) => executionRefOf(executionId, region, account) ?? badExecutionId(executionId),
  };
  const operations: Record<Exclude<ApiOperation, 'StartExecution'>, (route: ApiRoute) => Operation> = {
    DescribeExecution: () => describeRelease(context),
    DescribeApproval: () => describeApproval(context),
    SendTaskSuccess: (route) => decideRelease(context, route, 'approve'),
    SendTaskFailure: (route) => decideRelease(context, route, 'reject'),
    StopExecution: (route) => abortRelease(context, route),
  };
  for (const route of API_ROUTES) {
    if (route.operation === 'StartExecution') {
      for (const machine of machines) {
        const start = startRelease(context, machine.name as Strategy, machine.stateMachineArn);
        server.addRoute(route.method, route.path.replace('{strategy}', machine.name), answer(route, start));
      }
      const served = STRATEGIES.filter((strategy) => machines.some((machine) => machine.name === strategy));
      server.addRoute(
        route.method,
        route.path.replace('{strategy}', ':strategy'),
        answer(route, noStrategy(served)),
      );
      continue;
    }
    const pattern = route.path.replace(/\{(\w+)\}/g, ':$1');
    server.addRoute(route.method, pattern, answer(route, operations[route.operation](route)));
  }
}

interface Context {
  readonly service: ReleaseService;
  /** The ARNs of the strategies' state machines: the executions the API may abort. */
  readonly releaseMachines: ReadonlySet<string>;
  readonly approvals: () => ApprovalStore;
  /** The execution a path's `{executionId}` names (its id or its ARN); a 400 naming `executionId` otherwise. */
  refOf(executionId: string): ExecutionRef;
}

/** What a path's `{executionId}` must be, and what it was. */
function executionIdMessage(executionId: string, region: string, account: string): string {
  return (
    'executionId must be <stateMachine>:<name> (the part of the execution ARN after ":execution:") or an ' +
    `execution ARN of this runtime (${executionArnPattern(region, account)}) (got ${JSON.stringify(executionId)})`
  );
}

/**
 * StartExecution with the body as input, once it passes the strategy's schema and fits in an execution's
 * input; `?name=` names it, and no other query parameter is taken.
 */
function startRelease(context: Context, strategy: Strategy, stateMachineArn: string): Operation {
  return async (request) => {
    const name = startQuery(request).get('name') ?? undefined;
    const body = await readJsonBody(request);
    // Also refuses a request too large to carry through the execution's states, well under its input limit.
    validateRequest(strategy, body);
    const input = JSON.stringify(body);
    const started = await context.service
      .startExecution({ stateMachineArn, name, input })
      .catch((error: unknown) => {
        if (!(error instanceof StepFunctionsApiError && error.code === 'ExecutionAlreadyExists')) throw error;
        throw new ReleaseRouteError(
          409,
          `${error.message}: choose another name, or leave name out for a new one`,
          { cause: error },
        );
      });
    const executionArn = started.executionArn!;
    return { executionId: executionIdOf(executionArn), executionArn, startDate: started.startDate };
  };
}

/** The start's query: `name` at most once and not empty, nothing else (a typo such as `?nmae=` would go unnoticed). */
function startQuery(request: IncomingMessage): URLSearchParams {
  const query = requestUrl(request).searchParams;
  const keys = [...query.keys()];
  const unknown = [...new Set(keys)].filter((key) => !START_QUERY_PARAMETERS.includes(key));
  if (unknown.length > 0) {
    throw new ReleaseRouteError(
      400,
      `unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} (allowed: ${START_QUERY_PARAMETERS.join(', ')})`,
    );
  }
  for (const key of START_QUERY_PARAMETERS) {
    const times = keys.filter((given) => given === key).length;
    if (times > 1)
      throw new ReleaseRouteError(400, `query parameter ${key} given ${times} times: give it once`);
  }
  // An unset shell variable (`?name=$NAME`) must not start an anonymous release.
  if (query.get('name') === '') {
    throw new ReleaseRouteError(
      400,
      'query parameter name is empty: give the execution a name, or leave name out for a generated one',
    );
  }
  return query;
}

/** A start for a strategy no state machine serves: 404 naming the strategies served. */
function noStrategy(served: readonly string[]): Operation {
  return async (_request, { strategy = '' }) => {
    throw new ReleaseRouteError(
      404,
      `no strategy ${JSON.stringify(strategy)}: POST /releases/<strategy> with one of: ${served.join(', ')}`,
    );
  };
}

/**
 * DescribeExecution as is; 404 for an execution that does not exist, 400 naming `executionId` for one
 * that is neither `<stateMachine>:<name>` nor an execution ARN of this runtime.
 */
function describeRelease(context: Context): Operation {
  return async (_request, { executionId = '' }) => describeNamed(context, executionId);
}

/** DescribeExecution of a path's `{executionId}`: a 404 when it does not exist, a 400 when it is malformed. */
async function describeNamed(context: Context, executionId: string) {
  const { executionArn } = context.refOf(executionId);
  try {
    return await context.service.describeExecution({ executionArn });
  } catch (error) {
    if (!(error instanceof StepFunctionsApiError)) throw error;
    if (error.code === 'ExecutionDoesNotExist')
      throw new ReleaseRouteError(404, error.message, { cause: error });
    if (error.code === 'InvalidArn') {
      const { region, account } = context.service;
      throw new ReleaseRouteError(400, executionIdMessage(executionId, region, account), { cause: error });
    }
    throw error;
  }
}

/**
 * The approval a release waits for: `{ executionId, stage, requestedAt }` and, when its token was stored with
 * them, `timeoutSeconds`, `onTimeout` and `timesOutAt` (the deadline the runtime set for its task, at the
 * `WAIT_TIME_SCALE` it ran with then), while the approval store holds its token and the runtime's task still
 * waits on it (also while another branch of the execution runs, as a paused canary step's checks do); a 404
 * when it waits for none (a token answered another way, such as SendTaskSuccess from an SDK), or (as
 * DescribeExecution's) does not exist. It only reads.
 */
function describeApproval(context: Context): Operation {
  return async (_request, params) => {
    const { executionId, executionArn } = context.refOf(params.executionId ?? '');
    await describeNamed(context, executionId);
    const pending = await context.approvals().get(executionArn);
    if (pending && (await stillWaiting(context, pending.taskToken))) {
      const { stage, requestedAt, timeoutSeconds, onTimeout } = pending;
      const timesOutAt = context.service.taskTimesOutAt(pending.taskToken);
      return {
        executionId,
        stage,
        requestedAt,
        ...(timeoutSeconds !== undefined && { timeoutSeconds }),
        ...(onTimeout && { onTimeout }),
        ...(timesOutAt !== undefined && { timesOutAt: new Date(timesOutAt).toISOString() }),
      };
    }
    throw new ReleaseRouteError(404, `${executionId} has no pending approval`);
  };
}

/**
 * Whether the task of `taskToken` still waits for it, asked as the AWS deployment asks it: a heartbeat,
 * which the approval tasks (no HeartbeatSeconds) take without being answered.
 */
async function stillWaiting(context: Context, taskToken: string): Promise<boolean> {
  try {
    await context.service.sendTaskHeartbeat({ taskToken });
    return true;
  } catch (error) {
    if (error instanceof StepFunctionsApiError && STALE_TOKEN_CODES.includes(error.code)) return false;
    throw error;
  }
}

/**
 * Answers the pending approval with its stored token, the body as output (approve) or cause (reject),
 * then deletes the token. No token, or one whose execution stopped waiting (deleted then), is a 404: one
 * saying the execution does not exist, as DescribeExecution's, when it does not.
 */
function decideRelease(context: Context, route: ApiRoute, decision: 'approve' | 'reject'): Operation {
  const readDecision = jsonBodyReader(route.body as JsonSchema, `${decision} body`);
  return async (request, params) => {
    const body = JSON.stringify(await readDecision(request));
    const { executionId, executionArn } = context.refOf(params.executionId ?? '');
    const store = context.approvals();
    const noPending = () => new ReleaseRouteError(404, `${executionId} has no pending approval`);
    const pending = await store.get(executionArn);
    if (!pending) {
      await describeNamed(context, executionId);
      throw noPending();
    }
    const { taskToken } = pending;
    try {
      if (decision === 'approve') await context.service.sendTaskSuccess({ taskToken, output: body });
      else await context.service.sendTaskFailure({ taskToken, error: REJECTION_ERROR, cause: body });
    } catch (error) {
      if (!(error instanceof StepFunctionsApiError && STALE_TOKEN_CODES.includes(error.code))) throw error;
      await store.delete(executionArn);
      throw noPending();
    }
    await store.delete(executionArn);
    return { executionId, decision: decision === 'approve' ? 'approved' : 'rejected' };
  };
}

/**
 * Stops a release with `Aborted` and the body's reason as cause; the runtime then starts its rollback, as for
 * any stop. A 404 for an unknown execution, a 403 for one of another state machine (a rollback stopped
 * part-way would leave traffic split). A release that already ended is left as it was, answered with when
 * it ended, as StopExecution answers it.
 */
function abortRelease(context: Context, route: ApiRoute): Operation {
  const readAbort = jsonBodyReader<{ reason?: string }>(route.body as JsonSchema, 'abort body');
  return async (request, params) => {
    const { reason = API_ABORT_REASON } = await readAbort(request);
    const { executionId, executionArn } = context.refOf(params.executionId ?? '');
    const { stateMachineArn } = await describeNamed(context, executionId);
    if (!context.releaseMachines.has(stateMachineArn ?? '')) {
      throw new ReleaseRouteError(403, `${NOT_A_RELEASE} (got ${executionId})`);
    }
    const { stopDate } = await context.service.stopExecution({
      executionArn,
      error: ABORT_ERROR,
      cause: reason,
    });
    return { executionId, stopDate };
  };
}

/**
 * Runs one route's operation and sends its answer: the route's success status, or `{ message }` with
 * 400 (bad body, refused call), 403 (a POST from another site's page), 404, 413, 415, or — for anything
 * unexpected — 502 for approve/reject (as the approval state machine's failure) and 500 otherwise.
 */
function answer(route: ApiRoute, operation: Operation): RouteHandler {
  const unexpected = APPROVAL_MACHINE_OPERATIONS.includes(route.operation) ? 502 : 500;
  return async (request, response, params) => {
    try {
      if (route.method !== 'GET' && fromForeignPage(request)) {
        throw new ReleaseRouteError(
          403,
          `origin ${request.headers.origin} may not ${route.method} ${request.url}: decide releases in the ` +
            `console (http://${request.headers.host}/console), or use the CLI or an SDK`,
        );
      }
      checkMediaType(request);
      sendJson(response, route.successStatus, await operation(request, params), JSON_TYPE);
    } catch (error) {
      sendJson(response, statusOf(error, unexpected), { message: messageOf(error) }, JSON_TYPE);
    }
  };
}

function statusOf(error: unknown, unexpected: number): number {
  if (error instanceof ReleaseRouteError) return error.status;
  if (error instanceof ValidationError || error instanceof StepFunctionsApiError) return 400;
  if (error instanceof InvalidJsonBodyError) return 400;
  if (error instanceof BodyTooLargeError) return 413;
  return unexpected;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The integrations only map `application/json` (API Gateway answers 415 to other declared types). */
function checkMediaType(request: IncomingMessage): void {
  const type = request.headers['content-type'];
  if (type === undefined) return;
  if (mediaTypeOf(request) !== JSON_TYPE) {
    throw new ReleaseRouteError(
      415,
      `Unsupported Media Type: content-type must be ${JSON_TYPE} (got ${JSON.stringify(type)})`,
    );
  }
}
