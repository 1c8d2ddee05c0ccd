import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import { readAdmittedRequest, validateRequest } from '#core/schemas/index.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { startCli } from '#test/support/cli-process.ts';

/**
 * A request an earlier version admitted and the current admission refuses: a Prometheus URL with
 * credentials, a query name no analysis reads, a plain-text image.
 */
const request = canaryInput(
  { steps: [{ weight: 10, bakeSeconds: 60 }] },
  {
    cluster: { type: 'eks', name: 'prod', region: 'eu-west-1' },
    release: { version: 'v2', image: 'Registry.Example/Checkout:V2 latest', replicas: 2 },
    metrics: {
      type: 'prometheus',
      url: 'https://user:pass@prometheus.monitoring:9090',
      queries: { requestCount: 'sum(requests)', errorRate: 'sum(errors)', latencyP95Ms: 'p95' },
    },
  },
);

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'cutover-plan-admission-'));
});

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('cutover plan of a request the current admission refuses', () => {
  it('exits 2 naming every field as validateRequest does, though tasks of a running release read it', async () => {
    // Prepare
    const path = join(workDir, 'canary.json');
    writeFileSync(path, JSON.stringify(request));
    let message = '';
    try {
      validateRequest('canary', request);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      message = (error as Error).message;
    }
    // Act
    const cli = startCli(['plan', 'canary', '-f', path]);
    const code = await cli.exited;
    // Assess
    expect(code).toBe(2);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toBe(`cutover: ${message}\n`);
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      expect.stringMatching(
        /^ {2}- release\.image: must be an image reference .*\(got "Registry\.Example\/Checkout:V2 latest"\)$/,
      ),
      "  - metrics.url: must not hold credentials (user:password@): it is recorded in the execution's history",
      '  - metrics.queries: unknown field latencyP95Ms (allowed: requestCount, errorRate, latencyP99Ms): did you mean latencyP99Ms?',
    ]);
    expect(readAdmittedRequest('canary', request).metrics).toEqual(request.metrics);
  });
});
