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
