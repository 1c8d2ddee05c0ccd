/**
 * The web console of the local runtime, on the API server: `GET /console` (a page that lists the
 * executions and follows one: states, traffic weights, analysis verdicts, approve / reject / abort) and
 * the JSON it reads, under `/console/api/`.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { executionArnOf } from '#core/api-routes.ts';
import { ROLLBACK_MACHINE, rollbackExecutionName } from '#core/rollback.ts';
import { BodyTooLargeError, ConsoleRouteError, InvalidJsonBodyError } from '../api/errors.ts';
import { fromForeignPage, mediaTypeOf, readJsonBody, sendJson } from '../api/http-io.ts';
import type { LocalApiServer } from '../api/server.ts';
import type { LocalStepFunctions } from '../service.ts';
import { StepFunctionsApiError } from '../service-errors.ts';
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
>;

/** How many executions the list shows, newest first. */
export const CONSOLE_LIST_LIMIT = 100;

const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
/** The page loads only its own script and style: names and causes shown in it cannot run code. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'";
const JSON_TYPE = 'application/json';

/**
 * Adds the console's routes to `server`; `GET /` redirects to it.
 *
 * @example
 * registerConsoleRoutes(server, { service });   // then open http://127.0.0.1:8083/console
 */
export function registerConsoleRoutes(
  server: LocalApiServer,
  options: { readonly service: ConsoleService },
): void {
  const { service } = options;
  const views = new ExecutionViews((input) => service.getExecutionHistory(input), service.clock.scale);
  const arnOf = (executionId: string) => {
    // An execution id is `<state machine>:<execution name>`, the part of the ARN after `:execution:`.
    if (!/^[^:]+:[^:]+$/.test(executionId)) {
      throw new ConsoleRouteError(
        400,
        `executionId must be <state machine>:<execution name>, e.g. canary:checkout-v2 (got ${JSON.stringify(executionId)})`,
      );
    }
    return executionArnOf(executionId, service.region, service.account);
  };
  for (const [file, type] of Object.entries(ASSETS)) {
    const body = readFileSync(new URL(`./assets/${file}`, import.meta.url));
    const path = file === 'index.html' ? '/console' : `/console/${file}`;
    server.addRoute('GET', path, (_request, response) => sendAsset(response, type, body));
  }
  server.addRoute('GET', '/', (_request, response) => {
    response.writeHead(302, { location: '/console' });
    response.end();
  });
  server.addRoute(
    'GET',
    '/console/api/executions',
    answer(async () => ({ executions: await listExecutions(service) })),
  );
  server.addRoute(
    'GET',
    '/console/api/executions/:executionId',
    answer(async (_request, { executionId = '' }) => {
      const executionArn = arnOf(executionId);
      const execution = await service.describeExecution({ executionArn });
      const rollback = execution.status === 'ABORTED' ? await rollbackOf(executionArn) : undefined;
      return {
        execution: { ...execution, executionId },
        ...(await views.viewOf(executionArn)),
        ...(rollback ? { rollback } : {}),
      };
    }),
  );
  server.addRoute(
    'POST',
    '/console/api/executions/:executionId/abort',
    answer(async (request, { executionId = '' }) => {
      checkAbortRequest(request);
      const { reason } = await readAbortBody(request);
      await service.stopExecution({
        executionArn: arnOf(executionId),
        error: 'Aborted',
        cause: reason ?? 'aborted from the console',
      });
      return { executionId, status: 'ABORTED' };
    }),
  );

  /** The rollback a stopped release started (`rollback:abort-<name>`), if one did. */
  async function rollbackOf(executionArn: string) {
    const executionId = `${ROLLBACK_MACHINE}:${rollbackExecutionName(executionArn)}`;
    try {
      const { status } = await service.describeExecution({ executionArn: arnOf(executionId) });
      return { executionId, status };
    } catch (error) {
      if (error instanceof StepFunctionsApiError && error.code === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }
}

/** The newest executions of every state machine, newest first. */
async function listExecutions(
  service: ConsoleService,
): Promise<(ExecutionListItem & { executionId: string })[]> {
  const { stateMachines = [] } = await service.listStateMachines({ maxResults: 1000 });
  const pages = await Promise.all(
    stateMachines.map((machine) =>
      service.listExecutions({ stateMachineArn: machine.stateMachineArn, maxResults: CONSOLE_LIST_LIMIT }),
    ),
  );
  return pages
    .flatMap((page) => page.executions ?? [])
    .sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0))
    .slice(0, CONSOLE_LIST_LIMIT)
    .map((item) => ({ ...item, executionId: item.executionArn!.split(':execution:')[1]! }));
}

function sendAsset(response: ServerResponse, type: string, body: Buffer): void {
  response.writeHead(200, {
    'content-type': type,
    'content-length': body.length,
    'cache-control': 'no-store',
    'content-security-policy': CONTENT_SECURITY_POLICY,
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

/** The abort body: `{ "reason"?: string }`. */
async function readAbortBody(request: IncomingMessage): Promise<{ reason?: string }> {
  const body = await readJsonBody(request, 64 * 1024);
  const reason = (body as { reason?: unknown } | null)?.reason;
  if (typeof body !== 'object' || body === null || (reason !== undefined && typeof reason !== 'string')) {
    throw new ConsoleRouteError(400, 'body: must be {"reason"?: string}');
  }
  return reason === undefined || reason === '' ? {} : { reason };
}
