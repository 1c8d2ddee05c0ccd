import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

let scopes: Promise<InvokeStoreBase> | undefined;

/**
 * Runs one local invocation in its own Lambda invocation context, as Lambda runs invocations that share an
 * execution environment (`AWS_LAMBDA_MAX_CONCURRENCY`): Powertools then keeps a logger's keys and Lambda
 * context per invocation, so tasks running at once in this process do not log each other's names.
 *
 * @example
 * await inInvocationScope(context.awsRequestId, () => handler(event, context));
 */
export async function inInvocationScope<T>(requestId: string, invoke: () => Promise<T>): Promise<T> {
  scopes ??= InvokeStore.getInstanceAsync(true).then((store) => {
    // Powertools reads only whether it is set; the local runtime itself sets no limit.
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(Number.MAX_SAFE_INTEGER);
    return store;
  });
  const store = await scopes;
  return await store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
