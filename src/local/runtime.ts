import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '#core/errors.ts';
import { LOCAL_SUBSTITUTIONS } from '#core/substitutions.ts';
import { rollBackAbortedReleases, rollBackMissedAborts } from './abort-rollbacks.ts';
import { registerLocalExecutions } from './adapters/local-executions.ts';
import { type LocalAdaptersHandle, registerLocalAdapters } from './adapters/register.ts';
import { registerReleaseRoutes } from './api/release-routes.ts';
import { LocalApiServer } from './api/server.ts';
import type { ObjectStorage } from './asl/object-storage.ts';
import { type Clock, RealClock } from './clock.ts';
import { registerConsoleRoutes } from './console/console-routes.ts';
import type { LOCAL_S3_FILE, LocalDataServices } from './data-services.ts';
import type { StoreFailedError } from './errors.ts';
import type { LambdaRegistry } from './lambda-registry.ts';
import { stopLeftoverServer } from './postgres.ts';
import { discoverProjectFunctions, projectSubstitutions } from './project/functions.ts';
import { ProjectLambdaRegistry } from './project/project-lambdas.ts';
import {
  loadProjectStateMachines,
  type RegisteredStateMachine,
  registerStateMachines,
} from './project/state-machines.ts';
import { localS3Client, s3ObjectStorage } from './s3-object-storage.ts';
import { LocalStepFunctions } from './service.ts';
import { openStore } from './store.ts';

/** {@link LOCAL_S3_FILE}, named here without loading the data services' modules. */
const PUBLISHED_S3_FILE: typeof LOCAL_S3_FILE = 's3.json';

/** Options of {@link startLocalRuntime}. */
export interface LocalRuntimeOptions {
  /** Port to listen on; 0 picks a free one. @default 8083 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Directory of `cutover.db` and the local adapters' data; undefined keeps the store in memory and
   * registers no local adapters (tests of the engine alone).
   */
  readonly dataDir?: string;
  /** @default RealClock.fromEnv() (WAIT_TIME_SCALE) */
  readonly clock?: Clock;
  /**
   * Project whose `lambdas/<verb-noun>/handler.ts` serve the tasks and whose `statemachines/*.asl.json`
   * are registered at start; `null` registers nothing (tests bring their own state machines and `lambdas`).
   * @default process.cwd()
   */
  readonly projectDir?: string | null;
  /** The functions tasks invoke. @default the project's handlers */
  readonly lambdas?: LambdaRegistry;
  /**
   * Start the embedded PostgreSQL and S3 server (`dataServices()`) before resuming executions: a resumed
   * task then finds the backups, and the databases, where the tasks before the restart put them. A failure
   * to start them is left for `dataServices()` to report. Needs a `dataDir`. @default false
   */
  readonly startDataServices?: boolean;
  /**
   * The S3 a Distributed Map's `ItemReader` reads; `null`: none. @default the local S3 server of the data
   * dir (started by the first read, as by `dataServices()`); none without a `dataDir`
   */
  readonly objectStorage?: ObjectStorage | null;
  /** Write a line on stderr for each notification of the local adapters. @default true */
  readonly echoNotifications?: boolean;
  /** Told once when a write to the store fails: see `LocalStepFunctionsOptions.onStoreFailure`. */
  readonly onStoreFailure?: (error: StoreFailedError) => void;
}

/** A started runtime. */
export interface LocalRuntime {
  /** `http://127.0.0.1:<port>`: give it to `new SFNClient({ endpoint })`. */
  readonly endpoint: string;
  readonly service: LocalStepFunctions;
  /** The HTTP server: other parts of the runtime add their routes with `server.addRoute`. */
  readonly server: LocalApiServer;
  /** The local adapters (cluster, proxy router, metrics, lock, approvals, notifier), when a `dataDir` is given. */
  readonly adapters?: LocalAdaptersHandle['adapters'];
  /** What registering the project's state machines did, in file order. */
  readonly stateMachines: readonly RegisteredStateMachine[];
  /** The executions a runtime killed or stopped earlier left RUNNING, which this one resumed. */
  readonly resumed: readonly string[];
  /**
   * The embedded PostgreSQL and local S3 server under the data dir, started on the first call (about 1 s
   * the first time, when the database cluster is created) and stopped by `close()`. Needs a `dataDir`.
   */
  dataServices(): Promise<LocalDataServices>;
  /** Stops the server and the running executions (they resume on the next start) and closes the store. */
  close(): Promise<void>;
}

