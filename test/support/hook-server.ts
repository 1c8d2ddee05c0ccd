import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request a {@link HookServer} received. */
export interface ReceivedHook {
  readonly path: string;
  readonly body: unknown;
  /** The body's bytes as received, which a signature covers. */
  readonly raw: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/** A webhook endpoint on 127.0.0.1 that records what it is POSTed. */
export interface HookServer {
  /** `http://127.0.0.1:<port><path>`. */
  url(path: string): string;
  readonly received: ReceivedHook[];
  close(): Promise<void>;
}

/**
 * Starts a webhook endpoint; `answer` answers each request once its JSON body has been read and recorded
 * (and may first look at the world, e.g. the service's weights while the hook runs).
 *
 * @example
 * const hooks = await startHookServer((_request, response) => response.writeHead(204).end());
 */
export async function startHookServer(
  answer: (request: ReceivedHook, response: ServerResponse) => unknown,
): Promise<HookServer> {
  const received: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString('utf8')) as unknown;
      const hook = { path: request.url ?? '', body, raw, headers: request.headers };
      received.push(hook);
      void answer(hook, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closed;
    },
  };
}

/** How old (or how far ahead) a signed POST's timestamp may be: 5 minutes. */
const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Verifies a hook POST as a receiver does (docs/strategies.md, "Signed webhooks"): `x-cutover-signature`
 * is `v1=` and the hex HMAC-SHA256, with `key`, of `<x-cutover-timestamp>.<the raw body>`, compared in
 * constant time, and the timestamp is within 5 minutes of `nowMs`.
 *
 * @example
 * expect(verifyCutoverSignature(key, hooks.received[0]!)).toBe(true);
 */
export function verifyCutoverSignature(
  key: string,
  { headers, raw }: Pick<ReceivedHook, 'headers' | 'raw'>,
  nowMs = Date.now(),
): boolean {
  const timestamp = headers['x-cutover-timestamp'];
  const signature = headers['x-cutover-signature'];
  if (typeof timestamp !== 'string' || !/^\d+$/.test(timestamp) || typeof signature !== 'string')
    return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const hmac = createHmac('sha256', key).update(`${timestamp}.`).update(raw).digest('hex');
  const expected = Buffer.from(`v1=${hmac}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
