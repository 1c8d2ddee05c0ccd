/**
 * Socket error codes of a peer that is not reachable for now (stopped, restarting, a network blip),
 * as Node and its HTTP client (undici) report them.
 */
export const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/**
 * Why a `fetch` got no answer, where Node's fetch (undici) puts it, in its error's `cause`: the code, with
 * the message when that says more (`ECONNREFUSED`, `UND_ERR_SOCKET: other side closed`); `undefined` when
 * the error has no such cause.
 */
export function fetchFailureDetail(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const said = typeof cause?.message === 'string' && cause.message !== '' ? cause.message : undefined;
  return code && said && !said.includes(code) ? `${code}: ${said}` : (code ?? said);
}
