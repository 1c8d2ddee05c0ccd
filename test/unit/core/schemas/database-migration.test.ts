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
