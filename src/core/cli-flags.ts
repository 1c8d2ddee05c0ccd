import { DEFAULT_STACK_NAME, machineParts } from './rollback.ts';

/**
 * The environment variable in which `cutover local` gives its tasks the flags that reach it from another
 * terminal (` --endpoint http://127.0.0.1:8090`; empty at the default endpoint).
 */
export const LOCAL_CLI_FLAGS_VARIABLE = 'CUTOVER_CLI_FLAGS';

/**
 * The flags a `cutover` command needs to reach the execution `executionArn` from where the task runs, for
 * the commands its messages suggest: on AWS (a Lambda function) `--aws --region <the ARN's region>`, and
 * `--stack <stack>` for a stack not named Cutover (its state machines are `<stack>-<workflow>`); under
 * `cutover local`, what it set in {@link LOCAL_CLI_FLAGS_VARIABLE}; else none.
 *
 * @example
 * cliFlagsFor('arn:aws:states:eu-west-1:1:execution:Payments-canary:v2', { AWS_LAMBDA_FUNCTION_NAME: 'f' });
 * // ' --aws --region eu-west-1 --stack Payments'
 */
export function cliFlagsFor(executionArn: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return env[LOCAL_CLI_FLAGS_VARIABLE] ?? '';
  const [, , , region, , , machine = ''] = executionArn.split(':');
  const stack = machineParts(machine)?.stack;
  return ` --aws --region ${region}${stack === undefined || stack === DEFAULT_STACK_NAME ? '' : ` --stack ${stack}`}`;
}

/**
 * The environment variable in which `cutover local` gives its tasks the `--data-dir` flag of the commands
 * that read its data dir (`cutover traffic`), made by {@link localDataDirFlag}.
 */
export const LOCAL_DATA_DIR_FLAG_VARIABLE = 'CUTOVER_DATA_DIR_FLAG';

/**
 * ` --data-dir <dataDir>` (quoted for a shell when it must be), or empty when `dataDir` is the default one,
 * `defaultDir` (`.cutover` where `cutover local` runs).
 *
 * @example
 * localDataDirFlag('/tmp/rehearsal', '/work/.cutover'); // ' --data-dir /tmp/rehearsal'
 */
export function localDataDirFlag(dataDir: string, defaultDir: string): string {
  if (dataDir === defaultDir) return '';
  const word = /^[\w./@%+=:,-]+$/.test(dataDir) ? dataDir : `'${dataDir.replaceAll("'", "'\\''")}'`;
  return ` --data-dir ${word}`;
}
