import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { LambdaResourceNotFoundError } from '#local/errors.ts';
import {
  type LambdaInvocationContext,
  type LambdaRegistry,
  lambdaFunctionName,
} from '#local/lambda-registry.ts';
import { HandlerNotFoundError } from './errors.ts';
import type { ProjectFunction } from './functions.ts';

/** A Lambda handler as the project writes it (middy or plain): `(event, context) => result`. */
type ProjectHandler = (event: unknown, context: LambdaLikeContext) => unknown;

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
 * Each `handler.ts` is imported on its first invocation, so start-up does not load every task's code.
 *
 * @example
 * const lambdas = new ProjectLambdaRegistry(discoverProjectFunctions(process.cwd()));
 * await lambdas.invoke(localFunctionArn('check-rollout'), request, { executionArn });
 */
export class ProjectLambdaRegistry implements LambdaRegistry {
  readonly #functions: ReadonlyMap<string, ProjectFunction>;
  readonly #loaded = new Map<string, Promise<ProjectHandler>>();

  constructor(functions: readonly ProjectFunction[]) {
    this.#functions = new Map(functions.map((f) => [lambdaFunctionName(f.arn), f]));
  }

  /** The function names served, sorted. */
  names(): string[] {
    return [...this.#functions.keys()].sort();
  }

  async invoke(
    functionArnOrName: string,
    payload: unknown,
    context: LambdaInvocationContext,
  ): Promise<unknown> {
    const name = lambdaFunctionName(functionArnOrName);
    const fn = this.#functions.get(name);
    if (!fn) throw new LambdaResourceNotFoundError(`Function not found: ${functionArnOrName}`);
    const handler = await this.#load(name, fn);
    return await handler(payload, lambdaContext(fn, name, context));
  }

  #load(name: string, fn: ProjectFunction): Promise<ProjectHandler> {
    let loaded = this.#loaded.get(name);
    if (!loaded) {
      loaded = importHandler(fn.handlerFile);
      // A failed import is retried on the next invocation (the file may be fixed meanwhile).
      loaded.catch(() => this.#loaded.delete(name));
      this.#loaded.set(name, loaded);
    }
    return loaded;
  }
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
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}
