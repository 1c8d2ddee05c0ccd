import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LocalAdaptersHandle, registerLocalAdapters } from '#local/adapters/register.ts';
import { type SmokeTest, startSmokeTest } from '#local/demo/smoke-test.ts';
import { anAppRelease, aTempDataDir, pollStatus } from '#test/support/local-app.ts';

const service = { name: 'checkout', namespace: 'shop' };

describe("the demo's smoke test", () => {
  let temp: ReturnType<typeof aTempDataDir>;
  let local: LocalAdaptersHandle;
  let smoke: SmokeTest | undefined;

  beforeEach(() => {
    temp = aTempDataDir();
    local = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
  });
  afterEach(async () => {
    await smoke?.close();
    await local.close();
    temp.remove();
  });

  /** Stable v1 with all traffic and a canary running `env` without any; the smoke test's answer for the canary. */
  async function smokeTestCanary(env: Record<string, string>) {
    const { cluster, router } = local.adapters;
    await cluster.apply(service, 'stable', anAppRelease('v1'));
    await cluster.apply(service, 'canary', anAppRelease('v2', 1, env));
    await pollStatus(cluster, service, 'stable');
    await pollStatus(cluster, service, 'canary');
    await router.setWeights(service, { stable: 100, canary: 0 });
    smoke = await startSmokeTest(await router.url(service));
    const answer = await fetch(smoke.url, {
      method: 'POST',
      body: JSON.stringify({ hook: 'smoke-test', track: 'canary', release: { version: 'v2' } }),
    });
    return { status: answer.status, text: await answer.text() };
  }

  it('passes a healthy track that has no weight yet, reaching it through the proxy', async () => {
    expect(await smokeTestCanary({})).toEqual({ status: 204, text: '' });
  });

  it('fails a track that answers 500, saying what it got', async () => {
    expect(await smokeTestCanary({ ERROR_RATE: '1' })).toEqual({
      status: 500,
      text: 'GET / on canary: 5 of 5 answers wrong (first: 500 from v2, expected 200 from v2)',
    });
  });
});
