import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildPlan } from '#core/plan/index.ts';
import { databaseMigrationRequestSchema } from '#core/schemas/database-migration.ts';
import {
  detectStrategy,
  parseWith,
  readAdmittedRequest,
  type Strategy,
  validateRequest,
} from '#core/schemas/index.ts';
import { REPO_ROOT } from '#test/support/cli-process.ts';

const REQUESTS_DIR = join(REPO_ROOT, 'examples/requests');

/** Every example request, with the strategy it is written for and where it runs. */
const EXAMPLES: ReadonlyArray<{ file: string; strategy: Strategy; runs: 'local' | 'aws' }> = [
  { file: 'canary.json', strategy: 'canary', runs: 'local' },
  { file: 'canary-with-approval.json', strategy: 'canary', runs: 'local' },
  { file: 'blue-green.json', strategy: 'blue-green', runs: 'local' },
  { file: 'rolling.json', strategy: 'rolling', runs: 'local' },
  { file: 'canary-eks.json', strategy: 'canary', runs: 'aws' },
];

function readExample(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REQUESTS_DIR, file), 'utf8'));
}

describe('examples/requests', () => {
  it('lists every example request in this test', () => {
    // Act
    const files = readdirSync(REQUESTS_DIR).filter((file) => file.endsWith('.json'));
    // Assess
    expect(files.sort()).toEqual(
      [...EXAMPLES.map((example) => example.file), 'database-migration.json'].sort(),
    );
  });

  it('database-migration.json migrates a database of `cutover local` with the shop migrations', () => {
    // Act
    const request = parseWith(
      databaseMigrationRequestSchema,
      readExample('database-migration.json'),
      'database-migration request',
    );
    // Assess
    const url = new URL(request.database.target.url!);
    expect([url.hostname, url.username, url.password]).toEqual(['127.0.0.1', 'postgres', '']);
    expect(request.migrations?.directory).toBe('examples/migrations/shop');
    expect(existsSync(join(REPO_ROOT, request.migrations!.directory!, 'V1__create_shop.sql'))).toBe(true);
    expect(request.backup).toMatchObject({ enabled: true, method: 'logical' });
  });

  it.each(EXAMPLES)('$file is a valid $strategy request', ({ file, strategy }) => {
    // Prepare
    const input = readExample(file);
    // Act
    const request = validateRequest(strategy, input);
    const plan = buildPlan(strategy, request);
    // Assess
    expect(detectStrategy(input)).toBe(strategy);
    expect(plan.stateTransitions).toBeGreaterThan(0);
  });

  it.each(EXAMPLES)(
    '$file, once admitted, reads back as admitted in every later task',
    ({ file, strategy }) => {
      // Prepare
      const admitted = validateRequest(strategy, readExample(file));
      // Act
      const read = readAdmittedRequest(strategy, JSON.parse(JSON.stringify(admitted)));
      // Assess
      expect(read).toEqual(admitted);
    },
  );

  it.each(EXAMPLES.filter((e) => e.runs === 'local'))(
    '$file runs on `cutover local`: local adapters and the example app',
    ({ file, strategy }) => {
      // Act
      const request = validateRequest(strategy, readExample(file));
      // Assess
      expect([request.cluster.type, request.traffic.type, request.metrics.type]).toEqual([
        'local',
        'local',
        'local',
      ]);
      expect(request.release.command).toEqual(['node', 'examples/app/server.js']);
      expect(existsSync(join(REPO_ROOT, request.release.command![1]!))).toBe(true);
    },
  );

  it('canary-with-approval.json asks a person before promotion, in a pause after its step that is checked', () => {
    // Act
    const request = validateRequest('canary', readExample('canary-with-approval.json'));
    const plan = buildPlan('canary', request);
    // Assess
    expect(plan.approval).toEqual({
      required: false,
      timeoutSeconds: 3600,
      maxWaits: 1,
      inconclusiveWaits: 0,
      onTimeout: 'rollback',
    });
    expect(plan.steps.at(-1)).toMatchObject({ pause: true, pauseChecks: { checks: expect.any(Number) } });
    expect(plan.steps.at(-1)!.pauseChecks!.checks).toBeGreaterThan(0);
  });

  it('canary-eks.json runs on EKS behind an ALB Ingress, judged by CloudWatch', () => {
    // Act
    const request = validateRequest('canary', readExample('canary-eks.json'));
    // Assess
    expect(request.cluster).toMatchObject({ type: 'eks', name: 'prod', region: 'eu-west-1' });
    expect(request.traffic).toMatchObject({ type: 'alb-ingress', ingress: 'checkout' });
    expect(request.metrics).toMatchObject({ type: 'cloudwatch', loadBalancer: 'app/prod/50dc6c495c0c9188' });
    expect(request.release.image).toMatch(/\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/checkout:v2$/);
    expect(request.release.command).toBeUndefined();
  });
});
