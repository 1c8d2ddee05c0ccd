/**
 * The demo's smoke test: a webhook (`hooks.beforeTraffic`, and `hooks.afterTraffic`) that calls the hook's
 * track through the service's proxy, naming it in `x-cutover-track` (before the track has any weight, or
 * once it has all of it), and passes when every answer is a 200 from the release being rolled out.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRACK_HEADER } from '../adapters/service-proxy.ts';
import { readJsonBody } from '../api/http-io.ts';

/** Requests the smoke test sends to the track. */
const SMOKE_REQUESTS = 5;

/** A running smoke test: its webhook URL and a way to stop it. */
export interface SmokeTest {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the smoke test on 127.0.0.1 for the service behind `proxyUrl`.
 *
 * @example
 * const smoke = await startSmokeTest(await router.url(service));
 * request.hooks = { beforeTraffic: [{ name: 'smoke-test', url: smoke.url }] };
 */
export async function startSmokeTest(proxyUrl: string): Promise<SmokeTest> {
  const server = createServer((request, response) => {
    smokeTestOf(request, proxyUrl).then(
      (failure) => response.writeHead(failure ? 500 : 204).end(failure ?? ''),
      (error: Error) => response.writeHead(400).end(error.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/smoke`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Calls the hook's track; the failure found, or undefined when every answer was right. */
async function smokeTestOf(request: IncomingMessage, proxyUrl: string): Promise<string | undefined> {
  const hook = (await readJsonBody(request)) as { track: string; release: { version: string } };
  const answers = await Promise.all(
    Array.from({ length: SMOKE_REQUESTS }, async () => {
      const answer = await fetch(proxyUrl, { headers: { [TRACK_HEADER]: hook.track } });
      const body = (await answer.json().catch(() => ({}))) as { version?: string };
      return { status: answer.status, version: body.version };
    }),
  );
  const wrong = answers.filter((a) => a.status !== 200 || a.version !== hook.release.version);
  if (wrong.length === 0) return undefined;
  const first = wrong[0]!;
  return `GET / on ${hook.track}: ${wrong.length} of ${SMOKE_REQUESTS} answers wrong (first: ${first.status} from ${first.version ?? 'an unknown version'}, expected 200 from ${hook.release.version})`;
}
