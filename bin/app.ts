#!/usr/bin/env -S npx tsx
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readContext } from '#lib/context.ts';
import { CutoverStack } from '#lib/cutover-stack.ts';
import { CutoverConfigError } from '#lib/errors.ts';

/**
 * The CDK app: one CutoverStack from cdk.json context, checked by cdk-nag's AwsSolutions rules. A context or
 * project problem is said as itself (exit 1), without a stack trace around it, and writes no stack template:
 * the app synthesizes only once the stack is whole (an App's automatic synth at exit would write the stack
 * as far as it was built, which a pipeline could deploy, deleting the rest).
 */
try {
  const app = new App({ autoSynth: false });
  const context = readContext((key) => app.node.tryGetContext(key), Object.keys(app.node.getAllContext()));
  new CutoverStack(app, context.stackName, {
    context,
    description: 'Cutover: deployment migrations on AWS Step Functions',
    // Environment-agnostic unless the context says where: the CLI's CDK_DEFAULT_REGION is us-east-1 when no
    // region is configured (offline synth), which would end up in every ARN. See docs/aws.md.
    env: { account: context.account, region: context.region },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  app.synth();
} catch (error) {
  if (!(error instanceof CutoverConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
