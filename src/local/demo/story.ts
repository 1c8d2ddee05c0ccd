import type { Strategy } from '#core/schemas/index.ts';

/** One release of the demo: a request and what a person should see happen. */
export interface Chapter {
  readonly title: string;
  readonly strategy: Strategy;
  readonly request: Record<string, unknown>;
  /** The final status the chapter shows (a rollback ends FAILED on purpose). */
  readonly expected: 'SUCCEEDED' | 'FAILED';
  /** Grant the approval the release waits on, through the Step Functions API. */
  readonly approve?: boolean;
  /** Run the demo's smoke test before the new track takes traffic and once it has all of it (webhooks). */
  readonly smokeTest?: boolean;
}

const service = { name: 'checkout', namespace: 'shop' };
const local = { cluster: { type: 'local' }, traffic: { type: 'local' }, metrics: { type: 'local' } };
const analysis = { maxErrorRate: 0.05, maxLatencyP99Ms: 500, minRequests: 5, intervalSeconds: 10 };

function release(version: string, env: Record<string, string> = {}) {
  return {
    version,
    command: ['node', 'examples/app/server.js'],
    replicas: 2,
    env: { ERROR_RATE: '0', ...env },
  };
}

/** A canary of `version`: 10% then 50%, the first step baking `firstBakeSeconds` (checked every 10 s). */
function canary(version: string, env?: Record<string, string>, firstBakeSeconds = 10) {
  return {
    service,
    release: release(version, env),
    ...local,
    canary: {
      steps: [
        { weight: 10, bakeSeconds: firstBakeSeconds },
        { weight: 50, bakeSeconds: 10 },
      ],
      analysis,
    },
    scaleDownDelaySeconds: 5,
  };
}

/**
 * The demo's story: a first release, a bad canary rolled back by its analysis, a broken one stopped by its
 * smoke test, a good one promoted, blue-green, rolling.
 */
export const STORY: readonly Chapter[] = [
  {
    title: 'Deploy v1 (first release: straight to 100%)',
    strategy: 'canary',
    request: canary('v1'),
    expected: 'SUCCEEDED',
  },
  {
    title: 'Canary v2 fails 30% of requests: the first check of its 2-minute bake fails, automatic rollback',
    strategy: 'canary',
    request: canary('v2', { ERROR_RATE: '0.3' }, 120),
    expected: 'FAILED',
  },
  {
    title: 'Canary v2.1 answers 500 to every request: its smoke test fails, rolled back before any traffic',
    strategy: 'canary',
    request: canary('v2.1', { ERROR_RATE: '1' }),
    expected: 'FAILED',
    smokeTest: true,
  },
  {
    title: 'Canary v3 is healthy: smoke test, 10% -> 50% -> promoted, smoke test again',
    strategy: 'canary',
    request: canary('v3'),
    expected: 'SUCCEEDED',
    smokeTest: true,
  },
  {
    title: 'Blue-green v4 with an approval, granted through the API',
    strategy: 'blue-green',
    request: {
      service,
      release: release('v4'),
      ...local,
      blueGreen: { postSwitch: { bakeSeconds: 10, analysis }, approval: { timeoutSeconds: 600 } },
      scaleDownDelaySeconds: 5,
    },
    expected: 'SUCCEEDED',
    approve: true,
  },
  {
    title: 'Rolling v5, one replica at a time with health checks',
    strategy: 'rolling',
    request: {
      service,
      release: release('v5'),
      ...local,
      rolling: { maxSurge: 1, maxUnavailable: 0, bakeSeconds: 5, analysis },
    },
    expected: 'SUCCEEDED',
  },
];
