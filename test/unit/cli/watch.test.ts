import {
  CreateStateMachineCommand,
  type GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { type LocalRuntime, startLocalRuntime } from '#local/runtime.ts';
import { AnsweringServers } from '#test/support/answering-servers.ts';
import { createStepFunctionsClient, unnamedLocalEndpoint } from '../../../src/cli/endpoint.ts';
import { CliError, ExitCode } from '../../../src/cli/exit-codes.ts';
import { describeFailedCall } from '../../../src/cli/failed-call.ts';
import { resolveExecutionArn } from '../../../src/cli/resolve.ts';
import { followExecution, throughLostContact, watchExecution } from '../../../src/cli/watch.ts';

const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:api-v2';
const UNSCHEDULABLE =
  'pod api-canary-7d9f-x2x not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.';

/** The events of one rollout loop turn: Wait, CheckCanary reporting `check`, the Choice. */
function aLoopTurn(check: { ready: boolean; reason: string; attempt: number }): Omit<HistoryEvent, 'id'>[] {
  return [
    { type: 'WaitStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'WaitForCanary' } },
    { type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'CheckCanary' } },
    {
      type: 'TaskSucceeded',
      timestamp: new Date(),
      taskSucceededEventDetails: {
        resource: 'invoke',
        resourceType: 'lambda',
        output: JSON.stringify({ Payload: { track: 'canary', ...check } }),
      },
    },
    {
      type: 'ChoiceStateEntered',
      timestamp: new Date(),
      stateEnteredEventDetails: { name: 'IsCanaryReady' },
    },
  ];
}

/**
 * A Step Functions client whose execution's history grows by one batch of events per GetExecutionHistory
 * call (read newest first, as `watch` reads it).
 */
function aGrowingHistory(batches: Omit<HistoryEvent, 'id'>[][]): SFNClient {
  const history: HistoryEvent[] = [];
  let next = 0;
  return {
    send: async (command: GetExecutionHistoryCommand) => {
      for (const event of batches[next++] ?? []) history.push({ ...event, id: history.length + 1 });
      expect(command.input).toMatchObject({ executionArn, reverseOrder: true });
      return { events: [...history].reverse() };
    },
  } as unknown as SFNClient;
}

describe('watchExecution', () => {
  it("prints a rollout's reason when it changes, not at every check, and again after the track was ready", async () => {
    // Prepare
    const stuck = `0/4 ready, 4 updated; ${UNSCHEDULABLE}`;
    const sfn = aGrowingHistory([
      aLoopTurn({ ready: false, reason: stuck, attempt: 1 }),
      aLoopTurn({ ready: false, reason: stuck, attempt: 2 }),
      [
        ...aLoopTurn({ ready: false, reason: stuck, attempt: 3 }),
        ...aLoopTurn({ ready: false, reason: `1/4 ready, 4 updated; ${UNSCHEDULABLE}`, attempt: 4 }),
      ],
      aLoopTurn({ ready: true, reason: '4/4 ready, 4 updated', attempt: 5 }),
      aLoopTurn({ ready: false, reason: stuck, attempt: 1 }),
      [{ type: 'ExecutionSucceeded', timestamp: new Date(), executionSucceededEventDetails: {} }],
    ]);
    const printed: string[] = [];
    // Act
    const code = await watchExecution(sfn, executionArn, { print: (line) => printed.push(line), pollMs: 1 });
    // Assess
    expect(code).toBe(0);
    expect(printed.filter((line) => !line.startsWith('→'))).toEqual([
      `  rollout  canary: ${stuck}`,
      `  rollout  canary: 1/4 ready, 4 updated; ${UNSCHEDULABLE}`,
      `  rollout  canary: ${stuck}`,
      'SUCCEEDED',
    ]);
    expect(printed.filter((line) => line === '→ CheckCanary')).toHaveLength(6);
  });

  it("states a waiting approval's deadline as the endpoint's clock runs it", async () => {
    // Prepare: an approval of 60 s that a runtime at WAIT_TIME_SCALE=0.1 times out 6 s after scheduling it
    const scheduled = new Date();
    const sfn = aGrowingHistory([
      [
        {
          type: 'TaskScheduled',
          timestamp: scheduled,
          taskScheduledEventDetails: {
            resourceType: 'lambda',
            resource: 'invoke.waitForTaskToken',
            region: 'us-east-1',
            parameters: JSON.stringify({ Payload: { taskToken: 'token-1' } }),
            timeoutInSeconds: 60,
          },
        },
        { type: 'ExecutionAborted', timestamp: new Date(), executionAbortedEventDetails: {} },
      ],
    ]);
    const asked: unknown[] = [];
    const approvalDeadline = async (arn: string, approval: object) => {
      asked.push({ arn, ...approval });
      return scheduled.getTime() + 6_000;
    };
    const printed: string[] = [];
    // Act
    await watchExecution(sfn, executionArn, {
      print: (line) => printed.push(line),
      pollMs: 1,
      approvalDeadline,
    });
    // Assess
    const at = new Date(scheduled.getTime() + 6_000).toTimeString().slice(0, 8);
    expect(printed[0]).toMatch(
      new RegExp(
        `^ {2}approval waiting \\(times out at ${at} UTC[+-]?[\\d:]*(?: on \\d{4}-\\d\\d-\\d\\d)?, in [56]s\\): `,
      ),
    );
    expect(asked).toEqual([
      { arn: executionArn, kind: 'approval', timeoutSeconds: 60, scheduledAt: scheduled.getTime() },
    ]);
  });

  it('says who rejected an approval and why, and that no reason was given, not the reject body', async () => {
    // Prepare: the reject body as `cutover reject` and the release API send it, as the cause
    const rejected = (cause: string): SFNClient =>
      aGrowingHistory([
        [
          {
            type: 'TaskFailed',
            timestamp: new Date(),
            taskFailedEventDetails: {
              resourceType: 'lambda',
              resource: 'invoke.waitForTaskToken',
              error: 'ApprovalRejected',
              cause,
            },
          },
          {
            type: 'ExecutionFailed',
            timestamp: new Date(),
            executionFailedEventDetails: { error: 'ApprovalRejected', cause },
          },
        ],
      ]);
    const printed: string[] = [];
    const watch = (cause: string) =>
      watchExecution(rejected(cause), executionArn, { print: (line) => printed.push(line), pollMs: 1 });
    // Act
    await watch(JSON.stringify({ reason: 'p99 too high <script>', approver: 'ci' }));
    await watch('{}');
    // Assess
    expect(printed).toEqual([
      'FAILED: ApprovalRejected — rejected by ci: p99 too high <script>',
      'FAILED: ApprovalRejected — rejected (no reason given)',
    ]);
  });
});

describe('watchExecution of a timed-out execution', () => {
  it('ends with TIMED_OUT and its error, without a cause (AWS records none), and exits 1', async () => {
    // Prepare: the ExecutionTimedOut event as AWS records it
    const sfn = aGrowingHistory([
      [
        {
          type: 'ExecutionTimedOut',
          previousEventId: 0,
          timestamp: new Date(),
          executionTimedOutEventDetails: { error: 'States.Timeout' },
        },
      ],
    ]);
    const printed: string[] = [];
    // Act
    const code = await watchExecution(sfn, executionArn, { print: (line) => printed.push(line), pollMs: 1 });
    // Assess
    expect(code).toBe(ExitCode.Failed);
    expect(printed).toEqual(['TIMED_OUT: States.Timeout']);
  });
});

describe('watchExecution of a redriven execution', () => {
  it('follows it past the end a redrive undid, to its new end', async () => {
    // Prepare: it failed, was redriven (RedriveExecution), and then succeeded, in two reads
    const sfn = aGrowingHistory([
      [
        { type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Deploy' } },
        {
          type: 'ExecutionFailed',
          timestamp: new Date(),
          executionFailedEventDetails: { error: 'States.Runtime', cause: 'the cluster was unreachable' },
        },
        {
          type: 'ExecutionRedriven',
          timestamp: new Date(),
          executionRedrivenEventDetails: { redriveCount: 1 },
        },
        { type: 'TaskStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Deploy' } },
      ],
      [
        {
          type: 'ExecutionSucceeded',
          timestamp: new Date(),
          executionSucceededEventDetails: { output: '{}' },
        },
      ],
    ]);
    const printed: string[] = [];
    // Act
    const code = await watchExecution(sfn, executionArn, { print: (line) => printed.push(line), pollMs: 1 });
    // Assess
    expect(code).toBe(ExitCode.Succeeded);
    expect(printed).toEqual([
      '→ Deploy',
      'FAILED: States.Runtime — the cluster was unreachable',
      'REDRIVEN (redrive 1): goes on from the state it stopped at',
      '→ Deploy',
      'SUCCEEDED',
    ]);
  });

  it('stops at an end no redrive follows yet', async () => {
    // Prepare
    const sfn = aGrowingHistory([
      [
        {
          type: 'ExecutionRedriven',
          timestamp: new Date(),
          executionRedrivenEventDetails: { redriveCount: 1 },
        },
        {
          type: 'ExecutionFailed',
          timestamp: new Date(),
          executionFailedEventDetails: { error: 'RolloutRefused', cause: 'again' },
        },
      ],
    ]);
    const printed: string[] = [];
    // Act
    const code = await watchExecution(sfn, executionArn, { print: (line) => printed.push(line), pollMs: 1 });
    // Assess
    expect(code).toBe(ExitCode.Failed);
    expect(printed.at(-1)).toBe('FAILED: RolloutRefused — again');
  });
});

describe('watchExecution of an aborted execution', () => {
  const stoppedAt = new Date('2026-11-29T12:00:00Z');
  const aborted = () =>
    aGrowingHistory([
      [
        {
          type: 'ExecutionAborted',
          timestamp: stoppedAt,
          executionAbortedEventDetails: { error: 'Aborted', cause: 'wrong image' },
        },
      ],
    ]);

  it('names its rollback and its status last, with the command that follows it', async () => {
    // Prepare
    const asked: unknown[] = [];
    const rollbackOf = async (arn: string, stopDate: Date | undefined) => {
      asked.push({ arn, stopDate });
      const rollbackArn = 'arn:aws:states:us-east-1:000000000000:execution:rollback:abort-api-v2';
      return { executionArn: rollbackArn, status: 'RUNNING' };
    };
    const printed: string[] = [];
    // Act
    const code = await watchExecution(aborted(), executionArn, {
      print: (line) => printed.push(line),
      pollMs: 1,
      endpointFlags: ' --endpoint http://127.0.0.1:9000',
      rollbackOf,
    });
    // Assess
    expect(code).toBe(1);
    expect(printed).toEqual([
      'ABORTED: Aborted — wrong image',
      'rollback: abort-api-v2 RUNNING — `cutover watch abort-api-v2 --endpoint http://127.0.0.1:9000`',
    ]);
    expect(asked).toEqual([{ arn: executionArn, stopDate: stoppedAt }]);
  });

  it('says what a rollback that SUCCEEDED did not restore in full', async () => {
    // Prepare: the rollback could not start the old version again; the new one's replicas still serve
    const rollbackOf = async () => ({
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:rollback:abort-api-v2',
      status: 'SUCCEEDED',
      notRestored: "stable 0/2 ready of v1 (CrashLoopBackOff; v2's 2 replicas still serve)",
    });
    const printed: string[] = [];
    // Act
    const code = await watchExecution(aborted(), executionArn, {
      print: (line) => printed.push(line),
      pollMs: 1,
      rollbackOf,
    });
    // Assess
    expect(code).toBe(1);
    expect(printed).toEqual([
      'ABORTED: Aborted — wrong image',
      "rollback: abort-api-v2 SUCCEEDED but did not restore in full: stable 0/2 ready of v1 (CrashLoopBackOff; v2's 2 replicas still serve) — `cutover watch abort-api-v2`",
    ]);
  });

  it('looks up no rollback of a rollback', async () => {
    // Prepare
    const rollbackArn = 'arn:aws:states:eu-west-1:111122223333:execution:Cutover-rollback:abort-api-v2';
    const sfn = {
      send: async () => ({
        events: [{ id: 1, type: 'ExecutionAborted', timestamp: stoppedAt, executionAbortedEventDetails: {} }],
      }),
    } as unknown as SFNClient;
    const asked: string[] = [];
    const printed: string[] = [];
    // Act
    const code = await watchExecution(sfn, rollbackArn, {
      print: (line) => printed.push(line),
      pollMs: 1,
      rollbackOf: async (arn) => {
        asked.push(arn);
        return undefined;
      },
    });
    // Assess
    expect(code).toBe(1);
    expect(printed).toEqual(['ABORTED']);
    expect(asked).toEqual([]);
  });

  it('says when no rollback is found, or one ended without cleaning up, that `cutover abort` acts on it', async () => {
    // Prepare
    const printed: string[] = [];
    const watch = (rollback?: { executionArn: string; status: string }) =>
      watchExecution(aborted(), executionArn, {
        print: (line) => printed.push(line),
        pollMs: 1,
        rollbackOf: async () => rollback,
      });
    // Act
    await watch();
    await watch({
      executionArn: `${executionArn.replace(':canary:', ':rollback:abort-')}`,
      status: 'FAILED',
    });
    // Assess
    expect(printed.filter((line) => line.startsWith('rollback:'))).toEqual([
      'rollback: none found — `cutover abort api-v2` finds or starts it',
      'rollback: abort-api-v2 FAILED — `cutover abort api-v2` starts a new one or says why not',
    ]);
  });
});

describe('throughLostContact', () => {
  /** A read that the endpoint refuses once, then answers. */
  function refusedOnce(): () => Promise<string> {
    let calls = 0;
    return async () => {
      if (calls++ === 0) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return executionArn;
    };
  }

  it('names the endpoint the user did not name, and how to start it or pass another', async () => {
    // Prepare
    const warned: string[] = [];
    const warn = (line: string) => warned.push(line);
    const unnamedEndpoint = unnamedLocalEndpoint({}, {});
    // Act
    const read = await throughLostContact(refusedOnce(), { warn, pollMs: 1, unnamedEndpoint });
    // Assess
    expect(read).toBe(executionArn);
    expect(warned).toEqual([
      'http://127.0.0.1:8083 does not answer (ECONNREFUSED): is cutover local running there? ' +
        '(or pass --endpoint <url>); trying again for up to 120s',
      'the endpoint answers again; following',
    ]);
  });

  it('says "the endpoint" of one the user named with --endpoint or --aws', async () => {
    // Prepare
    const warned: string[] = [];
    const warn = (line: string) => warned.push(line);
    const named = [{ endpoint: 'http://127.0.0.1:9000' }, { aws: true }];
    // Act
    for (const options of named) {
      await throughLostContact(refusedOnce(), {
        warn,
        pollMs: 1,
        unnamedEndpoint: unnamedLocalEndpoint(options),
      });
    }
    // Assess
    expect(warned.filter((line) => line.includes('does not answer'))).toEqual([
      'the endpoint does not answer (ECONNREFUSED); trying again for up to 120s',
      'the endpoint does not answer (ECONNREFUSED); trying again for up to 120s',
    ]);
  });
});

describe('throughLostContact without credentials', () => {
  /** The usage error `withSetupHints` makes of the SDK's, when it finds no credentials. */
  function noCredentials(): CliError {
    const sdkError = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    return new CliError(
      'no usable AWS credentials (Could not load credentials from any providers): set AWS_PROFILE or run `aws sso login`',
      ExitCode.Usage,
      { cause: sdkError },
    );
  }

  it('throws the usage error as it is before the execution is followed', async () => {
    // Prepare
    const error = noCredentials();
    // Act
    const thrown = await throughLostContact(() => Promise.reject(error), { pollMs: 1 }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(thrown).toBe(error);
  });

  it('ends following with exit code 3, naming the SDK error, once credentials can no longer be loaded', async () => {
    // Act
    const thrown = await throughLostContact(
      () => Promise.reject(noCredentials()),
      { pollMs: 1 },
      {
        following: true,
      },
    ).catch((e: unknown) => e);
    // Assess
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(ExitCode.Unknown);
    expect((thrown as CliError).message).toBe(
      'stopped following: AWS refused the credentials (CredentialsProviderError: Could not load credentials ' +
        'from any providers), so the outcome is unknown',
    );
  });
});

const servers = new AnsweringServers();
const runtimes: LocalRuntime[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await servers.stopAll();
  for (const runtime of runtimes.splice(0)) await runtime.close();
});

/** What `cutover` prints on stderr for `error`, and the exit code it ends with. */
function asTheCliEnds(error: unknown): { stderr: string; exitCode: number } {
  return {
    stderr: `cutover: ${describeFailedCall(error) ?? (error as Error).message}`,
    exitCode: error instanceof CliError ? error.exitCode : ExitCode.Failed,
  };
}

/** The `the endpoint does not answer (...)` line of a reader trying again for `seconds`. */
const doesNotAnswer = (reason: string, seconds: number) =>
  `the endpoint does not answer (${reason}); trying again for up to ${seconds}s`;

describe('throughLostContact at an endpoint that is not Step Functions', () => {
  it('ends at once with the one line `list` prints, exit code 1, whatever 500 or 501 answers', async () => {
    // Prepare: a web server that is not Step Functions, as python's http.server answers
    const answers = [
      {
        status: 501,
        text: 'Not Implemented',
        type: 'text/html',
        body: '<!DOCTYPE HTML><html>Unsupported</html>',
      },
      { status: 500, text: 'Internal Server Error', type: 'text/plain', body: 'oops' },
    ];
    const warned: string[] = [];
    for (const { status, text, type, body } of answers) {
      const endpoint = await servers.start((_, response) => {
        response.writeHead(status, { 'content-type': type }).end(body);
      });
      const sfn = createStepFunctionsClient({ endpoint });
      // Act
      const thrown = await throughLostContact(() => resolveExecutionArn(sfn, 'checkout-v5'), {
        warn: (line) => warned.push(line),
        pollMs: 1,
        reconnectSeconds: 3,
      }).catch((error: unknown) => error);
      // Assess
      expect(asTheCliEnds(thrown)).toEqual({
        stderr:
          `cutover: ListStateMachines at ${endpoint} failed: HTTP ${status} ${text} ` +
          '(not a Step Functions answer: is a proxy in the way, or is --endpoint right?)',
        exitCode: ExitCode.Failed,
      });
    }
    expect(warned).toEqual([]);
  });

  it('waits through the 502, 503 or 504 of a proxy while the runtime behind it restarts, naming the status', async () => {
    // Prepare: a proxy that answers its HTML error page until the follower says it waits
    const statuses = [
      [502, 'Bad Gateway'],
      [503, 'Service Unavailable'],
      [504, 'Gateway Timeout'],
    ] as const;
    const warned: string[] = [];
    for (const [status] of statuses) {
      let restarting = true;
      const endpoint = await servers.start((_, response) => {
        if (restarting) response.writeHead(status, { 'content-type': 'text/html' }).end('<html>nginx</html>');
        else
          response
            .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
            .end('{"stateMachines":[]}');
      });
      const sfn = createStepFunctionsClient({ endpoint });
      const warn = (line: string) => {
        warned.push(line);
        restarting = false;
      };
      // Act
      const read = await throughLostContact(() => sfn.send(new ListStateMachinesCommand({})), {
        warn,
        pollMs: 1,
        reconnectSeconds: 3,
      });
      // Assess
      expect(read.stateMachines).toEqual([]);
    }
    expect(warned).toEqual(
      statuses.flatMap(([status, text]) => [
        doesNotAnswer(`HTTP ${status} ${text}`, 3),
        'the endpoint answers again; following',
      ]),
    );
  });

  it('waits through an InternalFailure Step Functions answers, naming it', async () => {
    // Prepare
    let failing = true;
    const endpoint = await servers.start((_, response) => {
      const type = { 'content-type': 'application/x-amz-json-1.0' };
      if (failing)
        response.writeHead(500, type).end('{"__type":"InternalFailure","message":"database\\nlocked"}');
      else response.writeHead(200, type).end('{"stateMachines":[]}');
    });
    const sfn = createStepFunctionsClient({ endpoint });
    const warned: string[] = [];
    const warn = (line: string) => {
      warned.push(line);
      failing = false;
    };
    // Act
    await throughLostContact(() => sfn.send(new ListStateMachinesCommand({})), { warn, pollMs: 1 });
    // Assess
    expect(warned).toEqual([
      doesNotAnswer('InternalFailure (HTTP 500)', 120),
      'the endpoint answers again; following',
    ]);
  });
});

/** A `canary` state machine that waits an hour. */
const AN_HOUR_WAIT = JSON.stringify({
  StartAt: 'BakeStep',
  States: { BakeStep: { Type: 'Wait', Seconds: 3600, End: true } },
});

/** A runtime in memory (as one on a data directory of its own) on `port`, its waits at real time. */
async function aRuntime(port = 0): Promise<LocalRuntime> {
  const runtime = await startLocalRuntime({ port, projectDir: null, clock: new RealClock(1) });
  runtimes.push(runtime);
  return runtime;
}

/** Stops `runtime`, which the test closes no more. */
async function stop(runtime: LocalRuntime): Promise<void> {
  runtimes.splice(runtimes.indexOf(runtime), 1);
  await runtime.close();
}

/** Runs {@link followExecution} with what it prints on stdout and stderr captured, and `onWarn` told of each warning. */
function followCaptured(
  sfn: SFNClient,
  executionArn: string,
  endpoint: string,
  onWarn: (line: string) => void,
) {
  const printed: string[] = [];
  const warned: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => printed.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: string) => {
    warned.push(line);
    onWarn(line);
  });
  const ended = followExecution(sfn, executionArn, { endpoint }).catch((error: unknown) => error);
  return { printed, warned, ended };
}

