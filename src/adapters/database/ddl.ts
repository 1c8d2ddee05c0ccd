import type pg from 'pg';
import { qualified, quoteIdent, type TableName } from './sql.ts';

/** Selects, over `pg_class c` and `pg_namespace n`, the tables of the schemas `$1` but Cutover's own. */
const SCHEMA_TABLES = `c.relkind IN ('r', 'p') AND n.nspname = ANY($1::text[]) AND c.relname NOT LIKE 'cutover\\_%'`;

/**
 * CTEs over the schemas `$1`: `types`, their enum, domain, composite and range types but those of an
 * extension; `uses`, the types each of those (`oid`) and each column of their tables (`oid` 0) is made
 * of, an array as its element type.
 */
const TYPE_USES = `
  types AS (
    SELECT t.oid, n.nspname, t.typname, t.typtype, t.typbasetype, t.typrelid
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = ANY($1::text[])
       AND (t.typtype IN ('e', 'd', 'r') OR (SELECT r.relkind FROM pg_class r WHERE r.oid = t.typrelid) = 'c')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d
                        WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')),
  uses AS (
    SELECT u.oid, coalesce(e.oid, u.used) AS used FROM (
      SELECT t.oid, m.used FROM types t CROSS JOIN LATERAL (
        SELECT t.typbasetype WHERE t.typtype = 'd'
        UNION ALL SELECT a.atttypid FROM pg_attribute a
                   WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL SELECT r.rngsubtype FROM pg_range r WHERE r.rngtypid = t.oid) AS m(used)
      UNION ALL
      SELECT 0, a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE ${SCHEMA_TABLES} AND a.attnum > 0 AND NOT a.attisdropped) AS u
    LEFT JOIN pg_type e ON e.typarray = u.used)`;

/**
 * CTEs over the schemas `$1`: those of {@link TYPE_USES} and `extensions`, the extensions (`oid`) that
 * the types used come from, which {@link schemaDdl} creates.
 */
export const TYPE_EXTENSIONS = `${TYPE_USES},
  extensions AS (
    SELECT DISTINCT d.refobjid AS oid FROM uses u
      JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = u.used AND d.deptype = 'e')`;

/**
 * The user-defined types of the schemas `$1`, each after the types it is made of (ordered by the
 * longest chain of types below it); a domain's CHECK constraints each follow it as `ALTER DOMAIN`, which
 * keeps one `NOT VALID` as it was.
 */
const TYPES = `
  WITH RECURSIVE ${TYPE_USES},
  levels AS (
    SELECT oid, 0 AS level FROM types
    UNION ALL SELECT u.oid, l.level + 1 FROM uses u JOIN levels l ON l.oid = u.used)
  SELECT s.ddl FROM types t JOIN pg_type tt ON tt.oid = t.oid
  JOIN (SELECT oid, max(level) AS level FROM levels GROUP BY oid) l ON l.oid = t.oid
  CROSS JOIN LATERAL (
    SELECT 0 AS step, '' AS part, CASE t.typtype
      WHEN 'e' THEN format('CREATE TYPE %I.%I AS ENUM (%s)', t.nspname, t.typname,
        (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
           FROM pg_enum e WHERE e.enumtypid = t.oid))
      WHEN 'd' THEN format('CREATE DOMAIN %I.%I AS %s', t.nspname, t.typname,
          format_type(tt.typbasetype, tt.typtypmod))
        || ${collateSql('tt.typcollation', 'tt.typbasetype')}
        || coalesce(' DEFAULT ' || pg_get_expr(tt.typdefaultbin, 0), '')
        || CASE WHEN tt.typnotnull THEN ' NOT NULL' ELSE '' END
      WHEN 'c' THEN format('CREATE TYPE %I.%I AS (%s)', t.nspname, t.typname,
        (SELECT string_agg(format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
                 || ${collateSql('a.attcollation', 'a.atttypid')}, ', ' ORDER BY a.attnum)
           FROM pg_attribute a WHERE a.attrelid = tt.typrelid AND a.attnum > 0 AND NOT a.attisdropped))
      WHEN 'r' THEN (SELECT format('CREATE TYPE %I.%I AS RANGE (SUBTYPE = %s', t.nspname, t.typname,
          format_type(r.rngsubtype, NULL))
        || CASE WHEN o.opcdefault THEN ''
                ELSE format(', SUBTYPE_OPCLASS = %I.%I', opn.nspname, o.opcname) END
        || CASE WHEN r.rngcollation IN (0, (SELECT typcollation FROM pg_type WHERE oid = r.rngsubtype))
                THEN '' ELSE ', COLLATION = ' || r.rngcollation::regcollation END
        || CASE WHEN r.rngcanonical = 0 THEN '' ELSE ', CANONICAL = ' || r.rngcanonical::regproc END
        || CASE WHEN r.rngsubdiff = 0 THEN '' ELSE ', SUBTYPE_DIFF = ' || r.rngsubdiff::regproc END || ')'
        FROM pg_range r JOIN pg_opclass o ON o.oid = r.rngsubopc
        JOIN pg_namespace opn ON opn.oid = o.opcnamespace WHERE r.rngtypid = t.oid)
    END AS ddl
    UNION ALL
    SELECT 1, k.conname, format('ALTER DOMAIN %I.%I ADD CONSTRAINT %I %s', t.nspname, t.typname, k.conname,
      pg_get_constraintdef(k.oid))
      FROM pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') AS s
  ORDER BY l.level, t.nspname, t.typname, s.step, s.part`;

