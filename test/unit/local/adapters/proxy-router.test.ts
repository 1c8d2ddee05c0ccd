import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProxyRouter } from '#local/adapters/proxy-router.ts';
import { type LocalAdaptersHandle, registerLocalAdapters } from '#local/adapters/register.ts';
import { TrafficCounters } from '#local/adapters/traffic-counters.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { anAppRelease, aTempDataDir, pollStatus } from '#test/support/local-app.ts';

const service = { name: 'checkout', namespace: 'shop' };

/** Resumes `router` with a readiness wait the test ends by calling `serviceReady`. */
function resumeUntilReady(router: ProxyRouter) {
  let serviceReady = () => {};
  const waiting = new Promise<void>((resolve) => {
    serviceReady = resolve;
  });
  return { resumed: router.resume(() => waiting), serviceReady };
}

/** Resumes `router` waiting per track: `trackReady(track)` ends a track's wait, `asked(track)` settles when it starts. */
function resumeTrackByTrack(router: ProxyRouter) {
  const waits = new Map<
    string,
    { ready: () => void; readyNow: Promise<void>; ask: () => void; asked: Promise<void> }
  >();
  const wait = (track: string) => {
    if (!waits.has(track)) {
      let [ready, ask] = [() => {}, () => {}];
      const readyNow = new Promise<void>((resolve) => {
        ready = resolve;
      });
      const asked = new Promise<void>((resolve) => {
        ask = resolve;
      });
      waits.set(track, { ready, readyNow, ask, asked });
    }
    return waits.get(track)!;
  };
  const resumed = router.resume(async (_, tracks) => {
    for (const track of tracks) wait(track).ask();
    await Promise.all(tracks.map((track) => wait(track).readyNow));
  });
  return {
    resumed,
    trackReady: (track: string) => wait(track).ready(),
    asked: (track: string) => wait(track).asked,
  };
}

