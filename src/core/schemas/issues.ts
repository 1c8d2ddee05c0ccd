import type * as z from 'zod';

type Issue = z.core.$ZodIssue;
type RawIssue = z.core.$ZodRawIssue;

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

function allowedKeys(issue: RawIssue): string[] {
  const shape = (issue.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape;
  return shape ? Object.keys(shape) : [];
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
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')} (allowed: ${allowedKeys(issue).join(', ')})`;
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

/** For a discriminated union, the offending `type` value rather than the whole object. */
function discriminatorValue(issue: Issue): unknown {
  if (issue.code !== 'invalid_union' || !('discriminator' in issue)) return undefined;
  const input = issue.input as Record<string, unknown> | undefined;
  return typeof input === 'object' && input !== null
    ? (input[String(issue.discriminator)] ?? null)
    : undefined;
}

/** One line per issue: `path: message (got value)`, or `path: is required (message)` when absent. */
export function formatIssue(issue: Issue): string {
  const path = issuePath(issue.path) || '(request)';
  if (issue.code === 'unrecognized_keys') return `${path}: ${issue.message}`;
  if (issue.code === 'custom') return `${path}: ${issue.message}`;
  const input = discriminatorValue(issue) ?? issue.input;
  if (input === undefined) return `${path}: is required (${issue.message})`;
  return `${path}: ${issue.message} (got ${shown(input)})`;
}
