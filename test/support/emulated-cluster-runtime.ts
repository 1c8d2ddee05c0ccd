import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DescribeExecutionCommandOutput, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll } from 'vitest';
import type { Clock } from '#local/clock.ts';
import { type KubernetesEmulator, startKubernetesEmulator } from './k8s-emulator/index.ts';
import { startTestRuntime, type TestRuntime, waitForExecution } from './local-runtime.ts';

/** The local runtime and the Kubernetes API emulator its releases deploy to, through a kubeconfig file. */
export interface EmulatedClusterRuntime {
  readonly emulator: KubernetesEmulator;
  readonly runtime: TestRuntime;
  /** The kubeconfig whose context `emulator` reaches the emulator, for requests' `cluster.path`. */
  readonly kubeconfig: string;
  /** Starts an execution `name` of the state machine `machine` with `input`; answers its ARN. */
  start(machine: string, input: unknown, name: string): Promise<string>;
  /** Starts an execution `name` of the state machine `machine` with `input` and waits for its end. */
  run(machine: string, input: unknown, name: string): Promise<DescribeExecutionCommandOutput>;
}

/**
 * Starts, for the enclosing `describe`, the emulator (reconciling on each request) and a local runtime with
 * the project's state machines and tasks (on `clock`, by default waits scaled to zero), their data in a temporary directory named from `prefix` (the
 * tasks' `CUTOVER_DATA_DIR` meanwhile); stops both, removes the directory and restores the variable after it. Read the fields inside tests and hooks, once started.
 *
 * @example
 * const cluster = useEmulatedClusterRuntime('cutover-rolling-k8s-');
 */
export function useEmulatedClusterRuntime(prefix: string, clock?: Clock): EmulatedClusterRuntime {
  const started = {
    async start(machine: string, input: unknown, name: string) {
      const { runtime, client } = started.runtime;
      const stateMachineArn = runtime.stateMachines.find((m) => m.name === machine)!.stateMachineArn;
      const command = new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) });
      return (await client.send(command)).executionArn!;
    },
    async run(machine: string, input: unknown, name: string) {
      return waitForExecution(started.runtime.client, await started.start(machine, input, name));
    },
  } as { -readonly [K in keyof EmulatedClusterRuntime]: EmulatedClusterRuntime[K] };
  let directory: string | undefined;
  const dataDirBefore = process.env.CUTOVER_DATA_DIR;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), prefix));
    started.kubeconfig = join(directory, 'kubeconfig');
    started.emulator = await startKubernetesEmulator({ reconcileOnRequest: true });
    started.emulator.writeKubeconfig(started.kubeconfig);
    process.env.CUTOVER_DATA_DIR = join(directory, 'data');
    started.runtime = await startTestRuntime({
      dataDir: join(directory, 'data'),
      projectDir: process.cwd(),
      clock,
    });
  });
  afterAll(async () => {
    await started.runtime?.close();
    await started.emulator?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
    if (dataDirBefore === undefined) delete process.env.CUTOVER_DATA_DIR;
    else process.env.CUTOVER_DATA_DIR = dataDirBefore;
  });
  return started;
}
