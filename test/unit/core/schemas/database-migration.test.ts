import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  databaseMigrationAdmissionSchema,
  databaseMigrationRequestSchema,
} from '#core/schemas/database-migration.ts';
import { parseWith } from '#core/schemas/index.ts';
import { validationMessageOf } from '#test/support/validation.ts';

/** Parses a database-migration request as the tasks do. */
const parse = (input: unknown) =>
  parseWith(databaseMigrationRequestSchema, input, 'database-migration request');
/** Admits a database-migration request as `cutover plan` and Prepare do. */
const admit = (input: unknown) =>
  parseWith(databaseMigrationAdmissionSchema, input, 'database-migration request');

/** A database-migration request snapshotting the RDS instance `instanceIdentifier`. */
function snapshotRequest(instanceIdentifier: string) {
  return {
    service: { name: 'orders', namespace: 'shop' },
    database: { target: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders' } },
    backup: { method: 'rds-snapshot' },
    rds: { instanceIdentifier },
  };
}

describe('database-migration rds.instanceIdentifier', () => {
  it('takes an RDS DB instance identifier as RDS stores it', () => {
    // Act
    const accepted = ['orders', 'orders-db-2', `o${'r'.repeat(62)}`].map(
      (id) => parse(snapshotRequest(id)).rds?.instanceIdentifier,
    );
    // Assess
    expect(accepted).toEqual(['orders', 'orders-db-2', `o${'r'.repeat(62)}`]);
  });

  it('reads an identifier with upper-case letters lower-cased, as RDS stores it', () => {
    // Act
    const read = ['Orders', 'ORDERS-DB-2'].map((id) => parse(snapshotRequest(id)).rds?.instanceIdentifier);
    // Assess
    expect(read).toEqual(['orders', 'orders-db-2']);
  });

  it('refuses one RDS would not take, naming the rules as the CDK app does', () => {
    // Prepare
    const refused = ['orders--db', 'orders-', 'Orders_db', '2orders', `o${'r'.repeat(63)}`];
    // Act
    const messages = refused.map((id) => validationMessageOf(() => parse(snapshotRequest(id))));
    // Assess
    const rule =
      'must be an RDS DB instance identifier as RDS stores it (1-63 lower-case letters, digits and hyphens, ' +
      'starting with a letter, no "--", not ending with "-")';
    for (const message of messages) {
      expect(message.split('\n').slice(1)).toEqual([
        expect.stringContaining(`  - rds.instanceIdentifier: ${rule} (got "`),
      ]);
    }
  });
});

describe('database-migration blueGreen.sourceArn with rds', () => {
  const sourceArn = 'arn:aws:rds:eu-west-1:123456789012:db:Orders';
  /** A Blue/Green request of `sourceArn` with these `rds` settings. */
  const blueGreenRequest = (rds: Record<string, unknown>) => ({
    ...snapshotRequest('orders'),
    backup: { method: 'logical' },
    rds,
    blueGreen: { sourceArn },
  });

  it("sends the RDS calls to the source instance's region when rds.region is not given", () => {
    // Act
    const regions = [{}, { region: 'eu-west-1' }].map((rds) => parse(blueGreenRequest(rds)).rds?.region);
    // Assess
    expect(regions).toEqual(['eu-west-1', 'eu-west-1']);
  });

  it('refuses, at admission, another region or another instance than the source, naming both', () => {
    // Act
    const message = validationMessageOf(() =>
      admit(blueGreenRequest({ region: 'us-east-1', instanceIdentifier: 'payments' })),
    );
    // Assess
    expect(message.split('\n').slice(1)).toEqual([
      '  - rds.region: must be the region of blueGreen.sourceArn (eu-west-1), where RDS takes the source instance; got "us-east-1"',
      '  - rds.instanceIdentifier: must be the instance of blueGreen.sourceArn (orders), the one the migration runs on; got "payments"',
    ]);
  });

  it('reads such a request as admitted, so a migration admitted before the rule goes on', () => {
    // Act
    const request = parse(blueGreenRequest({ region: 'us-east-1', instanceIdentifier: 'payments' }));
    // Assess
    expect(request.rds).toMatchObject({ region: 'us-east-1', instanceIdentifier: 'payments' });
  });

  it('takes the source instance under either case, as RDS does', () => {
    // Act
    const request = admit(blueGreenRequest({ instanceIdentifier: 'ORDERS' }));
    // Assess
    expect(request.rds).toMatchObject({ instanceIdentifier: 'orders', region: 'eu-west-1' });
  });
});

describe('database-migration database URLs at admission', () => {
  const EXAMPLE = join(import.meta.dirname, '../../../../examples/requests/database-migration.json');
  /** The example request file as a user edits it: its target URL replaced, a source URL added when given. */
  function requestFile(target: string, source?: string): unknown {
    const text = readFileSync(EXAMPLE, 'utf8').replace('postgres://postgres@127.0.0.1:5432/shop', target);
    const request = JSON.parse(text) as { database: Record<string, unknown> };
    if (source !== undefined) request.database.source = { url: source };
    return request;
  }
  const parameters =
    '(allowed: sslmode): the server and the user are those the URL names before its path, and the ' +
    "password comes from PGPASSWORD, a pgpass file or cutover local's embedded server, never the request";
  const database =
    'must name a database in its path, as in postgres://postgres@127.0.0.1:5432/shop: without one the ' +
    "connection goes to the user's default database (postgres, the maintenance database, for user postgres)";

  it('refuses a password, a port or a host in the query, naming the field, the parameter and those allowed', () => {
    // Prepare
    const files = [
      requestFile('postgres://postgres@127.0.0.1:56001/shop?password=S3cr3t'),
      requestFile(
        'postgres://postgres@127.0.0.1:56001/shop',
        'postgres://postgres@127.0.0.1:56001/legacy?port=56010',
      ),
      requestFile('postgres://postgres@localhost:56001/shop?sslmode=disable&host=db.prod.example.com'),
    ];
    // Act
    const messages = files.map((file) => validationMessageOf(() => admit(file)));
    // Assess
    expect(messages).toEqual([
      `invalid database-migration request:\n  - database.target.url: must not have the query parameter password ${parameters}`,
      `invalid database-migration request:\n  - database.source.url: must not have the query parameter port ${parameters}`,
      `invalid database-migration request:\n  - database.target.url: must not have the query parameter host ${parameters}`,
    ]);
    expect(messages[0]).not.toContain('S3cr3t');
  });

  it("refuses every parameter the driver would read past the URL's own parts, listing them once", () => {
    // Prepare
    const query =
      '?user=admin&hostaddr=10.0.0.1&passfile=/tmp/pgpass&sslkey=/k&sslcert=/c&sslrootcert=/r&user=x';
    const file = requestFile(`postgres://postgres@127.0.0.1:56001/shop${query}`);
    // Act
    const message = validationMessageOf(() => admit(file));
    // Assess
    expect(message.split('\n').slice(1)).toEqual([
      '  - database.target.url: must not have the query parameters user, hostaddr, passfile, sslkey, sslcert, ' +
        `sslrootcert ${parameters}`,
    ]);
  });

  it('refuses a parameter whose name is percent-encoded as the driver decodes it', () => {
    // Act
    const message = validationMessageOf(() =>
      admit(requestFile('postgres://postgres@127.0.0.1:56001/shop?pass%77ord=S3cr3t')),
    );
    // Assess
    expect(message.split('\n').slice(1)).toEqual([
      `  - database.target.url: must not have the query parameter password ${parameters}`,
    ]);
  });

  it('refuses a URL without a database name, for the source and the target', () => {
    // Prepare
    const files = [
      requestFile('postgres://postgres@127.0.0.1:56001'),
      requestFile('postgres://postgres@127.0.0.1:56001/shop', 'postgres://postgres@127.0.0.1:56001/'),
      requestFile('postgres://postgres@127.0.0.1:56001?sslmode=disable'),
    ];
    // Act
    const messages = files.map((file) => validationMessageOf(() => admit(file)));
    // Assess
    expect(messages).toEqual([
      `invalid database-migration request:\n  - database.target.url: ${database}`,
      `invalid database-migration request:\n  - database.source.url: ${database}`,
      `invalid database-migration request:\n  - database.target.url: ${database}`,
    ]);
  });

  it('refuses an sslmode the driver does not know, naming the field and the modes it takes', () => {
    // Act: the driver reads an unknown mode as verify-full, and the run would fail later on TLS
    const message = validationMessageOf(() =>
      admit(requestFile('postgres://postgres@127.0.0.1:56001/shop?sslmode=bogus')),
    );
    // Assess
    expect(message.split('\n').slice(1)).toEqual([
      '  - database.target.url: sslmode must be one of: disable, no-verify, prefer, require, verify-ca, ' +
        'verify-full (got "bogus")',
    ]);
  });

  it('says what is wrong with a URL that is not a local postgres:// URL, never echoing it', () => {
    // Prepare
    const urls = [
      'postgres://postgres@127.0.0.1:99999/shop',
      'postgres://postgres@[::1]:5432/shop',
      'mysql://root@127.0.0.1:3306/shop',
      'postgres://postgres:S3cr3t@localhost:5432/shop',
      'shop',
    ];
    // Act
    const messages = urls.map((url) => validationMessageOf(() => admit(requestFile(url))).split('\n')[1]);
    // Assess
    const rule =
      '  - database.target.url: must be a postgres:// URL on 127.0.0.1 or localhost without a password (local ' +
      "runs: the password comes from PGPASSWORD, a pgpass file or cutover local's embedded server); use " +
      'secretArn in AWS';
    expect(messages).toEqual([
      `${rule} (got port 99999, over 65535)`,
      `${rule} (got host [::1])`,
      `${rule} (got protocol mysql:)`,
      `${rule} (got a password)`,
      `${rule} (got text that is not a URL)`,
    ]);
  });

  it('takes the example request, the URLs the docs give and sslmode, as written', () => {
    // Prepare
    const urls = [
      ['postgres://postgres@127.0.0.1:5432/shop', undefined],
      ['postgres://postgres@127.0.0.1:41234/shop', 'postgres://postgres@127.0.0.1:41234/legacy'],
      ['postgresql://postgres@localhost:41234/postgres?sslmode=disable', undefined],
      ['postgres://postgres@127.0.0.1:41234/shop?sslmode=no-verify', undefined],
    ] as const;
    // Act
    const databases = urls.map(([target, source]) => admit(requestFile(target, source)).database);
    // Assess
    expect(databases.map(({ target, source }) => [target.url, source?.url])).toEqual(urls);
  });

  it('reads a request already admitted without these rules, so a migration running goes on', () => {
    // Act
    const request = parse(requestFile('postgres://postgres@127.0.0.1:56001?sslmode=disable&port=56010'));
    // Assess
    expect(request.database.target.url).toBe(
      'postgres://postgres@127.0.0.1:56001?sslmode=disable&port=56010',
    );
  });
});

describe('database-migration migrations.s3Prefix at admission', () => {
  const request = (s3Prefix: string) => ({
    service: { name: 'orders', namespace: 'shop' },
    database: { target: { url: 'postgres://postgres@127.0.0.1:5432/shop' } },
    migrations: { s3Prefix },
  });

  it('refuses a prefix the backup store would refuse, naming the field and the rules', () => {
    // Act
    const messages = ['/abs/', 'a//b/', '../x/', '.hidden/', 'a\\b/'].map(
      (prefix) => validationMessageOf(() => admit(request(prefix))).split('\n')[1],
    );
    // Assess
    expect(messages).toEqual(
      ['"/abs/"', '"a//b/"', '"../x/"', '".hidden/"', '"a\\\\b/"'].map(
        (got) =>
          `  - migrations.s3Prefix: must be 1-900 characters of '/'-separated segments, none empty or starting with '.', without '\\', a trailing '/' allowed (got ${got})`,
      ),
    );
  });

  it('takes a folder of the backup store with or without its trailing /', () => {
    // Act
    const prefixes = ['migrations/orders', 'migrations/orders/'].map(
      (prefix) => admit(request(prefix)).migrations?.s3Prefix,
    );
    // Assess
    expect(prefixes).toEqual(['migrations/orders', 'migrations/orders/']);
  });
});

describe('database-migration database.schemas at admission', () => {
  it("refuses PostgreSQL's own schemas, naming each", () => {
    // Prepare
    const request = {
      service: { name: 'orders', namespace: 'shop' },
      database: {
        target: { url: 'postgres://postgres@127.0.0.1:5432/shop' },
        schemas: ['public', 'pg_catalog', 'information_schema', 'pg_toast'],
      },
    };
    // Act
    const message = validationMessageOf(() => admit(request));
    // Assess
    expect(message.split('\n').slice(1)).toEqual(
      [1, 2, 3].map(
        (index) =>
          `  - database.schemas[${index}]: must not be a system schema (pg_catalog, information_schema or another pg_ one): PostgreSQL keeps its own catalog there, which is never migrated, copied or backed up; got "${request.database.schemas[index]}"`,
      ),
    );
  });
});

describe('database-migration copy.maxBytesWithoutKey', () => {
  const request = (maxBytesWithoutKey: unknown) => ({
    service: { name: 'orders', namespace: 'shop' },
    database: { target: { url: 'postgres://postgres@127.0.0.1:5432/shop' } },
    copy: { maxBytesWithoutKey },
  });

  it('refuses a size over the largest it takes, naming that bound', () => {
    // Act
    const messages = [1e30, -1, 1.5].map(
      (bytes) => validationMessageOf(() => parse(request(bytes))).split('\n')[1],
    );
    // Assess
    expect(messages).toEqual(
      ['1e+30', '-1', '1.5'].map(
        (got) => `  - copy.maxBytesWithoutKey: must be an integer 0-9007199254740991 (got ${got})`,
      ),
    );
  });

  it('takes the largest integer it names', () => {
    // Act
    const parsed = parse(request(Number.MAX_SAFE_INTEGER));
    // Assess
    expect(parsed.copy.maxBytesWithoutKey).toBe(9007199254740991);
  });
});

describe('database-migration database.source and database.target at admission', () => {
  /** A request copying `source` into `target`. */
  const copyRequest = (source: Record<string, string>, target: Record<string, string>) => ({
    service: { name: 'orders', namespace: 'shop' },
    database: { target, source },
  });
  const twoDatabases =
    'a copy needs two databases (name another one in database.source, or leave database.source out to back up and migrate database.target only)';

  it('refuses a source that is the target, whatever the user, port spelling and sslmode of its URL', () => {
    // Prepare
    const requests = [
      copyRequest(
        { url: 'postgres://postgres@127.0.0.1:5432/shop' },
        { url: 'postgres://postgres@127.0.0.1:5432/shop' },
      ),
      copyRequest(
        { url: 'postgresql://reader@localhost/shop?sslmode=disable' },
        { url: 'postgres://postgres@localhost:5432/shop' },
      ),
    ];
    // Act
    const messages = requests.map((request) => validationMessageOf(() => admit(request)));
    // Assess
    expect(messages).toEqual([
      `invalid database-migration request:\n  - database.source: is the same database as database.target (postgres://127.0.0.1:5432/shop): ${twoDatabases}`,
      `invalid database-migration request:\n  - database.source: is the same database as database.target (postgres://localhost:5432/shop): ${twoDatabases}`,
    ]);
  });

  it('refuses a source whose secret is the target’s', () => {
    // Prepare
    const secret = { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-AbCdEf' };
    // Act
    const message = validationMessageOf(() => admit(copyRequest(secret, secret)));
    // Assess
    expect(message.split('\n').slice(1)).toEqual([
      `  - database.source: is the same database as database.target (secret ${secret.secretArn}): ${twoDatabases}`,
    ]);
  });

  it('takes a source on another database, port or host spelling than the target', () => {
    // Prepare
    const target = { url: 'postgres://postgres@127.0.0.1:5432/shop' };
    const sources = [
      'postgres://postgres@127.0.0.1:5432/legacy',
      'postgres://postgres@127.0.0.1:5432/Shop',
      'postgres://postgres@127.0.0.1:5433/shop',
      'postgres://postgres@localhost:5432/shop',
    ];
    // Act
    const admitted = sources.map((url) => admit(copyRequest({ url }, target)).database.source?.url);
    // Assess
    expect(admitted).toEqual(sources);
  });
});
