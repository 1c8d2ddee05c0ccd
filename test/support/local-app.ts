import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '#core/ports/cluster.ts';
import type { Release, RolloutStatus, ServiceRef } from '#core/types.ts';

/** The example app, as an absolute path (tests may run from any directory). */
export const EXAMPLE_APP = fileURLToPath(new URL('../../examples/app/server.js', import.meta.url));

/** An app healthy for `FAIL_AFTER_MS` after it starts, then answering 500 (see apps/degrading-app.mjs). */
export const DEGRADING_APP = fileURLToPath(new URL('./apps/degrading-app.mjs', import.meta.url));

/** A release of the example app (`VERSION` comes from the release; `env` adds ERROR_RATE, LATENCY_MS...). */
export function anAppRelease(version: string, replicas = 1, env: Record<string, string> = {}): Release {
  return { version, command: [process.execPath, EXAMPLE_APP], replicas, env };
}

/** A release whose process exits at once, to provoke a crash loop. */
export function aCrashingRelease(version: string): Release {
  return { version, command: [process.execPath, '-e', 'process.exit(3)'], replicas: 1 };
}

/** A fresh data directory, and a function removing it. */
export function aTempDataDir(): { dataDir: string; remove(): void } {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutover-test-'));
  return { dataDir, remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** The `version` each URL's app answers with. */
export async function versionsAt(urls: readonly string[]): Promise<string[]> {
  return Promise.all(
    urls.map(async (url) => ((await (await fetch(`${url}/healthz`)).json()) as { version: string }).version),
  );
}

/** Polls `status` until `done` holds, at most `maxPolls` times, 50 ms apart. */
export async function pollStatus(
  cluster: Cluster,
  service: ServiceRef,
  track: string,
  done: (status: RolloutStatus) => boolean = (status) => status.complete,
  maxPolls = 400,
): Promise<RolloutStatus> {
  let status = await cluster.status(service, track);
  for (let poll = 1; !done(status) && poll < maxPolls; poll += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    status = await cluster.status(service, track);
  }
  return status;
}

/** Whether a process with this id still runs (an exited one its parent has not reaped yet does not). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
