import { describe, expect, it } from 'vitest';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { parseWith } from '#core/schemas/index.ts';
import { validationMessageOf } from '#test/support/validation.ts';

/** Parses a database-migration request as the tasks do. */
const parse = (input: unknown) =>
  parseWith(databaseMigrationRequestSchema, input, 'database-migration request');

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
