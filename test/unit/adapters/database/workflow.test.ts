import { describe, expect, it } from 'vitest';
import { backupPrefix } from '#adapters/database/workflow.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import { databaseMigrationInput } from '#test/builders/database-migration-request.ts';

const request = databaseMigrationRequestSchema.parse(
  databaseMigrationInput({ target: 'postgres://postgres@127.0.0.1:5432/shop' }, 'migrations'),
);

describe('backupPrefix', () => {
  it('keeps a plain run id and gives run ids that differ in other characters their own prefixes', () => {
    // Act
    const prefixes = ['orders-1', 'orders.1', 'orders@1', 'orders_1', 'é'].map((id) =>
      backupPrefix(request, id),
    );
    // Assess
    expect(prefixes).toEqual([
      'shop/orders/database/orders-1',
      'shop/orders/database/orders.2E1',
      'shop/orders/database/orders.401',
      'shop/orders/database/orders_1',
      'shop/orders/database/.C3.A9',
    ]);
  });
});
