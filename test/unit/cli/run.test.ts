import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it, vi } from 'vitest';
import { anEndpointWhereBlueGreenV13Ran, useMockedEndpoint } from '#test/support/sfn-releases.ts';
import { defaultExecutionName, runCommand } from '../../../src/cli/commands/run.ts';

describe('defaultExecutionName', () => {
  it('is <service>-<version>-<random> for a release', () => {
    // Act
    const name = defaultExecutionName({ service: { name: 'checkout' }, release: { version: 'v2.1' } });
    // Assess
    expect(name).toMatch(/^checkout-v2-1-[0-9a-f]{6}$/);
  });

  it('is <service>-<random> for a request without a version, as a database migration', () => {
    // Act
    const name = defaultExecutionName({ service: { name: 'orders' } });
    // Assess
    expect(name).toMatch(/^orders-[0-9a-f]{6}$/);
  });
});

describe('cutover run of a request without release.replicas', () => {
  const service = { name: 'checkout', namespace: 'shop' };
  const { sfn, workDir } = useMockedEndpoint('cutover-run-replicas-');

  /** The example rolling request for `service`, without `release.replicas`, with `maxSurge`, written to a file. */
  function rollingWithoutReplicas(maxSurge: number): string {
    const example = JSON.parse(
      readFileSync(join(import.meta.dirname, '../../../examples/requests/rolling.json'), 'utf8'),
    ) as { release: Record<string, unknown>; rolling: Record<string, unknown> };
    const { replicas: _replicas, ...release } = example.release;
    const path = join(workDir(), `rolling-${maxSurge}.json`);
    writeFileSync(path, JSON.stringify({ ...example, release, rolling: { ...example.rolling, maxSurge } }));
    return path;
  }

  /** `cutover run rolling -f <file> --endpoint ...`: what it threw, if anything. */
  async function run(file: string): Promise<unknown> {
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    return runCommand()
      .parseAsync(['rolling', '-f', file, '--endpoint', 'http://127.0.0.1:9'], { from: 'user' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
  }

  it('exits 2 and starts nothing when the replicas the live track runs do not fit the request', async () => {
    // Prepare: v13 left blue live with 3 replicas; the request surges 5 at once
    anEndpointWhereBlueGreenV13Ran(sfn, service, { live: 'green', next: 'blue' }, 3);
    // Act
    const refused = await run(rollingWithoutReplicas(5));
    // Assess
    expect(refused).toMatchObject({ exitCode: 2 });
    expect((refused as Error).message).toBe(
      'release.replicas is not given, and the 3 replicas the live track blue runs (as blue-green checkout-v13 ' +
        'left it) do not fit the request; ValidateRequest would refuse it once started, so nothing was started:\n' +
        '  - rolling.maxSurge: must be at most release.replicas (3) (got 5)',
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toEqual([]);
  });

  it('starts a request the replicas the live track runs fit', async () => {
    // Prepare
    anEndpointWhereBlueGreenV13Ran(sfn, service, { live: 'green', next: 'blue' }, 3);
    sfn.on(StartExecutionCommand).resolves({
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:rolling:checkout-v5',
      startDate: new Date(),
    });
    // Act
    const refused = await run(rollingWithoutReplicas(2));
    // Assess
    expect(refused).toBeUndefined();
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});
