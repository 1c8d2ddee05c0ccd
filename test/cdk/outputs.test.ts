import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readContext } from '#lib/context.ts';
import { CutoverStack } from '#lib/cutover-stack.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/**
 * The stack `bin/app.ts` deploys, on the fixture project, its context `context`, pinned to an account and
 * region: its template, and the context lookups its synth left missing (what `cdk synth` would need
 * credentials for).
 */
function synthStack(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new CutoverStack(app, 'Cutover', {
    env: { account: '123456789012', region: 'eu-west-1' },
    context: readContext((key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', ...context })[key]),
    overrides: {
      lambdasDir: join(FIXTURES, 'lambdas'),
      stateMachinesDir: join(FIXTURES, 'statemachines'),
      functionCapabilities: { 'check-rollout': ['cluster', 'backup', 'state', 'notify'] },
    },
  });
  return { template: Template.fromStack(stack), missing: app.synth().manifest.missing ?? [] };
}

describe('CutoverStack outputs', () => {
  it('outputs the backup bucket and prefix `cutover backups` reads, and the release API URL', () => {
    // Act
    const { template } = synthStack({});
    // Assess
    const outputs = template.findOutputs('*');
    expect(outputs.BackupBucketName).toMatchObject({
      Value: { Ref: expect.stringMatching(/^CutoverStorageBackups/) },
      Description: expect.stringContaining('CUTOVER_BACKUP_BUCKET'),
    });
    expect(outputs.BackupPrefix).toMatchObject({
      Value: 'backups/',
      Description: expect.stringContaining('CUTOVER_BACKUP_PREFIX'),
    });
    expect(outputs.ReleaseApiUrl?.Description).toContain('release API');
    expect(JSON.stringify(outputs.ReleaseApiUrl?.Value)).toContain('execute-api');
  });
});

describe('CutoverStack in a VPC', () => {
  it('synthesizes offline when pinned to an account and region: no availability-zone lookup', () => {
    // Act
    const { template, missing } = synthStack({
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0123456789abcdef0',
    });
    // Assess
    expect(missing).toEqual([]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: Match.objectLike({ SubnetIds: ['subnet-0123456789abcdef0'] }),
    });
  });
});
