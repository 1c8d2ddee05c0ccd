import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { KUBECONFIG_ENV } from '#adapters/kubernetes/kubeconfig-env.ts';
import { executionIdOf } from '#core/api-routes.ts';
import { LOCAL_CLI_FLAGS_VARIABLE, LOCAL_DATA_DIR_FLAG_VARIABLE, localDataDirFlag } from '#core/cli-flags.ts';
import type { Clock } from '#local/clock.ts';
import type { StoreFailedError } from '#local/errors.ts';
import { LOCAL_POSTGRES_FILES } from '#local/kept-postgres.ts';
import { makeDirectory } from '#local/make-directory.ts';
import type { LocalRuntime } from '#local/runtime.ts';
import { localDataDir } from '../arguments.ts';
import { DEFAULT_LOCAL_ENDPOINT } from '../endpoint.ts';
import { CliError, ExitCode } from '../exit-codes.ts';

/** Parses `--port`: an integer from 0 to 65535. */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`--port must be an integer from 0 to 65535 (got "${value}")`);
  }
  return port;
}

interface LocalOptions {
  port: number;
  host: string;
  allowRemote: boolean;
  dataDir: string;
  projectDir: string;
  dataServices: boolean;
  kubeconfig?: string;
  context?: string;
}

/**
 * Applies `--kubeconfig <path>` / `--context <name>`: requests with `"cluster": {"type": "kubeconfig"}` then
 * default to that file and context (through `CUTOVER_KUBECONFIG` / `CUTOVER_KUBE_CONTEXT`). Throws a
 * `CliError` (exit code 2) naming the flag when the file does not exist or is no kubeconfig, when
 * `--context` is not one of its contexts (naming them), or when `--context` comes without `--kubeconfig`;
 * then it sets nothing.
 *
 * @example
 * await useKubeconfig({ kubeconfig: '~/.kube/kind', context: 'kind-cutover' }); // sets the two variables
 */
export async function useKubeconfig(
  options: { kubeconfig?: string | undefined; context?: string | undefined },
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  if (options.kubeconfig === undefined) {
    if (options.context !== undefined)
      throw new CliError('--context needs --kubeconfig <path>', ExitCode.Usage);
    return;
  }
  const path = resolve(options.kubeconfig);
  if (!existsSync(path))
    throw new CliError(`--kubeconfig must name an existing kubeconfig file (got "${path}")`, ExitCode.Usage);
  const contexts = await kubeconfigContexts(path);
  if (options.context !== undefined && !contexts.includes(options.context)) {
    throw new CliError(
      `--context must be one of the contexts of ${path}: ${contexts.join(', ') || '(none)'} (got "${options.context}")`,
      ExitCode.Usage,
    );
  }
  env[KUBECONFIG_ENV.path] = path;
  if (options.context !== undefined) env[KUBECONFIG_ENV.context] = options.context;
}

/** The context names of the kubeconfig file at `path`; a file that is no kubeconfig is a usage error. */
async function kubeconfigContexts(path: string): Promise<string[]> {
  // Loaded here: the Kubernetes client is not needed by any other command.
  const { loadKubeconfig } = await import('#adapters/kubernetes/connect.ts');
  try {
    return loadKubeconfig(path, '--kubeconfig')
      .getContexts()
      .map((context) => context.name);
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.Usage, { cause: error });
  }
}

/**
 * Creates the `--data-dir` directory if needed; a path that cannot be one, or one this process cannot write, is
 * a usage error naming the flag.
 */
export function prepareDataDir(dataDir: string): void {
  try {
    makeDirectory(dataDir);
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EEXIST' ? 'a file is in the way' : (error as Error).message;
    throw new CliError(`--data-dir must name a directory (got "${dataDir}": ${reason})`, ExitCode.Usage, {
      cause: error,
    });
  }
}

/** The `--project-dir` directory, resolved; one that does not exist is a usage error naming the flag. */
function projectDirectory(projectDir: string): string {
  const directory = resolve(projectDir);
  if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CliError(`--project-dir must name an existing directory (got "${directory}")`, ExitCode.Usage);
  }
  return directory;
}

/**
 * The runtime's clock, scaled by `WAIT_TIME_SCALE`; a value that is not a number >= 0 is a usage error
 * naming the variable and what it takes.
 */
async function scaledClock(env: NodeJS.ProcessEnv = process.env): Promise<Clock> {
  const { RealClock } = await import('#local/clock.ts');
  try {
    return RealClock.fromEnv(env);
  } catch (error) {
    throw new CliError(
      `WAIT_TIME_SCALE must be a number >= 0: 1 real time, 0.1 ten times faster, 0 no waiting (got ${JSON.stringify(env.WAIT_TIME_SCALE)})`,
      ExitCode.Usage,
      { cause: error },
    );
  }
}

/**
 * What `WAIT_TIME_SCALE` (other than 1) does to waits and to the windows analyses judge, and the traffic that
 * keeps an analysis's `minRequests` within reach.
 *
 * @example
 * waitScaleText(0.1); // 'Waits take 0.1x their time (WAIT_TIME_SCALE), and so do the windows analyses judge: send 10x the traffic for the same minRequests'
 */
