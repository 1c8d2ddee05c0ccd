import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const PROJECT = join(import.meta.dirname, '../..');
const outputs: string[] = [];

/** A new output directory for a run of `bin/app.ts`, removed after the test. */
function outputDirectory(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'cutover-app-'));
  outputs.push(outdir);
  return outdir;
}

/**
 * Runs `bin/app.ts` as `cdk synth -c ...` does offline (no bundling), its cloud assembly into `outdir`: with
 * cdk.json's context and the CLI's fallback environment, whose CDK_DEFAULT_REGION is us-east-1 when no region
 * is configured.
 */
async function runApp(outdir: string, context: Record<string, string>): Promise<void> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
    cwd: PROJECT,
    env: {
      ...process.env,
      CDK_OUTDIR: outdir,
      CDK_DEFAULT_REGION: 'us-east-1',
      CDK_DEFAULT_ACCOUNT: '111111111111',
      CDK_CONTEXT_JSON: JSON.stringify({
        ...cdkJson.context,
        'aws:cdk:bundling-stacks': [],
        clusterName: 'prod',
        allowedNamespaces: 'shop',
        ...context,
      }),
    },
  });
}

/** Runs `bin/app.ts` (see {@link runApp}); returns the template and asset manifest as text. */
async function synthApp(context: Record<string, string>): Promise<{ template: string; assets: string }> {
  const outdir = outputDirectory();
  await runApp(outdir, context);
  return {
    template: readFileSync(join(outdir, 'Cutover.template.json'), 'utf8'),
    assets: readFileSync(join(outdir, 'Cutover.assets.json'), 'utf8'),
  };
}

describe('the CDK app', () => {
  afterEach(() => {
    for (const outdir of outputs.splice(0)) rmSync(outdir, { recursive: true, force: true });
  });

  it("synthesizes an environment-agnostic stack unless told where, whatever the CLI's default environment", async () => {
    // Act
    const { template, assets } = await synthApp({});
    // Assess
    const resources = JSON.stringify(JSON.parse(template).Resources);
    expect(resources).not.toContain('us-east-1');
    expect(resources).not.toContain('111111111111');
    expect(resources).toContain('{"Ref":"AWS::Region"}');
    expect(resources).toContain('{"Ref":"AWS::AccountId"}');
    expect(assets).toMatch(/cdk-hnb659fds-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}/);
    expect(assets).not.toContain('us-east-1');
  });

  it('pins the stack to the account and region of the context', async () => {
    // Act
    const { template, assets } = await synthApp({ account: '123456789012', region: 'eu-west-1' });
    // Assess
    const resources = JSON.stringify(JSON.parse(template).Resources);
    expect(resources).toContain(':eu-west-1:123456789012:');
    expect(resources).not.toContain('us-east-1');
    expect(resources).not.toContain('111111111111');
    expect(assets).toContain('cdk-hnb659fds-assets-123456789012-eu-west-1');
  });

  it('fails, exit 1, naming a misspelt context key and the key it most likely meant', async () => {
    // Act
    const failed = await synthApp({ backupRetentionDay: '7' }).catch((error: unknown) => error);
    // Assess
    expect(failed).toMatchObject({
      code: 1,
      stderr:
        'cdk.json context (or -c key=value) is missing or wrong:\n' +
        '- backupRetentionDay: is not a context key of Cutover (did you mean backupRetentionDays?)\n',
    });
  });

  it('writes no stack template when the configuration is wrong, so that no pipeline deploys a half-built stack', async () => {
    // Prepare: a trigger refused once the stack is half built (its storage and monitoring exist)
    const outdir = outputDirectory();
    const trigger = JSON.stringify([{ repositoryName: 'checkout', strategy: 'nope', request: {} }]);
    // Act
    const failed = await runApp(outdir, { ecrTriggers: trigger }).catch((error: unknown) => error);
    // Assess
    expect(failed).toMatchObject({
      code: 1,
      stderr: 'ecrTriggers[0].strategy must be one of: blue-green, canary, rolling (got "nope")\n',
    });
    expect(readdirSync(outdir).filter((file) => file.endsWith('.template.json'))).toEqual([]);
  });
});
