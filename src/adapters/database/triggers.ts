import type pg from 'pg';
import { quotedLabel, quoteIdent } from './sql.ts';

/** An enabled user trigger of a table rows are loaded into, and how (`O`rigin, `A`lways, `R`eplica). */
interface UserTrigger {
  readonly relation: string;
  readonly label: string;
  readonly name: string;
  readonly enabled: 'O' | 'A' | 'R';
}

const ENABLE = { O: 'ENABLE', A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA' } as const;

/**
 * Runs `work` (which loads rows into `tables`, `schema.name`) with the user triggers of those tables and
 * of their partitions disabled, as `pg_dump --disable-triggers` loads data, then enables each again as it
 * was. Call it inside a transaction: ALTER TABLE is transactional, so no other session ever sees a trigger
 * disabled. Internal triggers (foreign keys) keep firing; checks deferred to the commit are made before
 * the triggers are enabled again, which ALTER TABLE needs. Disabling a trigger takes the table's owner (or
 * a member of its role): another role fails naming the table. Tables without user triggers are left alone.
 *
 * @example
 * await inTransaction(client, () => withoutUserTriggers(client, ['public.people'], () => load()));
 */
export async function withoutUserTriggers<T>(
  client: pg.Client,
  tables: readonly string[],
  work: () => Promise<T>,
): Promise<T> {
  const triggers = await userTriggers(client, tables);
  if (triggers.length === 0) return work();
  for (const trigger of triggers) {
    await client
      .query(`ALTER TABLE ONLY ${trigger.relation} DISABLE TRIGGER ${quoteIdent(trigger.name)}`)
      .catch((error: Error & { code?: string }) => {
        if (error.code === '42501') {
          error.message =
            `cannot disable trigger ${trigger.name} of ${trigger.label}, so that it does not fire for the rows ` +
            `loaded (${error.message}): connect as the owner of ${trigger.label}`;
        }
        throw error;
      });
  }
  const result = await work();
  await client.query('SET CONSTRAINTS ALL IMMEDIATE');
  for (const trigger of triggers) {
    await client.query(
      `ALTER TABLE ONLY ${trigger.relation} ${ENABLE[trigger.enabled]} TRIGGER ${quoteIdent(trigger.name)}`,
    );
  }
  return result;
}

/** The enabled user triggers of `tables` and of their partitions (rows loaded into a table land there). */
async function userTriggers(client: pg.Client, tables: readonly string[]): Promise<UserTrigger[]> {
  const { rows } = await client.query<UserTrigger>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS relation, format('%s.%s', n.nspname, c.relname) AS label,
       t.tgname AS name, t.tgenabled AS enabled
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND t.tgrelid IN (
       SELECT oid FROM unnest($1::regclass[]) AS oid
       UNION SELECT p.relid FROM unnest($1::regclass[]) AS r(oid), pg_partition_tree(r.oid) AS p)
     ORDER BY 2, 3`,
    [tables.map(quotedLabel)],
  );
  return rows;
}
