/**
 * Reads of the local runtime's console API (`/console/api/...`), which only `cutover local` serves: an
 * endpoint without it, or one that does not answer in time, gives no answer rather than an error.
 */

/** How long the console's answer is waited for before it is taken as none. */
const CONSOLE_TIMEOUT_MS = 5_000;

/**
 * The JSON the console at `endpoint` answers for `path` (`/console/api/runtime`), or `undefined`.
 *
 * @example
 * const runtime = await consoleJson('http://127.0.0.1:8083', '/console/api/runtime'); // { waitScale: 0.1 }
 */
export async function consoleJson(endpoint: string, path: string): Promise<unknown> {
  const url = `${endpoint.replace(/\/+$/, '')}${path}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(CONSOLE_TIMEOUT_MS) }).catch(
    () => undefined,
  );
  if (!response?.ok) return undefined;
  return response.json().catch(() => undefined);
}

/**
 * How the local runtime at `endpoint` scales its waits (`WAIT_TIME_SCALE`: 0.1 runs an hour in 6
 * minutes); `undefined` at an endpoint that is no `cutover local` (AWS).
 */
export async function localWaitScale(endpoint: string): Promise<number | undefined> {
  const answer = (await consoleJson(endpoint, '/console/api/runtime')) as { waitScale?: unknown } | undefined;
  const scale = answer?.waitScale;
  return typeof scale === 'number' && Number.isFinite(scale) && scale >= 0 ? scale : undefined;
}
