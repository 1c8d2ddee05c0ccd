import type pg from 'pg';
import { ValidationError } from '#core/errors.ts';
import { qualified, quoteIdent, type TableName, tableLabel } from './sql.ts';

/**
 * Prefix of the tables Cutover keeps in the database itself (`cutover_schema_history`,
 * `cutover_copy_progress`); they are never copied, validated or backed up as data.
 */
export const INTERNAL_TABLE_PREFIX = 'cutover_';

/** What the copy, checksum and backup modules need to know of one table. */
export interface TableInfo extends TableName {
  /** Copyable columns (not generated, not dropped), in column order. */
  readonly columns: readonly string[];
  /** Primary key columns in key order, with their SQL types; empty when the table has none. */
  readonly primaryKey: readonly string[];
  readonly primaryKeyTypes: readonly string[];
  /** Table + indexes + TOAST, in bytes; a partitioned table's is that of its partitions, at every level. */
  readonly bytes: number;
  /** A partitioned table: its rows are its partitions' (which are not listed on their own). */
  readonly partitioned: boolean;
  /**
   * Its rows as the statistics estimate them, without reading it: the larger of the planner's count (as of
   * the last ANALYZE or VACUUM) and the live rows counted since; 0 when neither is known.
   */
  readonly estimatedRows: number;
}

/** A foreign key between two tables, each named by its `schema.name` label. */
export interface ForeignKey {
  readonly child: string;
  readonly parent: string;
}

interface TableRow {
  schema: string;
  name: string;
  columns: string[];
  primary_key: string[] | null;
  primary_key_types: string[] | null;
  bytes: string;
  estimated_rows: string;
  partitioned: boolean;
}

/** Whether the relation `name` (a table or sequence, `schema.name` or as the search path finds it) exists. */
export async function relationExists(client: pg.Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    name,
  ]);
  return rows[0]?.exists === true;
}

/** Those of `tables` the database of `client` has no relation for, as labels (`schema.name`), in one query. */
export async function missingTables(client: pg.Client, tables: readonly TableName[]): Promise<string[]> {
  const { rows } = await client.query<{ label: string }>(
    `SELECT label FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(qualified, label, position)
      WHERE to_regclass(qualified) IS NULL ORDER BY position`,
    [tables.map(qualified), tables.map(tableLabel)],
  );
  return rows.map((row) => row.label);
}

/** The table (or other relation) the `search_path` finds by `name` (unqualified, as written), with its schema. */
export async function relationNamed(client: pg.Client, name: string): Promise<TableName | undefined> {
  const { rows } = await client.query<TableName>(
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass($1)`,
    [quoteIdent(name)],
  );
  return rows[0];
}

/**
 * The schemas of the database that users' tables may live in, by name (not `pg_catalog`,
 * `information_schema`, nor the `pg_toast` and `pg_temp_*` schemas of PostgreSQL's own).
 */
async function listSchemas(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT nspname::text AS name FROM pg_namespace
      WHERE nspname <> 'information_schema' AND NOT starts_with(nspname, 'pg_') ORDER BY 1`,
  );
  return rows.map((row) => row.name);
}

/**
 * Refuses (`ValidationError` naming `database.schemas`) the `schemas` the database (`side`: `source` or
 * `target`) lacks, listing those it has: a misspelt schema would otherwise read as one without tables.
 * Schemas the migrations create (`created`) count as there.
 */
export async function requireSchemas(
  client: pg.Client,
  schemas: readonly string[],
  side: 'source' | 'target',
  created: readonly string[] = [],
): Promise<void> {
  const existing = [...(await listSchemas(client)), ...created];
  const missing = schemas.filter((schema) => !existing.includes(schema));
  if (missing.length > 0) {
    throw new ValidationError(
      `database.schemas: ${missing.join(', ')} not found in the ${side} database; its schemas: ` +
        (existing.join(', ') || '(none)'),
    );
  }
}

