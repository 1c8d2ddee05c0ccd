/**
 * A getter that runs `build` on its first call and gives every later call the same promise; a build that
 * fails is run again on the next call (a cold function's first AWS call may hit a throttle).
 *
 * @example
 * const client = onFirstUse(async () => new (await import('@aws-sdk/client-sns')).SNSClient({}));
 * await (await client()).send(command);
 */
export function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}
