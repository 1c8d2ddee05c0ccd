import { LambdaResourceNotFoundError } from './errors.ts';

/** What the runtime tells a function about the invocation. */
export interface LambdaInvocationContext {
  readonly executionArn: string;
  /** Set for `.waitForTaskToken` tasks (also available to the payload as `$$.Task.Token`). */
  readonly taskToken?: string;
  /** The invocation's request id (`context.awsRequestId`), when the caller answers with it; a new one otherwise. */
  readonly requestId?: string;
}

/**
 * Resolves Lambda function ARNs and names to in-process handlers. A handler's thrown `Error.name` becomes
 * the task's error; an unknown function throws `LambdaResourceNotFoundError` (`Lambda.ResourceNotFoundException`).
 */
export interface LambdaRegistry {
  invoke(functionArnOrName: string, payload: unknown, context: LambdaInvocationContext): Promise<unknown>;
  /** Whether the function exists (what a `DryRun` invocation checks). */
  has(functionArnOrName: string): boolean;
}

/** An in-process Lambda handler. */
export type LocalLambdaHandler = (payload: unknown, context: LambdaInvocationContext) => unknown;

/**
 * The function name in a Lambda ARN, partial ARN (`123456789012:function:name`), `name:alias` or plain name.
 *
 * @example
 * lambdaFunctionName('arn:aws:lambda:us-east-1:000000000000:function:cutover-check-rollout:live'); // 'cutover-check-rollout'
 */
export function lambdaFunctionName(functionArnOrName: string): string {
  const parts = functionArnOrName.split(':');
  const functionIndex = parts.indexOf('function');
  if (functionIndex >= 0 && parts[functionIndex + 1]) return parts[functionIndex + 1]!;
  return parts[0]!;
}

/**
 * The version a Lambda Invoke of `functionArnOrName` reports it ran (`X-Amz-Executed-Version`): the version its
 * qualifier names (`name:3`), else `$LATEST` (the local runtime has one version of each function, which an
 * alias names too).
 *
 * @example
 * executedLambdaVersion('arn:aws:lambda:us-east-1:000000000000:function:cutover-check-rollout:7'); // '7'
 */
export function executedLambdaVersion(functionArnOrName: string): string {
  const parts = functionArnOrName.split(':');
  const functionIndex = parts.indexOf('function');
  const qualifier = functionIndex >= 0 ? parts[functionIndex + 2] : parts[1];
  return qualifier !== undefined && /^[1-9]\d*$/.test(qualifier) ? qualifier : '$LATEST';
}

/**
 * A registry backed by a map of function name -> handler.
 *
 * @example
 * const lambdas = new MapLambdaRegistry({ 'cutover-add': (payload) => ({ sum: 1 + 1 }) });
 * await lambdas.invoke('arn:aws:lambda:us-east-1:000000000000:function:cutover-add', {}, { executionArn });
 */
export class MapLambdaRegistry implements LambdaRegistry {
  readonly #handlers = new Map<string, LocalLambdaHandler>();

  constructor(handlers: Record<string, LocalLambdaHandler> = {}) {
    for (const [name, handler] of Object.entries(handlers)) this.register(name, handler);
  }

  /** Registers (or replaces) the handler of function `name`. */
  register(name: string, handler: LocalLambdaHandler): void {
    this.#handlers.set(lambdaFunctionName(name), handler);
  }

  has(functionArnOrName: string): boolean {
    return this.#handlers.has(lambdaFunctionName(functionArnOrName));
  }

  /** The registered function names, sorted. */
  names(): string[] {
    return [...this.#handlers.keys()].sort();
  }

  async invoke(
    functionArnOrName: string,
    payload: unknown,
    context: LambdaInvocationContext,
  ): Promise<unknown> {
    const name = lambdaFunctionName(functionArnOrName);
    const handler = this.#handlers.get(name);
    if (!handler) {
      throw new LambdaResourceNotFoundError(`Function not found: ${functionArnOrName}`);
    }
    return await handler(payload, context);
  }
}

/**
 * `registry` with one more function, `name`, served by `handler` (TestState's mock of a task's result).
 *
 * @example
 * const lambdas = withFunction(registry, 'cutover-test-state-mock', () => ({ Payload: 'mocked' }));
 */
export function withFunction(
  registry: LambdaRegistry,
  name: string,
  handler: LocalLambdaHandler,
): LambdaRegistry {
  const served = (functionArnOrName: string) => lambdaFunctionName(functionArnOrName) === name;
  return {
    has: (functionArnOrName) => served(functionArnOrName) || registry.has(functionArnOrName),
    invoke: async (functionArnOrName, payload, context) =>
      served(functionArnOrName)
        ? handler(payload, context)
        : registry.invoke(functionArnOrName, payload, context),
  };
}
