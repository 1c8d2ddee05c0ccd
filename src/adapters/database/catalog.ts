import type pg from 'pg';
import { ValidationError } from '#core/errors.ts';
import { type TableName, tableLabel } from './sql.ts';

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
}

interface TableRow {
  oid: number;
  schema: string;
  name: string;
  columns: string[];
  primary_key: string[] | null;
  primary_key_types: string[] | null;
  bytes: string;
  partitioned: boolean;
}

/** Whether the relation `name` (a table or sequence, `schema.name` or as the search path finds it) exists. */
export async function relationExists(client: pg.Client, name: string): Promise<boolean> {
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    name,
  ]);
  return rows[0]?.exists === true;
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
 * The ordinary and partitioned tables of `schemas` (partitions are reached through their parent),
 * parents before children along foreign keys, so rows can be loaded in this order.
 *
 * @example
 * const tables = await listTables(client, ['public']);
 */
export async function listTables(client: pg.Client, schemas: readonly string[]): Promise<TableInfo[]> {
  const { rows } = await client.query<TableRow>(
    `SELECT c.oid::int AS oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned,
       (CASE c.relkind WHEN 'p'
          THEN (SELECT sum(pg_total_relation_size(t.relid)) FROM pg_partition_tree(c.oid) t)
          ELSE pg_total_relation_size(c.oid) END)::text AS bytes,
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
  const { rows: edges } = await client.query<{ child: number; parent: number }>(
    `SELECT conrelid::int AS child, confrelid::int AS parent FROM pg_constraint
     WHERE contype = 'f' AND conrelid <> confrelid`,
  );
  const tables = new Map(
    rows.map((row) => [
      row.oid,
      {
        schema: row.schema,
        name: row.name,
        columns: row.columns,
        primaryKey: row.primary_key ?? [],
        primaryKeyTypes: row.primary_key_types ?? [],
        bytes: Number(row.bytes),
        partitioned: row.partitioned,
      } satisfies TableInfo,
    ]),
  );
  return dependencyOrder(tables, edges);
}

/** Kahn's algorithm over foreign keys; tables in a cycle keep name order at the end. */
function dependencyOrder(
  tables: Map<number, TableInfo>,
  edges: readonly { child: number; parent: number }[],
): TableInfo[] {
  const parents = new Map<number, Set<number>>([...tables.keys()].map((oid) => [oid, new Set<number>()]));
  for (const { child, parent } of edges) {
    if (tables.has(child) && tables.has(parent)) parents.get(child)!.add(parent);
  }
  const ordered: TableInfo[] = [];
  const placed = new Set<number>();
  for (let progress = true; progress; ) {
    progress = false;
    for (const [oid, table] of tables) {
      if (placed.has(oid) || [...parents.get(oid)!].some((p) => !placed.has(p))) continue;
      ordered.push(table);
      placed.add(oid);
      progress = true;
    }
  }
  for (const [oid, table] of tables) if (!placed.has(oid)) ordered.push(table);
  return ordered;
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