export function waitScaleText(scale: number): string {
  if (scale === 0) {
    return "Waits are skipped (WAIT_TIME_SCALE=0): analyses judge windows of no time, so they find too few requests, and a rollout's progress deadline passes before replicas can become ready: run releases at a small scale such as 0.01";
  }
  const traffic = Number((1 / scale).toPrecision(2));
  return `Waits take ${scale}x their time (WAIT_TIME_SCALE), and so do the windows analyses judge: send ${traffic}x the traffic for the same minRequests`;
}

/** True for `localhost`, `127.0.0.0/8` and `::1`: addresses only this machine reaches. */
function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Refuses a `--host` other machines reach (`0.0.0.0`, a LAN address) without `--allow-remote` (exit code 2):
 * the API has no authentication, and a release request names commands the runtime runs.
 */
function refuseRemoteHost({ host, allowRemote }: LocalOptions): void {
  if (allowRemote || isLoopbackHost(host)) return;
  throw new CliError(
    `--host must be a loopback address (127.0.0.1, ::1, localhost) unless --allow-remote is given (got "${host}"): ` +
      'the API and the console have no authentication, and a release runs the commands its request names on this machine',
    ExitCode.Usage,
  );
}

/** The error of a `--host`/`--port` another server listens on. */
function addressInUse(host: string, port: number): CliError {
  return new CliError(`${host}:${port} is already in use: stop the other server or pass --port`);
}

/**
 * `Stopped: 2 executions left RUNNING resume at the next start on .cutover: canary:checkout-v2, ...`, or
 * `Stopped` when none was running.
 */
function stoppedText(executionArns: readonly string[], dataDir: string): string {
  if (executionArns.length === 0) return 'Stopped';
  const left =
    executionArns.length === 1
      ? '1 execution left RUNNING resumes'
      : `${executionArns.length} executions left RUNNING resume`;
  return `Stopped: ${left} at the next start on ${dataDir}: ${executionIds(executionArns)}`;
}

/**
 * `Resumed 2 executions left RUNNING: canary:checkout-v2, database-migration:orders-m7`: what a runtime
 * stopped or killed before was running, which carries on now (a task in flight then runs again).
 */
function resumedText(executionArns: readonly string[]): string {
  const executions = executionArns.length === 1 ? 'execution' : 'executions';
  return `Resumed ${executionArns.length} ${executions} left RUNNING: ${executionIds(executionArns)}`;
}

/** `canary:checkout-v2, database-migration:orders-m7`: executions as `<state machine>:<name>`. */
function executionIds(executionArns: readonly string[]): string {
  return executionArns.map(executionIdOf).join(', ');
}

/**
 * Binds `host:port` and lets it go again, so a taken port stops `cutover local` before it touches the data
 * directory; `0` (any free port) always binds.
 */
export function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? addressInUse(host, port) : error),
    );
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}

/**
 * `cutover local`: starts the embedded Step Functions runtime for the project (the current directory by
 * default), then the embedded PostgreSQL and local S3 server of the data dir (unless `--no-data-services`),
 * and runs until SIGINT or SIGTERM.
 *
 * @example
 * program.addCommand(localCommand()); // npx cutover local --port 8083 --data-dir .cutover
 */