/**
 * Starts the embedded Step Functions runtime: opens the store, registers the project's state machines
 * bound to its handlers, starts the data services when asked, resumes every RUNNING execution, and serves
 * the API.
 *
 * @example
 * const runtime = await startLocalRuntime({ port: 0, dataDir: '.cutover' });
 * const sfn = new SFNClient({ endpoint: runtime.endpoint, region: 'us-east-1', credentials });
 * await runtime.close();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const projectDir = options.projectDir === undefined ? process.cwd() : options.projectDir;
  const functions = projectDir === null ? [] : discoverProjectFunctions(projectDir);
  const machines =
    projectDir === null
      ? []
      : loadProjectStateMachines(projectDir, projectSubstitutions(functions, LOCAL_SUBSTITUTIONS));
  const store = openStore(options.dataDir);
  // The store holds the data dir's lock: whatever a killed runtime left running on it is this one's to stop.
  const leftoversStopped =
    options.dataDir === undefined ? Promise.resolve() : stopLeftoverDataServices(options.dataDir);
  let data: Promise<LocalDataServices> | undefined;
  const dataServices = (): Promise<LocalDataServices> => {
    const dataDir = options.dataDir;
    if (dataDir === undefined) return Promise.reject(new ValidationError('dataServices() needs a dataDir'));
    // Loaded on first use: the PostgreSQL and S3 server modules add ~200 ms to a start.
    data ??= leftoversStopped
      .then(() => import('./data-services.ts'))
      .then((m) => m.startLocalDataServices({ dataDir }));
    return data;
  };
  const localS3 =
    options.objectStorage === undefined && options.dataDir !== undefined
      ? localS3Client(() => dataServices().then((services) => services.s3.endpoint))
      : undefined;
  const service = new LocalStepFunctions({
    store,
    objectStorage: options.objectStorage ?? (localS3 && s3ObjectStorage(localS3.client)),
    clock: options.clock ?? RealClock.fromEnv(),
    lambdas:
      options.lambdas ??
      new ProjectLambdaRegistry(functions, () =>
        projectDir === null ? [] : discoverProjectFunctions(projectDir),
      ),
    onStoreFailure: options.onStoreFailure,
  });
  const server = new LocalApiServer({ service });
  const unregisterExecutions = registerLocalExecutions(service);
  const local =
    options.dataDir === undefined
      ? undefined
      : registerLocalAdapters({ dataDir: options.dataDir, echoNotifications: options.echoNotifications });
  const close = async (): Promise<void> => {
    await server.close();
    await service.close();
    unregisterExecutions();
    await local?.close();
    // Closed first: data services slow to stop must not cost the store its clean close.
    store.close();
    localS3?.destroy();
    await data?.then((services) => services.stop()).catch(() => undefined);
  };
  try {
    // A leftover that does not stop is for dataServices() to report, if asked to start them.
    await leftoversStopped.catch(() => undefined);
    const stateMachines = await registerStateMachines(service, machines);
    rollBackAbortedReleases(service, stateMachines);
    // An execution that ended (aborted, timed out, failed) while it waited for an approval no longer can be.
    const approvals = local?.adapters.approvals;
    if (approvals) {
      service.onExecutionEnd(
        ({ executionArn }) => void approvals.delete(executionArn!).catch(() => undefined),
      );
    }
    registerReleaseRoutes(server, { service, stateMachines });
    registerConsoleRoutes(server, { service, notifier: local?.adapters.notifier });
    if (options.startDataServices) await dataServices().catch(() => undefined);
    const resumed = service.start();
    if (local) await rollBackMissedAborts(service, stateMachines, local.adapters.lock);
    const endpoint = await server.listen(options.port ?? 8083, options.host ?? '127.0.0.1');
    const adapters = local?.adapters;
    return { endpoint, service, server, adapters, stateMachines, resumed, dataServices, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Stops what a killed runtime left of the data services of `dataDir`, whether or not this one starts them:
 * the PostgreSQL still running on `postgres/` (it holds its port and data), and `s3.json`, which names an
 * S3 server gone with that runtime.
 */
async function stopLeftoverDataServices(dataDir: string): Promise<void> {
  await rm(join(dataDir, PUBLISHED_S3_FILE), { force: true });
  await stopLeftoverServer(join(dataDir, 'postgres'));
}
