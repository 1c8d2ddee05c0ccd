import type pg from 'pg';
import { quoteLiteral } from './sql.ts';

/** A sequence's position: `nextval` returns `lastValue + increment` when `isCalled`, else `lastValue`. */
export interface SequenceValue {
  readonly name: string;
  readonly lastValue: string;
  readonly isCalled: boolean;
}

/** Positions of every sequence in `schemas` (`schema.name`), as `pg_sequences` reports them. */
export async function readSequences(client: pg.Client, schemas: readonly string[]): Promise<SequenceValue[]> {
  const { rows } = await client.query<{ name: string; last_value: string | null; start_value: string }>(
    `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text, start_value::text
     FROM pg_sequences WHERE schemaname = ANY($1::text[]) ORDER BY 1`,
    [schemas],
  );
  return rows.map((r) => ({
    name: r.name,
    lastValue: r.last_value ?? r.start_value,
    isCalled: r.last_value !== null,
  }));
}

/** Sets each sequence that exists on the target to the given position; returns the names set. */
export async function writeSequences(client: pg.Client, values: readonly SequenceValue[]): Promise<string[]> {
  const set: string[] = [];
  for (const value of values) {
    const { rows } = await client.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      value.name,
    ]);
    if (!rows[0]?.exists) continue;
    await client.query(`SELECT setval(${quoteLiteral(value.name)}, $1::bigint, $2)`, [
      value.lastValue,
      value.isCalled,
    ]);
    set.push(value.name);
  }
  return set;
}

/**
 * Moves every sequence owned by a column in `schemas` past the column's largest value (for a target
 * loaded without a source to read positions from). A sequence already past it is left alone, so one that
 * handed out values since deleted, or starts above an empty column, never goes back.
 */
export async function resetSequencesToMax(client: pg.Client, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ sequence: string; tbl: string; col: string }>(
    `SELECT format('%I.%I', sn.nspname, s.relname) AS sequence, format('%I.%I', tn.nspname, t.relname) AS tbl,
       format('%I', a.attname) AS col
     FROM pg_depend d
     JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
     JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
     WHERE d.deptype IN ('a', 'i') AND sn.nspname = ANY($1::text[]) ORDER BY 1`,
    [schemas],
  );
  for (const { sequence, tbl, col } of rows) {
    await client.query(
      `SELECT setval(${quoteLiteral(sequence)}, x.top) FROM (SELECT max(${col}) AS top FROM ${tbl}) AS x, ${sequence} AS s
       WHERE x.top > s.last_value OR (x.top = s.last_value AND NOT s.is_called)`,
    );
  }
  return rows.map((r) => r.sequence);
}
