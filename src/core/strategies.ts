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
