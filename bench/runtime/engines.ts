/**
 * The engines the runtime benchmark compares, behind one small interface: Cutover's LocalStepFunctions
 * in memory and on a SQLite file, and the aws-local-stepfunctions library (the peer).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { LocalStepFunctions } from '#local/service.ts';

/** The peer needs `Promise.withResolvers` (Node 22); Node 20 lacks it. */
function polyfillPromiseWithResolvers(): void {
  const promise = Promise as unknown as { withResolvers?: () => unknown };
  if (promise.withResolvers) return;
  promise.withResolvers = () => {
    let resolve!: (value: unknown) => void;
    let reject!: (reason: unknown) => void;
    const created = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise: created, resolve, reject };
  };
}

export type EngineKind = 'peer' | 'memory' | 'durable';

export const ENGINE_LABELS: Record<EngineKind, string> = {
  peer: 'aws-local-stepfunctions 3.0.0',
  memory: 'Cutover in-memory',
  durable: 'Cutover durable (SQLite file)',
};

/** A state machine of one engine. */
export interface BenchMachine {
  /** Runs one execution to its end and resolves with its output; rejects unless it succeeded. */
  run(input: unknown): Promise<unknown>;
  /** Starts one execution without waiting for its end. */
  start(input: unknown): Promise<void>;
  /** Runs one execution and counts the states it entered, from the engine's own records. */
  countStatesEntered(input: unknown): Promise<number>;
}

/** One engine instance. */
export interface BenchEngine {
  readonly kind: EngineKind;
  /** The timers the engine has pending: one per execution parked in a Wait. */
  pendingTimers(): number;
  machine(name: string, definition: object): Promise<BenchMachine>;
  /** Stops everything and removes temporary files. */
  close(): Promise<void>;
}

/** Opens a fresh engine of `kind`. */
export async function openEngine(kind: EngineKind): Promise<BenchEngine> {
  if (kind === 'peer') return openPeer();
  return openCutover(kind);
}

async function openPeer(): Promise<BenchEngine> {
  polyfillPromiseWithResolvers();
  const { StateMachine } = await import('aws-local-stepfunctions');
  const aborts = new Set<() => void>();
  return {
    kind: 'peer',
    // The peer sets a Node timeout per Wait.
    pendingTimers: () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length,
    async machine(_name, definition) {
      const machine = new StateMachine(definition as never, { validationOptions: { checkArn: false } });
      return {
        run: (input) => machine.run(input as never).result,
        async start(input) {
          const execution = machine.run(input as never, { noThrowOnAbort: true });
          aborts.add(execution.abort);
        },
        async countStatesEntered(input) {
          const execution = machine.run(input as never);
          let entered = 0;
          for await (const event of execution.eventLogs) if (event.type === 'StateEntered') entered += 1;
          await execution.result;
          return entered;
        },
      };
    },
    async close() {
      for (const abort of aborts) abort();
      aborts.clear();
    },
  };
}

async function openCutover(kind: 'memory' | 'durable'): Promise<BenchEngine> {
  const dataDir = kind === 'durable' ? mkdtempSync(join(tmpdir(), 'cutover-bench-')) : undefined;
  // Scenario (a)'s loop writes about 200,000 events, far past AWS's 25,000 per execution; the peer has no limit.
  const clock = new RealClock(1);
  const sfn = new LocalStepFunctions({
    dataDir,
    clock,
    lambdas: new MapLambdaRegistry(),
    historyEventLimit: Number.POSITIVE_INFINITY,
  });
  const roleArn = 'arn:aws:iam::000000000000:role/bench';
  const runToEnd = async (stateMachineArn: string, input: unknown) => {
    const { executionArn } = await sfn.startExecution({ stateMachineArn, input: JSON.stringify(input) });
    const done = await sfn.awaitExecution(executionArn);
    if (done.status !== 'SUCCEEDED') {
      throw new Error(`${executionArn} ended ${done.status}: ${done.error} ${done.cause}`);
    }
    return { executionArn, output: JSON.parse(done.output ?? 'null') as unknown };
  };
  return {
    kind,
    // Cutover's clock keeps its timers in order, behind one Node timeout.
    pendingTimers: () => clock.pendingTimers,
    async machine(name, definition) {
      const created = await sfn.createStateMachine({ name, definition: JSON.stringify(definition), roleArn });
      const stateMachineArn = created.stateMachineArn!;
      return {
        run: async (input) => (await runToEnd(stateMachineArn, input)).output,
        async start(input) {
          await sfn.startExecution({ stateMachineArn, input: JSON.stringify(input) });
        },
        async countStatesEntered(input) {
          const { executionArn } = await runToEnd(stateMachineArn, input);
          let entered = 0;
          let nextToken: string | undefined;
          do {
            const page = await sfn.getExecutionHistory({ executionArn, nextToken, maxResults: 1000 });
            entered += (page.events ?? []).filter((event) => event.type?.endsWith('StateEntered')).length;
            nextToken = page.nextToken;
          } while (nextToken);
          return entered;
        },
      };
    },
    async close() {
      await sfn.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
