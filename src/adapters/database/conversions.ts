/**
 * The columns a target migration gave another type, and how Validate counts the source values their
 * conversion changes (`numeric(12,4)` to `numeric(12,1)` rounds; `json` to `jsonb` keeps the last of
 * duplicate keys), in SQL the source runs with its checksum.
 */
import type pg from 'pg';
import type { TableInfo } from './catalog.ts';
import { qualified, quoteIdent } from './sql.ts';

/** A column whose type a target migration changed, read on the source as the copy converts it. */
export interface ConvertedColumn {
  readonly column: string;
  /** The source's type, as PostgreSQL names it (`numeric(12,4)`). */
  readonly from: string;
  /** The target's type (`numeric(14,4)`). */
  readonly to: string;
}

/**
 * How a converted column's values are checked for changes (see {@link changedRows}): `roundTrip`, the
 * value converted and back to the source's type; `parsed`, for a text read as a type of another kind,
 * the text read as the target's type with and without its modifier (`numeric` and `numeric(12,1)`);
 * `duplicateKeys`, for JSON (in `json` or a text) read as `jsonb`, an object holding a key twice.
 */
export interface Conversion extends ConvertedColumn {
  readonly compare: 'roundTrip' | 'parsed' | 'duplicateKeys';
  /** The type compared in has an equality (a default btree operator class); without one, texts are compared. */
  readonly equality: boolean;
  /** The target's type casts to the source's; without such a cast, the round trip reads the target's text. */
  readonly castBack: boolean;
  /** The source's type, a domain's base type for a domain (whose checks a converted value may fail). */
  readonly fromBase: string;
  /** The target's type without its modifier (`numeric` for `numeric(12,1)`). */
  readonly toBase: string;
  /** Duplicate keys are found with PostgreSQL 16's `IS JSON WITH UNIQUE KEYS`, else as {@link membersLost} says. */
  readonly uniqueKeysPredicate: boolean;
}

/**
 * The columns of `table` whose type differs between source and target, where the target's is one of
 * PostgreSQL's own (`numeric(12,4)`, `bigint`, `jsonb`), which the source has too; in name order.
 */
export async function conversionsOf(
  source: pg.Client,
  target: pg.Client,
  table: TableInfo,
): Promise<Conversion[]> {
  const [from, to] = await Promise.all([columnTypes(source, table), columnTypes(target, table)]);
  const sourceTypes = new Map(from.map((column) => [column.name, column.type]));
  const changed = to
    .filter((column) => column.builtIn && sourceTypes.get(column.name) !== column.type)
    .map((column) => ({ column: column.name, from: sourceTypes.get(column.name)!, to: column.type }))
    .sort((a, b) => (a.column < b.column ? -1 : 1));
  return changed.length === 0 ? [] : roundTrips(source, table, changed);
}

