/**
 * The first top-level statement of `sql` that starts or ends a transaction (its kind), or undefined.
 * Quoted text, such as a PL/pgSQL body's BEGIN and END, is skipped, and so are the statements of a
 * `BEGIN ATOMIC ... END` function body.
 */
export function transactionControl(sql: string): string | undefined {
  return firstStatement(sql, controlStatement);
}

/**
 * The first top-level statement of `sql` that PostgreSQL runs only outside a transaction block (its
 * kind: `CREATE INDEX CONCURRENTLY`, `VACUUM`, ...), or undefined; skips what {@link transactionControl}
 * skips.
 */
export function outsideTransaction(sql: string): string | undefined {
  return firstStatement(sql, (words) => {
    const text = words.join(' ');
    return OUTSIDE_TRANSACTION.find(([, pattern]) => pattern.test(text))?.[0];
  });
}

/** A `REINDEX` of a schema, database or system (`kind`), whatever options come before it. */
function reindexOf(kind: string): RegExp {
  return new RegExp(`^REINDEX\\b(?:(?! (?:INDEX|TABLE)\\b).)* ${kind}\\b`);
}

/**
 * Statements PostgreSQL refuses inside a transaction block whatever their tables, by kind, matched on
 * the statement's words (those of the grammar, without quoted names, numbers and punctuation). An
 * option turned off (`REINDEX (CONCURRENTLY false)`) is not one.
 */
const OUTSIDE_TRANSACTION: readonly (readonly [string, RegExp])[] = [
  ['CREATE INDEX CONCURRENTLY', /^CREATE (UNIQUE )?INDEX CONCURRENTLY\b/],
  ['DROP INDEX CONCURRENTLY', /^DROP INDEX CONCURRENTLY\b/],
  ['REINDEX CONCURRENTLY', /^REINDEX\b.* CONCURRENTLY\b(?! (FALSE|OFF)\b)/],
  ['REINDEX SCHEMA', reindexOf('SCHEMA')],
  ['REINDEX DATABASE', reindexOf('DATABASE')],
  ['REINDEX SYSTEM', reindexOf('SYSTEM')],
  ['ALTER TABLE DETACH PARTITION CONCURRENTLY', /^ALTER TABLE\b.* DETACH PARTITION\b.* CONCURRENTLY\b/],
  ['VACUUM', /^VACUUM\b/],
  ['CREATE DATABASE', /^CREATE DATABASE\b/],
  ['DROP DATABASE', /^DROP DATABASE\b/],
  ['ALTER DATABASE SET TABLESPACE', /^ALTER DATABASE\b.* SET TABLESPACE\b/],
  ['CREATE TABLESPACE', /^CREATE TABLESPACE\b/],
  ['DROP TABLESPACE', /^DROP TABLESPACE\b/],
  ['ALTER SYSTEM', /^ALTER SYSTEM\b/],
  ['DISCARD ALL', /^DISCARD ALL\b/],
];

/**
 * The name `kind` gives the first top-level statement of `sql` it names (given the statement's
 * upper-cased words), or undefined.
 */
function firstStatement(
  sql: string,
  kind: (words: readonly string[]) => string | undefined,
): string | undefined {
  for (const statement of topLevelStatements(sqlWords(sql))) {
    const found = kind(statement);
    if (found) return found;
  }
  return undefined;
}

/**
 * The names of the schemas the top-level `CREATE SCHEMA` statements of `sql` create, as PostgreSQL names
 * them (an unquoted name in lower case; `CREATE SCHEMA AUTHORIZATION <role>` names it after the role);
 * comments, strings and function bodies are skipped.
 */
export function schemasCreated(sql: string): string[] {
  const names: string[] = [];
  for (const tokens of topLevelStatements(sqlTokens(sql))) {
    const words = tokens.map((token) => (token.startsWith('"') ? token : token.toUpperCase()));
    if (words[0] !== 'CREATE' || words[1] !== 'SCHEMA') continue;
    let at = words[2] === 'IF' && words[3] === 'NOT' && words[4] === 'EXISTS' ? 5 : 2;
    if (words[at] === 'AUTHORIZATION') at += 1;
    const name = tokens[at];
    if (name === undefined || ['CURRENT_ROLE', 'CURRENT_USER', 'SESSION_USER'].includes(words[at]!)) continue;
    names.push(nameOf(name));
  }
  return names;
}

/** A top-level statement's change of a table's rows: its kind and the table as PostgreSQL names it. */
export interface RowChange {
  readonly kind: 'updates' | 'inserts into' | 'deletes from';
  /** Present when the statement qualifies the table's name. */
  readonly schema?: string;
  readonly table: string;
}

/**
 * The top-level `UPDATE`, `INSERT INTO` and `DELETE FROM` statements of `sql`, each as the table whose rows
 * it changes; comments, strings and function bodies are skipped, and so is a statement starting with `WITH`.
 */
