/** The HTTP part of an AWS service integration's result, as Step Functions puts it in the task's result. */
export interface SdkHttpMetadata {
  AllHttpHeaders: Record<string, string[]>;
  HttpHeaders: Record<string, string>;
  HttpStatusCode: number;
}

/**
 * `SdkHttpMetadata` for a service's answer: `AllHttpHeaders` lists each header's values in the order the
 * service sent them (`headers`' order), `HttpHeaders` holds each header's value sorted by name regardless of
 * case, as AWS-recorded results show.
 */
export function sdkHttpMetadata(
  headers: readonly (readonly [string, string])[],
  status: number,
): SdkHttpMetadata {
  const byName = [...headers].sort(([a], [b]) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  return {
    AllHttpHeaders: Object.fromEntries(headers.map(([name, value]) => [name, [value]])),
    HttpHeaders: Object.fromEntries(byName),
    HttpStatusCode: status,
  };
}

/**
 * The `SdkHttpMetadata` of an SNS or Step Functions answer of `body`: their headers, in their order, as
 * AWS-recorded results show them.
 */
export function serviceAnswerMetadata(answer: {
  requestId: string;
  body: string;
  contentType: string;
  now: number;
}): SdkHttpMetadata {
  return sdkHttpMetadata(
    [
      ['x-amzn-RequestId', answer.requestId],
      ['connection', 'keep-alive'],
      ['Content-Length', String(Buffer.byteLength(answer.body))],
      ['Date', new Date(answer.now).toUTCString()],
      ['Content-Type', answer.contentType],
    ],
    200,
  );
}
