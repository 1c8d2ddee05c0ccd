import { asAdapterError, isTransientAwsError } from '../aws-errors.ts';

/** How ELBv2 calls are retried on throttling and 5xx (ELBv2 rate limits are low and shared per account). */
export interface Elbv2RetryOptions {
  /** Attempts in all, the first included. @default 5 */
  readonly attempts?: number;
  /** Delay before the second attempt; doubles each time. @default 200 */
  readonly baseDelayMs?: number;
}

/**
 * Runs one ELBv2 call, retrying throttling and 5xx with exponential backoff; still failing, it surfaces as
 * `TransientAdapterError` naming the operation. Other errors pass through unchanged, with their reason.
 *
 * @example
 * const rules = await callElbv2('elasticloadbalancing:DescribeRules', () => elbv2.send(new DescribeRulesCommand({ ListenerArn })));
 */
export async function callElbv2<T>(
  operation: string,
  call: () => Promise<T>,
  retry: Elbv2RetryOptions = {},
): Promise<T> {
  const attempts = retry.attempts ?? 5;
  const baseDelayMs = retry.baseDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isTransientAwsError(error) || attempt >= attempts) throw asAdapterError(error, operation);
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** (attempt - 1)));
    }
  }
}
