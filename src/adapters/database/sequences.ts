import type pg from 'pg';
import { relationExists } from './catalog.ts';
import { quoteLiteral } from './sql.ts';

/** A sequence's position: `nextval` returns `lastValue + increment` when `isCalled`, else `lastValue`. */
export interface SequenceValue {
  readonly name: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/**
 * Positions of every sequence in `schemas` (`schema.name`), read from each sequence itself: a sequence
 * not yet called (after `RESTART` or `setval(s, n, false)`) keeps its position, and one the role may not
 * read fails the read instead of passing for its start value.
 */
export async function readSequences(client: pg.Client, schemas: readonly string[]): Promise<SequenceValue[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'S' AND n.nspname = ANY($1::text[]) ORDER BY 1`,
    [schemas],
  );
  const values: SequenceValue[] = [];
  for (const { name } of rows) {
    const position = await client.query<{ last_value: string; is_called: boolean }>(
      `SELECT last_value::text, is_called FROM ${name}`,
    );
    const { last_value, is_called } = position.rows[0]!;
    values.push({ name, lastValue: last_value, isCalled: is_called });
  }
  return values;
}

/** What {@link writeSequences} did: the sequences it set, and the given ones the target does not have. */
export interface SequencesWritten {
  readonly set: readonly string[];
  readonly unmatched: readonly string[];
}

/**
 * Sets each sequence that exists on the target to the given position, then moves every sequence the
 * columns in `schemas` use past the column's largest value ({@link resetSequencesToMax}), so rows whose
 * sequence has another name on the target do not collide with the next insert.
 */
export async function writeSequences(
  client: pg.Client,
  values: readonly SequenceValue[],
  schemas: readonly string[],
): Promise<SequencesWritten> {
  const set: string[] = [];
  const unmatched: string[] = [];
  for (const value of values) {
    if (!(await relationExists(client, value.name))) {
      unmatched.push(value.name);
      continue;
    }
    await client.query(`SELECT setval(${quoteLiteral(value.name)}, $1::bigint, $2)`, [
      value.lastValue,
      value.isCalled,
    ]);
    set.push(value.name);
  }
  await resetSequencesToMax(client, schemas);
  return { set, unmatched };
}

/**
 * Moves every sequence an integer column in `schemas` takes its values from (identity, `OWNED BY` or a
 * `DEFAULT nextval(...)`) past the column's largest value (for a target loaded without a source to read
 * positions from). A sequence already past it is left alone, so one that handed out values since
 * deleted, or starts above an empty column, never goes back.
 */
export async function resetSequencesToMax(client: pg.Client, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ sequence: string; tbl: string; col: string }>(
    `WITH used AS (
       SELECT d.objid AS seq, d.refobjid AS rel, d.refobjsubid AS attnum FROM pg_depend d
       WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       UNION
       SELECT d.refobjid, ad.adrelid, ad.adnum FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
       WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n')
     SELECT format('%I.%I', sn.nspname, s.relname) AS sequence, format('%I.%I', tn.nspname, t.relname) AS tbl,
       format('%I', a.attname) AS col
     FROM used u
     JOIN pg_class s ON s.oid = u.seq AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
     JOIN pg_class t ON t.oid = u.rel JOIN pg_namespace tn ON tn.oid = t.relnamespace
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.attnum
     WHERE tn.nspname = ANY($1::text[]) AND a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype)
     ORDER BY 1, 2, 3`,
    [schemas],
  );
  for (const { sequence, tbl, col } of rows) {
    await client.query(
      `SELECT setval(${quoteLiteral(sequence)}, x.top) FROM (SELECT max(${col}) AS top FROM ${tbl}) AS x, ${sequence} AS s
       WHERE x.top > s.last_value OR (x.top = s.last_value AND NOT s.is_called)`,
    );
  }
  return [...new Set(rows.map((r) => r.sequence))];
}
