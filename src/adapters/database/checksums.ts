import type pg from 'pg';
import { ValidationFailedError } from '#core/errors.ts';
import { rowSourceIn, type TableInfo } from './catalog.ts';
import {
  type Conversion,
  type ConvertedColumn,
  changedRows,
  conversionsOf,
  relativeRows,
} from './conversions.ts';
import { quoteIdent, tableLabel } from './sql.ts';

/** A table's row count and order-independent content checksum. */
export interface TableChecksum {
  readonly table: string;
  readonly rows: number;
  /** Sum over rows of the first 64 bits of md5(row text), as a decimal string. */
  readonly checksum: string;
}

/** A table Validate found alike on both sides: the source's count and checksum, its converted columns. */
export interface ValidatedTable extends TableChecksum {
  /** In name order; empty when every column has the same type on both sides. */
  readonly converted: readonly ConvertedColumn[];
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
  return (await checksumAndChanges(client, table, [])).checksum;
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
  'was the source written to during the copy (stop its writes until Validate), was the target written to besides the copy, or does a trigger or rule on the target change rows it receives?';

/** What to do about values a target's column type changes. */
const CHANGED_VALUES_FIX =
  'give these columns types that hold the source values, or change the values on the source first if the change is intended';

/**
 * Compares every table's count and checksum on both sides; throws `ValidationFailed` naming each
 * table that differs, and each column whose values the target's type changes. A column whose type a
 * target migration changed to another of PostgreSQL's own is read on the source as the copy converts it
 * (its text, read as the target's type: a `numeric(10,2)` `1.25` is `1.2500` in `numeric(12,4)`), and
 * its values are converted back to the source's type: a value that does not come back the same
 * (`1.2345` kept as `1.2` by `numeric(12,1)`) is counted, in the same pass over the source as its checksum.
 *
 * @example
 * const results = await compareTables(source, target, tables);
 */
export async function compareTables(
  source: pg.Client,
  target: pg.Client,
  tables: readonly TableInfo[],
): Promise<ValidatedTable[]> {
  const results: ValidatedTable[] = [];
  const mismatches: string[] = [];
  const changes: string[] = [];
  for (const table of tables) {
    const conversions = await conversionsOf(source, target, table);
    const [expected, actual] = await Promise.all([
      checksumAndChanges(source, table, conversions),
      tableChecksum(target, table),
    ]);
    const { checksum } = expected;
    if (checksum.rows !== actual.rows || checksum.checksum !== actual.checksum) {
      mismatches.push(
        `${checksum.table} (source ${checksum.rows} rows, checksum ${checksum.checksum}; ` +
          `target ${actual.rows} rows, checksum ${actual.checksum})`,
      );
    }
    changes.push(...changeTexts(checksum.table, conversions, expected.changed));
    results.push({
      ...checksum,
      converted: conversions.map(({ column, from, to }) => ({ column, from, to })),
    });
  }
  throwWhenDifferent(mismatches, changes);
  return results;
}

/** Throws `ValidationFailed` naming the tables that differ and the columns whose values changed, if any. */
function throwWhenDifferent(mismatches: readonly string[], changes: readonly string[]): void {
  const problems: string[] = [];
  if (changes.length > 0) {
    problems.push(
      `the target's column types change copied values: ${changes.join('; ')}; ${CHANGED_VALUES_FIX}`,
    );
  }
  if (mismatches.length > 0) {
    problems.push(`tables differ between source and target: ${mismatches.join('; ')}; ${LIKELY_CAUSES}`);
  }
  if (problems.length > 0) throw new ValidationFailedError(problems.join('. '));
}

/** Of a column's rows, how many the conversion changes, and of those how many it reads as of the copy. */
interface ChangedRows {
  readonly rows: number;
  readonly relative: number;
}

/** `public.m.price: 2 rows change from numeric(12,4) to numeric(12,1)`, for each column with changed rows. */
function changeTexts(
  table: string,
  conversions: readonly Conversion[],
  changed: readonly ChangedRows[],
): string[] {
  return conversions.flatMap((conversion, i) => {
    const { rows, relative } = changed[i]!;
    if (rows === 0) return [];
    const verb = rows === 1 ? '1 row changes' : `${rows} rows change`;
    const to = `${conversion.to}${why(conversion, relative)}`;
    return [`${table}.${conversion.column}: ${verb} from ${conversion.from} to ${to}`];
  });
}

/** Why the conversion changes values, when the type alone does not say: ` (jsonb keeps ...)`, or none. */
function why(conversion: Conversion, relative: number): string {
  if (conversion.compare === 'duplicateKeys') return ' (jsonb keeps the last of duplicate object keys)';
  return relative > 0 ? ` (${relative} read as of the copy: now, today, tomorrow or yesterday)` : '';
}

/**
 * The count and checksum of a table, each column of `conversions` read as the copy converts it, and for
 * each of them the rows whose value the conversion changes: one query, one pass over the rows.
 */
async function checksumAndChanges(
  client: pg.Client,
  table: TableInfo,
  conversions: readonly Conversion[],
): Promise<{ checksum: TableChecksum; changed: ChangedRows[] }> {
  const converted = new Map(conversions.map((conversion) => [conversion.column, conversion.to]));
  const columns = [...table.columns]
    .sort()
    .map((column) => {
      const type = converted.get(column);
      return type ? asType(quoteIdent(column), type) : quoteIdent(column);
    })
    .join(', ');
  const counts = conversions.map(
    (conversion, i) =>
      `, count(*) FILTER (WHERE ${changedRows(conversion)})::text AS changed${i}` +
      (conversion.relativeDates
        ? `, count(*) FILTER (WHERE ${relativeRows(conversion)})::text AS relative${i}`
        : ''),
  );
  const { rows } = await client.query<Record<string, string>>(
    `SELECT count(*)::text AS rows,
       coalesce(sum(('x' || substr(md5(ROW(${columns})::text), 1, 16))::bit(64)::bigint::numeric), 0)::text
         AS checksum${counts.join('')}
     FROM ${await rowSourceIn(client, table)} AS t`,
  );
  const row = rows[0]!;
  return {
    checksum: { table: tableLabel(table), rows: Number(row.rows), checksum: row.checksum! },
    changed: conversions.map((_, i) => ({
      rows: Number(row[`changed${i}`]),
      relative: Number(row[`relative${i}`] ?? 0),
    })),
  };
}

/**
 * A column's value as the copy stores it in a column of `type`: its text, as COPY writes it (NULL kept),
 * read as that type.
 */
function asType(value: string, type: string): string {
  return `CAST(CASE WHEN ${value} IS NULL THEN NULL ELSE format('%s', ${value}) END AS ${type})`;
}
