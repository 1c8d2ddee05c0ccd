/**
 * Parser of intrinsic function calls (`States.Format('{} items', $.count)`): arguments are string literals
 * in single quotes (`\'`, `\{`, `\}`, `\\` escapes), numbers, `true`/`false`/`null`, paths (`$...`, `$$...`)
 * and nested calls.
 */

/** One parsed argument or call. */
export type IntrinsicNode =
  | { kind: 'call'; name: string; args: IntrinsicNode[] }
  | { kind: 'string'; value: string; raw: string }
  | { kind: 'literal'; value: number | boolean | null }
  | { kind: 'path'; path: string };

/** The characters a backslash escapes in an intrinsic string literal or a `States.Format` template. */
const ESCAPED_CHARACTERS: ReadonlySet<string> = new Set(["'", '{', '}', '\\']);

/**
 * Why a backslash followed by `next` (undefined: the text ends there) is not an escape; undefined if it is
 * one. AWS refuses an "open escape backslash" with an error.
 *
 * @example
 * escapeProblem('{'); // undefined
 * escapeProblem('n'); // "'\\n' escapes nothing: only \\', \\{, \\} and \\\\ are escapes"
 */
export function escapeProblem(next: string | undefined): string | undefined {
  if (next !== undefined && ESCAPED_CHARACTERS.has(next)) return undefined;
  const sequence = next === undefined ? 'a trailing \\' : `'\\${next}'`;
  return `${sequence} escapes nothing: only \\', \\{, \\} and \\\\ are escapes`;
}

/** The text is not a well-formed intrinsic call. */
export class IntrinsicSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntrinsicSyntaxError';
  }
}

/** Parses a whole expression, which must be one call; throws {@link IntrinsicSyntaxError}. */
export function parseIntrinsic(expression: string): IntrinsicNode & { kind: 'call' } {
  const parser = new IntrinsicParser(expression);
  parser.skipSpaces();
  const call = parser.call();
  parser.skipSpaces();
  if (!parser.done()) throw parser.error('unexpected text after the closing parenthesis');
  return call;
}

class IntrinsicParser {
  private position = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.position >= this.text.length;
  }
  skipSpaces(): void {
    while (/\s/.test(this.text[this.position] ?? '')) this.position += 1;
  }
  error(message: string): IntrinsicSyntaxError {
    return new IntrinsicSyntaxError(`${message} at position ${this.position} of ${this.text}`);
  }

  call(): IntrinsicNode & { kind: 'call' } {
    const match = /^States\.[A-Za-z0-9]+/.exec(this.text.slice(this.position));
    if (!match) throw this.error('expected an intrinsic function name (States.Xxx)');
    this.position += match[0].length;
    this.skipSpaces();
    if (this.text[this.position] !== '(') throw this.error(`expected '(' after ${match[0]}`);
    this.position += 1;
    const args: IntrinsicNode[] = [];
    this.skipSpaces();
    if (this.text[this.position] === ')') {
      this.position += 1;
      return { kind: 'call', name: match[0], args };
    }
    for (;;) {
      this.skipSpaces();
      args.push(this.argument());
      this.skipSpaces();
      const separator = this.text[this.position];
      this.position += 1;
      if (separator === ')') return { kind: 'call', name: match[0], args };
      if (separator !== ',') throw this.error(`expected ',' or ')' in the arguments of ${match[0]}`);
    }
  }

  private argument(): IntrinsicNode {
    const char = this.text[this.position];
    if (char === "'") return this.stringLiteral();
    if (char === '$') return { kind: 'path', path: this.path() };
    if (this.text.startsWith('States.', this.position)) return this.call();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (
        this.text.startsWith(word, this.position) &&
        !/[\w.]/.test(this.text[this.position + word.length] ?? '')
      ) {
        this.position += word.length;
        return { kind: 'literal', value };
      }
    }
    const number = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.position));
    if (number) {
      this.position += number[0].length;
      return { kind: 'literal', value: Number(number[0]) };
    }
    throw this.error("expected a 'string', a number, true, false, null, a path or an intrinsic function");
  }

  private stringLiteral(): IntrinsicNode {
    this.position += 1;
    let value = '';
    const start = this.position;
    while (this.position < this.text.length && this.text[this.position] !== "'") {
      if (this.text[this.position] === '\\') {
        this.position += 1;
        if (this.position >= this.text.length) break;
        const problem = escapeProblem(this.text[this.position]);
        if (problem) throw this.error(problem);
      }
      value += this.text[this.position];
      this.position += 1;
    }
    if (this.text[this.position] !== "'") throw this.error('unterminated string literal');
    const raw = this.text.slice(start, this.position);
    this.position += 1;
    return { kind: 'string', value, raw };
  }

  /** A path ends at a ',' or ')' outside brackets and quotes. */
  private path(): string {
    const start = this.position;
    let depth = 0;
    let quote: string | undefined;
    while (this.position < this.text.length) {
      const char = this.text[this.position]!;
      if (quote) {
        if (char === '\\') this.position += 1;
        else if (char === quote) quote = undefined;
      } else if (char === "'" || char === '"') {
        quote = char;
      } else if (char === '[') {
        depth += 1;
      } else if (char === ']') {
        depth -= 1;
      } else if (depth === 0 && (char === ',' || char === ')')) {
        break;
      }
      this.position += 1;
    }
    return this.text.slice(start, this.position).trimEnd();
  }
}
