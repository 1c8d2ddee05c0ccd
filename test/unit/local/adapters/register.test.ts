import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCluster } from '#adapters/cluster/index.ts';
import { createLock } from '#adapters/lock/index.ts';
import { createMetricProvider } from '#adapters/metrics/index.ts';
import { createTrafficRouter } from '#adapters/traffic/index.ts';
import { registerLocalAdapters } from '#local/adapters/register.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { anAppRelease, aTempDataDir, isAlive, pollStatus } from '#test/support/local-app.ts';

const service = { name: 'checkout', namespace: 'shop' };

/** A release whose replica listens on $PORT (answering 200) only once the file `signal` exists. */
function aReleaseWaitingFor(version: string, signal: string) {
  const app = [
    "const listen = () => require('node:fs').existsSync(process.env.SIGNAL)",
    "  ? require('node:http').createServer((q, r) => r.end('ok')).listen(process.env.PORT)",
    '  : setTimeout(listen, 20);',
    'listen();',
  ].join('\n');
  return { version, command: [process.execPath, '-e', app], replicas: 1, env: { SIGNAL: signal } };
}

/** The status of a GET to the URL, retried 50 ms apart (at most `maxTries`) while nothing listens. */
async function firstAnswer(url: string, maxTries = 100): Promise<number | undefined> {
  for (let attempt = 0; attempt < maxTries; attempt += 1) {
    try {
      return (await fetch(url)).status;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return undefined;
}

describe('registerLocalAdapters', () => {
  it('serves every family with the instances of its data dir, and close stops what they started', async () => {
    // Prepare
    const temp = aTempDataDir();
    const local = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    const cluster = createCluster({ type: 'local' });
    await cluster.apply(service, 'stable', anAppRelease('v1', 1));
    await pollStatus(cluster, service, 'stable');
    const pids = local.adapters.cluster.pids(service, 'stable');
    // Act
    const sameInstances = [
      cluster === local.adapters.cluster,
      createTrafficRouter({ type: 'local' }) === local.adapters.router,
      createMetricProvider({ type: 'local' }) === local.adapters.metrics,
      createLock({ type: 'local', dataDir: temp.dataDir }) === local.adapters.lock,
    ];
    await local.close();
    // Assess
    expect(sameInstances).toEqual([true, true, true, true]);
    expect(pids.filter(isAlive)).toEqual([]);
    temp.remove();
  });

  it('starts the persisted tracks again, and their proxies once the replicas are ready', async () => {
    // Prepare
    const temp = aTempDataDir();
    const first = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    await first.adapters.cluster.apply(service, 'stable', anAppRelease('v1', 1));
    await first.adapters.router.setWeights(service, { stable: 100 });
    const url = await first.adapters.router.url(service);
    await first.close();
    // Act: traffic right from the restart, as a load generator keeps sending
    const second = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    await second.resumed;
    const stats = await startTraffic({ url, ratePerSecond: 1_000, total: 20 }).done;
    // Assess: the proxy, on its old port, answers every request from a ready replica (no 503 of the restart)
    expect(stats.byStatus).toEqual({ 200: 20 });
    await second.close();
    temp.remove();
  });

  it("starts each proxy again once its own service's tracks are ready, not a slow service's", async () => {
    // Prepare: cart starts at once; checkout's only track listens once the test creates its signal file
    const cart = { name: 'cart', namespace: 'shop' };
    const temp = aTempDataDir();
    const checkoutMayListen = join(temp.dataDir, 'checkout-may-listen');
    const first = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    await first.adapters.cluster.apply(cart, 'stable', anAppRelease('v1', 1));
    await first.adapters.cluster.apply(service, 'blue', aReleaseWaitingFor('v1', checkoutMayListen));
    await first.adapters.router.setWeights(cart, { stable: 100 });
    await first.adapters.router.setWeights(service, { blue: 100 });
    const [cartUrl, checkoutUrl] = [
      await first.adapters.router.url(cart),
      await first.adapters.router.url(service),
    ];
    await first.close();
    // Act
    const second = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    const cartAnswer = await firstAnswer(cartUrl);
    const checkoutMeanwhile = await second.adapters.cluster.status(service, 'blue');
    const checkoutRefused = await fetch(checkoutUrl).then(
      () => false,
      () => true,
    );
    writeFileSync(checkoutMayListen, '');
    await second.resumed;
    const checkoutAnswer = await firstAnswer(checkoutUrl, 1);
    await second.close();
    // Assess: cart answered while checkout's replica was still waiting and its proxy not yet listening
    expect(cartAnswer).toBe(200);
    expect(checkoutMeanwhile.ready).toBe(0);
    expect(checkoutRefused).toBe(true);
    expect(checkoutAnswer).toBe(200);
    temp.remove();
  });

  it('starts a proxy again once the tracks its weights route to are ready, not a track at weight 0 that never is', async () => {
    // Prepare: blue takes all of checkout's traffic; bg-v30, a new release's track at 0%, never listens on $PORT
    const temp = aTempDataDir();
    const options = { dataDir: temp.dataDir, cluster: { probeIntervalMs: 50, readinessTimeoutMs: 30_000 } };
    const first = registerLocalAdapters(options);
    await first.adapters.cluster.apply(service, 'blue', anAppRelease('v29', 1));
    await first.adapters.cluster.apply(
      service,
      'bg-v30',
      aReleaseWaitingFor('v30', join(temp.dataDir, 'never')),
    );
    await first.adapters.router.setWeights(service, { blue: 100, 'bg-v30': 0 });
    const url = await first.adapters.router.url(service);
    await first.close();
    // Act
    const second = registerLocalAdapters(options);
    const answer = await firstAnswer(url, 200);
    const newTrack = await second.adapters.cluster.status(service, 'bg-v30');
    await second.close();
    // Assess: the proxy answered from blue while bg-v30 was still starting, before its readiness timeout
    expect(answer).toBe(200);
    expect(newTrack).toMatchObject({ ready: 0, complete: false });
    expect(newTrack.failed).toBeUndefined();
    temp.remove();
  });

  it("keeps the proxy's counts across a stop and a start, so a resumed analysis still sees them", async () => {
    // Prepare: 30 requests through the proxy before the stop
    const temp = aTempDataDir();
    const first = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    await first.adapters.cluster.apply(service, 'stable', anAppRelease('v1', 1));
    await pollStatus(first.adapters.cluster, service, 'stable');
    await first.adapters.router.setWeights(service, { stable: 100 });
    const url = await first.adapters.router.url(service);
    const sent = await startTraffic({ url, ratePerSecond: 1_000, total: 30 }).done;
    await first.close();
    // Act
    const second = registerLocalAdapters({ dataDir: temp.dataDir, cluster: { probeIntervalMs: 50 } });
    await second.resumed;
    const query = { service, track: 'stable', windowSeconds: 600, config: { type: 'local' } };
    const requests = await second.adapters.metrics.query({ ...query, metric: 'requestCount' });
    const errorRate = await second.adapters.metrics.query({ ...query, metric: 'errorRate' });
    await second.close();
    // Assess
    expect(sent.byStatus).toEqual({ 200: 30 });
    expect(requests).toBe(30);
    expect(errorRate).toBe(0);
    temp.remove();
  });

  it("keeps the proxy's counts of a runtime killed with SIGKILL, up to its last second", async () => {
    // Prepare: a process counts 30 requests (3 errors), then is killed without a chance to save on stop
    const temp = aTempDataDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures/count-then-die.ts'), temp.dataDir],
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const signal = await new Promise((resolve) => child.on('exit', (_code, killedBy) => resolve(killedBy)));
    // Act
    const restarted = registerLocalAdapters({ dataDir: temp.dataDir, resume: false });
    const query = { service, track: 'stable', windowSeconds: 600, config: { type: 'local' } };
    const requests = await restarted.adapters.metrics.query({ ...query, metric: 'requestCount' });
    const errorRate = await restarted.adapters.metrics.query({ ...query, metric: 'errorRate' });
    await restarted.close();
    // Assess
    expect(signal).toBe('SIGKILL');
    expect([requests, errorRate]).toEqual([30, 0.1]);
    temp.remove();
  });
});
