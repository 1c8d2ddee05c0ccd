import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import pg from 'pg';
import { createBackupStoreFromEnvironment } from '#adapters/backup/index.ts';
import type { LocalRuntime } from '../runtime.ts';
import { followExecution } from './follow.ts';

/** The migrations the chapter applies: the shop schema, then an expand migration. */
export const SHOP_MIGRATIONS = resolve(import.meta.dirname, '../../../examples/migrations/shop');

/** Rows of the chapter's source database, table by table (orders reference the other two). */
const ROWS = { customers: 200, products: 25, orders: 1500 } as const;

/** What {@link runDatabaseChapter} returns. */
export interface DatabaseChapterResult {
  readonly status: string;
  readonly error?: string;
  readonly seconds: number;
  /** `3 tables, 1725 rows copied and validated, backup <key>` */
  readonly summary: string;
}

/**
 * The demo's database chapter: a real source database on the runtime's embedded PostgreSQL, copied into a
 * new target by the `database-migration` state machine after the shop migrations (V1 schema, V2 expand)
 * ran there, validated table by table, with the target's backup listed from the local S3 server.
 *
 * @example
 * const result = await runDatabaseChapter({ sfn, runtime, print: (line) => console.log(`   ${line}`) });
 */
export async function runDatabaseChapter(options: {
  sfn: SFNClient;
  runtime: LocalRuntime;
  print: (line: string) => void;
}): Promise<DatabaseChapterResult> {
  const { sfn, runtime, print } = options;
  const started = performance.now();
  const { postgres } = await runtime.dataServices();
  const suffix = Date.now().toString(36);
  const [source, target] = [`shop_old_${suffix}`, `shop_new_${suffix}`];
  await fillShop(await postgres.createDatabase(source));
  await postgres.createDatabase(target);
  print(`source ${postgres.requestUrlFor(source)}: ${describeRows()}`);
  print(`target ${postgres.requestUrlFor(target)}: empty`);
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: runtime.stateMachines.find((m) => m.name === 'database-migration')!.stateMachineArn,
      name: `shop-db-${suffix}`,
      input: JSON.stringify({
        service: { name: 'orders', namespace: 'shop' },
        database: {
          source: { url: postgres.requestUrlFor(source) },
          target: { url: postgres.requestUrlFor(target) },
        },
        migrations: { directory: SHOP_MIGRATIONS, phase: 'expand' },
        copy: { batchRows: 500 },
      }),
    }),
  );
  const outcome = await followExecution(sfn, executionArn!, print);
  const seconds = (performance.now() - started) / 1000;
  if (outcome.status !== 'SUCCEEDED') {
    return { ...outcome, seconds, summary: `database migration ${outcome.status} (${outcome.error})` };
  }
  const output = JSON.parse(outcome.output ?? '{}') as {
    validation?: { tables: { table: string; rows: number }[] };
    backup?: { manifestKey: string };
    migrations?: { applied: number[] };
  };
  const tables = output.validation?.tables ?? [];
  const rows = tables.reduce((sum, t) => sum + t.rows, 0);
  const manifestKey = output.backup?.manifestKey ?? 'none';
  const backup = await createBackupStoreFromEnvironment().list(manifestKey.replace(/manifest\.json$/, ''));
  for (const object of backup) print(`backup ${object.key} (${object.size} bytes)`);
  return {
    status: outcome.status,
    seconds,
    summary: `migrations V${(output.migrations?.applied ?? []).join(', V')}; ${tables.length} tables, ${rows} rows copied and validated; backup ${manifestKey}`,
  };
}

function describeRows(): string {
  return Object.entries(ROWS)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
}

/** Creates the shop schema (as release 1 did) in the source and fills it. */
async function fillShop(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(await readFile(join(SHOP_MIGRATIONS, 'V1__create_shop.sql'), 'utf8'));
    await client.query(
      `INSERT INTO customers (email, name, created_at)
       SELECT 'customer' || i || '@example.com', 'Customer ' || i, timestamptz '2026-01-01' + i * interval '1 hour'
       FROM generate_series(1, $1::int) AS i`,
      [ROWS.customers],
    );
    await client.query(
      `INSERT INTO products (sku, title, price)
       SELECT 'SKU-' || lpad(i::text, 4, '0'), 'Product ' || i, (i * 3.25)::numeric(10, 2)
       FROM generate_series(1, $1::int) AS i`,
      [ROWS.products],
    );
    await client.query(
      `INSERT INTO orders (customer_id, product_id, quantity, placed_at)
       SELECT 1 + i % $1::int, 1 + i % $2::int, 1 + i % 4, timestamptz '2026-02-01' + i * interval '7 minutes'
       FROM generate_series(1, $3::int) AS i`,
      [ROWS.customers, ROWS.products, ROWS.orders],
    );
  } finally {
    await client.end();
  }
}