export function rowChanges(sql: string): RowChange[] {
  const changes: RowChange[] = [];
  for (const tokens of topLevelStatements(sqlTokens(sql, { dots: true }))) {
    const words = tokens.map((token) => (token.startsWith('"') ? token : token.toUpperCase()));
    const kind = ROW_CHANGES.find(([, leading]) => leading.every((word, i) => words[i] === word));
    if (!kind) continue;
    const at = kind[1].length + (words[kind[1].length] === 'ONLY' ? 1 : 0);
    const [first, dot, second] = tokens.slice(at, at + 3);
    if (first === undefined) continue;
    changes.push(
      dot === '.' && second !== undefined
        ? { kind: kind[0], schema: nameOf(first), table: nameOf(second) }
        : { kind: kind[0], table: nameOf(first) },
    );
  }
  return changes;
}

/** The statements {@link rowChanges} finds, by the words they start with. */
const ROW_CHANGES: readonly (readonly [RowChange['kind'], readonly string[]])[] = [
  ['updates', ['UPDATE']],
  ['inserts into', ['INSERT', 'INTO']],
  ['deletes from', ['DELETE', 'FROM']],
];

/** A name token as PostgreSQL names it: a quoted one as written, an unquoted one in lower case. */
function nameOf(token: string): string {
  return token.startsWith('"') ? token.slice(1, -1).replaceAll('""', '"') : token.toLowerCase();
}

/**
 * The top-level statements of a sequence of tokens (words and `;`), each as its tokens: a `;` inside a
 * `BEGIN ATOMIC ... END` function body does not end one.
 */
function* topLevelStatements(tokens: Iterable<string>): Generator<string[]> {
  let statement: string[] = [];
  let bodyDepth = 0;
  for (const token of [...tokens, ';']) {
    const word = token.toUpperCase();
    if (token === ';' && bodyDepth === 0) {
      yield statement;
      statement = [];
      continue;
    }
    if (word === 'ATOMIC' && statement.at(-1)?.toUpperCase() === 'BEGIN') bodyDepth++;
    else if (bodyDepth > 0 && word === 'CASE') bodyDepth++;
    else if (bodyDepth > 0 && word === 'END') bodyDepth--;
    statement.push(token);
  }
}

/**
 * The statement's kind when it is `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT` or
 * `PREPARE TRANSACTION`; `ROLLBACK [WORK] TO` a savepoint stays inside the transaction, so is fine.
 */
function controlStatement([first, second, third]: readonly string[]): string | undefined {
  if (first === 'ROLLBACK') return second === 'TO' || third === 'TO' ? undefined : first;
  if (first === 'PREPARE') return second === 'TRANSACTION' ? 'PREPARE TRANSACTION' : undefined;
  if (first === 'START') return 'START TRANSACTION';
  return first === 'BEGIN' || first === 'COMMIT' || first === 'END' || first === 'ABORT' ? first : undefined;
}

/** One PostgreSQL lexeme; `word` and `dollar` (a dollar quote's opening tag) are captured. */
const LEXEME =
  /\s+|--[^\n]*|\/\*|[Ee]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'|"(?:[^"]|"")*"|(?<dollar>\$(?:[A-Za-z_\u0080-\uFFFF][\w\u0080-\uFFFF]*)?\$)|(?<word>[A-Za-z_\u0080-\uFFFF][\w$\u0080-\uFFFF]*)|./sy;

/** Whether `sql` holds a statement: a word outside comments (empty text, or comments and `;` alone, hold none). */
export function holdsStatement(sql: string): boolean {
  for (const token of sqlTokens(sql)) if (token !== ';') return true;
  return false;
}

/** The words (upper-cased) and `;` of SQL text, outside comments, strings, quoted names and dollar quotes. */
function* sqlWords(sql: string): Generator<string> {
  for (const token of sqlTokens(sql)) if (!token.startsWith('"')) yield token.toUpperCase();
}

/**
 * The words (as written), quoted names (with their quotes) and `;` of SQL text, outside comments,
 * strings and dollar quotes; with `dots`, the `.` between qualified names' parts too.
 */
function* sqlTokens(sql: string, { dots = false } = {}): Generator<string> {
  for (let at = 0; at < sql.length; ) {
    LEXEME.lastIndex = at;
    const { 0: text, groups } = LEXEME.exec(sql)!;
    at += text.length;
    if (text === '/*') at = commentEnd(sql, at);
    else if (groups?.dollar) {
      const end = sql.indexOf(groups.dollar, at);
      at = end < 0 ? sql.length : end + groups.dollar.length;
    } else if (groups?.word || text === ';' || text.startsWith('"') || (dots && text === '.')) yield text;
  }
}

/** Where the block comment opened just before `at` ends; PostgreSQL nests them. */
function commentEnd(sql: string, at: number): number {
  const marks = /\/\*|\*\//g;
  marks.lastIndex = at;
  for (let depth = 1; depth > 0; ) {
    const mark = marks.exec(sql);
    if (!mark) return sql.length;
    depth += mark[0] === '/*' ? 1 : -1;
  }
  return marks.lastIndex;
}
