import type { ServiceRef } from '#core/types.ts';
import { DEGRADING_APP } from '#test/support/local-app.ts';
import { anExampleRelease } from '#test/support/strategy-runtime.ts';

/** The local cluster, proxy router and proxy metrics. */
const LOCAL = { cluster: { type: 'local' }, traffic: { type: 'local' }, metrics: { type: 'local' } };

/** Release v2 of the degrading app: it answers 200 for `ms` after it starts, then 500 to everything. */
export const v2FailingAfter = (ms: number) => ({
  version: 'v2',
  command: [process.execPath, DEGRADING_APP],
  env: { FAIL_AFTER_MS: String(ms) },
});

/**
 * An analysis that cannot conclude on the test's traffic (it needs 5,000 requests) and then pauses for a
 * person at once; 6 failed requests (0.001 of 5,000) in a check's window still fail it.
 */
export const PAUSING_ANALYSIS = {
  maxErrorRate: 0.001,
  minRequests: 5000,
  intervalSeconds: 30,
  inconclusiveLimit: 0,
  onInconclusive: 'pause',
};

/**
 * An analysis that waits for traffic rather than for time: a few requests decide, and an inconclusive
 * window (too few requests yet) is analyzed again, up to 50 times.
 */
export const PATIENT_ANALYSIS = {
  maxErrorRate: 0.05,
  minRequests: 10,
  intervalSeconds: 5,
  inconclusiveLimit: 50,
};

/** A service of its own per test, so tests sharing a runtime never touch each other's tracks. */
export function aTestService(name: string): ServiceRef {
  return { name, namespace: 'test' };
}

/** Release fields of a request: the example app at `version`, with `env` (ERROR_RATE...). */
function releaseOf(version: string, env?: Record<string, string>) {
  return anExampleRelease(version, env);
}

/** A canary request of the example app: 20% then 50%, patient analysis, no scale-down delay. */
export function aCanaryRequest(
  service: ServiceRef,
  version: string,
  options: {
    env?: Record<string, string>;
    canary?: Record<string, unknown>;
    extra?: Record<string, unknown>;
  } = {},
) {
  return {
    service,
    release: releaseOf(version, options.env),
    ...LOCAL,
    canary: {
      steps: [
        { weight: 20, bakeSeconds: 10 },
        { weight: 50, bakeSeconds: 10 },
      ],
      analysis: PATIENT_ANALYSIS,
      ...options.canary,
    },
    scaleDownDelaySeconds: 5,
    ...options.extra,
  };
}

/** A blue-green request of the example app, with a post-switch analysis. */
export function aBlueGreenRequest(
  service: ServiceRef,
  version: string,
  options: { env?: Record<string, string>; blueGreen?: Record<string, unknown> } = {},
) {
  return {
    service,
    release: releaseOf(version, options.env),
    ...LOCAL,
    blueGreen: { postSwitch: { bakeSeconds: 10, analysis: PATIENT_ANALYSIS }, ...options.blueGreen },
    scaleDownDelaySeconds: 5,
  };
}

/** A rolling request of the example app at 2 replicas, one at a time, analyzed after each batch. */
export function aRollingRequest(
  service: ServiceRef,
  version: string,
  options: { env?: Record<string, string> } = {},
) {
  return {
    service,
    release: { ...releaseOf(version, options.env), replicas: 2 },
    ...LOCAL,
    rolling: { maxSurge: 1, maxUnavailable: 0, bakeSeconds: 10, analysis: PATIENT_ANALYSIS },
  };
}
