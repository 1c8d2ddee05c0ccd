import type pg from 'pg';
import { ValidationFailedError } from '#core/errors.ts';
import { rowSourceIn, type TableInfo } from './catalog.ts';
import { qualified, quoteIdent, tableLabel } from './sql.ts';

/** A table's row count and order-independent content checksum. */
export interface TableChecksum {
  readonly table: string;
  readonly rows: number;
  /** Sum over rows of the first 64 bits of md5(row text), as a decimal string. */
  readonly checksum: string;
}

/**
 * Counts and checksums a table's own rows (`ONLY`; a partitioned table's are its partitions') inside
 * PostgreSQL. The row text lists columns in name order, so two
 * tables with the same columns in another order agree; the sum makes the result order-independent.
 * `asTypes` reads the columns it names as values of the given type (see {@link targetTypes}).
 *
 * @example
 * const { rows, checksum } = await tableChecksum(client, table);
 */
export async function tableChecksum(
  client: pg.Client,
  table: TableInfo,
  asTypes: ReadonlyMap<string, string> = new Map(),
): Promise<TableChecksum> {
  const columns = [...table.columns]
    .sort()
    .map((column) => {
      const type = asTypes.get(column);
      return type ? asType(column, type) : quoteIdent(column);
    })
    .join(', ');
  const { rows } = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*)::text AS rows,
       coalesce(sum(('x' || substr(md5(ROW(${columns})::text), 1, 16))::bit(64)::bigint::numeric), 0)::text
         AS checksum
     FROM ${await rowSourceIn(client, table)} AS t`,
  );
  return { table: tableLabel(table), rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum };
}

/**
 * Checksums of several tables on one client, one query after the other (a pg client runs one query at a
 * time; use two clients to checksum in parallel, as {@link compareTables} does).
 *
 * @example
 * const checksums = await tableChecksums(client, await listTables(client, ['public']));
 */
export async function tableChecksums(
  client: pg.Client,
  tables: readonly TableInfo[],
): Promise<TableChecksum[]> {
  const results: TableChecksum[] = [];
  for (const table of tables) results.push(await tableChecksum(client, table));
  return results;
}

/** Why copied tables differ from their source, most often. */
const LIKELY_CAUSES =
  'was the source written to during the copy (stop its writes until Validate), or does a trigger or rule on the target change rows it receives?';

/**
 * Compares every table's count and checksum on both sides; throws `ValidationFailed` naming each
 * table that differs. The source's columns are read as the target's types where those differ (a
 * `numeric(10,2)` column copied into a `numeric(12,4)` one: `1.25` is `1.2500` on both sides).
 *
 * @example
 * const results = await compareTables(source, target, tables);
 */
export async function compareTables(
  source: pg.Client,
  target: pg.Client,
  tables: readonly TableInfo[],
): Promise<TableChecksum[]> {
  const results: TableChecksum[] = [];
  const mismatches: string[] = [];
  for (const table of tables) {
    const [expected, actual] = await Promise.all([
      tableChecksum(source, table, await targetTypes(source, target, table)),
      tableChecksum(target, table),
    ]);
    if (expected.rows !== actual.rows || expected.checksum !== actual.checksum) {
      mismatches.push(
        `${expected.table} (source ${expected.rows} rows, checksum ${expected.checksum}; ` +
          `target ${actual.rows} rows, checksum ${actual.checksum})`,
      );
    }
    results.push(expected);
  }
  if (mismatches.length > 0) {
    throw new ValidationFailedError(
      `tables differ between source and target: ${mismatches.join('; ')}; ${LIKELY_CAUSES}`,
    );
  }
  return results;
}

/**
 * The columns of `table` whose type differs between source and target, each with the target's type when
 * it is one of PostgreSQL's own (`numeric(12,4)`, `bigint`, `jsonb`), which the source has too.
 */
async function targetTypes(
  source: pg.Client,
  target: pg.Client,
  table: TableInfo,
): Promise<Map<string, string>> {
  const [from, to] = await Promise.all([columnTypes(source, table), columnTypes(target, table)]);
  const sourceTypes = new Map(from.map((column) => [column.name, column.type]));
  return new Map(
    to
      .filter((column) => column.builtIn && sourceTypes.get(column.name) !== column.type)
      .map((column) => [column.name, column.type]),
  );
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
 * A column's value as the copy stores it in a column of `type`: its text, as COPY writes it (NULL kept),
 * read as that type.
 */
function asType(column: string, type: string): string {
  const value = quoteIdent(column);
  return `CAST(CASE WHEN ${value} IS NULL THEN NULL ELSE format('%s', ${value}) END AS ${type})`;
}
