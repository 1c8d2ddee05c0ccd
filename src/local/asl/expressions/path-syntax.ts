/**
 * Parser of the JSONPath subset Step Functions accepts (Jayway JsonPath syntax): dot and bracket names,
 * indexes, unions, wildcards, slices, deep scan and filter expressions.
 */

/** One step of a path. */
export type Segment =
  | { kind: 'names'; names: string[] }
  | { kind: 'indexes'; indexes: number[] }
  | { kind: 'wildcard' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined }
  | { kind: 'filter'; filter: FilterExpression }
  | { kind: 'deepScan'; segment: Segment };

/** A filter (`[?(...)]`) expression tree. */
export type FilterExpression =
  | { kind: 'or' | 'and'; left: FilterExpression; right: FilterExpression }
  | { kind: 'not'; operand: FilterExpression }
  | { kind: 'exists'; operand: FilterOperand }
  | { kind: 'compare'; operator: ComparisonSymbol; left: FilterOperand; right: FilterOperand };

/** A value in a filter: a path from the current item (`@`) or the root (`$`), or a literal. */
export type FilterOperand =
  | { kind: 'path'; from: '@' | '$'; segments: Segment[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'regex'; regex: RegExp };

export type ComparisonSymbol = '==' | '!=' | '<' | '<=' | '>' | '>=' | '=~';

/**
 * A parsed path: what it reads (`$` the state's data, `$$` the context object, `$name` the workflow
 * variable `name`), its steps, and whether it can only ever select one node (a Reference Path).
 */
export interface ParsedPath {
  readonly root: '$' | '$$' | 'variable';
  /** The variable's name, for a `variable` root. */
  readonly variable?: string;
  readonly segments: readonly Segment[];
  /** Only single names and single indexes: selects at most one node (a Reference Path). */
  readonly reference: boolean;
  /**
   * Reads one value, not an array of what it selects: a Reference Path, or one whose last step is a union
   * of names (`$.o['a','b']`, Jayway's merge of those members into one object).
   */
  readonly definite: boolean;
  /** Whether a filter of it matches a regular expression (`=~`), whose time the runtime limits. */
  readonly regex: boolean;
}

/** The text is not a JSONPath this runtime understands. */
export class PathSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathSyntaxError';
  }
}

const COMPARISON_SYMBOLS: readonly ComparisonSymbol[] = ['==', '!=', '<=', '>=', '=~', '<', '>'];
/** Characters that end a dot-notation name inside a filter expression. */
const FILTER_NAME_END = /[\s.[\]()=!<>&|,]/;

/** A workflow variable's name after `$`: a Unicode ID_Start character, then ID_Continue characters. */
const VARIABLE_NAME = /^\p{ID_Start}\p{ID_Continue}*/u;

/** Whether `name` is a workflow variable's name as paths write it after `$` (Unicode Standard Annex #31). */
export function isVariableName(name: string): boolean {
  return VARIABLE_NAME.exec(name)?.[0] === name;
}

/**
 * Parses `$...`, `$$...` or `$name...` (a workflow variable; the leading `$` is required); throws
 * {@link PathSyntaxError}.
 */
export function parsePath(path: string): ParsedPath {
  const cursor = new Cursor(path);
  const root = cursor.take('$$') ? '$$' : cursor.take('$') ? '$' : undefined;
  if (root === undefined) throw new PathSyntaxError(`must start with '$'`);
  const variable = root === '$' ? cursor.match(VARIABLE_NAME) : undefined;
  const segments = cursor.segments(false);
  if (!cursor.done()) throw cursor.error('unexpected character');
  const reference = segments.every(isSingleStep);
  const definite =
    reference || segments.every((segment, at) => isDefiniteStep(segment, at === segments.length - 1));
  const regex = cursor.regexes > 0;
  return variable === undefined
    ? { root, segments, reference, definite, regex }
    : { root: 'variable', variable, segments, reference, definite, regex };
}

/** Whether a step keeps a path definite (Jayway's `isTokenDefinite`): a single step, or a union of names last. */
export function isDefiniteStep(segment: Segment, last: boolean): boolean {
  return isSingleStep(segment) || (last && segment.kind === 'names');
}

