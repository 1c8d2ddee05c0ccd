/**
 * The workflow variables each state of a definition reads, as DescribeStateMachine's `variableReferences`
 * answers them: `$name...` paths in path fields (InputPath, ItemsPath, SecondsPath, ...), in Choice rules
 * (`Variable` and `...Path` comparisons) and in `.$` values of payload templates and `Assign` fields,
 * intrinsic function arguments included. States of Parallel branches and Map item processors are listed
 * by their own names, as state names are unique across a definition.
 */
import { isIntrinsic } from '../intrinsics.ts';
import { type IntrinsicNode, parseIntrinsic } from './intrinsic-syntax.ts';
import { isPlainObject } from './json-values.ts';
import { parsePath } from './path-syntax.ts';

/** Fields holding fields of their own that may read variables: `MaxItemsPerBatchPath`, `ReaderConfig.MaxItemsPath`, ... */
const NESTING_FIELDS = new Set(['ItemBatcher', 'ItemReader', 'ReaderConfig']);

/** Fields whose `.$` values, at any depth, are paths or intrinsic function calls (`BatchInput` of an ItemBatcher). */
const TEMPLATE_FIELDS = new Set(['Parameters', 'ResultSelector', 'ItemSelector', 'Assign', 'BatchInput']);

/**
 * Each state that reads a variable, with the names it reads in the order they first appear.
 *
 * @example
 * variableReferences({ StartAt: 'W', States: { W: { Type: 'Wait', SecondsPath: '$delay', End: true } } });
 * // { W: ['delay'] }
 */
export function variableReferences(definition: unknown): Record<string, string[]> {
  const references: Record<string, string[]> = {};
  collectMachine(definition, references);
  return references;
}

function collectMachine(machine: unknown, references: Record<string, string[]>): void {
  if (!isPlainObject(machine) || !isPlainObject(machine.States)) return;
  for (const [name, state] of Object.entries(machine.States)) {
    if (!isPlainObject(state)) continue;
    const names = new Set<string>();
    for (const [key, value] of Object.entries(state)) collectField(key, value, names);
    if (names.size > 0) references[name] = [...names];
    const branches = Array.isArray(state.Branches) ? state.Branches : [];
    for (const nested of [...branches, state.ItemProcessor, state.Iterator])
      collectMachine(nested, references);
  }
}

function collectField(key: string, value: unknown, names: Set<string>): void {
  if (TEMPLATE_FIELDS.has(key)) collectTemplate(value, names);
  else if (key === 'Choices' || key === 'Catch') {
    for (const entry of Array.isArray(value) ? value : []) collectRule(entry, names);
  } else if (NESTING_FIELDS.has(key) && isPlainObject(value)) {
    for (const [field, inner] of Object.entries(value)) collectField(field, inner, names);
  } else if (key.endsWith('Path')) collectDynamicValue(value, names);
}

/** A Choice rule (with its nested rules) or a Catcher. */
function collectRule(rule: unknown, names: Set<string>): void {
  if (!isPlainObject(rule)) return;
  for (const [key, value] of Object.entries(rule)) {
    if (key === 'Assign') collectTemplate(value, names);
    else if (key === 'Variable' || key.endsWith('Path')) collectDynamicValue(value, names);
    else if (key === 'Not') collectRule(value, names);
    else if (key === 'And' || key === 'Or') {
      for (const inner of Array.isArray(value) ? value : []) collectRule(inner, names);
    }
  }
}

function collectTemplate(template: unknown, names: Set<string>): void {
  if (Array.isArray(template)) {
    for (const item of template) collectTemplate(item, names);
  } else if (isPlainObject(template)) {
    for (const [key, value] of Object.entries(template)) {
      if (key.endsWith('.$')) collectDynamicValue(value, names);
      else collectTemplate(value, names);
    }
  }
}

/** A path or an intrinsic function call. */
function collectDynamicValue(value: unknown, names: Set<string>): void {
  if (typeof value !== 'string') return;
  if (isIntrinsic(value)) {
    try {
      collectIntrinsic(parseIntrinsic(value), names);
    } catch {
      // not a well-formed call: it reads nothing
    }
  } else if (value.startsWith('$')) {
    collectPath(value, names);
  }
}

function collectIntrinsic(node: IntrinsicNode, names: Set<string>): void {
  if (node.kind === 'path') collectPath(node.path, names);
  if (node.kind === 'call') for (const argument of node.args) collectIntrinsic(argument, names);
}

function collectPath(path: string, names: Set<string>): void {
  try {
    const parsed = parsePath(path);
    if (parsed.variable !== undefined) names.add(parsed.variable);
  } catch {
    // not a valid path: it reads nothing
  }
}
