import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTables } from '#adapters/database/catalog.ts';
import { compareTables } from '#adapters/database/checksums.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { type CopyCheckpoint, copyTableSlice } from '#adapters/database/copy.ts';
import { readSequences, writeSequences } from '#adapters/database/sequences.ts';
import { undoCopy } from '#adapters/database/undo-copy.ts';
import { startTestPostgres, type TestPostgres } from '#test/support/postgres.ts';
import { DATASET_SCHEMA, fillDataset, runSql } from './dataset.ts';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startTestPostgres();
});
afterAll(() => postgres?.stop());

/** A source filled with the typed dataset and an empty target with the same schema. */
async function sourceAndTarget(customers: number): Promise<{ source: string; target: string }> {
  const source = await postgres.createDatabase('source');
  const target = await postgres.createDatabase('target');
  await runSql(source, DATASET_SCHEMA);
  await runSql(target, DATASET_SCHEMA);
  await fillDataset(source, customers);
  return { source, target };
}

/** Copies every table to completion, one slice at a time, as the state machine's loop does. */
async function copyAll(source: string, target: string, copyId: string, batchRows: number): Promise<number> {
  return withDatabase({ url: source }, (src) =>
    withDatabase({ url: target }, async (dst) => {
      let slices = 0;
      for (const table of await listTables(src, ['public'])) {
        let checkpoint: CopyCheckpoint;
        do {
          checkpoint = await copyTableSlice(src, dst, table, { copyId, budgetMs: 0, batchRows });
          slices++;
        } while (!checkpoint.done);
      }
      return slices;
    }),
  );
}

/**
 * Copies `customers` to completion as the execution `copyId` does, on connections of its own, starting its
 * first slice once `started` resolves (so two of them start together); the checkpoint, or what stopped it.
 */
async function copyCustomers(
  source: string,
  target: string,
  copyId: string,
  started: Promise<void>,
  arrived: () => void,
): Promise<CopyCheckpoint> {
  return withDatabase({ url: source }, (src) =>
    withDatabase({ url: target }, async (dst) => {
      const customers = (await listTables(src, ['public'])).find((t) => t.name === 'customers')!;
      arrived();
      await started;
      let checkpoint: CopyCheckpoint;
      do checkpoint = await copyTableSlice(src, dst, customers, { copyId, budgetMs: 0, batchRows: 50 });
      while (!checkpoint.done);
      return checkpoint;
    }),
  );
}

/** `url` connecting as a new role `prefix_<random>` (password `pw`), created by `sql(role)` run as the admin. */
async function asNewRole(url: string, prefix: string, sql: (role: string) => string): Promise<string> {
  const role = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await runSql(url, `CREATE ROLE ${role} LOGIN PASSWORD 'pw'; ${sql(role)}`);
  const asRole = new URL(url);
  asRole.username = role;
  asRole.password = 'pw';
  return asRole.toString();
}

/** The TRUNCATE and DELETE statements a refusal's message tells a person to run, in its order. */
function statementsIn(message: string): string[] {
  return [...message.matchAll(/\(((?:TRUNCATE|DELETE FROM) [^)]*)\)/g)].map((match) => match[1]!);
}

/** Compares every table of the source's `public` schema on both sides (`ValidationFailed` when they differ). */
function validate(source: string, target: string) {
  return withDatabase({ url: source }, (src) =>
    withDatabase({ url: target }, async (dst) => compareTables(src, dst, await listTables(src, ['public']))),
  );
}

/**
 * People and their audit rows, which a trigger adds for each person inserted; another stamps each audit
 * row, and the audit's foreign key is checked at commit.
 */
const PEOPLE_AND_AUDIT = `
  CREATE TABLE people (id int PRIMARY KEY, name text);
  CREATE TABLE audit (id serial PRIMARY KEY,
    person_id int REFERENCES people DEFERRABLE INITIALLY DEFERRED, note text);
  CREATE FUNCTION audit_person() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO audit (person_id, note) VALUES (NEW.id, 'added ' || NEW.name); RETURN NULL; END $$;
  CREATE TRIGGER people_audit AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit_person();
  CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.note := NEW.note || ' (stamped)'; RETURN NEW; END $$;
  CREATE TRIGGER audit_stamp BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION stamp();`;

