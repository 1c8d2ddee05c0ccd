/**
 * Why a text is not JSON, in the words of Jackson 2.x, the parser AWS reads definitions with, so that an
 * `INVALID_JSON_DESCRIPTION` diagnostic reads as AWS's does: `Unrecognized token 'not': was expecting
 * (JSON String, Number, Array, Object or token 'null', 'true' or 'false')` at `[Source: (String)"not a
 * definition"; line: 1, column: 4]`, the line and column (1-based, in UTF-16 code units) just past what
 * Jackson read last.
 */

/** What Jackson says it wanted where a value should start. */
const VALUE_EXPECTED = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
/** The longest token Jackson repeats in a message, before it adds `...`. */
const MAX_TOKEN_LENGTH = 256;
/** The most of the text Jackson shows in a location. */
const MAX_SOURCE_SNIPPET = 500;
/** Characters Java's `Character.isJavaIdentifierStart` accepts. */
const IDENTIFIER_START = /[\p{L}\p{Nl}\p{Sc}\p{Pc}]/u;
/** Characters Java's `Character.isJavaIdentifierPart` accepts, besides the control characters it ignores. */
const IDENTIFIER_PART = /[\p{L}\p{Nl}\p{Sc}\p{Pc}\p{Nd}\p{Mn}\p{Mc}\p{Cf}]/u;
const END = -1;

/** A JSON syntax error: the message (with ` at <location>`) and where it is. */
export interface JsonSyntaxError {
  readonly message: string;
  /** `[Source: (String)"..."; line: 1, column: 4]`. */
  readonly location: string;
}

/** An open object or array, and where its opening bracket is. */
interface Container {
  readonly kind: 'Object' | 'Array';
  readonly line: number;
  readonly column: number;
}

class Found extends Error {}

/**
 * The first syntax error of `text` as Jackson reports it, `undefined` for JSON (white space only included).
 * Content after the value, which Jackson would leave unread, is an error here, as for `JSON.parse`.
 *
 * @example
 * jsonSyntaxError('{"StartAt": }')?.message;
 * // "Unexpected character ('}' (code 125)): expected a value\n at [Source: (String)\"{\"StartAt\": }\"; line: 1, column: 14]"
 */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const reader = new JacksonReader(text);
  try {
    reader.readDocument();
    return undefined;
  } catch (error) {
    if (!(error instanceof Found)) throw error;
    const location = reader.location();
    return { message: `${error.message}\n at ${location}`, location };
  }
}

/** Java's `Character.isISOControl`. */
function isIsoControl(code: number): boolean {
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
}

/** Java's `Character.isJavaIdentifierPart`: a name's characters, and control characters but white space. */
function isIdentifierPart(char: string): boolean {
  const code = char.charCodeAt(0);
  const whiteSpace = (code >= 0x09 && code <= 0x0d) || (code >= 0x1c && code <= 0x1f);
  return IDENTIFIER_PART.test(char) || (isIsoControl(code) && !whiteSpace);
}

/** `'x' (code 120)` or `(CTRL-CHAR, code 10)`: a character as Jackson names it. */
function charDescription(code: number): string {
  if (isIsoControl(code)) return `(CTRL-CHAR, code ${code})`;
  const char = String.fromCharCode(code);
  if (code > 255) return `'${char}' (code ${code} / 0x${code.toString(16)})`;
  return `'${char}' (code ${code})`;
}

