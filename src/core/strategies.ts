/**
 * The release strategies, each a state machine `statemachines/<strategy>.asl.json`. Kept apart from the
 * request schemas so that naming a strategy does not load zod (the CLI lists them in its help).
 *
 * @example
 * if (!isStrategy(name)) throw new Error(`strategy must be one of: ${STRATEGIES.join(', ')}`);
 */
export const STRATEGIES = ['canary', 'blue-green', 'rolling'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export function isStrategy(value: unknown): value is Strategy {
  return (STRATEGIES as readonly unknown[]).includes(value);
}

/** The track names a strategy deploys to: the pair of a first release (live, next). */
export const TRACK_NAMES: Readonly<Record<Strategy, readonly [string, string]>> = {
  canary: ['stable', 'canary'],
  'blue-green': ['blue', 'green'],
  rolling: ['blue', 'green'],
};

/**
 * Every track the strategies release to (`stable`, `canary`, `blue`, `green`): a backend or workload is one
 * of a service's tracks only under one of these exact names (`checkout-canary`, never `checkout-api`).
 */
export const RELEASE_TRACKS: readonly string[] = [...new Set(Object.values(TRACK_NAMES).flat())];