/** Resolves once `check` holds, checking every 10 ms. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('followExecution of an execution the endpoint no longer has', () => {
  it('ends with exit code 3, the outcome unknown, when cutover local comes back on another data directory', async () => {
    // Prepare: checkout-v13 bakes on the first runtime
    const first = await aRuntime();
    const { endpoint } = first;
    const sfn = createStepFunctionsClient({ endpoint });
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: 'canary',
        definition: AN_HOUR_WAIT,
        roleArn: 'arn:aws:iam::000000000000:role/cli',
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name: 'checkout-v13' }),
    );
    const port = Number(new URL(endpoint).port);
    const following = followCaptured(sfn, executionArn!, endpoint, (line) => {
      if (line.startsWith('the endpoint does not answer')) void aRuntime(port);
    });
    await until(() => following.printed.includes('→ BakeStep'));
    // Act: the runtime stops; another starts on the same port, without the execution
    await stop(first);
    const thrown = await following.ended;
    // Assess
    expect(following.warned).toEqual([doesNotAnswer('ECONNREFUSED', 120)]);
    expect(asTheCliEnds(thrown)).toEqual({
      stderr:
        `cutover: stopped following: checkout-v13 is not at ${endpoint} any more ` +
        '(was cutover local restarted with another --data-dir?), so the outcome is unknown: once it is back ' +
        `there, follow it with \`cutover watch checkout-v13 --endpoint ${endpoint}\`, or stop it with ` +
        `\`cutover abort checkout-v13 --endpoint ${endpoint}\``,
      exitCode: ExitCode.Unknown,
    });
  });

  it('ends with exit code 3, the outcome unknown, when what answers there is no longer Step Functions', async () => {
    // Prepare: the execution's history, then a web server's 501 on the same endpoint
    let reads = 0;
    const endpoint = await servers.start((_, response) => {
      if (reads++ > 0) {
        response
          .writeHead(501, { 'content-type': 'text/html' })
          .end('<!DOCTYPE HTML><html>Unsupported</html>');
        return;
      }
      const started = {
        id: 1,
        type: 'ExecutionStarted',
        timestamp: 1_790_000_000,
        executionStartedEventDetails: {},
      };
      response
        .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
        .end(JSON.stringify({ events: [started] }));
    });
    const sfn = createStepFunctionsClient({ endpoint });
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v5';
    // Act
    const following = followCaptured(sfn, executionArn, endpoint, () => {});
    const thrown = await following.ended;
    // Assess
    expect(following.warned).toEqual([]);
    expect(asTheCliEnds(thrown)).toEqual({
      stderr:
        `cutover: stopped following: GetExecutionHistory at ${endpoint} failed: HTTP 501 Not Implemented ` +
        '(not a Step Functions answer: is a proxy in the way, or is --endpoint right?), so the outcome is ' +
        `unknown: once Step Functions answers there, follow it with \`cutover watch checkout-v5 --endpoint ${endpoint}\`, ` +
        `or stop it with \`cutover abort checkout-v5 --endpoint ${endpoint}\``,
      exitCode: ExitCode.Unknown,
    });
  });
});

describe('unnamedLocalEndpoint', () => {
  it('is the endpoint of $CUTOVER_ENDPOINT, else the local runtime, when the command line names none', () => {
    // Act
    const fromEnv = unnamedLocalEndpoint({}, { CUTOVER_ENDPOINT: 'http://127.0.0.1:9001' });
    const byDefault = unnamedLocalEndpoint({ region: 'eu-west-1' }, {});
    // Assess
    expect(fromEnv).toBe('http://127.0.0.1:9001');
    expect(byDefault).toBe('http://127.0.0.1:8083');
  });
});