/** Each user trigger of the database and how it is enabled (`O`, `D`, `A`, `R`), as other sessions see it. */
async function triggerStates(url: string): Promise<Record<string, string>> {
  const { rows } = await runSql(
    url,
    `SELECT tgname AS name, tgenabled AS enabled FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.enabled]));
}

describe('copyTableSlice', () => {
  it('copies every type exactly, in bounded slices, and validation finds both sides equal', async () => {
    // Prepare
    const { source, target } = await sourceAndTarget(1000);
    // Act
    const slices = await copyAll(source, target, 'run-1', 300);
    // Assess
    expect(slices).toBeGreaterThan(10);
    const results = await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) =>
        compareTables(src, dst, await listTables(src, ['public'])),
      ),
    );
    expect(results.map((r) => [r.table, r.rows])).toEqual([
      ['public.audit_log', 1000],
      ['public.customers', 1000],
      ['public.orders', 3000],
    ]);
  });

  it('resumes after the copying process is killed, with no duplicate and no gap', async () => {
    // Prepare
    const { source, target } = await sourceAndTarget(3000);
    const worker = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/integration/database/copy-worker.ts', source, target],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    // Act: kill it once it reports a committed batch, then resume in this process
    await new Promise<void>((resolve, reject) => {
      worker.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('batch')) resolve();
      });
      worker.once('exit', () => reject(new Error('the worker ended before its first batch')));
    });
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));
    const copiedBeforeKill = await runSql(target, 'SELECT count(*)::int AS n FROM customers');
    await copyAll(source, target, 'killed-run', 250);
    // Assess
    expect(copiedBeforeKill.rows[0].n).toBeGreaterThan(0);
    expect(copiedBeforeKill.rows[0].n).toBeLessThan(3000);
    await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) =>
        compareTables(src, dst, await listTables(src, ['public'])),
      ),
    );
  });

  it('stops between batches when told to, keeping the batches committed and resuming after them', async () => {
    // Prepare
    const { source, target } = await sourceAndTarget(500);
    const stop = new Error('stopped');
    let batches = 0;
    const beforeBatch = async () => {
      batches += 1;
      if (batches === 3) throw stop;
    };
    // Act
    const outcome = await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) => {
        const customers = (await listTables(src, ['public'])).find((t) => t.name === 'customers')!;
        const options = { copyId: 'run-stop', budgetMs: 60_000, batchRows: 100 };
        const stopped = await copyTableSlice(src, dst, customers, { ...options, beforeBatch }).catch(
          (e) => e,
        );
        const copiedBefore = Number((await dst.query('SELECT count(*) FROM customers')).rows[0].count);
        const resumed = await copyTableSlice(src, dst, customers, options);
        return { stopped, copiedBefore, resumed };
      }),
    );
    // Assess
    expect(outcome.stopped).toBe(stop);
    expect(outcome.copiedBefore).toBe(200);
    expect(outcome.resumed).toMatchObject({ rowsCopied: 500, done: true });
  });

  it('names the table when validation finds a difference', async () => {
    // Prepare
    const { source, target } = await sourceAndTarget(50);
    await copyAll(source, target, 'run-diff', 1000);
    await runSql(target, `UPDATE customers SET bio = 'changed' WHERE id = 7`);
    // Act + Assess
    await expect(
      withDatabase({ url: source }, (src) =>
        withDatabase({ url: target }, async (dst) =>
          compareTables(src, dst, await listTables(src, ['public'])),
        ),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationFailed',
      message: expect.stringMatching(
        /public\.customers \(source 50 rows.*; was the source written to during the copy \(stop its writes until Validate\), was the target written to besides the copy/,
      ),
    });
  });

  it('refuses a table without a primary key over the size limit, and a non-empty target', async () => {
    // Prepare
    const { source, target } = await sourceAndTarget(20);
    await runSql(target, `INSERT INTO customers (uid, name) VALUES (gen_random_uuid(), 'already here')`);
    // Act + Assess
    await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) => {
        const tables = await listTables(src, ['public']);
        const auditLog = tables.find((t) => t.name === 'audit_log')!;
        const customers = tables.find((t) => t.name === 'customers')!;
        await expect(
          copyTableSlice(src, dst, auditLog, { copyId: 'r', budgetMs: 0, maxBytesWithoutKey: 1 }),
        ).rejects.toMatchObject({
          name: 'TableTooLargeWithoutPrimaryKey',
          message: expect.stringContaining('public.audit_log'),
        });
        await expect(copyTableSlice(src, dst, customers, { copyId: 'r', budgetMs: 0 })).rejects.toMatchObject(
          {
            name: 'TargetNotEmpty',
            message:
              'target table public.customers already has rows; copy into empty tables only (no copy run ' +
              "recorded copying into it: rows the target's migrations insert count too, so a table the copy " +
              'fills gets its rows from the source only)',
          },
        );
      }),
    );
  });

  it('names the earlier execution that copied into a non-empty target, and statements that empty what it copied', async () => {
    // Prepare: an earlier execution copied customers to the end
    const { source, target } = await sourceAndTarget(20);
    const copyCustomers = (copyId: string) =>
      withDatabase({ url: source }, (src) =>
        withDatabase({ url: target }, async (dst) => {
          const customers = (await listTables(src, ['public'])).find((t) => t.name === 'customers')!;
          let checkpoint: CopyCheckpoint;
          do checkpoint = await copyTableSlice(src, dst, customers, { copyId, budgetMs: 0, batchRows: 10 });
          while (!checkpoint.done);
          return checkpoint;
        }),
      );
    await copyCustomers('orders-db-1');
    // Act
    const refused = await copyCustomers('orders-db-2').catch((error: unknown) => error);
    // Assess: orders references customers, so TRUNCATE must name it too
    expect(refused).toMatchObject({
      name: 'TargetNotEmpty',
      message:
        'target table public.customers already has rows; copy into empty tables only: execution orders-db-1 ' +
        'copied into it (see cutover_copy_progress); unless its rows are to be kept, empty the tables it ' +
        'copied into and those referencing them (TRUNCATE ONLY "public"."customers", ONLY "public"."orders") ' +
        "and delete its progress rows (DELETE FROM cutover_copy_progress WHERE copy_id = 'orders-db-1'), " +
        'then run again',
    });
    // And the statements it names, run as they are, let the copy run again
    for (const statement of statementsIn((refused as Error).message)) await runSql(target, statement);
    expect(await copyCustomers('orders-db-2')).toMatchObject({ rowsCopied: 20, done: true });
  });

  it('lets one of two executions started together copy a table, refusing the other by name, whose undo keeps the rows', async () => {
    // Prepare: two executions of different services, the same target
    const { source, target } = await sourceAndTarget(300);
    let arrivals = 0;
    let start = () => {};
    const started = new Promise<void>((resolve) => {
      start = resolve;
    });
    const arrived = () => {
      arrivals += 1;
      if (arrivals === 2) start();
    };
    // Act
    const outcomes = await Promise.allSettled([
      copyCustomers(source, target, 'orders-db-1', started, arrived),
      copyCustomers(source, target, 'billing-db-1', started, arrived),
    ]);
    const copied = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
    const [winner, loser] = copied === 0 ? ['orders-db-1', 'billing-db-1'] : ['billing-db-1', 'orders-db-1'];
    const undone = await withDatabase({ url: target }, (dst) => undoCopy(dst, loser));
    // Assess
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes[copied]).toMatchObject({ value: { rowsCopied: 300, done: true } });
    expect(outcomes[1 - copied]).toMatchObject({
      reason: { name: 'TargetNotEmpty', message: expect.stringContaining(`execution ${winner}`) },
    });
    expect(undone).toEqual([]);
    const keys = 'SELECT count(*)::int AS n, sum(id)::int AS sum FROM customers';
    expect((await runSql(target, keys)).rows[0]).toEqual((await runSql(source, keys)).rows[0]);
    await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) =>
        compareTables(
          src,
          dst,
          (await listTables(src, ['public'])).filter((t) => t.name === 'customers'),
        ),
      ),
    );
  });

  it('refuses an empty target table another execution has started copying into, naming it and what to do', async () => {
    // Prepare: execution orders-db-1 has started customers (its progress row) and copied no row yet
    const { source, target } = await sourceAndTarget(20);
    const copyCustomers = (copyId: string, beforeBatch?: () => Promise<void>) =>
      withDatabase({ url: source }, (src) =>
        withDatabase({ url: target }, async (dst) => {
          const customers = (await listTables(src, ['public'])).find((t) => t.name === 'customers')!;
          return copyTableSlice(src, dst, customers, { copyId, budgetMs: 0, batchRows: 10, beforeBatch });
        }),
      );
    const paused = new Error('paused before its first batch');
    await copyCustomers('orders-db-1', () => Promise.reject(paused)).catch((error: unknown) => {
      if (error !== paused) throw error;
    });
    const progress = await runSql(
      target,
      `SELECT updated_at FROM cutover_copy_progress WHERE copy_id = 'orders-db-1' AND NOT done`,
    );
    // Act
    const refused = await copyCustomers('billing-db-1').catch((error: unknown) => error);
    const undone = await withDatabase({ url: target }, (dst) => undoCopy(dst, 'billing-db-1'));
    // Assess
    expect(refused).toMatchObject({
      name: 'TargetNotEmpty',
      message:
        'target table public.customers is being copied into by execution orders-db-1 (its progress row in ' +
        `cutover_copy_progress, updated ${(progress.rows[0].updated_at as Date).toISOString()}): wait for it ` +
        'to end (cutover watch orders-db-1); if it ended without finishing, empty the tables it copied into ' +
        'and those referencing them (TRUNCATE ONLY "public"."customers", ONLY "public"."orders") and delete ' +
        "its progress rows (DELETE FROM cutover_copy_progress WHERE copy_id = 'orders-db-1'), then run again",
    });
    expect(undone).toEqual([]);
    expect(
      (
        await runSql(
          target,
          `SELECT count(*)::int AS n FROM cutover_copy_progress WHERE copy_id = 'billing-db-1'`,
        )
      ).rows[0].n,
    ).toBe(0);
    // And once its progress rows are deleted (customers is empty already), the copy runs
    await runSql(target, `DELETE FROM cutover_copy_progress WHERE copy_id = 'orders-db-1'`);
    let checkpoint: CopyCheckpoint;
    do checkpoint = await copyCustomers('billing-db-1');
    while (!checkpoint.done);
    expect(checkpoint).toMatchObject({ rowsCopied: 20, done: true });
  });

  it('refuses a partitioned table without a primary key over the size limit, sized by its partitions', async () => {
    // Prepare
    const source = await postgres.createDatabase('partitioned_source');
    const target = await postgres.createDatabase('partitioned_target');
    const schema = `CREATE TABLE events (region text, day int, body text) PARTITION BY LIST (region);
      CREATE TABLE events_eu PARTITION OF events FOR VALUES IN ('eu') PARTITION BY RANGE (day);
      CREATE TABLE events_eu_early PARTITION OF events_eu FOR VALUES FROM (0) TO (100);
      CREATE TABLE events_eu_late PARTITION OF events_eu FOR VALUES FROM (100) TO (1000);
      CREATE TABLE events_us PARTITION OF events FOR VALUES IN ('us');`;
    await runSql(source, schema);
    await runSql(target, schema);
    await runSql(
      source,
      `INSERT INTO events SELECT r, d, repeat('x', 200) FROM unnest(ARRAY['eu', 'us']) r, generate_series(1, 999) d`,
    );
    const leaves = await runSql(
      source,
      `SELECT sum(pg_total_relation_size(relid))::text AS bytes FROM pg_partition_tree('events') WHERE isleaf`,
    );
    // Act
    const { events, error } = await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) => {
        const [events] = await listTables(src, ['public']);
        const options = { copyId: 'r', budgetMs: 0, maxBytesWithoutKey: 100_000 };
        const error = await copyTableSlice(src, dst, events!, options).catch((e: unknown) => e);
        return { events, error };
      }),
    );
    // Assess
    expect(events).toMatchObject({ name: 'events', bytes: Number(leaves.rows[0].bytes) });
    expect(error).toMatchObject({
      name: 'TableTooLargeWithoutPrimaryKey',
      message: expect.stringContaining('public.events has no primary key'),
    });
    expect((await runSql(target, 'SELECT count(*)::int AS n FROM events')).rows[0].n).toBe(0);
  });

  it('refuses to copy a table that row-level security filters for the connecting role, naming it', async () => {
    // Prepare
    const source = await postgres.createDatabase('rls_source');
    const target = await postgres.createDatabase('rls_target');
    const role = `reader_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await runSql(target, 'CREATE TABLE orders (id int PRIMARY KEY)');
    await runSql(
      source,
      `CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders SELECT generate_series(1, 10);
       ALTER TABLE orders ENABLE ROW LEVEL SECURITY; CREATE POLICY even ON orders USING (id % 2 = 0);
       CREATE ROLE ${role} LOGIN PASSWORD 'reader'; GRANT SELECT ON orders TO ${role};`,
    );
    const asReader = new URL(source);
    asReader.username = role;
    asReader.password = 'reader';
    // Act
    const attempt = withDatabase({ url: asReader.toString() }, (src) =>
      withDatabase({ url: target }, async (dst) => {
        const [orders] = await listTables(src, ['public']);
        return copyTableSlice(src, dst, orders!, { copyId: 'rls', budgetMs: 0 });
      }),
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({
      name: 'DatabaseError',
      message: expect.stringMatching(/row-level security policy for table "orders".*BYPASSRLS/),
    });
    expect((await runSql(target, 'SELECT count(*)::int AS n FROM orders')).rows[0].n).toBe(0);
  });

  it('sets the target sequences to the source positions', async () => {
    // Prepare
    const { source, target } = await sourceAndTarget(40);
    await copyAll(source, target, 'run-seq', 1000);
    // Act
    await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) =>
        writeSequences(dst, await readSequences(src, ['public']), ['public']),
      ),
    );
    // Assess
    const next = await runSql(
      target,
      `INSERT INTO customers (uid, name) VALUES (gen_random_uuid(), 'new') RETURNING id`,
    );
    expect(Number(next.rows[0].id)).toBe(41);
  });
  it("does not fire the target's user triggers for copied rows, copying as the tables' owner, not a superuser", async () => {
    // Prepare: 3,000 people and the 3,000 audit rows their trigger added; a target owned by a plain role
    const source = await postgres.createDatabase('triggers_source');
    const admin = await postgres.createDatabase('triggers_target');
    await runSql(source, PEOPLE_AND_AUDIT);
    await runSql(source, `INSERT INTO people SELECT g, 'person ' || g FROM generate_series(1, 3000) g`);
    await runSql(
      admin,
      `${PEOPLE_AND_AUDIT}
       CREATE TRIGGER people_off AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit_person();
       ALTER TABLE people DISABLE TRIGGER people_off; ALTER TABLE audit ENABLE ALWAYS TRIGGER audit_stamp;`,
    );
    const target = await asNewRole(
      admin,
      'owner',
      (role) =>
        `ALTER TABLE people OWNER TO ${role}; ALTER TABLE audit OWNER TO ${role};
         GRANT CREATE ON SCHEMA public TO ${role};`,
    );
    const before = await triggerStates(admin);
    const seenBetweenBatches: Record<string, string>[] = [];
    // Act
    await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) => {
        for (const table of await listTables(src, ['public'])) {
          const beforeBatch = async () => {
            seenBetweenBatches.push(await triggerStates(admin));
          };
          let checkpoint: CopyCheckpoint;
          do
            checkpoint = await copyTableSlice(src, dst, table, {
              copyId: 'run-1',
              budgetMs: 0,
              batchRows: 1000,
              beforeBatch,
            });
          while (!checkpoint.done);
        }
      }),
    );
    // Assess
    const results = await validate(source, target);
    expect(results.map((r) => [r.table, r.rows])).toEqual([
      ['public.people', 3000],
      ['public.audit', 3000],
    ]);
    expect(before).toEqual({ audit_stamp: 'A', people_audit: 'O', people_off: 'D' });
    expect(seenBetweenBatches.length).toBeGreaterThan(4);
    for (const seen of seenBetweenBatches) expect(seen).toEqual(before);
    expect(await triggerStates(admin)).toEqual(before);
    await runSql(target, `SELECT setval('audit_id_seq', 3000); INSERT INTO people VALUES (3001, 'new')`);
    const added = await runSql(target, 'SELECT note FROM audit WHERE person_id = 3001');
    expect(added.rows).toEqual([{ note: 'added new (stamped)' }]);
  });

  it('still checks foreign keys while the user triggers are disabled, copying nothing of a failed batch', async () => {
    // Prepare: an audit row of a person the source does not have
    const source = await postgres.createDatabase('fk_source');
    const target = await postgres.createDatabase('fk_target');
    await runSql(source, `${PEOPLE_AND_AUDIT} ALTER TABLE audit DROP CONSTRAINT audit_person_id_fkey;`);
    await runSql(
      source,
      `INSERT INTO people VALUES (1, 'one'); INSERT INTO audit (person_id, note) VALUES (2, 'x')`,
    );
    await runSql(target, PEOPLE_AND_AUDIT);
    // Act
    const error = await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) => {
        const tables = await listTables(src, ['public']);
        const copy = (name: string) =>
          copyTableSlice(src, dst, tables.find((t) => t.name === name)!, { copyId: 'run-1', budgetMs: 0 });
        await copy('people');
        return copy('audit').catch((e: unknown) => e);
      }),
    );
    // Assess
    expect(error).toMatchObject({
      message: expect.stringContaining('violates foreign key constraint "audit_person_id_fkey"'),
    });
    expect((await runSql(target, 'SELECT count(*)::int AS n FROM audit')).rows[0].n).toBe(0);
    expect(await triggerStates(target)).toEqual({ audit_stamp: 'O', people_audit: 'O' });
  });

  it('names the table whose triggers a role that does not own it cannot disable, and copies a table without triggers', async () => {
    // Prepare: a role that may write the tables but owns none of them
    const source = await postgres.createDatabase('owner_source');
    const admin = await postgres.createDatabase('owner_target');
    const schema = `${PEOPLE_AND_AUDIT} CREATE TABLE plain (id int PRIMARY KEY);`;
    await runSql(source, schema);
    await runSql(source, `INSERT INTO people VALUES (1, 'one'); INSERT INTO plain VALUES (1), (2)`);
    await runSql(admin, schema);
    const target = await asNewRole(
      admin,
      'writer',
      (role) => `GRANT SELECT, INSERT ON people, plain TO ${role}; GRANT CREATE ON SCHEMA public TO ${role};`,
    );
    const copy = (name: string) =>
      withDatabase({ url: source }, (src) =>
        withDatabase({ url: target }, async (dst) => {
          const table = (await listTables(src, ['public'])).find((t) => t.name === name)!;
          return copyTableSlice(src, dst, table, { copyId: 'run-1', budgetMs: 0 });
        }),
      );
    // Act
    const people = await copy('people').catch((e: unknown) => e);
    const plain = await copy('plain');
    // Assess
    expect(people).toMatchObject({
      name: 'DatabaseError',
      message:
        'cannot disable trigger people_audit of public.people, so that it does not fire for the rows loaded ' +
        '(must be owner of table people): connect as the owner of public.people',
    });
    expect(plain).toMatchObject({ rowsCopied: 2 });
    expect((await runSql(admin, 'SELECT count(*)::int AS n FROM people')).rows[0].n).toBe(0);
  });

  it('validates a column whose type a target migration changed without loss, and still finds a real difference', async () => {
    // Prepare: the target keeps prices at 4 decimals (1.25 is 1.2500 there) and counts in bigint
    const source = await postgres.createDatabase('types_source');
    const target = await postgres.createDatabase('types_target');
    await runSql(
      source,
      `CREATE TABLE products (id int PRIMARY KEY, price numeric(10, 2), stock int, code char(6));
       INSERT INTO products SELECT g, g + 0.25, g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'c' || g END
         FROM generate_series(1, 500) g;`,
    );
    await runSql(
      target,
      `CREATE TABLE products (id int PRIMARY KEY, price numeric(10, 2), stock int, code char(6));
       ALTER TABLE products ALTER COLUMN price TYPE numeric(12, 4), ALTER COLUMN stock TYPE bigint,
         ALTER COLUMN code TYPE text;`,
    );
    await copyAll(source, target, 'run-1', 100);
    // Act
    const results = await validate(source, target);
    await runSql(target, 'UPDATE products SET price = 1.2501 WHERE id = 1');
    const changed = await validate(source, target).catch((e: unknown) => e);
    // Assess
    expect((await runSql(target, 'SELECT price::text FROM products WHERE id = 2')).rows[0].price).toBe(
      '2.2500',
    );
    expect(results).toMatchObject([{ table: 'public.products', rows: 500 }]);
    expect(changed).toMatchObject({
      name: 'ValidationFailed',
      message: expect.stringMatching(
        /^tables differ between source and target: public\.products \(source 500 rows/,
      ),
    });
  });

  it('undoing a copy restarts the sequences of the tables it emptied, but not one a table holding rows uses', async () => {
    // Prepare: orders numbered up to 600,000 and items sharing a sequence with a target table holding rows
    const source = await postgres.createDatabase('undo_source');
    const target = await postgres.createDatabase('undo_target');
    const schema = `CREATE TABLE orders (id bigserial PRIMARY KEY, note text);
      CREATE SEQUENCE shared_ids; CREATE TABLE items (id bigint PRIMARY KEY DEFAULT nextval('shared_ids'));`;
    await runSql(
      source,
      `${schema} INSERT INTO orders SELECT g, 'order' FROM generate_series(599991, 600000) g;
       SELECT setval('orders_id_seq', 600000); INSERT INTO items SELECT FROM generate_series(1, 50);`,
    );
    await runSql(
      target,
      `${schema} CREATE TABLE kept (id bigint PRIMARY KEY DEFAULT nextval('shared_ids'));
       INSERT INTO kept SELECT FROM generate_series(1, 3);`,
    );
    await copyAll(source, target, 'run-1', 1000);
    await withDatabase({ url: source }, (src) =>
      withDatabase({ url: target }, async (dst) =>
        writeSequences(dst, await readSequences(src, ['public']), ['public']),
      ),
    );
    // Act
    const emptied = await withDatabase({ url: target }, (dst) => undoCopy(dst, 'run-1'));
    // Assess
    expect(emptied).toEqual(['public.items', 'public.orders']);
    const order = await runSql(target, `INSERT INTO orders (note) VALUES ('new') RETURNING id::int`);
    const shared = await runSql(target, `SELECT nextval('shared_ids')::int AS id`);
    expect(order.rows[0].id).toBe(1);
    expect(shared.rows[0].id).toBe(51);
  });

  it('refuses to undo a copy into a table that rows were written to besides the copy, emptying nothing', async () => {
    // Prepare: the copy is done; then the application writes a customer of its own into the target
    const { source, target } = await sourceAndTarget(20);
    await copyAll(source, target, 'run-2', 7);
    await runSql(
      target,
      `INSERT INTO customers (id, uid, name) VALUES (900001, gen_random_uuid(), 'written by the application')`,
    );
    const counts = `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders,
      (SELECT count(*) FROM cutover_copy_progress WHERE copy_id = 'run-2')::int AS progress`;
    const before = (await runSql(target, counts)).rows[0];
    // Act
    const refused = await withDatabase({ url: target }, (dst) => undoCopy(dst, 'run-2')).catch(
      (error: unknown) => error,
    );
    // Assess
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toBe(
      'public.customers holds 21 rows, 20 of them copied by this run: rows were written to it besides the copy ' +
        'and emptying it would lose them; nothing was emptied. Keep or move those rows, then empty the tables ' +
        'it copied into (TRUNCATE ONLY "public"."audit_log", ONLY "public"."customers", ONLY "public"."orders") ' +
        "and delete its progress rows (DELETE FROM cutover_copy_progress WHERE copy_id = 'run-2')",
    );
    expect((await runSql(target, counts)).rows[0]).toEqual(before);
    expect(before).toMatchObject({ customers: 21 });
  });
});
