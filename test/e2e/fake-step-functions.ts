import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The account and region of the fake's ARNs. */
const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

/** One history event as the Step Functions API sends it, timestamps in epoch seconds. */
type WireEvent = Record<string, unknown> & { readonly type: string };

/** An execution the fake holds. */
export interface FakeExecution {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly startDate: number;
  stopDate?: number;
  readonly input: string;
  readonly events: WireEvent[];
}

/** An error the fake answers a call with: its type, as AWS names it, and HTTP status. */
export interface FakeError {
  readonly type: string;
  readonly status: number;
}

/** A call the fake received: the operation, its input and when it came (epoch ms). */
export interface FakeCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
  readonly at: number;
}

/** Something to do before the fake answers the `nth` call of `operation` whose input `matches`. */
interface CallTrigger {
  readonly operation: string;
  readonly matches: (input: Record<string, unknown>) => boolean;
  readonly nth: number;
  seen: number;
  readonly action: () => void;
}

/** The IAM identity the fake's STS answers GetCallerIdentity with (`AWS_ENDPOINT_URL_STS` at the fake). */
export const CALLER_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/ReleaseManager/alice`;

/** STS's GetCallerIdentity answer (AWS query protocol, XML) for {@link CALLER_ARN}. */
const CALLER_IDENTITY_XML = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>${CALLER_ARN}</Arn><UserId>AROAFAKE:alice</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

/** The ARN of the fake's state machine `name`. */
export function machineArn(name: string): string {
  return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
}

/** The ARN of the execution `name` of the fake's state machine `machine`. */
export function executionArn(machine: string, name: string): string {
  return `arn:aws:states:${REGION}:${ACCOUNT}:execution:${machine}:${name}`;
}

const seconds = (ms: number) => ms / 1000;

/**
 * The Step Functions API (AWS JSON 1.0) as far as the CLI calls it, and STS's GetCallerIdentity, on 127.0.0.1, over state machines
 * and executions a test sets up: every call is recorded, `failures` answers the next calls of an
 * operation with AWS errors (throttling, refused credentials), and {@link onNthCall} changes what the
 * fake holds when the CLI has made a given call (an execution ends, a rule starts a rollback).
 */
export class FakeStepFunctions {
  readonly calls: FakeCall[] = [];
  readonly executions = new Map<string, FakeExecution>();
  /** Errors to answer the next calls of each operation with, first first. */
  readonly failures = new Map<string, FakeError[]>();
  /** Called once an execution was stopped through StopExecution (an EventBridge rule, say). */
  onStop?: (execution: FakeExecution) => void;
  #triggers: CallTrigger[] = [];
  #server?: Server;

  constructor(readonly machineNames: readonly string[]) {}

  /** Listens on a port the system picks; resolves with the endpoint URL. */
  async start(): Promise<string> {
    const server = createServer((request, response) => void this.#answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    this.#server = server;
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /**
   * Runs `action` before answering the `nth` call of `operation` (whose input `matches`) received from now
   * on, so that the call sees what it did.
   *
   * @example
   * fake.onNthCall('GetExecutionHistory', 3, () => fake.append(release, SUCCEEDED));
   */
  onNthCall(
    operation: string,
    nth: number,
    action: () => void,
    matches: (input: Record<string, unknown>) => boolean = () => true,
  ): void {
    this.#triggers.push({ operation, matches, nth, seen: 0, action });
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.#server?.close(resolve));
  }

  /** Adds an execution of `machine`, started `startedMsAgo` ago, with the history `events` (ids are added). */
  addExecution(
    machine: string,
    name: string,
    status: FakeExecution['status'],
    input: unknown,
    events: WireEvent[],
    startedMsAgo = 60_000,
  ): FakeExecution {
    const execution: FakeExecution = {
      executionArn: executionArn(machine, name),
      stateMachineArn: machineArn(machine),
      name,
      status,
      startDate: seconds(Date.now() - startedMsAgo),
      input: JSON.stringify(input),
      events: [],
    };
    this.executions.set(execution.executionArn, execution);
    this.append(execution, {
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: execution.input },
    });
    for (const event of events) this.append(execution, event);
    return execution;
  }

  /** Appends an event to the execution's history, with the next id, now. */
  append(execution: FakeExecution, event: WireEvent): void {
    execution.events.push({ id: execution.events.length + 1, timestamp: seconds(Date.now()), ...event });
  }

  /** The inputs of the calls of `operation`, in order. */
  callsOf(operation: string): Record<string, unknown>[] {
    return this.calls.filter((call) => call.operation === operation).map((call) => call.input);
  }

  /** When the calls of `operation` came (epoch ms), in order. */
  timesOf(operation: string): number[] {
    return this.calls.filter((call) => call.operation === operation).map((call) => call.at);
  }

  async #answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = Date.now();
    let body = '';
    for await (const chunk of request) body += chunk;
    if (request.headers['x-amz-target'] === undefined && body.includes('Action=GetCallerIdentity')) {
      this.calls.push({ operation: 'sts:GetCallerIdentity', input: {}, at });
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(CALLER_IDENTITY_XML);
      return;
    }
    const operation = String(request.headers['x-amz-target'] ?? '').replace('AWSStepFunctions.', '');
    const input = JSON.parse(body || '{}') as Record<string, unknown>;
    this.calls.push({ operation, input, at });
    for (const trigger of this.#triggers) {
      if (trigger.operation !== operation || !trigger.matches(input)) continue;
      trigger.seen += 1;
      if (trigger.seen === trigger.nth) trigger.action();
    }
    const failure = this.failures.get(operation)?.shift();
    const [status, answer] = failure
      ? [failure.status, { __type: failure.type, message: `${failure.type} (fake)` }]
      : this.#operate(operation, input);
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify(answer));
  }

  #operate(operation: string, input: Record<string, unknown>): [number, unknown] {
    const execution = this.executions.get(String(input.executionArn));
    const missing: [number, unknown] = [
      400,
      { __type: 'ExecutionDoesNotExist', message: 'no such execution' },
    ];
    switch (operation) {
      case 'ListStateMachines':
        return [
          200,
          {
            stateMachines: this.machineNames.map((name) => ({
              name,
              stateMachineArn: machineArn(name),
              type: 'STANDARD',
              creationDate: 0,
            })),
          },
        ];
      case 'ListExecutions':
        return [200, { executions: this.#executionsOf(String(input.stateMachineArn)) }];
      case 'DescribeExecution':
        return execution ? [200, this.#described(execution)] : missing;
      case 'GetExecutionHistory': {
        if (!execution) return missing;
        const events = input.reverseOrder ? [...execution.events].reverse() : execution.events;
        return [200, { events }];
      }
      case 'StartExecution':
        return [200, this.#started(input)];
      case 'StopExecution': {
        if (!execution) return missing;
        this.#stop(execution, input);
        return [200, { stopDate: execution.stopDate }];
      }
      case 'SendTaskSuccess':
      case 'SendTaskFailure':
        return [200, {}];
      default:
        return [400, { __type: 'UnknownOperationException', message: operation }];
    }
  }

  #executionsOf(stateMachineArn: string): unknown[] {
    return [...this.executions.values()]
      .filter((execution) => execution.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate - a.startDate)
      .map(({ executionArn, stateMachineArn: machine, name, status, startDate, stopDate }) => ({
        executionArn,
        stateMachineArn: machine,
        name,
        status,
        startDate,
        stopDate,
      }));
  }

  #described(execution: FakeExecution): unknown {
    const { executionArn, stateMachineArn, name, status, startDate, stopDate, input } = execution;
    return { executionArn, stateMachineArn, name, status, startDate, stopDate, input };
  }

  #started(input: Record<string, unknown>): unknown {
    const machine = String(input.stateMachineArn).split(':').at(-1)!;
    const execution = this.addExecution(machine, String(input.name), 'RUNNING', {}, [], 0);
    Object.assign(execution, { input: String(input.input ?? '{}') });
    return { executionArn: execution.executionArn, startDate: execution.startDate };
  }

  #stop(execution: FakeExecution, input: Record<string, unknown>): void {
    execution.status = 'ABORTED';
    execution.stopDate = seconds(Date.now());
    this.append(execution, {
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: input.error, cause: input.cause },
    });
    this.onStop?.(execution);
  }
}