describe('ProxyRouter', () => {
  let temp: ReturnType<typeof aTempDataDir>;
  let local: LocalAdaptersHandle;

  beforeEach(() => {
    temp = aTempDataDir();
    local = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
  });
  afterEach(async () => {
    await local.close();
    temp.remove();
  });

  async function deployTracks(): Promise<void> {
    const { cluster } = local.adapters;
    await cluster.apply(service, 'stable', anAppRelease('v1', 2));
    await cluster.apply(service, 'canary', anAppRelease('v2', 1));
    await pollStatus(cluster, service, 'stable');
    await pollStatus(cluster, service, 'canary');
  }

  it('splits 2,000 real requests within 2 points of the weights, each answered by its track', async () => {
    // Prepare
    await deployTracks();
    const { router } = local.adapters;
    await router.setWeights(service, { stable: 90, canary: 10 });
    // Act
    const stats = await startTraffic({ url: await router.url(service), ratePerSecond: 5_000, total: 2_000 })
      .done;
    // Assess
    expect(stats.byStatus).toEqual({ '200': 2_000 });
    expect(Math.abs((stats.byTrack.canary ?? 0) / 2_000 - 0.1)).toBeLessThanOrEqual(0.02);
    expect(Math.abs((stats.byTrack.stable ?? 0) / 2_000 - 0.9)).toBeLessThanOrEqual(0.02);
  });

  it('says which answers it gave itself, so a tally does not read them as the track answering', async () => {
    // Prepare: only the stable track runs; requests name the canary track
    const { cluster, router } = local.adapters;
    await cluster.apply(service, 'stable', anAppRelease('v1', 1));
    await pollStatus(cluster, service, 'stable');
    await router.setWeights(service, { stable: 100, canary: 0 });
    // Act
    const url = await router.url(service);
    const stats = await startTraffic({ url, ratePerSecond: 1_000, total: 5, track: 'canary' }).done;
    // Assess
    expect(stats.byStatus).toEqual({ '503': 5 });
    expect(stats.byProxyError).toEqual({ 'no ready replica for track canary': 5 });
  });

  it('answers every request while a track is replaced by a new release', async () => {
    // Prepare
    await deployTracks();
    const { router, cluster } = local.adapters;
    await router.setWeights(service, { stable: 100, canary: 0 });
    const traffic = startTraffic({ url: await router.url(service), ratePerSecond: 300 });
    // Act
    await cluster.apply(service, 'stable', anAppRelease('v3', 2));
    const status = await pollStatus(cluster, service, 'stable');
    const stats = await traffic.stop();
    // Assess
    expect(status.complete).toBe(true);
    expect(stats.failed).toBe(0);
    expect(stats.byStatus).toEqual({ '200': stats.answered });
  });

  it('answers with the version of the track it names in x-cutover-track', async () => {
    // Prepare
    await deployTracks();
    const { router } = local.adapters;
    await router.setWeights(service, { stable: 0, canary: 100 });
    // Act
    const answer = await fetch(await router.url(service));
    // Assess
    expect(answer.headers.get('x-cutover-track')).toBe('canary');
    expect(await answer.json()).toEqual({ version: 'v2', track: 'canary' });
  });

  it('sends a request naming a track in x-cutover-track to that track, whatever the weights', async () => {
    // Prepare
    await deployTracks();
    const { router } = local.adapters;
    await router.setWeights(service, { stable: 100, canary: 0 });
    const url = await router.url(service);
    // Act
    const named = await Promise.all(
      Array.from({ length: 5 }, () => fetch(url, { headers: { 'x-cutover-track': 'canary' } })),
    );
    const unnamed = await fetch(url);
    const missing = await fetch(url, { headers: { 'x-cutover-track': 'preview' } });
    // Assess
    expect(await Promise.all(named.map((answer) => answer.json()))).toEqual(
      Array.from({ length: 5 }, () => ({ version: 'v2', track: 'canary' })),
    );
    expect(await unnamed.json()).toEqual({ version: 'v1', track: 'stable' });
    expect(missing.status).toBe(503);
    expect(await missing.text()).toContain('no ready replica for track preview');
  });

  it('says where each proxy listens when it starts', async () => {
    // Prepare
    const lines: string[] = [];
    const { db, cluster } = local.adapters;
    const router = new ProxyRouter({
      db,
      endpoints: cluster,
      counters: new TrafficCounters(),
      announce: (line) => lines.push(line),
    });
    // Act
    const url = await router.url(service);
    await router.setWeights(service, { stable: 100 });
    await router.close();
    // Assess
    expect(lines).toEqual([`[cutover] shop/checkout: proxy on ${url}, where the service's traffic goes\n`]);
  });

  it('answers 503 and counts an error when the chosen track has no ready replica', async () => {
    // Prepare
    const { router, metrics } = local.adapters;
    await router.setWeights(service, { stable: 0, canary: 100 });
    // Act
    const answer = await fetch(await router.url(service));
    // Assess
    expect(answer.status).toBe(503);
    expect(await metrics.query({ service, track: 'canary', metric: 'errorRate', windowSeconds: 60 })).toBe(1);
  });

  it('starts again on the same port with the same weights after a restart', async () => {
    // Prepare
    const { router, db, cluster } = local.adapters;
    await router.setWeights(service, { stable: 80, canary: 20 });
    const url = await router.url(service);
    await router.close();
    const restarted = new ProxyRouter({ db, endpoints: cluster, counters: new TrafficCounters() });
    // Act
    await restarted.resume(async () => {});
    // Assess
    expect(await restarted.url(service)).toBe(url);
    expect(await restarted.verifyWeights(service, { stable: 80, canary: 20 })).toBe(true);
    await restarted.close();
  });

  it('keeps weights set while a resumed proxy waits for its service, not the ones stored before', async () => {
    // Prepare: a restart resumes the proxy only once its service is ready
    const { router, db, cluster } = local.adapters;
    await router.setWeights(service, { stable: 80, canary: 20 });
    await router.close();
    const restarted = new ProxyRouter({ db, endpoints: cluster, counters: new TrafficCounters() });
    const { resumed, serviceReady } = resumeUntilReady(restarted);
    // Act: a resumed release moves the weights meanwhile
    await restarted.setWeights(service, { stable: 100, canary: 0 });
    serviceReady();
    await resumed;
    // Assess
    expect(await restarted.verifyWeights(service, { stable: 100, canary: 0 })).toBe(true);
    await restarted.close();
  });

  it('refuses connections while a resumed proxy waits for its replicas, even with weights set', async () => {
    // Prepare: a restart whose replicas are ready only later
    await deployTracks();
    const { router, db, cluster } = local.adapters;
    await router.setWeights(service, { stable: 100, canary: 0 });
    const url = await router.url(service);
    await router.close();
    let replicasReady = false;
    const endpoints = {
      readyUrls: (_: unknown, track: string) => (replicasReady ? cluster.readyUrls(service, track) : []),
    };
    const counters = new TrafficCounters();
    const restarted = new ProxyRouter({ db, endpoints, counters, announce: () => {} });
    const { resumed, serviceReady } = resumeUntilReady(restarted);
    // Act: a resumed release sets weights, and a client calls, before the replicas are ready
    await restarted.setWeights(service, { stable: 50, canary: 50 });
    const early = await fetch(url).catch((error: Error) => error.cause);
    const verified = restarted.verifyWeights(service, { stable: 50, canary: 50 });
    replicasReady = true;
    serviceReady();
    await resumed;
    const stats = await startTraffic({ url, ratePerSecond: 1_000, total: 10 }).done;
    // Assess
    expect(early).toMatchObject({ code: 'ECONNREFUSED' });
    expect(await verified).toBe(true);
    expect(stats.byStatus).toEqual({ '200': 10 });
    expect(stats.byTrack).toEqual({ stable: 5, canary: 5 });
    expect(counters.summary(service, 'stable', 60)).toMatchObject({ requests: 5, errors: 0 });
    expect(counters.summary(service, 'canary', 60)).toMatchObject({ requests: 5, errors: 0 });
    await restarted.close();
  });

  it('waits also for a track that weights set meanwhile route to, before a resumed proxy listens', async () => {
    // Prepare: the stored weights route to stable only
    const { router, db, cluster } = local.adapters;
    await router.setWeights(service, { stable: 100, canary: 0 });
    const url = await router.url(service);
    await router.close();
    const counters = new TrafficCounters();
    const restarted = new ProxyRouter({ db, endpoints: cluster, counters, announce: () => {} });
    const { resumed, trackReady, asked } = resumeTrackByTrack(restarted);
    // Act: a resumed release sends half the traffic to canary, then stable is ready before canary
    await restarted.setWeights(service, { stable: 50, canary: 50 });
    trackReady('stable');
    await Promise.race([resumed, asked('canary')]);
    const meanwhile = await fetch(url).catch((error: Error) => error.cause);
    trackReady('canary');
    await resumed;
    // Assess
    expect(meanwhile).toMatchObject({ code: 'ECONNREFUSED' });
    expect(await restarted.verifyWeights(service, { stable: 50, canary: 50 })).toBe(true);
    await restarted.close();
  });

  it('starts a resumed proxy with no weights at once, as no track gets its traffic', async () => {
    // Prepare: the proxy was started before any weights were set
    const { router, db, cluster } = local.adapters;
    const url = await router.url(service);
    await router.close();
    const restarted = new ProxyRouter({
      db,
      endpoints: cluster,
      counters: new TrafficCounters(),
      announce: () => {},
    });
    // Act
    await restarted.resume(() => new Promise(() => {}));
    const answer = await fetch(url);
    // Assess
    expect(answer.status).toBe(503);
    expect(await answer.text()).toContain('no weights set');
    await restarted.close();
  });

  it('starts no proxy for a service still waiting for its replicas when closed', async () => {
    // Prepare
    const { router, db, cluster } = local.adapters;
    await router.setWeights(service, { stable: 100 });
    const url = await router.url(service);
    await router.close();
    const restarted = new ProxyRouter({ db, endpoints: cluster, counters: new TrafficCounters() });
    const { resumed, serviceReady } = resumeUntilReady(restarted);
    // Act
    await restarted.close();
    serviceReady();
    await resumed;
    // Assess
    expect(await fetch(url).catch((error: Error) => error.cause)).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('leaves a proxy started before resume as it is, without waiting for its service', async () => {
    // Prepare
    const { router, db, cluster } = local.adapters;
    await router.setWeights(service, { stable: 100 });
    await router.close();
    const restarted = new ProxyRouter({ db, endpoints: cluster, counters: new TrafficCounters() });
    await restarted.setWeights(service, { stable: 90, canary: 10 });
    // Act
    await restarted.resume(() => new Promise(() => {}));
    // Assess
    expect(await restarted.verifyWeights(service, { stable: 90, canary: 10 })).toBe(true);
    await restarted.close();
  });

  it('refuses weights outside 0..100, naming the track', async () => {
    // Act
    const setting = local.adapters.router.setWeights(service, { stable: 110, canary: -10 });
    // Assess
    await expect(setting).rejects.toThrow('weights.stable must be an integer between 0 and 100 (got 110)');
    expect(await local.adapters.router.getWeights(service)).toEqual({});
  });
});
