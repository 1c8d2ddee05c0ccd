import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { readContext } from '#lib/context.ts';
import { CutoverStack } from '#lib/cutover-stack.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

/** The template of the stack `bin/app.ts` deploys, on the fixture project, its context `context`. */
function stackTemplate(context: Record<string, unknown>): Template {
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
  return Template.fromStack(stack);
}

describe('CutoverStack outputs', () => {
  it('outputs the backup bucket and prefix `cutover backups` reads, and the release API URL', () => {
    // Act
    const template = stackTemplate({});
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