export function localCommand(): Command {
  return new Command('local')
    .description(
      'run the Step Functions API, the state machines and the tasks of this project on this machine',
    )
    .option('-p, --port <port>', 'port of the Step Functions API', parsePort, 8083)
    .option('--host <host>', 'address to listen on (a loopback address unless --allow-remote)', '127.0.0.1')
    .option(
      '--allow-remote',
      'let --host be an address other machines reach: they can then start releases, which run commands on this machine, with no authentication',
      false,
    )
    .option(
      '-d, --data-dir <dir>',
      'directory of the SQLite store and local data (default: $CUTOVER_DATA_DIR or .cutover)',
    )
    .option('--project-dir <dir>', 'project with lambdas/ and statemachines/', '.')
    .option('--no-data-services', 'do not start the embedded PostgreSQL and the local S3 server')
    .option(
      '--kubeconfig <path>',
      'kubeconfig of a real cluster (kind, minikube, k3d) for requests with "cluster": {"type": "kubeconfig"}',
    )
    .option('--context <name>', 'context of --kubeconfig those requests use (default: its current context)')
    .addHelpText(
      'after',
      [
        '\nExample:',
        '  $ cutover local --port 8083 --data-dir .cutover',
        '  $ cutover local --kubeconfig ~/.kube/config --context kind-cutover',
        '  $ WAIT_TIME_SCALE=0.1 cutover local --no-data-services   # waits at a tenth of real time',
      ].join('\n'),
    )
    .action(async (options: LocalOptions) => {
      // Loaded here, not at the top: the runtime is most of what `cutover --help` would otherwise load.
      const { startLocalRuntime } = await import('#local/runtime.ts');
      await useKubeconfig(options);
      const projectDir = projectDirectory(options.projectDir);
      const clock = await scaledClock();
      refuseRemoteHost(options);
      await checkPortFree(options.host, options.port);
      const dataDir = localDataDir(options.dataDir);
      prepareDataDir(dataDir);
      // The tasks run in this process and find their local stores through it.
      process.env.CUTOVER_DATA_DIR = dataDir;
      // Their JSON logs are for CloudWatch; here only warnings and errors join the `[cutover]` lines.
      process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
      // The commands their messages suggest (`cutover approve <execution>`) reach this runtime with these.
      const endpoint = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
      process.env[LOCAL_CLI_FLAGS_VARIABLE] =
        endpoint === DEFAULT_LOCAL_ENDPOINT ? '' : ` --endpoint ${endpoint}`;
      // And `cutover traffic`, which reads the data dir, with this one.
      process.env[LOCAL_DATA_DIR_FLAG_VARIABLE] = localDataDirFlag(dataDir, localDataDir(undefined, {}));
      let storeFailed: (error: StoreFailedError) => void = () => undefined;
      const storeFailure = new Promise<StoreFailedError>((resolve) => {
        storeFailed = resolve;
      });
      const runtime = await startLocalRuntime({
        port: options.port,
        host: options.host,
        dataDir,
        projectDir,
        clock,
        startDataServices: options.dataServices,
        // Without the data services a Distributed Map has no S3 to read its items from.
        ...(options.dataServices ? {} : { objectStorage: null }),
        onStoreFailure: (error) => storeFailed(error),
      }).catch((error: NodeJS.ErrnoException) => {
        // Taken since checkPortFree, by another process.
        throw error.code === 'EADDRINUSE' ? addressInUse(options.host, options.port) : error;
      });
      // Listening for signals before the endpoint is printed: whoever waits for that line may signal at once.
      // A store that fails (a full disk) stops the runtime as a signal does, and the command with exit code 1.
      const failed = storeFailure.then((error) => {
        console.error(`cutover local: ${error.message} (data in ${dataDir})`);
        process.exitCode = 1;
      });
      const stopped = Promise.race([stopOnSignal(), failed]);
      for (const machine of runtime.stateMachines) {
        const note = machine.action === 'deleting' ? ' (its RUNNING executions end first; not updated)' : '';
        console.log(`${machine.action.padEnd(9)} ${machine.stateMachineArn}${note}`);
      }
      if (runtime.stateMachines.length === 0) {
        console.warn(
          `warning: no state machines in ${join(projectDir, 'statemachines')} (*.asl.json): \`cutover run\` has nothing to start; run \`cutover local\` in your Cutover project, or pass --project-dir <it>`,
        );
      }
      if (runtime.resumed.length > 0) console.log(resumedText(runtime.resumed));
      console.log(`Step Functions API listening on ${runtime.endpoint} (data in ${dataDir})`);
      if (clock.scale !== 1) console.log(waitScaleText(clock.scale));
      console.log(`Console on ${runtime.endpoint}/console`);
      if (!isLoopbackHost(options.host)) {
        console.warn(
          `warning: listening on ${options.host} (--allow-remote): whoever reaches this port can start releases, which run commands on this machine as this user, approve and abort them; there is no authentication`,
        );
      }
      let left: string[] = [];
      try {
        if (options.dataServices) await reportDataServices(runtime, dataDir);
        await stopped;
        left = runtime.service.runningExecutionArns();
      } finally {
        await runtime.close();
      }
      console.log(stoppedText(left, dataDir));
    });
}

/**
 * Starts the embedded PostgreSQL and local S3 server and prints where they are; a failure only warns, and
 * so does PostgreSQL moving off the port of the last start (another program took it).
 */
async function reportDataServices(runtime: LocalRuntime, dataDir: string): Promise<void> {
  try {
    const { databaseUrl, postgres, postgresPortTaken: kept, s3, bucket } = await runtime.dataServices();
    if (kept !== undefined) {
      console.warn(
        `warning: PostgreSQL's port ${kept} (of the last start, in ${join(dataDir, LOCAL_POSTGRES_FILES.port)}) is in use by another program: PostgreSQL now listens on ${postgres.port}; requests naming 127.0.0.1:${kept} must name 127.0.0.1:${postgres.port} instead`,
      );
    }
    console.log(
      `PostgreSQL on ${databaseUrl} (its password is in ${join(dataDir, LOCAL_POSTGRES_FILES.password)})`,
    );
    console.log(`S3 on ${s3.endpoint}, backups in bucket ${bucket}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.warn(
      `PostgreSQL and S3 not started: ${reason}; until a start where they run, the tasks keep release backups in ${join(dataDir, 'backups')}`,
    );
  }
}

/**
 * Resolves on the first SIGINT, SIGTERM or SIGHUP, and keeps listening while the runtime closes: with no listener
 * left, the replicas' exit hook would raise the signal again and end the process before the store closes.
 * A second signal exits at once.
 */
function stopOnSignal(): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) process.exit(128 + os.constants.signals[signal]);
      stopping = true;
      resolve();
    };
    // SIGHUP: the terminal or SSH session that started it closed.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  });
}
