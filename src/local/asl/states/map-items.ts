/**
 * A Map state's items and what each iteration gets of them: the items of its input at `ItemsPath`
 * (JSONata: `Items`), each through `ItemSelector` (legacy `Parameters`) with `$$.Map.Item`.
 */
import { resolvePayloadTemplate } from '../data-flow.ts';
import { EvaluationError, STATES_ERRORS, StatesError } from '../errors.ts';
import { readPath } from '../jsonpath.ts';
import type { StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';

/** `$$.Map.Item.Source` of the items of a Map's input, as AWS writes it. */
export const STATE_DATA = 'STATE_DATA';

/** `$$.Map.Item` of one item: its index, its value and where the Map's items came from. */
interface MapItem {
  Index: number;
  Value: unknown;
  Source: string;
}

/**
 * What the iteration of each of the Map's `items` gets, by index: the item through `ItemSelector` (legacy
 * `Parameters`), if any, with `$$.Map.Item` (its `Source` is `source`). `effective` is the Map's input after
 * InputPath; a JSONata Map evaluates its `ItemSelector` for all items before any starts (a promise then).
 */
export function itemSelection(
  run: StateRun<MapState>,
  effective: unknown,
  items: unknown[],
  source: string,
): ((index: number) => unknown) | Promise<(index: number) => unknown> {
  const item = (index: number): MapItem => ({ Index: index, Value: items[index], Source: source });
  if (run.jsonata) return jsonataItemSelector(run, items, item);
  return (index) => selectItem(run, effective, item(index));
}

/** An item as its iteration gets it: through `ItemSelector` (legacy `Parameters`), if any. */
function selectItem(run: StateRun<MapState>, effective: unknown, item: MapItem): unknown {
  const selector = run.state.ItemSelector ?? run.state.Parameters;
  if (selector === undefined) return item.Value;
  const context = run.contextSource({ Map: { Item: item } });
  return resolvePayloadTemplate(selector, effective, context, run.frame);
}

/** The items of the Map's input (`effective`) at its `ItemsPath`; `States.Runtime` (JSONata: an evaluation error) for no array. */
export function itemsOf(run: StateRun<MapState>, effective: unknown): unknown[] {
  const { state } = run;
  const items =
    state.ItemsPath === undefined
      ? effective
      : readPath(state.ItemsPath, effective, run.contextSource(), run.frame);
  if (!Array.isArray(items)) {
    // A JSONata Map without Items whose input is no array (an Items expression was checked for an array).
    if (run.jsonata) {
      throw new EvaluationError(
        `Map state input must be an array but was: ${JSON.stringify(items)}`,
        undefined,
      );
    }
    // AWS's words (recorded by TestState), which show a context path (`$$...`) as a path of the context.
    const path = state.ItemsPath ?? '$';
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Reference path "${path.startsWith('$$') ? path.slice(1) : path}" must point to array.`,
    );
  }
  return items;
}

/** The items of a JSONata Map: `Items` (an array or a `{% %}` expression), else its input. */
export async function jsonataItems(run: StateRun<MapState>): Promise<unknown> {
  const { Items } = run.state;
  if (Items === undefined) return run.input;
  return run.evaluate(Items, 'Items', run.states(), 'array');
}

/**
 * Each item of a JSONata Map as its iteration gets it: `ItemSelector` evaluated with
 * `$states.context.Map.Item` (`item(index)`; evaluated for all items before any starts), else the item.
 */
async function jsonataItemSelector(
  run: StateRun<MapState>,
  items: unknown[],
  item: (index: number) => MapItem,
): Promise<(index: number) => unknown> {
  const selector = run.state.ItemSelector;
  if (selector === undefined) return (index) => items[index];
  const selected: unknown[] = [];
  for (let index = 0; index < items.length; index++) {
    const states = run.states(undefined, { Map: { Item: item(index) } });
    selected.push(await run.evaluate(selector, 'ItemSelector', states));
  }
  return (index) => selected[index];
}
