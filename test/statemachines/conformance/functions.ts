import { MapLambdaRegistry } from '#local/lambda-registry.ts';

/** An error with a chosen `name`, as a Lambda function throws it. */
function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface TokenWaiter {
  promise: Promise<string>;
  resolve: (token: string) => void;
}

/**
 * The Lambda functions the conformance definitions call, registered under plain names (`echo`, `fail`, ...).
 * `flaky` counts attempts per `key`; `capture-token` hands its task token to the case's driver.
 */
export class ConformanceFunctions {
  readonly #attempts = new Map<string, number>();
  readonly #tokens = new Map<string, TokenWaiter>();

  readonly registry = new MapLambdaRegistry({
    echo: (payload) => payload,
    add: (payload) => {
      const { a, b } = payload as { a: number; b: number };
      return a + b;
    },
    greet: (payload) => `Hello, ${(payload as { who: string }).who}!`,
    big: (payload) => 'x'.repeat((payload as { size: number }).size),
    fail: (payload) => {
      const { error, cause } = (payload ?? {}) as { error?: string; cause?: string };
      throw namedError(error ?? 'CustomError', cause ?? 'This is a custom error');
    },
    flaky: (payload) => {
      const { key, failures, error } = payload as { key: string; failures: number; error?: string };
      const attempt = (this.#attempts.get(key) ?? 0) + 1;
      this.#attempts.set(key, attempt);
      if (attempt <= failures) throw namedError(error ?? 'TransientError', `attempt ${attempt} failed`);
      return { attempts: attempt };
    },
    hang: () => new Promise(() => {}),
    'capture-token': (payload) => {
      const { key, token } = payload as { key: string; token: string };
      this.#waiter(key).resolve(token);
      return {};
    },
  });

  /** The task token that `capture-token` received for `key` (waits until it arrives). */
  taskToken(key: string): Promise<string> {
    return this.#waiter(key).promise;
  }

  #waiter(key: string): TokenWaiter {
    let waiter = this.#tokens.get(key);
    if (!waiter) {
      let resolve!: (token: string) => void;
      const promise = new Promise<string>((r) => {
        resolve = r;
      });
      waiter = { promise, resolve };
      this.#tokens.set(key, waiter);
    }
    return waiter;
  }
}
