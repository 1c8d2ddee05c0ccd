import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import * as z from 'zod';
import { CutoverError, ValidationError } from '#core/errors.ts';
import { releaseSchema, serviceSchema } from '#core/schemas/common.ts';
import {
  type DeploymentRequest,
  parseWith,
  readAdmittedRequest,
  STRATEGIES,
  type Strategy,
  validateRequest,
} from '#core/schemas/index.ts';

/** The one logger of the task functions (JSON lines, Lambda context fields injected). */
export const logger = new Logger({ serviceName: 'cutover' });

/** Fields every task receives from the state machine: the strategy, the request and the execution. */
const taskEnvelope = {
  strategy: z.enum(STRATEGIES),
  request: z.unknown(),
  executionArn: z.string().min(1),
};

/** An error as a state's `Catch` records it, which tasks may be given (`error`, `rollbackError`). */
export const stateErrorSchema = z.object({ Error: z.string(), Cause: z.string().optional() });

/** Traffic weights by track, as tasks are given them (`{ stable: 90, canary: 10 }`). */
export const weightsSchema = z.record(z.string(), z.number());

/** What a task gets: its own fields plus the normalized request. */
export type TaskInput<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>> & {
  readonly strategy: Strategy;
  readonly request: DeploymentRequest;
  readonly executionArn: string;
};

/** How a task gets its request: admitted (`validateRequest`) or read as admitted (`readAdmittedRequest`). */
type ReadRequest = (strategy: Strategy, request: unknown) => DeploymentRequest;

/** Parses the task's payload, then normalizes the request with `readRequest`. */
function parseTaskInput<Shape extends z.ZodRawShape>(
  shape: Shape,
  event: unknown,
  what: string,
  readRequest: ReadRequest,
): TaskInput<Shape> {
  const parsed = parseWith(z.object({ ...taskEnvelope, ...shape }), event, what) as Record<
    string,
    unknown
  > & {
    strategy: Strategy;
    request: unknown;
  };
  return { ...parsed, request: readRequest(parsed.strategy, parsed.request) } as TaskInput<Shape>;
}

/**
 * Gives a thrown value the name the state machine matches: non-errors become `Error`s, and errors
 * whose class forgot to set `name` get the class name.
 */
export function toTaskError(thrown: unknown): Error {
  const error =
    thrown instanceof Error
      ? thrown
      : new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
  if (error.name === 'Error' && error.constructor.name !== 'Error') error.name = error.constructor.name;
  return error;
}

/**
 * Logs a task's failure: a Cutover error (a named outcome the state machine handles, such as
 * AnalysisFailed or HookFailed) as a warning with its message, anything else as an error with its stack.
 */
export function logTaskFailure(error: Error): void {
  if (error instanceof CutoverError) {
    logger.warn('task failed', { errorName: error.name, errorMessage: error.message });
  } else {
    logger.error('task failed', { errorName: error.name, error });
  }
}

const errorNames = (): MiddlewareObj => ({
  onError: async (request) => {
    const error = toTaskError(request.error);
    logTaskFailure(error);
    request.error = error;
  },
});

/**
 * Builds a task function of a release already admitted: Powertools logger with the Lambda context, the
 * payload checked against `shape` (plus `strategy`, `request`, `executionArn`) with a `ValidationError`
 * naming every bad field, the request read as admitted (`readAdmittedRequest`: admission rules added since
 * do not stop a running release), and thrown errors keeping their `name` so `Retry`/`Catch` can match it.
 *
 * @example
 * export const handler = taskHandler('cleanup', { track: z.string() }, async ({ request, track }) => {
 *   await createCluster(request.cluster).remove(request.service, track);
 *   return { removed: track };
 * });
 */
export function taskHandler<Shape extends z.ZodRawShape, Result>(
  name: string,
  shape: Shape,
  task: (input: TaskInput<Shape>) => Promise<Result>,
) {
  return releaseTaskHandler(name, shape, task, readAdmittedRequest);
}

/** What a notice says of a release: its service and version (a request that is not one still names them). */
const noticeSubjectSchema = z.object({
  service: serviceSchema,
  release: z.object({ version: releaseSchema.shape.version }),
});

/**
 * Reads the request as admitted, or, for one that does not read as a request (ValidateRequest rejected it,
 * say `rolling.maxSurge: -1` sent past the CLI), just its service and version, which is all a notice reads
 * of it; throws the request's `ValidationError` when even those are amiss.
 */
function readRequestForNotice(strategy: Strategy, request: unknown): DeploymentRequest {
  try {
    return readAdmittedRequest(strategy, request);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const subject = noticeSubjectSchema.safeParse(request);
    if (!subject.success) throw error;
    return subject.data as DeploymentRequest;
  }
}

/**
 * Builds the task function that publishes a release's events (Notify): a {@link taskHandler} that also
 * reports a request it cannot read in full, by its service and version (the `Failed` of a rejected request).
 *
 * @example
 * export const handler = noticeHandler('notify', { type: z.string() }, async (input) => publish(input));
 */
export function noticeHandler<Shape extends z.ZodRawShape, Result>(
  name: string,
  shape: Shape,
  task: (input: TaskInput<Shape>) => Promise<Result>,
) {
  return releaseTaskHandler(name, shape, task, readRequestForNotice);
}

/**
 * Builds the task function that admits a release (ValidateRequest): a {@link taskHandler} whose request is
 * checked with `validateRequest`, admission rules included.
 *
 * @example
 * export const handler = admitHandler('validate-request', {}, async ({ request }) => ({ request }));
 */
export function admitHandler<Shape extends z.ZodRawShape, Result>(
  name: string,
  shape: Shape,
  task: (input: TaskInput<Shape>) => Promise<Result>,
) {
  return releaseTaskHandler(name, shape, task, validateRequest);
}

function releaseTaskHandler<Shape extends z.ZodRawShape, Result>(
  name: string,
  shape: Shape,
  task: (input: TaskInput<Shape>) => Promise<Result>,
  readRequest: ReadRequest,
) {
  return functionHandler<Result>(async (event: unknown) => {
    const input = parseTaskInput(shape, event, `${name} input`, readRequest);
    logger.appendKeys({
      task: name,
      target: `${input.request.service.namespace}/${input.request.service.name}`,
    });
    return task(input);
  });
}

/**
 * Builds a function whose payload is not a release's (no strategy or request): the same logger and error
 * names as {@link taskHandler}, the payload checked against `shape` alone.
 *
 * @example
 * export const handler = plainTaskHandler('claim-rollback', { executionArn: z.string() }, async ({ executionArn }) => ...);
 */
export function plainTaskHandler<Shape extends z.ZodRawShape, Result>(
  name: string,
  shape: Shape,
  task: (input: z.output<z.ZodObject<Shape>>) => Promise<Result>,
) {
  return functionHandler<Result>(async (event: unknown) => {
    const input = parseWith(z.object(shape), event, `${name} input`) as z.output<z.ZodObject<Shape>>;
    logger.appendKeys({ task: name });
    return task(input);
  });
}

function functionHandler<Result>(run: (event: unknown) => Promise<Result>) {
  return middy<unknown, Result>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(errorNames())
    .handler(run);
}