/**
 * Columns of the tables of `schemas` that may hold large object references (`oid`, `oid[]`, or a domain
 * over them such as the `lo` extension's), as `schema.table.column`. Large objects live outside the tables
 * (`pg_largeobject`): copying such a column copies the references only.
 */
export async function largeObjectColumns(client: pg.Client, schemas: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ label: string }>(
    `SELECT format('%s.%s.%s', n.nspname, c.relname, a.attname) AS label
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
      WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) AND NOT starts_with(c.relname, $2)
        AND a.attnum > 0 AND NOT a.attisdropped
        AND (a.atttypid IN ('oid'::regtype, 'oid[]'::regtype)
             OR (t.typtype = 'd' AND t.typbasetype IN ('oid'::regtype, 'oid[]'::regtype)))
      ORDER BY 1`,
    [schemas, INTERNAL_TABLE_PREFIX],
  );
  return rows.map((row) => row.label);
}

/**
 * The tables referencing `names` (quoted `schema.name`) by foreign key, directly or through other tables,
 * besides those (quoted): a TRUNCATE of a table must name every table referencing it. Names of tables that
 * no longer exist are left out.
 */
export async function referencingTables(client: pg.Client, names: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `WITH RECURSIVE named(oid) AS (SELECT to_regclass(n)::oid FROM unnest($1::text[]) AS n),
     emptied(oid) AS (
       SELECT oid FROM named WHERE oid IS NOT NULL
       UNION SELECT k.conrelid FROM pg_constraint k JOIN emptied e ON k.confrelid = e.oid WHERE k.contype = 'f')
     SELECT format('%I.%I', n.nspname, c.relname) AS name
       FROM emptied e JOIN pg_class c ON c.oid = e.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE e.oid NOT IN (SELECT oid FROM named WHERE oid IS NOT NULL)`,
    [names],
  );
  return rows.map((row) => row.name);
}

/**
 * The tables `names` (quoted `schema.name`) as TRUNCATE names their own rows ({@link rowSource}: a table's
 * inheritance children are tables of their own, emptied only when named; a partitioned table's rows are
 * its partitions'). Names of tables that no longer exist are left out.
 *
 * @example
 * `TRUNCATE ${(await truncatedAs(client, ['"public"."orders"'])).join(', ')}`; // TRUNCATE ONLY "public"."orders"
 */