/** The text as a location shows it: its first 500 characters, control characters but CR and LF escaped. */
function sourceDescription(text: string): string {
  let shown = '';
  for (const char of text.slice(0, MAX_SOURCE_SNIPPET)) {
    const code = char.charCodeAt(0);
    const escaped = isIsoControl(code) && code !== 0x0a && code !== 0x0d;
    shown += escaped ? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}` : char;
  }
  const truncated =
    text.length > MAX_SOURCE_SNIPPET ? `[truncated ${text.length - MAX_SOURCE_SNIPPET} chars]` : '';
  return `(String)"${shown}"${truncated}`;
}

/** Reads one JSON value as Jackson's `ReaderBasedJsonParser` does, throwing {@link Found} at its first error. */
class JacksonReader {
  readonly #text: string;
  readonly #source: string;
  readonly #open: Container[] = [];
  #position = 0;
  #line = 1;
  #lineStart = 0;

  constructor(text: string) {
    this.#text = text;
    this.#source = sourceDescription(text);
  }

  location(line = this.#line, column = this.#position - this.#lineStart + 1): string {
    return `[Source: ${this.#source}; line: ${line}, column: ${column}]`;
  }

  /** One value, then the end of the input: Jackson would stop at the value, this runtime refuses more. */
  readDocument(): void {
    const first = this.#nextToken();
    if (first === END) return;
    this.#value(first);
    const after = this.#nextToken();
    if (after !== END) this.#fail(`${unexpected(after)}: expected the end of the input after the JSON value`);
  }

  /** Skips white space and returns the next character's code, read, or {@link END}. */
  #nextToken(): number {
    while (this.#position < this.#text.length) {
      const code = this.#text.charCodeAt(this.#position++);
      if (code > 0x20) {
        if (code === 0x2f) {
          this.#fail(
            `${unexpected(code)}: maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)`,
          );
        }
        return code;
      }
      if (code === 0x0a) this.#newLine();
      else if (code === 0x0d) {
        if (this.#text.charCodeAt(this.#position) === 0x0a) this.#position++;
        this.#newLine();
      } else if (code !== 0x20 && code !== 0x09) {
        this.#fail(
          `Illegal character (${charDescription(code)}): only regular white space (\\r, \\n, \\t) is allowed between tokens`,
        );
      }
    }
    return END;
  }

  #newLine(): void {
    this.#line++;
    this.#lineStart = this.#position;
  }

  #value(code: number): void {
    if (code === 0x22) this.#string('string value');
    else if (code === 0x7b) this.#object();
    else if (code === 0x5b) this.#array();
    else if (code === 0x7d) this.#fail(`${unexpected(code)}: expected a value`);
    else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) this.#number(code);
    else if (IDENTIFIER_START.test(String.fromCharCode(code))) this.#word();
    else this.#fail(`${unexpected(code)}: expected a valid value ${VALUE_EXPECTED}`);
  }

  /** `true`, `false` or `null`; anything else that starts as a name is an unrecognized token. */
  #word(): void {
    let word = this.#text[this.#position - 1]!;
    while (this.#position < this.#text.length && isIdentifierPart(this.#text[this.#position]!)) {
      word += this.#text[this.#position++];
      if (word.length >= MAX_TOKEN_LENGTH) {
        word += '...';
        break;
      }
    }
    if (word === 'true' || word === 'false' || word === 'null') return;
    if (word === 'NaN' || word === 'Infinity') {
      this.#fail(
        `Non-standard token '${word}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`,
      );
    }
    this.#fail(`Unrecognized token '${word}': was expecting ${VALUE_EXPECTED}`);
  }

  #number(first: number): void {
    let code = first;
    if (code === 0x2d) {
      code = this.#read();
      if (!isDigit(code)) {
        this.#fail(
          `${unexpectedInNumber(code)}: expected digit (0-9) to follow minus sign, for valid numeric value`,
        );
      }
    }
    if (code === 0x30 && isDigit(this.#peek()))
      this.#fail('Invalid numeric value: Leading zeroes not allowed');
    this.#digits();
    if (this.#peek() === 0x2e) {
      this.#position++;
      if (!isDigit(this.#peek())) {
        // At the end of the input Jackson names the point itself.
        const next = this.#read();
        this.#fail(
          `${unexpectedInNumber(next === END ? 0x2e : next)}: Decimal point not followed by a digit`,
        );
      }
      this.#digits();
    }
    if (this.#peek() === 0x65 || this.#peek() === 0x45) {
      this.#position++;
      if (this.#peek() === 0x2b || this.#peek() === 0x2d) this.#position++;
      if (!isDigit(this.#peek())) {
        this.#fail(`${unexpectedInNumber(this.#read())}: Exponent indicator not followed by a digit`);
      }
      this.#digits();
    }
  }

  #digits(): void {
    while (isDigit(this.#peek())) this.#position++;
  }

  #peek(): number {
    return this.#position < this.#text.length ? this.#text.charCodeAt(this.#position) : END;
  }

  #read(): number {
    return this.#position < this.#text.length ? this.#text.charCodeAt(this.#position++) : END;
  }

  /** The rest of a string whose opening quote was read; `what` is `string value` or `name`. */
  #string(what: 'string value' | 'name'): void {
    for (;;) {
      const code = this.#read();
      if (code === END) {
        this.#fail(
          what === 'name'
            ? 'Unexpected end-of-input in field name'
            : 'Unexpected end-of-input: was expecting closing quote for a string value',
        );
      }
      if (code === 0x22) return;
      if (code === 0x5c) this.#escape();
      else if (code < 0x20) {
        this.#fail(
          `Illegal unquoted character (${charDescription(code)}): has to be escaped using backslash to be included in ${what}`,
        );
      }
    }
  }

  #escape(): void {
    const code = this.#read();
    if (code === END) this.#fail('Unexpected end-of-input in character escape sequence');
    if ('"\\/bfnrt'.includes(String.fromCharCode(code))) return;
    if (code !== 0x75) this.#fail(`Unrecognized character escape ${charDescription(code)}`);
    for (let digit = 0; digit < 4; digit++) {
      const hex = this.#read();
      if (hex === END) this.#fail('Unexpected end-of-input in character escape sequence');
      if (!/[0-9a-fA-F]/.test(String.fromCharCode(hex))) {
        this.#fail(`${unexpected(hex)}: expected a hex-digit for character escape sequence`);
      }
    }
  }

  #object(): void {
    let code = this.#openContainer('Object');
    if (this.#closes(code, 'Object')) return;
    for (;;) {
      if (code !== 0x22) this.#fail(`${unexpected(code)}: was expecting double-quote to start field name`);
      this.#string('name');
      code = this.#nextWithin('Object');
      if (code !== 0x3a)
        this.#fail(`${unexpected(code)}: was expecting a colon to separate field name and value`);
      this.#value(this.#nextWithin('Object'));
      code = this.#nextOrClose('Object');
      if (this.#closes(code, 'Object')) return;
      if (code !== 0x2c) this.#fail(`${unexpected(code)}: was expecting comma to separate Object entries`);
      code = this.#nextWithin('Object');
    }
  }

  #array(): void {
    let code = this.#openContainer('Array');
    if (this.#closes(code, 'Array')) return;
    for (;;) {
      this.#value(code);
      code = this.#nextOrClose('Array');
      if (this.#closes(code, 'Array')) return;
      if (code !== 0x2c) this.#fail(`${unexpected(code)}: was expecting comma to separate Array entries`);
      code = this.#nextWithin('Array');
    }
  }

  /** Opens a container whose bracket was just read; returns the next character. */
  #openContainer(kind: Container['kind']): number {
    this.#open.push({ kind, line: this.#line, column: this.#position - this.#lineStart });
    return this.#nextOrClose(kind);
  }

  /** The next character where the container may end: the input may not. */
  #nextOrClose(kind: Container['kind']): number {
    const code = this.#nextToken();
    if (code === END) {
      this.#fail(
        `Unexpected end-of-input: expected close marker for ${kind} (start marker at ${this.#startOfOpen()})`,
      );
    }
    return code;
  }

  /** The next character between a container's entries, where the input may not end. */
  #nextWithin(kind: Container['kind']): number {
    const code = this.#nextToken();
    if (code === END) this.#fail(`Unexpected end-of-input within/between ${kind} entries`);
    return code;
  }

  /** Whether `code` closes the open container: its own bracket does, the other one is an error. */
  #closes(code: number, kind: Container['kind']): boolean {
    const [own, other] = kind === 'Object' ? ['}', ']'] : [']', '}'];
    const char = String.fromCharCode(code);
    if (char === other) {
      this.#fail(
        `Unexpected close marker '${other}': expected '${own}' (for ${kind} starting at ${this.#startOfOpen()})`,
      );
    }
    if (char !== own) return false;
    this.#open.pop();
    return true;
  }

  #startOfOpen(): string {
    const { line, column } = this.#open.at(-1)!;
    return this.location(line, column);
  }

  #fail(reason: string): never {
    throw new Found(reason);
  }
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** `Unexpected character ('x' (code 120))`. */
function unexpected(code: number): string {
  return `Unexpected character (${charDescription(code)})`;
}

/** `Unexpected character ('x' (code 120)) in numeric value`. */
function unexpectedInNumber(code: number): string {
  return code === END ? 'Unexpected end-of-input in a Number value' : `${unexpected(code)} in numeric value`;
}