/**
 * The DDL that recreates the tables of `schemas` in an empty database, in runnable order: schemas, the
 * extensions whose types they use (`CREATE EXTENSION IF NOT EXISTS`, in their schema, created if need be), enum, domain, composite and range
 * types (each after the types it is made of), sequences, tables (columns, defaults, identity, generated),
 * constraints (foreign keys last), other indexes, sequence ownership. Names are schema-qualified, so the
 * statements mean the same whatever the `search_path`. Views, functions, triggers, comments and grants
 * are not included (`objectsLeftOut` lists those). Runs in the caller's transaction.
 */
export async function schemaDdl(client: pg.Client, schemas: readonly string[]): Promise<string[]> {
  const q = async (sql: string) =>
    (await client.query<{ ddl: string }>(sql, [schemas])).rows.map((r) => r.ddl);
  return withQualifiedNames(client, async () => [
    ...(await q(`SELECT format('CREATE SCHEMA IF NOT EXISTS %I', s) AS ddl FROM unnest($1::text[]) AS s`)),
    ...(await q(
      `WITH ${TYPE_EXTENSIONS}
       SELECT format('CREATE SCHEMA IF NOT EXISTS %2$I; CREATE EXTENSION IF NOT EXISTS %1$I WITH SCHEMA %2$I CASCADE',
         x.extname, xn.nspname) AS ddl
         FROM extensions e JOIN pg_extension x ON x.oid = e.oid
         JOIN pg_namespace xn ON xn.oid = x.extnamespace ORDER BY 1`,
    )),
    ...(await q(TYPES)),
    ...(await q(
      `SELECT format('CREATE SEQUENCE %I.%I AS %s INCREMENT %s MINVALUE %s MAXVALUE %s START %s CACHE %s%s',
         schemaname, sequencename, data_type, increment_by, min_value, max_value, start_value, cache_size,
         CASE WHEN cycle THEN ' CYCLE' ELSE '' END) AS ddl
       FROM pg_sequences s WHERE schemaname = ANY($1::text[]) AND NOT EXISTS (
         SELECT 1 FROM pg_depend d WHERE d.objid = format('%I.%I', schemaname, sequencename)::regclass
           AND d.deptype = 'i') ORDER BY 1`,
    )),
    ...(await tablesDdl(client, SCHEMA_TABLES, [schemas])),
    ...(await q(
      `SELECT format('ALTER SEQUENCE %I.%I OWNED BY %I.%I.%I', sn.nspname, s.relname, n.nspname, c.relname,
         a.attname) AS ddl
       FROM pg_depend d JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
       JOIN pg_namespace sn ON sn.oid = s.relnamespace JOIN pg_class c ON c.oid = d.refobjid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
       WHERE d.deptype = 'a' AND ${SCHEMA_TABLES} ORDER BY 1`,
    )),
  ]);
}

/**
 * The DDL that recreates one table, Cutover's own ones included, in a database without it: its schema if
 * missing, the table, its constraints and other indexes. Runs in the caller's transaction.
 */
export async function tableDdl(client: pg.Client, table: TableName): Promise<string[]> {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(table.schema)}`,
    ...(await withQualifiedNames(client, () =>
      tablesDdl(client, 'c.oid = $1::regclass', [qualified(table)]),
    )),
  ];
}

/**
 * The DDL of the tables `where` selects (over `pg_class c` and `pg_namespace n`, with `params`): the tables
 * (columns, defaults, identity, generated), then their constraints (foreign keys last), then their other
 * indexes.
 */
async function tablesDdl(client: pg.Client, where: string, params: unknown[]): Promise<string[]> {
  const q = async (sql: string) => (await client.query<{ ddl: string }>(sql, params)).rows.map((r) => r.ddl);
  return [
    ...(await q(
      `SELECT format('CREATE TABLE %I.%I (%s)', n.nspname, c.relname, string_agg(
         format('%I %s', a.attname, format_type(a.atttypid, a.atttypmod))
         || ${collateSql('a.attcollation', 'a.atttypid')}
         || CASE WHEN a.attidentity = 'a' THEN ' GENERATED ALWAYS AS IDENTITY'
                 WHEN a.attidentity = 'd' THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END
         || CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(ad.adbin, ad.adrelid) || ') STORED'
                 WHEN ad.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(ad.adbin, ad.adrelid) ELSE '' END
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, ', ' ORDER BY a.attnum)) AS ddl
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
       WHERE ${where} AND NOT c.relispartition GROUP BY n.nspname, c.relname ORDER BY 1`,
    )),
    ...(await q(
      `SELECT format('ALTER TABLE %I.%I ADD CONSTRAINT %I %s', n.nspname, c.relname, k.conname,
         pg_get_constraintdef(k.oid)) AS ddl
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE ${where} AND k.contype IN ('p', 'u', 'c', 'x', 'f') AND k.conislocal
       ORDER BY k.contype = 'f', 1`,
    )),
    ...(await q(
      `SELECT pg_get_indexdef(i.indexrelid) AS ddl
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE ${where} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1`,
    )),
  ];
}

/** SQL of ` COLLATE <name>` when the collation `collation` is set and not the default of the type `type`. */
function collateSql(collation: string, type: string): string {
  return `CASE WHEN ${collation} IN (0, (SELECT typcollation FROM pg_type WHERE oid = ${type})) THEN ''
               ELSE ' COLLATE ' || ${collation}::regcollation END`;
}

/**
 * Runs `work` with an empty `search_path` for the caller's transaction, so the names the catalog functions
 * print (`format_type`, `pg_get_expr`, ...) are schema-qualified (`public.mood`), then restores it.
 */
export async function withQualifiedNames<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  const { rows } = await client.query<{ path: string }>(`SELECT current_setting('search_path') AS path`);
  await client.query(`SELECT set_config('search_path', '', true)`);
  const result = await work();
  await client.query(`SELECT set_config('search_path', $1, true)`, [rows[0]!.path]);
  return result;
}
