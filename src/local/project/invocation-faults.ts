import { AsyncLocalStorage } from 'node:async_hooks';
import { inspect } from 'node:util';

/**
 * A promise rejection no code of the invocation handled: Lambda's Node.js runtime fails the invocation with
 * `Runtime.UnhandledPromiseRejection`, the reason as its message (`Error: background failure`).
 */
class UnhandledPromiseRejectionError extends Error {
  constructor(reason: unknown) {
    super(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
    this.name = 'Runtime.UnhandledPromiseRejection';
  }
}

/** One invocation in flight: what fails it when code it started throws outside its promise chain. */
interface Invocation {
  readonly functionName: string;
  settled: boolean;
  fail(error: unknown): void;
}

const invocations = new AsyncLocalStorage<Invocation>();
let listening = false;

/**
 * Runs one invocation of a project's handler so that an error it leaves behind fails that invocation, not
 * the runtime: an unhandled promise rejection (`Runtime.UnhandledPromiseRejection`) or an exception thrown
 * in a callback it scheduled (the exception itself), as Lambda's Node.js runtime reports them. Such an error
 * after the invocation ended is logged. The process's own errors, outside any invocation, still end it, as
 * Node's defaults do, unless another listener (a test runner's) takes them.
 *
 * @example
 * const result = await guardInvocation('cutover-check-rollout', () => handler(event, context));
 */
export function guardInvocation<T>(functionName: string, invoke: () => Promise<T>): Promise<T> {
  listenOnce();
  return new Promise<T>((resolve, reject) => {
    const invocation: Invocation = {
      functionName,
      settled: false,
      fail: (error) => {
        if (invocation.settled) return lateError(functionName, error);
        invocation.settled = true;
        reject(error);
      },
    };
    invocations.run(invocation, () =>
      invoke().then(
        (result) => {
          if (invocation.settled) return;
          invocation.settled = true;
          resolve(result);
        },
        (error: unknown) => invocation.fail(error),
      ),
    );
  });
}

function listenOnce(): void {
  if (listening) return;
  listening = true;
  process.on('unhandledRejection', (reason) => {
    const invocation = invocations.getStore();
    if (invocation) invocation.fail(new UnhandledPromiseRejectionError(reason));
    else if (process.listenerCount('unhandledRejection') === 1) crash(reason);
  });
  process.on('uncaughtException', (error) => {
    const invocation = invocations.getStore();
    if (invocation) invocation.fail(error);
    else if (process.listenerCount('uncaughtException') === 1) crash(error);
  });
}

function lateError(functionName: string, error: unknown): void {
  process.stderr.write(
    `[cutover] ${functionName}: an error after its invocation ended, ignored: ${inspect(error)}\n`,
  );
}

/** What Node does with an error nobody takes: print it and exit 1. */
function crash(error: unknown): never {
  process.stderr.write(`${inspect(error)}\n`);
  process.exit(1);
}
