import type pg from 'pg';
import { referencingTables, truncatedAs } from './catalog.ts';
import { copyProgress, forgetCopy, howToUndo, inTransaction } from './copy.ts';
import { quotedLabel } from './sql.ts';

/**
 * Undoes a copy run on the target in one transaction: empties the tables it copied into (a copy only
 * writes into tables that were empty when it started), restarts the sequences their columns take values
 * from ({@link restartSequences}) and removes its progress rows, so a later run copies again. Returns the
 * tables emptied. A table holding more rows than the run copied into it (rows written by others meanwhile)
 * stops it, named, and nothing is emptied.
 *
 * @example
 * await undoCopy(client, 'orders-2026-11-29'); // ['public.customers', 'public.orders']
 */
export async function undoCopy(target: pg.Client, copyId: string): Promise<string[]> {
  return inTransaction(target, async () => {
    const progress = await copyProgress(target, copyId);
    const tables = progress.map((copied) => copied.table);
    await refuseRowsBesidesCopy(target, copyId, progress);
    await emptyTables(target, tables);
    if (tables.length > 0) {
      await restartSequences(target, tables);
      await forgetCopy(target, copyId);
    }
    return tables;
  });
}

/**
 * Refuses to empty tables that hold more rows than the copy run wrote into them (a copy starts on an empty
 * table and commits each batch with its progress row): the others were written by someone else meanwhile,
 * and only a person knows where they belong. The tables are locked first (as TRUNCATE would lock them), so
 * no row lands between the count and the emptying.
 */
async function refuseRowsBesidesCopy(
  target: pg.Client,
  copyId: string,
  progress: readonly { table: string; rowsCopied: number }[],
): Promise<void> {
  const present: { table: string; rowsCopied: number; source: string }[] = [];
  for (const copied of progress) {
    const [source] = await truncatedAs(target, [quotedLabel(copied.table)]);
    if (source) present.push({ ...copied, source });
  }
  if (present.length === 0) return;
  await target.query(
    `LOCK TABLE ${present.map(({ table }) => quotedLabel(table)).join(', ')} IN ACCESS EXCLUSIVE MODE`,
  );
  for (const { table, rowsCopied, source } of present) {
    const { rows } = await target.query<{ count: string }>(`SELECT count(*) FROM ${source}`);
    const held = Number(rows[0]?.count);
    if (held <= rowsCopied) continue;
    throw new Error(
      `${table} holds ${held.toLocaleString('en-US')} rows, ${rowsCopied.toLocaleString('en-US')} of them copied ` +
        'by this run: rows were written to it besides the copy and emptying it would lose them; nothing was ' +
        `emptied. Keep or move those rows, then ${await howToUndo(target, copyId)}`,
    );
  }
}

/**
 * Restarts (`ALTER SEQUENCE ... RESTART`, transactional) each sequence a column of the emptied `tables`
 * takes values from (identity, serial, `DEFAULT nextval(...)`), which the copy's sequence sync moved
 * forward, unless a table holding rows takes values from it too: that one keeps its position.
 */
async function restartSequences(client: pg.Client, tables: readonly string[]): Promise<void> {
  const { rows } = await client.query<{ sequence: string; users: string[] }>(
    `WITH used AS (
       SELECT d.objid AS seq, d.refobjid AS rel FROM pg_depend d
       WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
       UNION
       SELECT d.refobjid, ad.adrelid FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
       WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n')
     SELECT format('%I.%I', sn.nspname, s.relname) AS sequence,
       array_agg(DISTINCT format('%I.%I', tn.nspname, t.relname)) AS users
     FROM used u
     JOIN pg_class s ON s.oid = u.seq AND s.relkind = 'S' JOIN pg_namespace sn ON sn.oid = s.relnamespace
     JOIN pg_class t ON t.oid = u.rel JOIN pg_namespace tn ON tn.oid = t.relnamespace
     GROUP BY 1 HAVING bool_or(u.rel = ANY ($1::regclass[]::oid[])) ORDER BY 1`,
    [tables.map(quotedLabel)],
  );
  for (const { sequence, users } of rows) {
    const holding = await client.query(
      users.map((user) => `(SELECT 1 FROM ${user} LIMIT 1)`).join(' UNION ALL '),
    );
    if (holding.rowCount === 0) await client.query(`ALTER SEQUENCE ${sequence} RESTART`);
  }
}

/**
 * Empties tables (`schema.name`) in one TRUNCATE, together with the tables referencing them by foreign
 * key when those are empty (such as tables created by migrations after a backup); a referencing table
 * holding rows stops it, named, and nothing is emptied.
 */
export async function emptyTables(client: pg.Client, labels: readonly string[]): Promise<void> {
  if (labels.length === 0) return;
  const names = labels.map(quotedLabel);
  const referencing = await referencingTables(client, names);
  for (const name of referencing) {
    if ((await client.query(`SELECT 1 FROM ${name} LIMIT 1`)).rowCount) {
      throw new Error(`table ${name} holds rows and references the tables to empty (${labels.join(', ')})`);
    }
  }
  const truncated = await truncatedAs(client, [...names, ...referencing]);
  if (truncated.length > 0) await client.query(`TRUNCATE ${truncated.join(', ')}`);
}
