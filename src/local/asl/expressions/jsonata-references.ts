/**
 * What a Step Functions JSONata expression may not read, found in its syntax tree: it has no context item,
 * so `$`, `$$` and field names at its top level refer to nothing; and `$states.result` and
 * `$states.errorOutput` exist only in the fields that run after a result or an error.
 */
import { isPlainObject } from './json-values.ts';

/** The `$states` members a field may read besides `input` and `context`. */
export interface ReadableStates {
  readonly result: boolean;
  readonly errorOutput: boolean;
}

/** The members of a syntax-tree node evaluated in the same context as the node itself. */
const SAME_CONTEXT = [
  'lhs',
  'rhs',
  'expression',
  'expressions',
  'arguments',
  'condition',
  'then',
  'else',
  'body',
];

/**
 * Why each reference of the JSONata syntax tree `ast` is not supported, as AWS words it
 * (`Reference to 'phone' at the top level is not supported.`, `Field '$states.errorOutput' does not exist.`).
 */
export function unsupportedReferences(ast: unknown, readable: ReadableStates): string[] {
  const problems = new Set<string>();
  topLevelReferences(ast, problems);
  visitJsonataTree(ast, (node) => {
    if (node.type === 'variable' && node.value === '$') problems.add("Reference to '$$' is not supported.");
    const steps = node.type === 'path' && Array.isArray(node.steps) ? node.steps : [];
    const [first, second] = steps as Record<string, unknown>[];
    if (first?.type !== 'variable' || first.value !== 'states' || second?.type !== 'name') return;
    const member = second.value as string;
    if ((member === 'result' && !readable.result) || (member === 'errorOutput' && !readable.errorOutput)) {
      problems.add(`Field '$states.${member}' does not exist.`);
    }
  });
  return [...problems];
}

/** Field names (and `$`) read at the top level of `node`, where there is no context item. */
function topLevelReferences(node: unknown, problems: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) topLevelReferences(item, problems);
    return;
  }
  if (!isPlainObject(node)) return;
  if (node.type === 'name') problems.add(`Reference to '${node.value}' at the top level is not supported.`);
  if (node.type === 'variable' && node.value === '')
    problems.add("Reference to '$' at the top level is not supported.");
  // A path's later steps, and its predicates, read the items its first step gives.
  if (node.type === 'path' && Array.isArray(node.steps)) topLevelReferences(node.steps[0], problems);
  for (const key of SAME_CONTEXT) if (key in node) topLevelReferences(node[key], problems);
}

/** Calls `each` on every node of a JSONata syntax tree, the root first. */
export function visitJsonataTree(node: unknown, each: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(node)) for (const item of node) visitJsonataTree(item, each);
  else if (isPlainObject(node)) {
    each(node);
    for (const value of Object.values(node)) if (typeof value === 'object') visitJsonataTree(value, each);
  }
}
