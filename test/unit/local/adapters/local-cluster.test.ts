import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RolloutStatus } from '#core/types.ts';
import { type LocalDatabase, openLocalDatabase } from '#local/adapters/database.ts';
import { LocalCluster } from '#local/adapters/local-cluster.ts';
import {
  anAppRelease,
  aTempDataDir,
  EXAMPLE_APP,
  isAlive,
  pollStatus,
  versionsAt,
} from '#test/support/local-app.ts';

const service = { name: 'checkout', namespace: 'shop' };

describe('LocalCluster', () => {
  let temp: ReturnType<typeof aTempDataDir>;
  let db: LocalDatabase;
  let cluster: LocalCluster;
  const aCluster = (options: { readinessTimeoutMs?: number; cwd?: string } = {}) =>
    new LocalCluster({ db, dataDir: temp.dataDir, probeIntervalMs: 50, stopGraceMs: 2_000, ...options });

  beforeEach(() => {
    temp = aTempDataDir();
    db = openLocalDatabase(temp.dataDir);
    cluster = aCluster();
  });
  afterEach(async () => {
    await cluster.closeAll();
    db.close();
    temp.remove();
  });

  it('gives each replica PORT, VERSION, TRACK and the release env', async () => {
    // Prepare
    await cluster.apply(service, 'canary', anAppRelease('v2', 1, { LATENCY_MS: '1' }));
    await pollStatus(cluster, service, 'canary');
    // Act
    const answer = await fetch(cluster.readyUrls(service, 'canary')[0]!);
    // Assess
    expect(await answer.json()).toEqual({ version: 'v2', track: 'canary' });
  });

  it('keeps the same processes when the same release is applied again', async () => {
    // Prepare
    await cluster.apply(service, 'stable', anAppRelease('v1', 2));
    await pollStatus(cluster, service, 'stable');
    const before = cluster.pids(service, 'stable');
    // Act
    await cluster.apply(service, 'stable', anAppRelease('v1', 2));
    // Assess
    expect(cluster.pids(service, 'stable')).toEqual(before);
  });

  it('keeps every desired replica ready throughout a rolling replacement', async () => {
    // Prepare
    await cluster.apply(service, 'stable', anAppRelease('v1', 2));
    await pollStatus(cluster, service, 'stable');
    const seen: RolloutStatus[] = [];
    // Act
    await cluster.apply(service, 'stable', anAppRelease('v2', 2));
    await pollStatus(cluster, service, 'stable', (status) => seen.push(status) > 0 && status.complete);
    // Assess
    expect(seen.at(-1)?.complete).toBe(true);
    expect(Math.min(...seen.map((status) => status.ready))).toBeGreaterThanOrEqual(2);
  });

  it('counts as updatedReady only the replicas of the current release: those of the one it replaces serve on', async () => {
    // Prepare: stable runs v2 on 2 ready replicas; v1, the release it goes back to, cannot start
    await cluster.apply(service, 'stable', anAppRelease('v2', 2));
    await pollStatus(cluster, service, 'stable');
    const broken = { version: 'v1', command: [process.execPath, 'no-such-server.js'], replicas: 2 };
    // Act
    await cluster.apply(service, 'stable', broken);
    const status = await pollStatus(cluster, service, 'stable', (s) => s.failed !== undefined);
    // Assess: v2's 2 replicas are the ready ones, and still serve
    expect(status).toMatchObject({ desired: 2, ready: 2, updatedReady: 0, complete: false });
    expect(status.failed?.reason).toBe('CrashLoopBackOff');
    expect(await versionsAt(cluster.readyUrls(service, 'stable'))).toEqual(['v2', 'v2']);
  });

  it('starts the persisted tracks again after a restart', async () => {
    // Prepare
    await cluster.apply(service, 'stable', anAppRelease('v1', 2));
    await pollStatus(cluster, service, 'stable');
    await cluster.closeAll();
    cluster = aCluster();
    // Act
    cluster.resume();
    const status = await pollStatus(cluster, service, 'stable');
    // Assess
    expect(status).toEqual({
      desired: 2,
      updated: 2,
      ready: 2,
      updatedReady: 2,
      available: 2,
      complete: true,
    });
  });

  it('runs a persisted track in the directory it was applied from when the restarted runtime runs elsewhere', async () => {
    // Prepare: a command relative to the project directory, as in examples/requests
    const project = join(temp.dataDir, 'project');
    mkdirSync(project);
    copyFileSync(EXAMPLE_APP, join(project, 'server.js'));
    const relative = { version: 'v1', command: [process.execPath, 'server.js'], replicas: 1 };
    await cluster.closeAll();
    cluster = aCluster({ cwd: project });
    await cluster.apply(service, 'stable', relative);
    await pollStatus(cluster, service, 'stable');
    await cluster.closeAll();
    cluster = aCluster({ cwd: temp.dataDir });
    // Act
    cluster.resume();
    await cluster.apply(service, 'stable', relative);
    const status = await pollStatus(cluster, service, 'stable', (s) => s.complete || s.failed !== undefined);
    // Assess
    expect(status).toMatchObject({ ready: 1, complete: true });
    expect(await versionsAt(cluster.readyUrls(service, 'stable'))).toEqual(['v1']);
  });

  it('leaves no process running after closeAll', async () => {
    // Prepare
    await cluster.apply(service, 'stable', anAppRelease('v1', 2));
    await cluster.apply(service, 'canary', anAppRelease('v2', 1));
    await pollStatus(cluster, service, 'stable');
    await pollStatus(cluster, service, 'canary');
    const pids = [...cluster.pids(service, 'stable'), ...cluster.pids(service, 'canary')];
    // Act
    await cluster.closeAll();
    // Assess
    expect(pids).toHaveLength(3);
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('says what holds up a replica listening elsewhere than $PORT: what the probe got and its log, not a failure', async () => {
    // Prepare
    cluster = aCluster({ readinessTimeoutMs: 300 });
    const elsewhere = {
      version: 'v1',
      command: [process.execPath, '-e', "console.log('listening on 18285'); setInterval(() => {}, 1000)"],
      replicas: 1,
    };
    // Act
    await cluster.apply(service, 'canary', elsewhere);
    const status = await pollStatus(cluster, service, 'canary', (s) => s.waiting !== undefined);
    // Assess: as with a Deployment, the rollout waits on (until the release's progress deadline)
    expect(status).toMatchObject({ ready: 0, complete: false });
    expect(status.failed).toBeUndefined();
    expect(status.waiting).toMatch(
      /^replica checkout-canary-\S+ not ready after 0.3s: GET http:\/\/127.0.0.1:(\d+)\/healthz: connection refused: nothing listens on port \1 \(the app must listen on \$PORT\); its log ends "listening on 18285" \(\S+\.log\)$/,
    );
  });

  it('says which status a replica answers its readiness probe with', async () => {
    // Prepare
    cluster = aCluster({ readinessTimeoutMs: 300 });
    const unready = {
      version: 'v1',
      command: [
        process.execPath,
        '-e',
        "require('node:http').createServer((q, r) => { r.statusCode = 503; r.end(); }).listen(process.env.PORT)",
      ],
      replicas: 1,
    };
    // Act
    await cluster.apply(service, 'canary', unready);
    const status = await pollStatus(cluster, service, 'canary', (s) => s.waiting !== undefined);
    // Assess
    expect(status.waiting).toMatch(/\/healthz: answered 503; its log is empty \(\S+\.log\)$/);
  });

  it('keeps probing a ready replica: one that fails its probe takes no traffic, and is named in time', async () => {
    // Prepare: a replica ready for 1.5 s, then answering its readiness probe 503
    cluster = aCluster({ readinessTimeoutMs: 300 });
    const souring = {
      version: 'v1',
      command: [
        process.execPath,
        '-e',
        'const started = Date.now(); require("node:http").createServer((q, r) => { ' +
          'r.statusCode = Date.now() - started < 1500 ? 200 : 503; r.end(); }).listen(process.env.PORT)',
      ],
      replicas: 1,
    };
    // Act
    await cluster.apply(service, 'canary', souring);
    const ready = await pollStatus(cluster, service, 'canary');
    const unready = await pollStatus(cluster, service, 'canary', (s) => s.ready === 0);
    const urlsUnready = cluster.readyUrls(service, 'canary');
    const failing = await pollStatus(cluster, service, 'canary', (s) => s.waiting !== undefined);
    // Assess
    expect(ready).toMatchObject({ ready: 1, complete: true });
    expect(unready).toMatchObject({ ready: 0, complete: false });
    expect(urlsUnready).toEqual([]);
    expect(failing.failed).toBeUndefined();
    expect(failing.waiting).toMatch(
      /^replica checkout-canary-\S+ failing its readiness probe for 0.3s: GET http:\/\/127.0.0.1:\d+\/healthz: answered 503; its log is empty \(\S+\.log\)$/,
    );
  });

  it('reports a command that cannot be started as CrashLoopBackOff, with the reason', async () => {
    // Prepare
    const missing = { version: 'v1', command: ['cutover-no-such-command'], replicas: 1 };
    // Act
    await cluster.apply(service, 'canary', missing);
    const status = await pollStatus(cluster, service, 'canary', (s) => s.failed !== undefined);
    // Assess
    expect(status.failed?.reason).toBe('CrashLoopBackOff');
    expect(status.failed?.message).toMatch(/could not start cutover-no-such-command: .*ENOENT/);
  });

  it('reports a command the OS refuses to start (an environment value past 128 KiB) as CrashLoopBackOff', async () => {
    // Prepare: spawn throws E2BIG rather than emitting it
    const oversized = {
      version: 'v1',
      command: [process.execPath, '-e', ''],
      replicas: 1,
      env: { PAD: 'a'.repeat(140_000) },
    };
    // Act
    await cluster.apply(service, 'canary', oversized);
    const status = await pollStatus(cluster, service, 'canary', (s) => s.failed !== undefined);
    // Assess
    expect(status.failed?.reason).toBe('CrashLoopBackOff');
    expect(status.failed?.message).toMatch(/could not start .*node: spawn E2BIG/);
  });

  it("names a crashing replica's error line, not the last lines of its stack trace", async () => {
    // Prepare: node prints the failing source line, a caret, the error, then its stack
    const crashing = { version: 'v1', command: [process.execPath, 'no-such-server.js'], replicas: 1 };
    // Act
    await cluster.apply(service, 'canary', crashing);
    const status = await pollStatus(cluster, service, 'canary', (s) => s.failed !== undefined);
    // Assess
    expect(status.failed?.reason).toBe('CrashLoopBackOff');
    expect(status.failed?.message).toMatch(
      /restarted \d+ times, last exited with code 1: Error: Cannot find module '.*no-such-server\.js'$/,
    );
  });

  it('refuses a release without a command, naming the field, and stores nothing', async () => {
    // Act
    const applying = cluster.apply(service, 'canary', { version: 'v2', image: 'checkout:v2', replicas: 1 });
    // Assess
    await expect(applying).rejects.toThrow(/release\.command must be a non-empty argv array/);
    expect((await cluster.snapshot(service)).objects).toEqual([]);
  });

  it('tells when a track gets another release or is removed, not when it is applied again or scaled', async () => {
    // Prepare
    const changed: string[] = [];
    await cluster.closeAll();
    cluster = new LocalCluster({
      db,
      dataDir: temp.dataDir,
      probeIntervalMs: 50,
      onTrackChanged: (_, track) => changed.push(track),
    });
    // Act
    await cluster.apply(service, 'canary', anAppRelease('v2'));
    await cluster.apply(service, 'canary', anAppRelease('v2'));
    await cluster.scale(service, 'canary', 2);
    await cluster.apply(service, 'canary', anAppRelease('v3'));
    await cluster.remove(service, 'canary');
    // Assess
    expect(changed).toEqual(['canary', 'canary', 'canary']);
  });

  it('refuses to scale a track that was never applied', async () => {
    // Act
    const scaling = cluster.scale(service, 'canary', 2);
    // Assess
    await expect(scaling).rejects.toThrow(/track canary of shop\/checkout is not applied/);
  });
});
