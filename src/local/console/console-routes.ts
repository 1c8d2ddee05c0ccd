/**
 * The web console of the local runtime, on the API server: `GET /console` (a page that lists the
 * executions, running ones first, and follows one: states, traffic weights, analysis verdicts,
 * notifications, approve / reject / abort) and
 * the JSON it reads, under `/console/api/`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ABORT_ERROR, type JsonSchema } from '#core/api-routes.ts';
import { ValidationError } from '#core/errors.ts';
import { abortOnFailurePathText, failureBeingHandled } from '#core/failure-path.ts';
import {
  CAUSE_MAX_LENGTH,
  isRollbackArn,
  ROLLBACK_MACHINE,
  rollbackOfStop,
  stoppedExecutionOf,
} from '#core/rollback.ts';
import { approvalTimesOutAt } from '../../cli/approval-deadline.ts';
import { rollbacksIn } from '../abort-rollbacks.ts';
import type { LocalNotifier } from '../adapters/local-notifier.ts';
import { BodyTooLargeError, ConsoleRouteError, InvalidJsonBodyError } from '../api/errors.ts';
import { type ExecutionRef, executionRefOf } from '../api/execution-refs.ts';
import { fromForeignPage, mediaTypeOf, requestUrl, sendJson } from '../api/http-io.ts';
import { jsonBodyReader } from '../api/json-bodies.ts';
import type { LocalApiServer } from '../api/server.ts';
import type { LocalStepFunctions } from '../service.ts';
import { StepFunctionsApiError } from '../service-errors.ts';
import { listExecutionsPage } from './execution-list.ts';
import { notificationsOf } from './execution-notifications.ts';
import { ExecutionViews } from './execution-views.ts';

/** The Step Functions calls behind the console. */
export type ConsoleService = Pick<
  LocalStepFunctions,
  | 'region'
  | 'account'
  | 'listStateMachines'
  | 'listExecutions'
  | 'describeExecution'
  | 'getExecutionHistory'
  | 'stopExecution'
  | 'clock'
  | 'taskTimesOutAt'
>;

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
/**
 * The page loads only its own script and style (names and causes shown in it cannot run code), and no page
 * may frame it (another site's page laid over it cannot turn a visitor's clicks into an approval).
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-ancestors 'none'";
const JSON_TYPE = 'application/json';
/** An execution's name alone, as Step Functions allows it: 1-80 characters, no colon, slash or space. */
const EXECUTION_NAME = /^[^:/\s]{1,80}$/;

/**
 * Body of `POST /console/api/executions/{executionId}/abort`: the reason becomes StopExecution's cause, so
 * it may be as long as a cause.
 */
export const ABORT_BODY_SCHEMA: JsonSchema = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'AbortExecution',
  type: 'object',
  additionalProperties: false,
  properties: {
    reason: { type: 'string', maxLength: CAUSE_MAX_LENGTH },
  },
};
/** Room for the longest reason, every character of it escaped as `\uXXXX`. */
const ABORT_BODY_MAX_BYTES = 6 * CAUSE_MAX_LENGTH + 1024;
const readAbortBody = jsonBodyReader<{ reason?: string }>(
  ABORT_BODY_SCHEMA,
  'abort body',
  ABORT_BODY_MAX_BYTES,
);

/** What the console reads: the Step Functions calls, and the local notifier's table when there is one. */
export interface ConsoleSources {
  readonly service: ConsoleService;
  /** Where the execution pages' notifications come from; none (a runtime without a data dir): no such list. */
  readonly notifier?: Pick<LocalNotifier, 'latestOf'>;
}

/**
 * Adds the console's routes to `server`; `GET /` redirects to it.
 *
 * @example
 * registerConsoleRoutes(server, { service, notifier: adapters.notifier });   // then open http://127.0.0.1:8083/console
 */