export async function truncatedAs(client: pg.Client, names: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<TableName & { partitioned: boolean }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind = 'p' AS partitioned
       FROM unnest($1::text[]) WITH ORDINALITY AS t(name, position)
       JOIN pg_class c ON c.oid = to_regclass(t.name) JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY t.position`,
    [names],
  );
  return rows.map(rowSource);
}

/**
 * The ordinary and partitioned tables of `schemas` (partitions are reached through their parent),
 * parents before children along their foreign keys and `alsoKeys` (another database's, such as the
 * target's of a copy), so rows can be loaded in this order.
 *
 * @example
 * const tables = await listTables(client, ['public']);
 */
export async function listTables(
  client: pg.Client,
  schemas: readonly string[],
  alsoKeys: readonly ForeignKey[] = [],
): Promise<TableInfo[]> {
  const { rows } = await client.query<TableRow>(
    `SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned,
       (CASE c.relkind WHEN 'p'
          THEN (SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t)
          ELSE pg_total_relation_size(c.oid) END)::text AS bytes,
       (SELECT coalesce(sum(greatest(r.reltuples, coalesce(s.n_live_tup, 0), 0)), 0)
          FROM pg_class r LEFT JOIN pg_stat_all_tables s ON s.relid = r.oid
         WHERE r.oid = c.oid AND c.relkind = 'r'
            OR r.oid IN (SELECT t.relid FROM pg_partition_tree(c.oid) t) AND r.relkind = 'r')::bigint::text
         AS estimated_rows,
       ARRAY(SELECT a.attname::text FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             ORDER BY a.attnum) AS columns,
       (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM pg_index i
          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key,
       (SELECT array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY k.ord) FROM pg_index i
          CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = c.oid AND i.indisprimary) AS primary_key_types
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
       AND NOT starts_with(c.relname, $2)
     ORDER BY n.nspname, c.relname`,
    [schemas, INTERNAL_TABLE_PREFIX],
  );
  const tables = new Map(
    rows.map((row) => [
      tableLabel(row),
      {
        schema: row.schema,
        name: row.name,
        columns: row.columns,
        primaryKey: row.primary_key ?? [],
        primaryKeyTypes: row.primary_key_types ?? [],
        bytes: Number(row.bytes),
        estimatedRows: Number(row.estimated_rows),
        partitioned: row.partitioned,
      } satisfies TableInfo,
    ]),
  );
  return dependencyOrder(tables, [...(await foreignKeys(client)), ...alsoKeys]);
}

/** The foreign keys of the database, each between two different tables (a self-reference orders nothing). */
export async function foreignKeys(client: pg.Client): Promise<ForeignKey[]> {
  const { rows } = await client.query<ForeignKey>(
    `SELECT format('%s.%s', cn.nspname, c.relname) AS child, format('%s.%s', pn.nspname, p.relname) AS parent
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
       JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
      WHERE k.contype = 'f' AND k.conrelid <> k.confrelid`,
  );
  return rows;
}

/** Kahn's algorithm over foreign keys; tables in a cycle keep name order at the end. */
function dependencyOrder(tables: Map<string, TableInfo>, keys: readonly ForeignKey[]): TableInfo[] {
  const parents = new Map([...tables.keys()].map((label) => [label, new Set<string>()]));
  for (const { child, parent } of keys) {
    if (tables.has(child) && tables.has(parent)) parents.get(child)!.add(parent);
  }
  const ordered: TableInfo[] = [];
  const placed = new Set<string>();
  for (let progress = true; progress; ) {
    progress = false;
    for (const [label, table] of tables) {
      if (placed.has(label) || [...parents.get(label)!].some((p) => !placed.has(p))) continue;
      ordered.push(table);
      placed.add(label);
      progress = true;
    }
  }
  for (const [label, table] of tables) if (!placed.has(label)) ordered.push(table);
  return ordered;
}

/**
 * Where a table's own rows are read from: a partitioned table whole (its rows are its partitions', and
 * partitions are not listed on their own), any other table `ONLY`, as its inheritance children are.
 */
export function rowSource(table: TableName & { readonly partitioned: boolean }): string {
  return table.partitioned ? qualified(table) : `ONLY ${qualified(table)}`;
}

/**
 * {@link rowSource} of `table` as the database of `client` has it, partitioned or not there (the other
 * side of a copy may differ: a plain table copied into a partitioned one).
 */
export async function rowSourceIn(client: pg.Client, table: TableName): Promise<string> {
  const { rows } = await client.query<{ partitioned: boolean }>(
    `SELECT relkind = 'p' AS partitioned FROM pg_class WHERE oid = to_regclass($1)`,
    [qualified(table)],
  );
  return rowSource({ ...table, partitioned: rows[0]?.partitioned === true });
}

/** Finds tables by `schema.name` label; throws naming the unknown ones and the known ones. */
export function selectTables(all: readonly TableInfo[], labels: readonly string[] | undefined): TableInfo[] {
  if (!labels) return [...all];
  const byLabel = new Map(all.map((t) => [tableLabel(t), t]));
  const unknown = labels.filter((label) => !byLabel.has(label));
  if (unknown.length > 0) {
    throw new ValidationError(
      `tables: ${unknown.join(', ')} not found; known tables: ${[...byLabel.keys()].join(', ')}`,
    );
  }
  return all.filter((t) => labels.includes(tableLabel(t)));
}
