/**
 * The columns a target migration gave another type, and how Validate counts the source values their
 * conversion changes (`numeric(12,4)` to `numeric(12,1)` rounds; `json` to `jsonb` keeps the last of
 * duplicate keys; a text `today` read as a `date` is the copy's), in SQL the source runs with its checksum.
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
 * the text and the converted value's text, both read as {@link Conversion.readAs} (`numeric` for
 * `numeric(12,1)`); `duplicateKeys`, for JSON (in `json` or a text, or arrays of them) read as `jsonb`
 * (`jsonb[]`), an object holding a key twice.
 */
export interface Conversion extends ConvertedColumn {
  readonly compare: 'roundTrip' | 'parsed' | 'duplicateKeys';
  /** The type compared in has an equality (a default btree operator class); without one, texts are compared. */
  readonly equality: boolean;
  /**
   * The round trip casts the target's type to the source's; else it reads the target's text: without such
   * a cast, and for a float read back as a float or `numeric`, whose cast gives another value than its text
   * (`real` `0.1` is `double precision` `0.100000001490116`, `real` `1234567` is `numeric` `1234570`).
   */
  readonly castBack: boolean;
  /** The source's type, a domain's base type for a domain (whose checks a converted value may fail). */
  readonly fromBase: string;
  /**
   * What a `parsed` text is read as to be compared with its converted value: the target's type without its
   * modifier (`numeric` for `numeric(12,1)`), `double precision` for a `real`, `timestamp` for a `date`.
   */
  readonly readAs: string;
  /** Both types are arrays: `duplicateKeys` looks into each element. */
  readonly arrays: boolean;
  /** A text read as a date or time, which reads `now`, `today`, `tomorrow` and `yesterday` as of the copy. */
  readonly relativeDates: boolean;
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
 * `yes` is `true`), but what the target's modifier rounds off is, and so are the digits a `real` and the
 * time of day a `date` drop. The target's type casts back when `pg_cast` has the cast (for arrays,
 * between their element types), unless a float goes back to a float or `numeric`.
 */
async function roundTrips(
  source: pg.Client,
  table: TableInfo,
  columns: readonly ConvertedColumn[],
): Promise<Conversion[]> {
  const { rows } = await source.query<Omit<Conversion, keyof ConvertedColumn> & { targetEquality: boolean }>(
    `SELECT CASE
         WHEN te.oid = 'jsonb'::regtype AND (se.oid = 'json'::regtype OR se.typcategory = 'S')
           AND (b.typcategory = 'A') = (t.typcategory = 'A') THEN 'duplicateKeys'
         WHEN b.typcategory = 'S' AND t.typcategory <> 'S' THEN 'parsed'
         ELSE 'roundTrip' END AS compare,
       ${hasEquality('s.oid')} AS equality, ${hasEquality('t.oid')} AS "targetEquality",
       (b.oid = t.oid
         OR EXISTS (SELECT 1 FROM pg_cast k WHERE (k.castsource, k.casttarget) = (t.oid, b.oid))
         OR (b.typcategory = 'A' AND t.typcategory = 'A' AND (b.typelem = t.typelem
           OR EXISTS (SELECT 1 FROM pg_cast k WHERE (k.castsource, k.casttarget) = (t.typelem, b.typelem)))))
         AND NOT (te.oid IN ('real'::regtype, 'double precision'::regtype)
           AND se.oid IN ('real'::regtype, 'double precision'::regtype, 'numeric'::regtype))
         AS "castBack",
       format_type(b.oid, CASE WHEN s.typtype = 'd' THEN s.typtypmod ELSE a.atttypmod END) AS "fromBase",
       CASE t.oid WHEN 'real'::regtype THEN 'double precision'
         WHEN 'date'::regtype THEN 'timestamp without time zone' ELSE format_type(t.oid, NULL) END AS "readAs",
       b.typcategory = 'A' AND t.typcategory = 'A' AS arrays,
       b.typcategory = 'S' AND t.typcategory = 'D' AS "relativeDates",
       current_setting('server_version_num')::int >= 160000 AS "uniqueKeysPredicate"
     FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c(name, target, position)
     JOIN pg_attribute a ON a.attrelid = to_regclass($1) AND a.attname = c.name
     JOIN pg_type s ON s.oid = a.atttypid
     JOIN pg_type b ON b.oid = CASE WHEN s.typtype = 'd' THEN s.typbasetype ELSE s.oid END
     LEFT JOIN pg_type t ON t.oid = to_regtype(c.target)
     LEFT JOIN pg_type sa ON sa.oid = CASE WHEN b.typcategory = 'A' THEN b.typelem ELSE b.oid END
     LEFT JOIN pg_type se ON se.oid = CASE WHEN sa.typtype = 'd' THEN sa.typbasetype ELSE sa.oid END
     LEFT JOIN pg_type te ON te.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
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
 * twice only the last value: a JSON value holding a key twice changes. A text read as of the copy
 * (see {@link relativeRows}) changes too.
 */
export function changedRows(conversion: Conversion): string {
  const value = `t.${quoteIdent(conversion.column)}`;
  const converted = `CAST(format('%s', ${value}) AS ${conversion.to})`;
  const changes = differs(conversion, value, converted);
  const when = conversion.relativeDates ? `${relativeRows(conversion)} OR ${changes}` : changes;
  return `CASE WHEN ${value} IS NULL THEN false ELSE ${when} END`;
}

/**
 * SQL telling whether the column's text, read as a date or time, names one relative to when it is read
 * (`now`, `today`, `tomorrow`, `yesterday`): the copy stores its own, which Validate cannot know.
 */
export function relativeRows(conversion: Conversion): string {
  return `format('%s', t.${quoteIdent(conversion.column)}) ~* '\\m(now|today|tomorrow|yesterday)\\M'`;
}

/** SQL telling whether the column's (not null) `value` and its `converted` value differ. */
function differs(conversion: Conversion, value: string, converted: string): string {
  switch (conversion.compare) {
    case 'duplicateKeys':
      return conversion.arrays
        ? `EXISTS (SELECT 1 FROM unnest(${value}) AS e(v)
            WHERE e.v IS NOT NULL AND ${duplicateKeys('e.v', conversion.uniqueKeysPredicate)})`
        : duplicateKeys(value, conversion.uniqueKeysPredicate);
    case 'parsed':
      return parsedDiffers(conversion, value, converted);
    case 'roundTrip': {
      const back = conversion.castBack
        ? `CAST(${converted} AS ${conversion.fromBase})`
        : `CAST(format('%s', ${converted}) AS ${conversion.fromBase})`;
      return notSame(value, back, conversion.equality);
    }
  }
}

/**
 * SQL telling whether a text `value` and its `converted` value differ, both read as the conversion's
 * `readAs` type. A `date` past the last year of a `timestamp` (294276) is not checked for a time of day.
 */
function parsedDiffers(conversion: Conversion, value: string, converted: string): string {
  const readAs = (sql: string) => `CAST(format('%s', ${sql}) AS ${conversion.readAs})`;
  const changes = notSame(readAs(value), readAs(converted), conversion.equality);
  return conversion.to === 'date'
    ? `CASE WHEN ${converted} > '294276-12-31' AND isfinite(${converted}) THEN false ELSE ${changes} END`
    : changes;
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
