import type { SFNClient } from '@aws-sdk/client-sfn';

/** The media type of every Step Functions answer (the AWS JSON 1.0 protocol), errors included. */
const STEP_FUNCTIONS_TYPE = 'application/x-amz-json-1.0';

/**
 * A successful HTTP answer that is not Step Functions': `$metadata` as the SDK's errors carry it and no
 * `$fault`, so that `isForeignAnswer` and `describeFailedCall` tell it as another server's answer.
 */
class ForeignAnswerError extends Error {
  readonly $metadata: { readonly httpStatusCode?: number };

  constructor(status: number | undefined, contentType: string | undefined) {
    super(`HTTP ${status} answered with ${contentType ?? 'no content type'}, not ${STEP_FUNCTIONS_TYPE}`);
    this.name = 'ForeignAnswerError';
    this.$metadata = { httpStatusCode: status };
  }
}

/**
 * Makes a Step Functions client refuse a successful answer that does not say `application/x-amz-json-1.0`:
 * another server answering 200 to any POST (a service's proxy given as `--endpoint`) would otherwise read as
 * a Step Functions with no state machines and no executions, and `plan` would call the next release a first.
 *
 * @example
 * const sfn = refuseForeignAnswers(new SFNClient({ endpoint }));
 */
export function refuseForeignAnswers(client: SFNClient): SFNClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const { statusCode, headers = {} } = result.response as {
        statusCode?: number;
        headers?: Record<string, string>;
      };
      const type = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      if (!type?.toLowerCase().startsWith(STEP_FUNCTIONS_TYPE))
        throw new ForeignAnswerError(statusCode, type);
      return result;
    },
    { step: 'deserialize', priority: 'high', name: 'cutoverForeignAnswers' },
  );
  return client;
}
