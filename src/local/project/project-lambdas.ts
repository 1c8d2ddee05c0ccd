import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import {
  type LambdaInvocationContext,
  lambdaFunctionName,
  MapLambdaRegistry,
} from '#local/lambda-registry.ts';
import { HandlerNotFoundError } from './errors.ts';
import type { ProjectFunction } from './functions.ts';
import { guardInvocation } from './invocation-faults.ts';
import { inInvocationScope } from './invocation-scope.ts';

/**
 * A Lambda handler as the project writes it (middy or plain): `(event, context) => result`, or
 * `(event, context, callback)`, which answers through the callback.
 */
type ProjectHandler = (event: unknown, context: LambdaLikeContext, callback?: LambdaCallback) => unknown;
type LambdaCallback = (error?: unknown, result?: unknown) => void;

/** The fields of the AWS Lambda `Context` that handlers and Powertools read, plus the runtime's own. */
export interface LambdaLikeContext extends LambdaInvocationContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** What a Lambda function may run for at most, as in AWS. */
const MAX_LAMBDA_MILLIS = 900_000;

/**
 * Invokes the project's Lambda handlers in-process, by local ARN or function name (`cutover-<verb-noun>`).
 * Each `handler.ts` is imported on its first invocation, so start-up does not load every task's code. With
 * `discover`, a function asked for that is not registered is looked for again (one added to `lambdas/`
 * while the runtime runs).
 *
 * @example
 * const lambdas = new ProjectLambdaRegistry(discoverProjectFunctions(root), () => discoverProjectFunctions(root));
 * await lambdas.invoke(localFunctionArn('check-rollout'), request, { executionArn });
 */
export class ProjectLambdaRegistry extends MapLambdaRegistry {
  readonly #discover: (() => readonly ProjectFunction[]) | undefined;

  constructor(functions: readonly ProjectFunction[], discover?: () => readonly ProjectFunction[]) {
    super();
    this.#discover = discover;
    for (const fn of functions) this.#registerFunction(fn);
  }

  override has(functionArnOrName: string): boolean {
    this.#registerAdded(functionArnOrName);
    return super.has(functionArnOrName);
  }

  override invoke(
    functionArnOrName: string,
    payload: unknown,
    context: LambdaInvocationContext,
  ): Promise<unknown> {
    this.#registerAdded(functionArnOrName);
    return super.invoke(functionArnOrName, payload, context);
  }

  /** Registers the functions added to the project since, when `functionArnOrName` is not registered. */
  #registerAdded(functionArnOrName: string): void {
    if (!this.#discover || super.has(functionArnOrName)) return;
    for (const fn of this.#discover()) if (!super.has(fn.arn)) this.#registerFunction(fn);
  }

  #registerFunction(fn: ProjectFunction): void {
    const name = lambdaFunctionName(fn.arn);
    let loaded: Promise<ProjectHandler> | undefined;
    this.register(name, async (payload, context) => {
      if (!loaded) {
        loaded = importHandler(fn.handlerFile);
        // A failed import is retried on the next invocation (the file may be fixed meanwhile).
        loaded.catch(() => {
          loaded = undefined;
        });
      }
      const handler = await loaded;
      const invocation = lambdaContext(fn, name, context);
      return await inInvocationScope(invocation.awsRequestId, () =>
        guardInvocation(name, () => callHandler(handler, payload, invocation)),
      ).catch(withCredentialsHint);
    });
  }
}

/**
 * Rethrows a task's error; the AWS SDK's `CredentialsProviderError` (`Could not load credentials from any
 * providers`) with what it means here: the tasks call AWS with the credentials of cutover local's own
 * environment, for a request that names AWS parts.
 */
function withCredentialsHint(error: unknown): never {
  if (error instanceof Error && error.name === 'CredentialsProviderError') {
    error.message =
      `${error.message}: the request names AWS parts (an eks cluster, an AWS router, CloudWatch or ` +
      "Prometheus metrics, a database secret) and cutover local's environment has no AWS credentials for " +
      'its tasks: start cutover local with AWS_PROFILE set (or after `aws sso login`), or use local parts ' +
      '(cluster, traffic and metrics of type local)';
  }
  throw error;
}

/**
 * Calls `handler` as Lambda's Node.js runtime does: a handler that declares a third parameter gets a
 * callback, and answers through it (or through the promise it returns, whichever comes first).
 */
function callHandler(handler: ProjectHandler, event: unknown, context: LambdaLikeContext): Promise<unknown> {
  if (handler.length < 3) return Promise.resolve(handler(event, context));
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) =>
      error === undefined || error === null ? resolve(result) : reject(error),
    );
    if (returned instanceof Promise) returned.then(resolve, reject);
  });
}

async function importHandler(handlerFile: string): Promise<ProjectHandler> {
  const module = (await import(pathToFileURL(handlerFile).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new HandlerNotFoundError(handlerFile);
  return module.handler as ProjectHandler;
}

function lambdaContext(
  fn: ProjectFunction,
  name: string,
  invocation: LambdaInvocationContext,
): LambdaLikeContext {
  const deadline = Date.now() + MAX_LAMBDA_MILLIS;
  return {
    ...invocation,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '128',
    awsRequestId: invocation.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