function isSingleStep(segment: Segment): boolean {
  return (
    (segment.kind === 'names' && segment.names.length === 1) ||
    (segment.kind === 'indexes' && segment.indexes.length === 1)
  );
}

class Cursor {
  private position = 0;
  /** How many regular expressions the path's filters hold so far. */
  regexes = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }
  peek(offset = 0): string {
    return this.text[this.position + offset] ?? '';
  }
  take(token: string): boolean {
    if (!this.text.startsWith(token, this.position)) return false;
    this.position += token.length;
    return true;
  }
  /** Takes the text `pattern` (anchored with `^`) matches here, if any. */
  match(pattern: RegExp): string | undefined {
    const found = pattern.exec(this.text.slice(this.position))?.[0];
    if (found) this.position += found.length;
    return found || undefined;
  }
  expect(token: string): void {
    if (!this.take(token)) throw this.error(`expected '${token}'`);
  }
  skipSpaces(): void {
    while (/\s/.test(this.peek())) this.position += 1;
  }
  error(message: string): PathSyntaxError {
    return new PathSyntaxError(`${message} at position ${this.position}`);
  }

  /** Reads steps until the text ends or, inside a filter, until a character that cannot continue a path. */
  segments(inFilter: boolean): Segment[] {
    const segments: Segment[] = [];
    for (;;) {
      if (this.take('..')) {
        segments.push({
          kind: 'deepScan',
          segment: this.peek() === '[' ? this.bracket() : this.dotStep(inFilter),
        });
      } else if (this.take('.')) {
        // Jayway reads `.['name']` as `['name']` (the Paths guide's own example is `$.abc.['def ghi']`).
        segments.push(this.peek() === '[' ? this.bracket() : this.dotStep(inFilter));
      } else if (this.peek() === '[') {
        segments.push(this.bracket());
      } else {
        return segments;
      }
    }
  }

  private dotStep(inFilter: boolean): Segment {
    if (this.take('*')) return { kind: 'wildcard' };
    const start = this.position;
    while (!this.done()) {
      const char = this.peek();
      if (char === '.' || char === '[' || (inFilter && FILTER_NAME_END.test(char))) break;
      if (/\s/.test(char)) throw this.error(`a name with blank characters needs brackets: ['my key']`);
      this.position += 1;
    }
    if (this.position === start) throw this.error('expected a property name');
    return { kind: 'names', names: [this.text.slice(start, this.position)] };
  }

  private bracket(): Segment {
    this.expect('[');
    this.skipSpaces();
    let segment: Segment;
    if (this.take('*')) {
      segment = { kind: 'wildcard' };
    } else if (this.take('?(')) {
      segment = { kind: 'filter', filter: this.orExpression() };
      this.skipSpaces();
      this.expect(')');
    } else if (this.peek() === "'" || this.peek() === '"') {
      segment = { kind: 'names', names: this.list(() => this.quoted(true)) };
    } else {
      segment = this.indexesOrSlice();
    }
    this.skipSpaces();
    this.expect(']');
    return segment;
  }

  private list<T>(item: () => T): T[] {
    const items = [item()];
    this.skipSpaces();
    while (this.take(',')) {
      this.skipSpaces();
      items.push(item());
      this.skipSpaces();
    }
    return items;
  }

  /**
   * A quoted string; a backslash keeps the next character from ending it. A bracket name (`keepEscapes`)
   * keeps the backslash too, as AWS reads `$['a\"b']` (recorded: it selects the key `a\"b`); a filter
   * literal drops it.
   */
  private quoted(keepEscapes = false): string {
    const quote = this.peek();
    if (quote !== "'" && quote !== '"') throw this.error('expected a quoted name');
    this.position += 1;
    let value = '';
    while (!this.done() && this.peek() !== quote) {
      if (this.peek() === '\\') {
        if (keepEscapes) value += '\\';
        this.position += 1;
      }
      value += this.peek();
      this.position += 1;
    }
    this.expect(quote);
    return value;
  }

  private integer(): number | undefined {
    const match = /^-?\d+/.exec(this.text.slice(this.position));
    if (!match) return undefined;
    this.position += match[0].length;
    return Number(match[0]);
  }

  private indexesOrSlice(): Segment {
    const first = this.integer();
    this.skipSpaces();
    if (this.peek() !== ':') {
      if (first === undefined) throw this.error('expected an index, a slice, a quoted name, * or a filter');
      const indexes = [first];
      while (this.take(',')) {
        this.skipSpaces();
        const next = this.integer();
        if (next === undefined) throw this.error('expected an index');
        indexes.push(next);
        this.skipSpaces();
      }
      return { kind: 'indexes', indexes };
    }
    this.expect(':');
    const end = this.integer();
    // Jayway reads a slice's start and end only: a step after them is ignored, and one of them is needed.
    if (this.take(':')) this.integer();
    if (first === undefined && end === undefined) throw this.error('a slice needs a start or an end');
    return { kind: 'slice', start: first, end };
  }

  private orExpression(): FilterExpression {
    let left = this.andExpression();
    for (this.skipSpaces(); this.take('||'); this.skipSpaces()) {
      left = { kind: 'or', left, right: this.andExpression() };
    }
    return left;
  }

  private andExpression(): FilterExpression {
    let left = this.unaryExpression();
    for (this.skipSpaces(); this.take('&&'); this.skipSpaces()) {
      left = { kind: 'and', left, right: this.unaryExpression() };
    }
    return left;
  }

  private unaryExpression(): FilterExpression {
    this.skipSpaces();
    if (this.take('!')) return { kind: 'not', operand: this.unaryExpression() };
    if (this.take('(')) {
      const inner = this.orExpression();
      this.skipSpaces();
      this.expect(')');
      return inner;
    }
    const left = this.operand();
    this.skipSpaces();
    const operator = COMPARISON_SYMBOLS.find((symbol) => this.take(symbol));
    if (!operator) return { kind: 'exists', operand: left };
    this.skipSpaces();
    return { kind: 'compare', operator, left, right: this.operand() };
  }

  private operand(): FilterOperand {
    const char = this.peek();
    if (char === '@' || char === '$') {
      this.position += 1;
      return { kind: 'path', from: char, segments: this.segments(true) };
    }
    if (char === "'" || char === '"') return { kind: 'literal', value: this.quoted() };
    if (char === '/') return this.regex();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.take(word)) return { kind: 'literal', value };
    }
    const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.position));
    if (!match) throw this.error('expected @, $, a string, a number, true, false, null or /regex/');
    this.position += match[0].length;
    return { kind: 'literal', value: Number(match[0]) };
  }

  private regex(): FilterOperand {
    this.expect('/');
    let source = '';
    while (!this.done() && this.peek() !== '/') {
      if (this.peek() === '\\') {
        source += this.peek();
        this.position += 1;
      }
      source += this.peek();
      this.position += 1;
    }
    this.expect('/');
    const flags = /^[imsu]*/.exec(this.text.slice(this.position))?.[0] ?? '';
    this.position += flags.length;
    try {
      // Jayway matches the whole string (Java's `Matcher.matches`), not a part of it; the lookarounds
      // anchor at its ends with the `m` flag too.
      const regex = new RegExp(`(?<![\\s\\S])(?:${source})(?![\\s\\S])`, flags);
      this.regexes += 1;
      return { kind: 'regex', regex };
    } catch (error) {
      throw this.error(`invalid regular expression: ${(error as Error).message}`);
    }
  }
}

/** Jayway's bracket rendering of a path's steps (`$['a'][0]`, `$name['a']`), used in AWS's error messages. */
export function normalizedPath(segments: readonly Segment[], variable = ''): string {
  return `$${variable}${segments.map(renderSegment).join('')}`;
}

function renderSegment(segment: Segment): string {
  switch (segment.kind) {
    case 'names':
      return `[${segment.names.map((name) => `'${name}'`).join(', ')}]`;
    case 'indexes':
      return `[${segment.indexes.join(',')}]`;
    case 'wildcard':
      return '[*]';
    case 'slice':
      return `[${segment.start ?? ''}:${segment.end ?? ''}]`;
    case 'filter':
      return '[?]';
    case 'deepScan':
      return `..${renderSegment(segment.segment)}`;
  }
}
