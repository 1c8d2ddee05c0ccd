import { App, Stack } from 'aws-cdk-lib';
import { Cutover, type CutoverProps } from '#lib/cutover.ts';

/** The account the test stacks are pinned to. */
export const ACCOUNT = '123456789012';

/** A statement of a synthesized IAM, key or bucket policy, as the tests read it. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Principal?: { readonly Service?: string | string[]; readonly AWS?: unknown };
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** The project's own functions and state machines, in an app of their own pinned to an account and region. */
export function projectCutover(props: Partial<CutoverProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const cutover = new Cutover(stack, 'Cutover', {
    clusterName: 'prod',
    allowedNamespaces: ['shop'],
    ...props,
  });
  return { app, stack, cutover };
}
