import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The Prometheus `errorRate` queries users copy: the request in docs/eks.md and the provider's TSDoc. */
const EXAMPLES: [where: string, query: string][] = [
  ['docs/eks.md', JSON.parse(`"${/"errorRate": "((?:[^"\\]|\\.)*)"/.exec(read('docs/eks.md'))![1]}"`)],
  [
    'src/adapters/metrics/prometheus.ts',
    /errorRate: '([^']*)'/.exec(read('src/adapters/metrics/prometheus.ts'))![1]!,
  ],
];

describe('documented Prometheus queries', () => {
  it.each(EXAMPLES)(
    '%s counts 5xx with `or vector(0)`, so a service without errors reads 0, not no data',
    (_, query) => {
      // Act: the error count is what the rate divides
      const errors = query.slice(0, query.lastIndexOf(' / '));
      // Assess
      expect(errors).toMatch(/code=~"5\.\."/);
      expect(errors).toMatch(/^\(.* or vector\(0\)\)$/);
    },
  );
});
