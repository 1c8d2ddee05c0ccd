import { executionArnOf, executionIdOf } from '#core/api-routes.ts';

/** An execution of this runtime, by both of its names. */
export interface ExecutionRef {
  /** `<stateMachine>:<name>`: the part of the ARN after `:execution:`. */
  readonly executionId: string;
  readonly executionArn: string;
}

const EXECUTION_ID = /^[^:]+:[^:]+$/;

/**
 * The execution of this runtime (`region`, `account`) that `ref` names: by its id (`<stateMachine>:<name>`,
 * as the release API and the console address executions) or by its ARN (as `cutover run` prints it and
 * every CLI command takes it); `undefined` for anything else, an execution ARN of another region or
 * account included. Whether the execution exists is left to the call that uses it.
 *
 * @example
 * executionRefOf('canary:checkout-v2', 'us-east-1', '000000000000')?.executionArn;
 * // 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2'
 * executionRefOf('arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2', 'us-east-1', '000000000000')?.executionId;
 * // 'canary:checkout-v2'
 */
export function executionRefOf(ref: string, region: string, account: string): ExecutionRef | undefined {
  const byArn = ref.startsWith('arn:');
  if (byArn && !ref.includes(':execution:')) return undefined;
  const executionId = byArn ? executionIdOf(ref) : ref;
  if (!EXECUTION_ID.test(executionId)) return undefined;
  const executionArn = executionArnOf(executionId, region, account);
  if (byArn && ref !== executionArn) return undefined;
  return { executionId, executionArn };
}

/** What an execution ARN of this runtime looks like: `arn:aws:states:<region>:<account>:execution:<stateMachine>:<name>`. */
export function executionArnPattern(region: string, account: string): string {
  return executionArnOf('<stateMachine>:<name>', region, account);
}
