#!/usr/bin/env -S npx tsx
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readContext } from '#lib/context.ts';
import { CutoverStack } from '#lib/cutover-stack.ts';

/** The CDK app: one CutoverStack from cdk.json context, checked by cdk-nag's AwsSolutions rules. */
const app = new App();
const context = readContext((key) => app.node.tryGetContext(key));
new CutoverStack(app, context.stackName, {
  context,
  description: 'Cutover: deployment migrations on AWS Step Functions',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
