import type pg from 'pg';
import { rowSource } from './catalog.ts';
import { copiedTables, forgetCopy, inTransaction } from './copy.ts';
import { quotedLabel, type TableName } from './sql.ts';

/**
 * Undoes a copy run on the target in one transaction: empties the tables it copied into (a copy only
 * writes into tables that were empty when it started) and removes its progress rows, so a later run
 * copies again. Returns the tables emptied.
 *
 * @example
 * await undoCopy(client, 'orders-2026-11-29'); // ['public.customers', 'public.orders']
 */
export async function undoCopy(target: pg.Client, copyId: string): Promise<string[]> {
  return inTransaction(target, async () => {
    const tables = await copiedTables(target, copyId);
    await emptyTables(target, tables);
    if (tables.length > 0) await forgetCopy(target, copyId);
    return tables;
  });
}

/**
 * Empties tables (`schema.name`) in one TRUNCATE, together with the tables referencing them by foreign
 * key when those are empty (such as tables created by migrations after a backup); a referencing table
 * holding rows stops it, named, and nothing is emptied.
 */
export async function emptyTables(client: pg.Client, labels: readonly string[]): Promise<void> {
  if (labels.length === 0) return;
  const names = labels.map(quotedLabel);
  const { rows: referencing } = await client.query<{ name: string }>(
    `WITH RECURSIVE emptied(oid) AS (
       SELECT unnest($1::regclass[])::oid
       UNION SELECT k.conrelid FROM pg_constraint k JOIN emptied e ON k.confrelid = e.oid WHERE k.contype = 'f')
     SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM emptied e JOIN pg_class c ON c.oid = e.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE e.oid <> ALL ($1::regclass[]::oid[])`,
    [names],
  );
  for (const { name } of referencing) {
    if ((await client.query(`SELECT 1 FROM ${name} LIMIT 1`)).rowCount) {
      throw new Error(`table ${name} holds rows and references the tables to empty (${labels.join(', ')})`);
    }
  }
  await client.query(
    `TRUNCATE ${(await ownRows(client, [...names, ...referencing.map((r) => r.name)])).join(', ')}`,
  );
}

/**
 * Each table's own rows as TRUNCATE names them ({@link rowSource}: its inheritance children are tables of
 * their own, emptied only when named; a partitioned table's rows are its partitions').
 */
async function ownRows(client: pg.Client, names: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<TableName & { partitioned: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'p' AS partitioned
       FROM unnest($1::regclass[]) WITH ORDINALITY AS t(oid, position)
       JOIN pg_class c ON c.oid = t.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY t.position`,
    [names],
  );
  return rows.map(rowSource);
}
