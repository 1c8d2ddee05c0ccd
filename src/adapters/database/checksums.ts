import type pg from 'pg';
import { ValidationFailedError } from '#core/errors.ts';
import { rowSourceIn, type TableInfo } from './catalog.ts';
import { identList, tableLabel } from './sql.ts';

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
 *
 * @example
 * const { rows, checksum } = await tableChecksum(client, table);
 */
export async function tableChecksum(client: pg.Client, table: TableInfo): Promise<TableChecksum> {
  const columns = identList([...table.columns].sort());
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

/**
 * Compares every table's count and checksum on both sides; throws `ValidationFailed` naming each
 * table that differs.
 *
 * @example
 * const results = await compareTables(source, target, tables);
 */
/** Why copied tables differ from their source, most often. */
const LIKELY_CAUSES =
  'was the source written to during the copy (stop its writes until Validate), or does a trigger or rule on the target change rows it receives?';

export async function compareTables(
  source: pg.Client,
  target: pg.Client,
  tables: readonly TableInfo[],
): Promise<TableChecksum[]> {
  const results: TableChecksum[] = [];
  const mismatches: string[] = [];
  for (const table of tables) {
    const [expected, actual] = await Promise.all([
      tableChecksum(source, table),
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