export function registerConsoleRoutes(server: LocalApiServer, options: ConsoleSources): void {
  const { service, notifier } = options;
  const rollbackMachineArn = `arn:aws:states:${service.region}:${service.account}:stateMachine:${ROLLBACK_MACHINE}`;
  // The deadline the runtime set for a waiting task, which a restart at another WAIT_TIME_SCALE keeps; for a
  // token it no longer holds (the view is read as the task ends), its timeout at the clock's scale.
  const views = new ExecutionViews((input) => service.getExecutionHistory(input), {
    timesOutAt: (token, scheduledAt, timeoutSeconds) =>
      service.taskTimesOutAt(token) ?? approvalTimesOutAt(scheduledAt, timeoutSeconds, service.clock.scale),
  });
  /**
   * The execution an address names: by its id (`<state machine>:<execution name>`), its ARN, or its name
   * alone, as `cutover run` prints it (found among the runtime's state machines).
   */
  const refOf = async (executionId: string): Promise<ExecutionRef> => {
    const ref = executionRefOf(executionId, service.region, service.account);
    if (ref) return ref;
    if (EXECUTION_NAME.test(executionId)) return refNamed(executionId);
    throw new ConsoleRouteError(
      400,
      `executionId must be an execution name as \`cutover run\` prints it, <state machine>:<execution name> (e.g. canary:checkout-v2), or an execution ARN of this runtime (got ${JSON.stringify(executionId)})`,
    );
  };
  /** The one execution named `name` among the runtime's state machines: 404 for none, 400 for several. */
  async function refNamed(name: string): Promise<ExecutionRef> {
    const { stateMachines = [] } = await service.listStateMachines({ maxResults: 1000 });
    const candidates = stateMachines.flatMap(
      (machine) => executionRefOf(`${machine.name}:${name}`, service.region, service.account) ?? [],
    );
    const found = (
      await Promise.all(
        candidates.map((ref) =>
          service.describeExecution({ executionArn: ref.executionArn }).then(
            () => ref,
            (error: unknown) => {
              if (error instanceof StepFunctionsApiError) return undefined;
              throw error;
            },
          ),
        ),
      )
    ).filter((ref) => ref !== undefined);
    if (found.length === 1) return found[0]!;
    if (found.length === 0)
      throw new ConsoleRouteError(404, `no execution named ${JSON.stringify(name)} on this runtime`);
    const ids = found.map((ref) => ref.executionId).join(', ');
    throw new ConsoleRouteError(
      400,
      `${JSON.stringify(name)} names ${found.length} executions (${ids}): open one by its id`,
    );
  }
  for (const [file, type] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
    const path = file === 'index.html' ? '/console' : `/console/${file}`;
    server.addRoute('GET', path, (_request, response) => sendAsset(response, type, body));
  }
  server.addRoute('GET', '/', (_request, response) => {
    response.writeHead(302, { location: '/console' });
    response.end();
  });
  // How the runtime runs waits: `cutover plan --endpoint` scales its expected duration by it.
  server.addRoute(
    'GET',
    '/console/api/runtime',
    answer(async () => ({ waitScale: service.clock.scale })),
  );
  server.addRoute(
    'GET',
    '/console/api/executions',
    answer(async (request) => {
      const nextToken = requestUrl(request).searchParams.get('nextToken');
      return listExecutionsPage(service, nextToken ?? undefined);
    }),
  );
  server.addRoute(
    'GET',
    '/console/api/executions/:executionId',
    answer(async (_request, params) => {
      const { executionId, executionArn } = await refOf(params.executionId ?? '');
      const execution = await service.describeExecution({ executionArn }).catch((error: unknown) => {
        // In the words of an unknown name's answer, not the API's (which names the ARN).
        if (error instanceof StepFunctionsApiError && error.code === 'ExecutionDoesNotExist') {
          throw new ConsoleRouteError(404, `no execution ${JSON.stringify(executionId)} on this runtime`);
        }
        throw error;
      });
      const rollback = execution.status === 'ABORTED' ? await rollbackOf(executionArn) : undefined;
      const restores = restoredBy(execution);
      return {
        execution: { ...execution, executionId },
        ...(await views.viewOf(executionArn)),
        ...(notifier ? { notifications: notificationsOf(notifier, executionArn) } : {}),
        ...(rollback ? { rollback } : {}),
        ...(restores ? { restores } : {}),
      };
    }),
  );
  server.addRoute(
    'POST',
    '/console/api/executions/:executionId/abort',
    answer(async (request, params) => {
      checkAbortRequest(request);
      const { reason } = await readAbortBody(request);
      const { executionId, executionArn } = await refOf(params.executionId ?? '');
      const execution = await service.describeExecution({ executionArn });
      refuseRollback(executionId, execution);
      if (execution.status === 'RUNNING') await refuseFailurePath(executionArn);
      await service.stopExecution({
        executionArn,
        error: ABORT_ERROR,
        cause: reason || 'aborted from the console',
      });
      // StopExecution of an execution that has ended changes nothing: what it ended as is the answer.
      const { status } = await service.describeExecution({ executionArn });
      if (status !== 'ABORTED') {
        throw new ConsoleRouteError(409, `${executionId} already ended ${status}: there is nothing to abort`);
      }
      return { executionId, status };
    }),
  );

  /** Whether the execution is one of the rollback machine, which restores a stopped execution. */
  function isRollback(execution: { stateMachineArn?: string }): boolean {
    return isRollbackArn(execution.stateMachineArn);
  }

  /** Of a rollback execution, the stopped execution it restores (its input's `executionArn`), by id. */
  function restoredBy(execution: { stateMachineArn?: string; input?: string }) {
    if (!isRollback(execution)) return undefined;
    const stopped = stoppedExecutionOf(execution.input);
    const ref = stopped ? executionRefOf(stopped, service.region, service.account) : undefined;
    return ref ? { executionId: ref.executionId } : undefined;
  }

  /**
   * Refuses (400) to stop a rollback: stopped part-way, it would leave traffic split and the service locked,
   * and its clean-up claim would keep a new rollback from running for hours.
   */
  function refuseRollback(
    executionId: string,
    execution: { stateMachineArn?: string; input?: string },
  ): void {
    if (!isRollback(execution)) return;
    const restored = restoredBy(execution)?.executionId ?? 'a stopped execution';
    throw new ConsoleRouteError(
      400,
      `${executionId} is the rollback of ${restored}: stopping it would leave traffic part-way and the service locked; it must run to its end`,
    );
  }

  /**
   * Refuses (409) to stop a running execution already on its failure path: the stop would halt its rollback
   * part-way, and the rollback machine would repeat it as an abort, losing the failure's own cause.
   */
  async function refuseFailurePath(executionArn: string): Promise<void> {
    const failure = await failureBeingHandled((nextToken) =>
      service.getExecutionHistory({ executionArn, reverseOrder: true, maxResults: 100, nextToken }),
    );
    if (failure)
      throw new ConsoleRouteError(
        409,
        `${abortOnFailurePathText(executionArn, failure)}; let it run to its end`,
      );
  }

  /**
   * The rollback a stopped release started (`rollback:abort-<name>`, or `rollback:abort-<8 hex>-<name>` when
   * another execution's rollback holds that name), if one did: its status, and the traffic weights it set
   * once it set them (what the release's own history last says is the split it was stopped at).
   */
  async function rollbackOf(executionArn: string) {
    const { name, started } = await rollbackOfStop(executionArn, rollbacksIn(service, rollbackMachineArn));
    if (!started) return undefined;
    const { executionId, executionArn: rollbackArn } = await refOf(`${ROLLBACK_MACHINE}:${name}`);
    const { status } = await service.describeExecution({ executionArn: rollbackArn });
    const { weights } = await views.viewOf(rollbackArn);
    return { executionId, status, ...(weights ? { weights } : {}) };
  }
}

