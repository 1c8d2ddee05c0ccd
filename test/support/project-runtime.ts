import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import { RealClock } from '#local/clock.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { anAppRelease, aTempDataDir, isAlive } from './local-app.ts';
import { startTestRuntime, type TestRuntime } from './local-runtime.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Waits run at 1/1000: the one-day approval timeout is 86 s, rollout polls a few milliseconds. */
const WAIT_TIME_SCALE = 0.001;

/**
 * The project's state machines and task functions on a runtime in this process, on a temporary data dir
 * the tasks find through `CUTOVER_DATA_DIR`, with waits at 1/1000. Registers the file's hooks: started
 * before its tests; after them stopped, the environment restored, the data dir removed, and no replica
 * listed in `replicaPids` left running.
 *
 * @example
 * const project = useProjectRuntime();
 * it('...', async () => { const { endpoint } = project.runtime(); });
 */
export function useProjectRuntime(): { runtime(): TestRuntime; readonly replicaPids: number[] } {
  let local: TestRuntime | undefined;
  let data: ReturnType<typeof aTempDataDir> | undefined;
  let previousDataDir: string | undefined;
  const replicaPids: number[] = [];
  beforeAll(async () => {
    data = aTempDataDir();
    previousDataDir = process.env.CUTOVER_DATA_DIR;
    process.env.CUTOVER_DATA_DIR = data.dataDir;
    local = await startTestRuntime({
      dataDir: data.dataDir,
      projectDir: PROJECT_ROOT,
      clock: new RealClock(WAIT_TIME_SCALE),
    });
  });
  afterAll(async () => {
    await local?.close();
    if (previousDataDir === undefined) delete process.env.CUTOVER_DATA_DIR;
    else process.env.CUTOVER_DATA_DIR = previousDataDir;
    data?.remove();
    expect(replicaPids.filter(isAlive)).toEqual([]);
  });
  return {
    runtime: () => {
      if (!local) throw new Error('the project runtime starts in beforeAll');
      return local;
    },
    replicaPids,
  };
}

/**
 * A canary of the example app: one step at 50% baked 1 s (scaled), judged on at least 5 requests
 * (re-analysed every 0.5 s while traffic comes in), then an approval before promotion. A service's first
 * release skips all of that and goes straight to 100%.
 */
export function aCanaryWithApproval(service: ServiceRef, version = 'v2') {
  return canaryInput(
    {
      steps: [{ weight: 50, bakeSeconds: 1000 }],
      analysis: { minRequests: 5, intervalSeconds: 500, inconclusiveLimit: 40 },
      approval: { timeoutSeconds: 86_400 },
    },
    { service, release: anAppRelease(version), scaleDownDelaySeconds: 0 },
  );
}