/** The type of each column of `table` in the database of `client`, and whether it is PostgreSQL's own. */
async function columnTypes(client: pg.Client, table: TableInfo) {
  const { rows } = await client.query<{ name: string; type: string; builtIn: boolean }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       t.typnamespace = 'pg_catalog'::regnamespace AS "builtIn"
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass($1) AND a.attname = ANY($2::text[]) AND NOT a.attisdropped`,
    [qualified(table), table.columns],
  );
  return rows;
}

/**
 * How the source checks each changed column's values (see {@link Conversion}). A text (a column of a
 * string type) read as a type of another kind is `parsed`: its formatting is not data (` 7` is `7`,
 * `yes` is `true`), but what the target's modifier rounds off is. The target's type casts back when
 * `pg_cast` has the cast (for arrays, between their element types).
 */
async function roundTrips(
  source: pg.Client,
  table: TableInfo,
  columns: readonly ConvertedColumn[],
): Promise<Conversion[]> {
  const { rows } = await source.query<Omit<Conversion, keyof ConvertedColumn> & { targetEquality: boolean }>(
    `SELECT CASE
         WHEN t.oid = 'jsonb'::regtype AND (b.oid = 'json'::regtype OR b.typcategory = 'S') THEN 'duplicateKeys'
         WHEN b.typcategory = 'S' AND t.typcategory <> 'S' THEN 'parsed'
         ELSE 'roundTrip' END AS compare,
       ${hasEquality('s.oid')} AS equality, ${hasEquality('t.oid')} AS "targetEquality",
       b.oid = t.oid
         OR EXISTS (SELECT 1 FROM pg_cast k WHERE (k.castsource, k.casttarget) = (t.oid, b.oid))
         OR (b.typcategory = 'A' AND t.typcategory = 'A' AND (b.typelem = t.typelem
           OR EXISTS (SELECT 1 FROM pg_cast k WHERE (k.castsource, k.casttarget) = (t.typelem, b.typelem))))
         AS "castBack",
       format_type(b.oid, CASE WHEN s.typtype = 'd' THEN s.typtypmod ELSE a.atttypmod END) AS "fromBase",
       format_type(t.oid, NULL) AS "toBase",
       current_setting('server_version_num')::int >= 160000 AS "uniqueKeysPredicate"
     FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c(name, target, position)
     JOIN pg_attribute a ON a.attrelid = to_regclass($1) AND a.attname = c.name
     JOIN pg_type s ON s.oid = a.atttypid
     JOIN pg_type b ON b.oid = CASE WHEN s.typtype = 'd' THEN s.typbasetype ELSE s.oid END
     LEFT JOIN pg_type t ON t.oid = to_regtype(c.target)
     ORDER BY c.position`,
    [qualified(table), columns.map((c) => c.column), columns.map((c) => c.to)],
  );
  return columns.map((column, i) => {
    const { targetEquality, ...how } = rows[i]!;
    return { ...column, ...how, equality: how.compare === 'parsed' ? targetEquality : how.equality };
  });
}

/**
 * SQL telling whether values of the type `oid` (a domain's base type, an array's element type) have an
 * equality: a default btree operator class, its own or one of a type it converts to implicitly without a
 * function (`varchar` uses `text`'s).
 */
function hasEquality(oid: string): string {
  return `EXISTS (
    SELECT 1 FROM pg_type x
      JOIN pg_type b ON b.oid = CASE WHEN x.typtype = 'd' THEN x.typbasetype ELSE x.oid END
      JOIN pg_type l ON l.oid = CASE WHEN b.typcategory = 'A' AND b.typelem <> 0 THEN b.typelem ELSE b.oid END
      JOIN pg_type e ON e.oid = CASE WHEN l.typtype = 'd' THEN l.typbasetype ELSE l.oid END
      JOIN pg_opclass o ON o.opcdefault AND o.opcmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')
    WHERE x.oid = ${oid} AND (o.opcintype = e.oid
      OR o.opcintype = CASE e.typtype WHEN 'e' THEN 'anyenum'::regtype WHEN 'r' THEN 'anyrange'::regtype END
      OR EXISTS (SELECT 1 FROM pg_cast k WHERE k.castsource = e.oid AND k.casttarget = o.opcintype
        AND k.castmethod = 'b' AND k.castcontext = 'i')))`;
}

/**
 * SQL counting a row whose value of the column changes in the copy (see {@link Conversion}). Same means
 * equal for a type with an equality (`1.5` and `1.50` are one number), the same text otherwise. `jsonb`
 * keeps what a JSON text means but its white space, the order of its object keys, and of a key given
 * twice only the last value: a JSON value holding a key twice changes.
 */
export function changedRows(conversion: Conversion): string {
  const value = `t.${quoteIdent(conversion.column)}`;
  const converted = `CAST(format('%s', ${value}) AS ${conversion.to})`;
  return `CASE WHEN ${value} IS NULL THEN false ELSE ${differs(conversion, value, converted)} END`;
}

/** SQL telling whether the column's (not null) `value` and its `converted` value differ. */
function differs(conversion: Conversion, value: string, converted: string): string {
  switch (conversion.compare) {
    case 'duplicateKeys':
      return duplicateKeys(value, conversion.uniqueKeysPredicate);
    case 'parsed':
      return notSame(`CAST(format('%s', ${value}) AS ${conversion.toBase})`, converted, conversion.equality);
    case 'roundTrip': {
      const back = conversion.castBack
        ? `CAST(${converted} AS ${conversion.fromBase})`
        : `CAST(format('%s', ${converted}) AS ${conversion.fromBase})`;
      return notSame(value, back, conversion.equality);
    }
  }
}

/** SQL telling whether `a` and `b` differ: by the equality of their type, or else by their text. */
function notSame(a: string, b: string, equality: boolean): string {
  return equality ? `${a} IS DISTINCT FROM ${b}` : `format('%s', ${a}) IS DISTINCT FROM format('%s', ${b})`;
}

/**
 * SQL telling whether the JSON text `value` (of a `json` or a string type, not null) holds an object with a
 * key twice, at any depth: PostgreSQL 16's `IS JSON WITH UNIQUE KEYS`, else {@link membersLost}.
 */
function duplicateKeys(value: string, predicate: boolean): string {
  return predicate ? `NOT (CAST(${value} AS json) IS JSON WITH UNIQUE KEYS)` : membersLost(value);
}

/**
 * SQL telling whether `jsonb` keeps fewer object members than the JSON text `value` has, for PostgreSQL
 * before 16. Outside its strings, each `:` of a JSON text separates a member's key from its value, and
 * `jsonb` writes the strings it keeps with the same `:`s, adding one for each `\u003a` it decodes: without
 * that escape, the text and its `jsonb` have as many `:`s unless members went. A text with it is walked
 * object by object instead (a walk costs several times more).
 */
function membersLost(value: string): string {
  const text = `CAST(${value} AS text)`;
  const colons = (sql: string) => `(length(${sql}) - length(replace(${sql}, ':', '')))`;
  return `CASE WHEN strpos(${text}, '\\u003a') = 0 AND strpos(${text}, '\\u003A') = 0
    THEN ${colons(text)} <> ${colons(`CAST(CAST(${value} AS jsonb) AS text)`)}
    ELSE EXISTS (
      WITH RECURSIVE walk(v) AS (
        SELECT CAST(${value} AS json)
        UNION ALL
        SELECT member.value FROM walk, LATERAL (
          SELECT value FROM json_each(CASE WHEN json_typeof(walk.v) = 'object' THEN walk.v END)
          UNION ALL
          SELECT value FROM json_array_elements(CASE WHEN json_typeof(walk.v) = 'array' THEN walk.v END)
        ) AS member
      )
      SELECT 1 FROM walk WHERE json_typeof(walk.v) = 'object'
        AND (SELECT count(*) <> count(DISTINCT key) FROM json_object_keys(walk.v) AS key)) END`;
}
