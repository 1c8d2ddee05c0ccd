/** Finding states by name in a definition, through the flows states nest (branches, item processors). */

type Flow = Record<string, unknown>;

/** The flows `state` nests: a Parallel's branches, a Map's `ItemProcessor` (legacy `Iterator`). */
export function nestedFlows(state: Flow): Flow[] {
  const branches = (state.Branches as Flow[] | undefined) ?? [];
  const processors = [state.ItemProcessor, state.Iterator].filter((processor) => processor !== undefined);
  return [...branches, ...(processors as Flow[])];
}

/**
 * The state named `name` in `flow`'s `States` or, depth first, in its states' nested flows; undefined when
 * there is none.
 *
 * @example
 * findState({ States: { P: { Type: 'Parallel', Branches: [{ States: { B: { Type: 'Pass' } } }] } } }, 'B');
 * // { Type: 'Pass' }
 */
export function findState(flow: Flow, name: string): Flow | undefined {
  const states = (flow.States ?? {}) as Record<string, Flow>;
  if (Object.hasOwn(states, name)) return states[name];
  for (const state of Object.values(states)) {
    for (const nested of nestedFlows(state)) {
      const found = findState(nested, name);
      if (found) return found;
    }
  }
  return undefined;
}
