/**
 * Copies the `customers` table of argv[2] into argv[3] in small batches, printing "batch" after each
 * committed one, until it is killed. The resume test kills it mid-copy.
 */
import { listTables } from '#adapters/database/catalog.ts';
import { withDatabase } from '#adapters/database/connection.ts';
import { copyTableSlice } from '#adapters/database/copy.ts';

const [source, target] = process.argv.slice(2) as [string, string];
await withDatabase({ url: source }, (src) =>
  withDatabase({ url: target }, async (dst) => {
    const customers = (await listTables(src, ['public'])).find((t) => t.name === 'customers')!;
    for (;;) {
      const checkpoint = await copyTableSlice(src, dst, customers, {
        copyId: 'killed-run',
        budgetMs: 0,
        batchRows: 100,
      });
      process.stdout.write(`batch ${checkpoint.rowsCopied}\n`);
      if (checkpoint.done) break;
    }
  }),
);
