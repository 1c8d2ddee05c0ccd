import * as z from 'zod';
import { closestName } from './closest-name.ts';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

/**
 * Fields an object keeps only to refuse them with a message of their own (`scaleDownDelaySeconds` on a
 * rolling request): an unknown field's message neither lists nor suggests them.
 */
export const refusedFields = z.registry();

/** A JSON path of the issue, in the request's own words: `canary.steps[1].weight`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

/** The value as JSON, cut to 60 characters; a value too deeply nested to serialize is `[...]` or `{...}`. */
function shown(value: unknown): string {
  // JSON has no Infinity (`1e400` parses to it); JSON.stringify would say null.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return Array.isArray(value) ? '[...]' : '{...}';
  }
  return json === undefined ? String(value) : json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

function listed(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === 'string' ? value : shown(value))).join(', ');
}

/** The parts of a zod schema's definition read here. */
interface SchemaDef {
  readonly type?: string;
  readonly shape?: Readonly<Record<string, unknown>>;
  readonly innerType?: unknown;
  readonly element?: unknown;
  readonly in?: unknown;
}

function defOf(schema: unknown): SchemaDef | undefined {
  return (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The fields of the object an unknown-keys issue was raised on, with their schemas, but {@link refusedFields}. */
function shapeOf(issue: RawIssue): Readonly<Record<string, unknown>> {
  const shape = defOf(issue.inst)?.shape ?? {};
  return Object.fromEntries(
    Object.entries(shape).filter(([, schema]) => !refusedFields.has(schema as z.core.$ZodType)),
  );
}

/**
 * The fields of the objects a field holds, past its wrappers (optional, default, a pipe): `[]` after its
 * name for an array of objects (`steps[]`), nothing for an object.
 */
function nestedShape(schema: unknown): { readonly suffix: string; readonly shape: object } | undefined {
  let def = defOf(schema);
  let suffix = '';
  for (let depth = 0; def && depth < 8; depth++) {
    if (def.shape) return { suffix, shape: def.shape };
    if (def.type === 'array') suffix = '[]';
    def = defOf(def.innerType ?? def.element ?? def.in);
  }
  return undefined;
}

/** Where an unknown `key` is a field one level down: `steps[].pause`, `analysis.maxErrorRate`. */
function placeOneLevelDown(key: string, shape: Readonly<Record<string, unknown>>): string | undefined {
  for (const [name, schema] of Object.entries(shape)) {
    const nested = nestedShape(schema);
    if (nested && key in nested.shape) return `${name}${nested.suffix}.${key}`;
  }
  return undefined;
}

/**
 * `: did you mean steps?` for unknown keys close to an allowed one, or fields of a field of it given one
 * level too high (`steps[].pause`; `steps for stpes, ...` when several keys are unknown); empty when none is.
 */
function suggestions(keys: readonly string[], shape: Readonly<Record<string, unknown>>): string {
  const allowed = Object.keys(shape);
  const meant = keys.flatMap((key) => {
    const name = closestName(key, allowed) ?? placeOneLevelDown(key, shape);
    return name === undefined ? [] : [keys.length === 1 ? name : `${name} for ${key}`];
  });
  return meant.length === 0 ? '' : `: did you mean ${meant.join(', ')}?`;
}

/** What a string's length bound counts: ` characters` (nothing for a number's bound). */
function unitOf(origin: string, bound: number | bigint): string {
  return origin === 'string' ? ` character${bound === 1 ? '' : 's'}` : '';
}

/**
 * The per-parse error map: messages that say what is allowed. Schema-level messages (from `fields.ts`)
 * take precedence over it.
 */
export function describeIssue(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be an integer';
      if (issue.expected === 'record') return 'must be an object';
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${shown(issue.values[0])}`
        : `must be one of: ${listed(issue.values)}`;
    case 'invalid_union':
      return 'options' in issue && Array.isArray(issue.options)
        ? `must be one of: ${listed(issue.options)}`
        : undefined;
    case 'invalid_key':
      return `key ${shown(issue.input)} ${issue.issues[0]?.message ?? 'is not allowed'}`;
    case 'unrecognized_keys': {
      const shape = shapeOf(issue);
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (allowed: ${Object.keys(shape).join(', ')})${suggestions(issue.keys, shape)}`;
    }
    case 'too_small':
      return issue.origin === 'array'
        ? `must have at least ${issue.minimum} item${issue.minimum === 1 ? '' : 's'}`
        : `must be at least ${issue.minimum}${unitOf(issue.origin, issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have at most ${issue.maximum} items`
        : `must be at most ${issue.maximum}${unitOf(issue.origin, issue.maximum)}`;
    default:
      return undefined;
  }
}

/**
 * The value the issue is about: for a discriminated union, the offending `type` value (`undefined` when
 * absent) rather than the whole object.
 */
function offendingValue(issue: Issue): unknown {
  const { input } = issue;
  if (issue.code !== 'invalid_union' || !('discriminator' in issue)) return input;
  return typeof input === 'object' && input !== null
    ? (input as Record<string, unknown>)[String(issue.discriminator)]
    : input;
}

/**
 * One line per issue: `path: message (got value)`, or `path: is required (message)` when absent; a bad key
 * of a record at the record's path, its message naming the key.
 */
export function formatIssue(issue: Issue): string {
  const path = issuePath(issue.code === 'invalid_key' ? issue.path.slice(0, -1) : issue.path) || '(request)';
  if (issue.code === 'unrecognized_keys' || issue.code === 'invalid_key') return `${path}: ${issue.message}`;
  if (issue.code === 'custom') return `${path}: ${issue.message}`;
  const input = offendingValue(issue);
  if (input === undefined) return `${path}: is required (${issue.message})`;
  return `${path}: ${issue.message} (got ${shown(input)})`;
}
