/** Builders of release requests for tests: a valid local request of each strategy, with overrides. */

const localBase = {
  service: { name: 'checkout', namespace: 'shop' },
  release: { version: 'v2', command: ['node', 'examples/app/server.js'], replicas: 2 },
  cluster: { type: 'local' },
  traffic: { type: 'local' },
  metrics: { type: 'local' },
};

/** A canary request (raw input, before defaults). */
export function canaryInput(
  canary: Record<string, unknown> = { steps: [{ weight: 10, bakeSeconds: 60 }] },
  extra = {},
) {
  return { ...localBase, canary, ...extra };
}

/** A blue-green request (raw input, before defaults). */
export function blueGreenInput(blueGreen: Record<string, unknown> = {}, extra = {}) {
  return { ...localBase, blueGreen, ...extra };
}

/** A rolling request (raw input, before defaults). */
export function rollingInput(rolling: Record<string, unknown> = {}, extra = {}) {
  return { ...localBase, rolling, ...extra };
}
