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
  return `${where} failed: ${whatFailed(error as SdkFailure, call)}`;
}

/** What went wrong: an answer that is not the service's, the service's error, no answer, or no connection. */
function whatFailed(error: SdkFailure, { service, site }: FailedCall): string {
  const status = error.$metadata?.httpStatusCode;
  // The SDK found no error of the service in the answer: no `$fault`, or one named `Unknown`.
  if (status !== undefined && (error.$fault === undefined || error.name === 'Unknown')) {
    const answer = service === 'SFN' ? 'a Step Functions answer' : `an answer from ${service}`;
    return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + ` (not ${answer}: ${proxyHint(site)})`;
  }
  if (status !== undefined) return `${error.name} (HTTP ${status}): ${error.message}`;
  if (error.name === 'TimeoutError') return `${timeoutText(error)} (${reachHint(site)})`;
  if (error.code !== undefined) return `${error.message} (${reachHint(site)})`;
  return error.message;
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
