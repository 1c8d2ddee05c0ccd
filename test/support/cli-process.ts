import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The repository root (where `bin/cutover.ts` and `node_modules/tsx` are). */
export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** A `cutover` CLI child process with its collected output. */
export interface CliProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
}

/** Every CLI process started, until it exits (see {@link stopStartedClis}). */
const running = new Set<CliProcess>();

/**
 * Stops (SIGTERM, then SIGKILL after 10 s) every CLI process still running: for `afterEach`, so a test
 * that fails midway leaves no `cutover local` behind.
 */
export async function stopStartedClis(): Promise<void> {
  await Promise.all(
    [...running].map(async (cli) => {
      cli.child.kill('SIGTERM');
      const killer = setTimeout(() => cli.child.kill('SIGKILL'), 10_000);
      await cli.exited;
      clearTimeout(killer);
    }),
  );
}

/**
 * Arguments of `cutover local` serving a fixture project on a free port, without PostgreSQL and S3, its
 * data in `dataDir` (`<project>/.cutover` unless given).
 */
export function localProjectArgs(project: string, dataDir = join(project, '.cutover')): string[] {
  return ['local', '--port', '0', '--data-dir', dataDir, '--project-dir', project, '--no-data-services'];
}

/**
 * Runs `node --import tsx bin/cutover.ts <args>` from the repository root, as `npx cutover` does; with a
 * `cwd`, the repository's `bin/cutover.js` from there, as a user runs it from another directory.
 *
 * @example
 * const cli = startCli(['local', '--port', '0', '--data-dir', dir, '--project-dir', project]);
 * const endpoint = await waitForEndpoint(cli);
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): CliProcess {
  const entry =
    cwd === undefined ? ['--import', 'tsx', 'bin/cutover.ts'] : [join(REPO_ROOT, 'bin/cutover.js')];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: cwd ?? REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | string>((done) => {
    child.on('exit', (code, signal) => {
      running.delete(cli);
      done(code ?? signal ?? 'unknown');
    });
  });
  const cli: CliProcess = { child, stdout: () => out, stderr: () => err, exited };
  running.add(cli);
  return cli;
}

/** Resolves with the endpoint `cutover local` prints; rejects with its output if it exits first. */
export async function waitForEndpoint(cli: CliProcess): Promise<string> {
  return (await waitForOutput(cli, /listening on (http:\/\/\S+)/))[1]!;
}

/** Resolves with the first match of `pattern` in the stdout; rejects with the output if the process exits first. */
export async function waitForOutput(cli: CliProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let exited: number | string | undefined;
  void cli.exited.then((code) => {
    exited = code;
  });
  for (;;) {
    const match = pattern.exec(cli.stdout());
    if (match) return match;
    if (exited !== undefined) {
      throw new Error(
        `cutover exited (${exited}) before printing ${pattern}:\n${cli.stdout()}\n${cli.stderr()}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
