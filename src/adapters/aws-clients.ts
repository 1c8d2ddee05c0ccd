import { onFirstUse } from './first-use.ts';

/** An AWS SDK v3 client, as far as the adapters use it. */
interface SdkClient {
  send(...args: never[]): Promise<unknown>;
}

/**
 * An AWS SDK client built on its first `send`. `build` imports the client package with `await import()`:
 * the task bundles keep `@aws-sdk/*` external and esbuild leaves dynamic imports in place, so a function
 * loads an SDK package when it first calls that service, not at cold start. The client is the SDK's own
 * class, so `aws-sdk-client-mock`'s `mockClient(XClient)` intercepts it as usual.
 *
 * @example
 * const client = clientOnFirstSend(async () => new (await import('@aws-sdk/client-sns')).SNSClient({ region }));
 * await client.send(new (await import('@aws-sdk/client-sns')).PublishCommand({ TopicArn, Message }));
 */
export function clientOnFirstSend<Client extends SdkClient>(
  build: () => Promise<Client>,
): Pick<Client, 'send'> {
  const client = onFirstUse(build);
  const send = async (...args: never[]) => (await client()).send(...args);
  return { send } as unknown as Pick<Client, 'send'>;
}