function sendAsset(response: ServerResponse, type: string, body: Buffer): void {
  response.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    // Browsers without CSP frame-ancestors.
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

type Operation = (request: IncomingMessage, params: Readonly<Record<string, string>>) => Promise<unknown>;

/** Sends the operation's answer as JSON, or `{ message }` with 400, 403, 404, 413 or 415. */
function answer(operation: Operation) {
  return async (
    request: IncomingMessage,
    response: ServerResponse,
    params: Readonly<Record<string, string>>,
  ) => {
    try {
      sendJson(response, 200, await operation(request, params), JSON_TYPE);
    } catch (error) {
      const [status, message] = failureOf(error);
      sendJson(response, status, { message }, JSON_TYPE);
    }
  };
}

function failureOf(error: unknown): [number, string] {
  if (error instanceof ConsoleRouteError) return [error.status, error.message];
  if (error instanceof ValidationError) return [400, error.message];
  if (error instanceof BodyTooLargeError) return [413, error.message];
  if (error instanceof InvalidJsonBodyError) return [400, error.message];
  if (!(error instanceof StepFunctionsApiError)) throw error;
  if (error.code === 'ExecutionDoesNotExist') return [404, error.message];
  return [400, error.message];
}

/**
 * Refuses an abort another site's page sends (a browser names that page's origin: only the console itself
 * may stop an execution) and one whose body is not declared JSON.
 */
function checkAbortRequest(request: IncomingMessage): void {
  if (fromForeignPage(request)) {
    throw new ConsoleRouteError(
      403,
      `origin ${request.headers.origin} may not stop executions: use the console at http://${request.headers.host}/console`,
    );
  }
  const type = mediaTypeOf(request);
  if (type !== JSON_TYPE) {
    throw new ConsoleRouteError(
      415,
      `content-type must be ${JSON_TYPE} (got ${JSON.stringify(type ?? null)})`,
    );
  }
}
