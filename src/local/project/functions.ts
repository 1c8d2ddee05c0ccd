import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Account and region of every local ARN. */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** One Lambda function of the project: a `lambdas/<verb-noun>/handler.ts` exporting `handler`. */
export interface ProjectFunction {
  /** The directory name, `check-rollout`. */
  readonly id: string;
  /** The ASL substitution that names it, `CheckRolloutFunctionArn`. */
  readonly substitution: string;
  /** Its local ARN, `arn:aws:lambda:us-east-1:000000000000:function:cutover-check-rollout`. */
  readonly arn: string;
  /** Absolute path of `handler.ts`. */
  readonly handlerFile: string;
}

const FUNCTION_DIRECTORY = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** `check-rollout` -> `CheckRolloutFunctionArn`. */
export function functionSubstitutionName(id: string): string {
  const pascal = id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return `${pascal}FunctionArn`;
}

/** `check-rollout` -> `arn:aws:lambda:us-east-1:000000000000:function:cutover-check-rollout`. */
export function localFunctionArn(id: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:cutover-${id}`;
}

/**
 * Lists the project's Lambda functions: every `lambdas/<verb-noun>/handler.ts` under `projectRoot`,
 * sorted by name (directories without a `handler.ts`, such as `lambdas/shared`, are not functions).
 *
 * @example
 * discoverProjectFunctions(process.cwd());
 * // [{ id: 'check-rollout', substitution: 'CheckRolloutFunctionArn', arn: '...:function:cutover-check-rollout', ... }]
 */
export function discoverProjectFunctions(projectRoot: string): ProjectFunction[] {
  const lambdasDir = join(projectRoot, 'lambdas');
  if (!existsSync(lambdasDir)) return [];
  return readdirSync(lambdasDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && FUNCTION_DIRECTORY.test(entry.name))
    .map((entry) => ({ id: entry.name, handlerFile: join(lambdasDir, entry.name, 'handler.ts') }))
    .filter(({ handlerFile }) => existsSync(handlerFile))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map(({ id, handlerFile }) => ({
      id,
      substitution: functionSubstitutionName(id),
      arn: localFunctionArn(id),
      handlerFile,
    }));
}

/** The `${Name}` values of the project's definitions: one ARN per function, plus `extra` (LOCAL_SUBSTITUTIONS). */
export function projectSubstitutions(
  functions: readonly ProjectFunction[],
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  return { ...extra, ...Object.fromEntries(functions.map((f) => [f.substitution, f.arn])) };
}
