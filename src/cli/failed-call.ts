import { STATUS_CODES } from 'node:http';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { CONNECTION_TIMEOUT_MS, REQUEST_TIMEOUT_MS, type SdkClient } from './call-timeouts.ts';

/** Where a client's calls go, for the hint of one that fails. */
export interface CallSite {
  /** AWS itself (`--aws`), not the local runtime. */
  readonly aws: boolean;
  /** What named the endpoint (`--endpoint`, `CUTOVER_ENDPOINT`); undefined: AWS's own, or the local runtime. */
  readonly namedBy?: string;
}

/** A call that failed: the operation, where it went, and the client's service. */
interface FailedCall {
  readonly operation: string;
  readonly service: string;
  readonly endpoint: string;
  readonly region?: string;
  readonly site: CallSite;
}

/** What the SDK's errors carry: an answer's HTTP status and fault, or a socket's error code. */
interface SdkFailure {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly $fault?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** The errors of calls that failed, with the call: the errors themselves stay as the SDK threw them. */
const failedCalls = new WeakMap<object, FailedCall>();

/**
 * Makes a client record which call each of its errors comes from, for {@link describeFailedCall}. The error
 * is thrown unchanged: `watch` tells an endpoint that does not answer by it.
 *
 * @example
 * const sfn = withFailedCalls(new SFNClient({ endpoint }), { aws: false, namedBy: '--endpoint' });
 */
export function withFailedCalls<Client extends SdkClient>(client: Client, site: CallSite): Client {
  const sdk = client as unknown as SFNClient;
  sdk.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const url = context.endpointV2?.url;
        if (url !== undefined && error instanceof Object) {
          failedCalls.set(error, {
            operation: context.commandName?.replace(/Command$/, '') ?? 'a call',
            service: context.clientName?.replace(/Client$/, '') ?? 'the service',
            endpoint: url.href.replace(/\/$/, ''),
            region: site.aws ? await sdk.config.region().catch(() => undefined) : undefined,
            site,
          });
        }
        throw error;
      }
    },
    { step: 'initialize', name: 'cutoverFailedCalls' },
  );
  return client;
}

/**
 * The one line that says which call failed, where, and what to check (`ListExecutions at https://... (eu-west-1)
 * failed: HTTP 502 Bad Gateway (not a Step Functions answer: is a proxy in the way, or is --endpoint right?)`);
 * undefined for an error no client of {@link withFailedCalls} threw.
 */
export function describeFailedCall(error: unknown): string | undefined {
  const call = error instanceof Object ? failedCalls.get(error) : undefined;
  if (call === undefined) return undefined;
  const where = `${call.operation} at ${call.endpoint}${call.region ? ` (${call.region})` : ''}`;
  return oneLine(`${where} failed: ${whatFailed(error as SdkFailure, call)}`);
}

/**
 * Where the call `error` comes from went: its endpoint, and whether that is AWS (`--aws`); undefined for an
 * error no client of {@link withFailedCalls} threw.
 *
 * @example
 * const where = failedCallSite(error)?.endpoint ?? 'the endpoint';
 */
export function failedCallSite(
  error: unknown,
): { readonly endpoint: string; readonly aws: boolean } | undefined {
  const call = error instanceof Object ? failedCalls.get(error) : undefined;
  return call && { endpoint: call.endpoint, aws: call.site.aws };
}

/**
 * Whether `error` is an HTTP answer the SDK found no error of the service in: a proxy's, another server's
 * (an HTML page, an empty body), not the service's own error.
 *
 * @example
 * if (isForeignAnswer(error)) throw error; // the endpoint is not Step Functions
 */
export function isForeignAnswer(error: unknown): boolean {
  const { $metadata, $fault, name } = (error ?? {}) as Partial<SdkFailure>;
  // No `$fault`, or one named `Unknown`.
  return $metadata?.httpStatusCode !== undefined && ($fault === undefined || name === 'Unknown');
}

/**
 * Why a call failed, in a few words, for a line that says the rest: the socket's code (`ECONNREFUSED`), the
 * HTTP status of an answer that is not the service's (`HTTP 503 Service Unavailable`), the service's error
 * (`InternalFailure (HTTP 500)`), else the error's message on one line.
 *
 * @example
 * warn(`the endpoint does not answer (${failureInBrief(error)})`);
 */
export function failureInBrief(error: unknown): string {
  const failure = (error ?? {}) as Partial<SdkFailure>;
  const status = failure.$metadata?.httpStatusCode;
  if (failure.code !== undefined) return failure.code;
  if (status !== undefined)
    return isForeignAnswer(error) ? httpStatus(status) : `${failure.name} (HTTP ${status})`;
  return oneLine(failure.message ?? String(error));
}

/** `HTTP 502 Bad Gateway`: a status with its reason phrase, when it has one. */
function httpStatus(status: number): string {
  return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd();
}

/** `text` on one line: its line breaks and runs of spaces made one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** What went wrong: an answer that is not the service's, the service's error, no answer, or no connection. */
function whatFailed(error: SdkFailure, { service, site, endpoint }: FailedCall): string {
  const status = error.$metadata?.httpStatusCode;
  if (isForeignAnswer(error)) {
    const answer = service === 'SFN' ? 'a Step Functions answer' : `an answer from ${service}`;
    return `${httpStatus(status!)} (not ${answer}: ${proxyHint(site)})`;
  }
  if (status !== undefined) return `${error.name} (HTTP ${status}): ${error.message}`;
  if (error.name === 'TimeoutError') return `${timeoutText(error)} (${reachHint(site)})`;
  if (error.code === 'EPROTO') return tlsText(error, endpoint, site);
  if (error.code !== undefined) return `${error.message} (${reachHint(site)})`;
  return error.message;
}

/**
 * A TLS handshake that failed, with OpenSSL's reason for it, not its trace (`write EPROTO 80CC...:error:
 * 0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/...`): a `wrong version number`
 * at an https:// endpoint is a plain http:// server answering.
 */
function tlsText({ code, message }: SdkFailure, endpoint: string, site: CallSite): string {
  const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]?.trim() ?? message;
  const failed = `TLS handshake failed (${code}: ${reason})`;
  if (reason === 'wrong version number' && endpoint.startsWith('https://')) {
    return `${failed}: does it serve http:// rather than https://?`;
  }
  return `${failed} (${reachHint(site)})`;
}

/** A timeout as the CLI set it, from the SDK's message about it. */
function timeoutText({ message }: SdkFailure): string {
  if (message.includes('requestTimeout')) return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (message.includes('establish a connection'))
    return `no connection within ${CONNECTION_TIMEOUT_MS / 1000} s`;
  return message.replace(/^@smithy\/node-http-handler - /, '');
}

/** What to check when something other than the service answered. */
function proxyHint({ aws, namedBy }: CallSite): string {
  if (namedBy !== undefined) return `is a proxy in the way, or is ${namedBy} right?`;
  return aws ? 'is a proxy in the way?' : 'is another server listening there? or pass --endpoint <url>';
}

/** What to check when the endpoint could not be reached, or did not answer. */
function reachHint({ aws, namedBy }: CallSite): string {
  if (aws) {
    return namedBy !== undefined
      ? `is ${namedBy} right, and reachable from here?`
      : 'is the region right, and AWS reachable from here?';
  }
  return namedBy !== undefined
    ? `is \`cutover local\` running there, and ${namedBy} right?`
    : 'is `cutover local` running? or pass --endpoint <url>, or --aws';
}
