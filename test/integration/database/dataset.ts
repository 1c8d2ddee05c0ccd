import pg from 'pg';

/** The schema of the typed test dataset: every common column type, an enum, composite and missing keys. */
export const DATASET_SCHEMA = `
  CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
  CREATE TABLE customers (
    id bigserial PRIMARY KEY, uid uuid NOT NULL UNIQUE, name text NOT NULL, balance numeric(20, 6),
    avatar bytea, profile jsonb, tags text[], scores integer[], joined timestamptz, birthday date,
    mood mood, ratio double precision, active boolean, bio text);
  CREATE TABLE orders (
    customer_id bigint NOT NULL REFERENCES customers(id), line integer NOT NULL, amount numeric(12, 2),
    note text, PRIMARY KEY (customer_id, line));
  CREATE TABLE audit_log (at timestamptz, message text);
`;

/** Fills the dataset with `customers` rows (and 3 orders and 1 log line each), deterministic but for the uuids. */
export async function fillDataset(url: string, customers: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO customers (uid, name, balance, avatar, profile, tags, scores, joined, birthday, mood, ratio, active, bio)
       SELECT gen_random_uuid(),
         CASE WHEN i % 7 = 0 THEN 'Zoë «' || i || '» 東京 😀' ELSE 'customer ' || i END,
         CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 1234.567891)::numeric(20, 6) END,
         CASE WHEN i % 5 = 0 THEN NULL ELSE decode(md5(i::text), 'hex') || '\\x00ff'::bytea END,
         jsonb_build_object('i', i, 'nested', jsonb_build_object('list', jsonb_build_array(i, 'x', null, true))),
         ARRAY['a' || i, NULL, 'quote''s, "and" \\ backslash'],
         ARRAY[i, -i, 0],
         timestamptz '2020-01-01 00:00:00+00' + (i || ' minutes 0.123456 seconds')::interval,
         date '1970-01-01' + (i % 20000),
         (ARRAY['sad', 'ok', 'happy']::mood[])[1 + i % 3],
         CASE WHEN i % 13 = 0 THEN 'NaN'::float8 ELSE i / 3.0 END,
         CASE WHEN i % 17 = 0 THEN NULL ELSE i % 2 = 0 END,
         CASE WHEN i % 97 = 0 THEN repeat('large text ' || i || E'\\n\\t', 5000) ELSE E'line1\\nline2\\ttab' END
       FROM generate_series(1, $1::int) AS i`,
      [customers],
    );
    await client.query(
      `INSERT INTO orders (customer_id, line, amount, note)
       SELECT c.id, l, (c.id * l / 7.0)::numeric(12, 2), CASE WHEN l = 2 THEN NULL ELSE 'line ' || l END
       FROM customers c CROSS JOIN generate_series(1, 3) AS l`,
    );
    await client.query(`INSERT INTO audit_log SELECT joined, 'created ' || name FROM customers`);
  } finally {
    await client.end();
  }
}

/** Runs SQL on a database. */
export async function runSql(url: string, sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/**
 * SQL creating the copy's progress table (`cutover_copy_progress`, as a copy creates it) with one row of
 * the copy run `copyId` for `table`: `rowsCopied` rows copied, `done` or not, as a run leaves it.
 */
export function progressRowSql(copyId: string, table: string, rowsCopied = 0, done = false): string {
  return `CREATE TABLE cutover_copy_progress (copy_id text, table_name text, last_key text[], rows_copied bigint,
       done boolean, updated_at timestamptz DEFAULT now(), PRIMARY KEY (copy_id, table_name));
     INSERT INTO cutover_copy_progress VALUES ('${copyId}', '${table}', NULL, ${rowsCopied}, ${done});`;
}
