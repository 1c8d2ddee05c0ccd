import { afterEach, describe, expect, it } from 'vitest';
import { ISOLATED_AWS } from '#test/support/answering-servers.ts';
import { startCli, stopStartedClis } from '#test/support/cli-process.ts';
import {
  CALLER_ARN,
  executionArn,
  type FakeExecution,
  FakeStepFunctions,
  machineArn,
  REGION,
} from './fake-step-functions.ts';

const WORKFLOWS = ['canary', 'blue-green', 'rolling', 'database-migration', 'rollback'];
/** The machines of the stacks `Cutover` and `CutoverStaging`, and another team's machine. */
const TWO_STACKS = [
  'payments-Canary',
  ...WORKFLOWS.map((workflow) => `CutoverStaging-${workflow}`),
  ...WORKFLOWS.map((workflow) => `Cutover-${workflow}`),
];
const CANARY_EKS = 'examples/requests/canary-eks.json';

interface Outcome {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

let fake: FakeStepFunctions | undefined;

afterEach(async () => {
  await stopStartedClis();
  await fake?.stop();
  fake = undefined;
});

/** A fake Step Functions API with `machines`, started. */
async function aFakeWith(
  machines: readonly string[],
): Promise<{ fake: FakeStepFunctions; endpoint: string }> {
  fake = new FakeStepFunctions(machines);
  return { fake, endpoint: await fake.start() };
}

/** Runs `cutover <args>` with `--aws` against `endpoint`, with test credentials and `env`, to its exit. */
async function cutoverAws(endpoint: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const cli = startCli([...args, '--aws', '--region', REGION, '--endpoint', endpoint], {
    ...ISOLATED_AWS,
    ...env,
  });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** The history of a release whose first task ran: what a rollback restores from. */
const RELEASE_STARTED = [
  { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'ValidateRequest' } },
  {
    type: 'LambdaFunctionScheduled',
    lambdaFunctionScheduledEventDetails: { input: '{"strategy":"canary"}' },
  },
];
const SUCCEEDED = { type: 'ExecutionSucceeded', executionSucceededEventDetails: { output: '{}' } };

/**
 * The EventBridge rule's rollback `name` of a stop, with `ruleInput`: started in `fake` on the CLI's second
 * listing of `Cutover-rollback` from now, so that the first found none and the CLI had to wait for it.
 */
function ruleStartsRollbackOnSecondLook(fake: FakeStepFunctions, name: string, ruleInput: unknown): void {
  fake.onNthCall(
    'ListExecutions',
    2,
    () => fake.addExecution('Cutover-rollback', name, 'RUNNING', ruleInput, [], 0),
    (input) => input.stateMachineArn === machineArn('Cutover-rollback'),
  );
}

describe('cutover --aws finds the state machines of one stack', () => {
  it('refuses to choose between the machines of several stacks without --stack, naming them, and starts nothing', async () => {
    // Prepare
    const { fake, endpoint } = await aFakeWith(TWO_STACKS);
    // Act
    const run = await cutoverAws(endpoint, ['run', 'canary', '-f', CANARY_EKS, '--name', 'checkout-v2']);
    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `cutover: Cutover state machines of several stacks in ${REGION}: Cutover, CutoverStaging; pass --stack <name> (or set CUTOVER_STACK)`,
    );
    expect(fake.callsOf('StartExecution')).toEqual([]);
  });

  it('starts <stack>-canary, not another machine whose name ends in canary, reading 1000 machines a page', async () => {
    // Prepare
    const { fake, endpoint } = await aFakeWith(TWO_STACKS);
    // Act
    const run = await cutoverAws(endpoint, ['run', 'canary', '-f', CANARY_EKS, '--name', 'checkout-v2'], {
      CUTOVER_STACK: 'Cutover',
    });
    // Assess
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(executionArn('Cutover-canary', 'checkout-v2'));
    expect(fake.callsOf('StartExecution').map((input) => input.stateMachineArn)).toEqual([
      machineArn('Cutover-canary'),
    ]);
    expect(fake.callsOf('ListStateMachines').every((input) => input.maxResults === 1000)).toBe(true);
  });

  it("lists the executions of the stack's machines only", async () => {
    // Prepare
    const { fake, endpoint } = await aFakeWith(TWO_STACKS);
    fake.addExecution('Cutover-canary', 'checkout-v2', 'SUCCEEDED', {}, [SUCCEEDED]);
    fake.addExecution('CutoverStaging-canary', 'checkout-staging', 'SUCCEEDED', {}, [SUCCEEDED]);
    fake.addExecution('payments-Canary', 'payments-v9', 'SUCCEEDED', {}, [SUCCEEDED]);
    // Act
    const list = await cutoverAws(endpoint, ['list'], { CUTOVER_STACK: 'Cutover' });
    // Assess
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^SUCCEEDED +Cutover-canary .* checkout-v2$/),
    ]);
  });

  it("follows the rollback the EventBridge rule started on the aborted execution's own stack, starting none", async () => {
    // Prepare
    const { fake, endpoint } = await aFakeWith(TWO_STACKS);
    fake.addExecution(
      'Cutover-canary',
      'checkout-v2',
      'RUNNING',
      { release: { version: 'v2' } },
      RELEASE_STARTED,
    );
    // The rule starts the rollback once abort has looked for it in vain after the stop.
    fake.onStop = (stopped) => {
      const ruleInput = { strategy: 'canary', executionArn: stopped.executionArn, input: stopped.input };
      ruleStartsRollbackOnSecondLook(fake, 'rule-7f3a', ruleInput);
    };
    // Act
    const abort = await cutoverAws(endpoint, ['abort', executionArn('Cutover-canary', 'checkout-v2')]);
    // Assess
    expect(abort.code, abort.stderr).toBe(0);
    expect(abort.stdout).toContain(`rolling back: ${executionArn('Cutover-rollback', 'rule-7f3a')}`);
    expect(fake.callsOf('StartExecution')).toEqual([]);
    const listed = fake.callsOf('ListExecutions').map((input) => input.stateMachineArn);
    expect(listed).not.toContain(machineArn('CutoverStaging-rollback'));
  });

  it('says the stack is not in the region, not that nothing runs, when no machine of it is there', async () => {
    // Prepare
    const { fake, endpoint } = await aFakeWith(['payments-Canary']);
    const expected =
      `cutover: no Cutover state machines of stack Cutover (Cutover-canary, Cutover-blue-green, Cutover-rolling, ` +
      `Cutover-database-migration, Cutover-rollback) in ${REGION}: wrong --region or profile, or the stack is not deployed\n`;
    // Act
    const list = await cutoverAws(endpoint, ['list']);
    const status = await cutoverAws(endpoint, ['status', 'shop/checkout']);
    const run = await cutoverAws(endpoint, ['run', 'canary', '-f', CANARY_EKS]);
    // Assess
    for (const outcome of [list, status, run]) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toBe(expected);
    }
    expect(list.stdout).toBe('');
    expect(fake.callsOf('StartExecution')).toEqual([]);
  });
});

describe('cutover watch --aws', () => {
  /** A running release `checkout-v2` of the stack Cutover, its first task run. */
  async function aRunningRelease(): Promise<{
    fake: FakeStepFunctions;
    endpoint: string;
    release: FakeExecution;
  }> {
    const started = await aFakeWith(WORKFLOWS.map((workflow) => `Cutover-${workflow}`));
    const release = started.fake.addExecution(
      'Cutover-canary',
      'checkout-v2',
      'RUNNING',
      {},
      RELEASE_STARTED,
    );
    return { ...started, release };
  }

  /** Ends `release` SUCCEEDED when the `nth` GetExecutionHistory call reads it. */
  function succeedOnRead(release: FakeExecution, nth: number): void {
    fake!.onNthCall('GetExecutionHistory', nth, () => {
      release.status = 'SUCCEEDED';
      fake!.append(release, SUCCEEDED);
    });
  }

  it('keeps following while AWS throttles it, slowing down, and reads AWS every 2 s', async () => {
    // Prepare: throttled past the SDK's own retries once, then answered
    const { fake, endpoint, release } = await aRunningRelease();
    fake.failures.set(
      'GetExecutionHistory',
      Array.from({ length: 3 }, () => ({ type: 'ThrottlingException', status: 400 })),
    );
    // 3 throttled, the first read answered, two polls: the second sees the release end.
    succeedOnRead(release, 3 + 3);
    // Act
    const watch = await cutoverAws(endpoint, ['watch', 'checkout-v2']);
    // Assess
    expect(watch.code, watch.stderr).toBe(0);
    expect(watch.stdout.trim().split('\n').at(-1)).toBe('SUCCEEDED');
    expect(watch.stderr).toContain('AWS throttles the calls (ThrottlingException); following more slowly');
    const reads = fake.callsOf('GetExecutionHistory');
    expect(reads[0]).toMatchObject({ maxResults: 1000, reverseOrder: true });
    // After the throttled calls it waits twice the 2 s, then reads every 2 s (not every 500 ms).
    const times = fake.timesOf('GetExecutionHistory').slice(2);
    const gaps = times.slice(1).map((at, i) => at - times[i]!);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]).toBeGreaterThanOrEqual(3500);
    for (const gap of gaps.slice(1)) expect(gap).toBeGreaterThanOrEqual(1500);
  });

  it('exits 3, outcome unknown, when AWS refuses the credentials, saying to refresh them and how to follow again', async () => {
    // Prepare
    const { fake, endpoint } = await aRunningRelease();
    fake.failures.set('GetExecutionHistory', [{ type: 'ExpiredTokenException', status: 400 }]);
    // Act
    const watch = await cutoverAws(endpoint, ['watch', 'checkout-v2', '--stack', 'Cutover']);
    // Assess
    expect(watch.code).toBe(3);
    const flags = `--aws --region ${REGION} --endpoint ${endpoint} --stack Cutover`;
    expect(watch.stderr).toBe(
      'cutover: stopped following: AWS refused the credentials (ExpiredTokenException: ExpiredTokenException ' +
        '(fake)), so the outcome is unknown: once the credentials are refreshed (set AWS_PROFILE or run `aws sso ' +
        `login\`), follow it with \`cutover watch checkout-v2 ${flags}\`, or stop it with \`cutover abort ` +
        `checkout-v2 ${flags}\`\n`,
    );
  });

  it('waits for the rollback the EventBridge rule starts after an abort, and names it', async () => {
    // Prepare: aborted; the rule starts its rollback once watch has looked for it in vain
    const { fake, endpoint, release } = await aRunningRelease();
    release.status = 'ABORTED';
    fake.append(release, {
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: 'wrong image' },
    });
    const ruleInput = { strategy: 'canary', executionArn: release.executionArn, input: release.input };
    ruleStartsRollbackOnSecondLook(fake, 'rule-9c2e', ruleInput);
    // Act
    const watch = await cutoverAws(endpoint, ['watch', 'checkout-v2']);
    // Assess
    expect(watch.code).toBe(1);
    expect(watch.stdout.trim().split('\n').at(-1)).toBe(
      `rollback: rule-9c2e RUNNING — \`cutover watch rule-9c2e --aws --region ${REGION} --endpoint ${endpoint}\``,
    );
  });
});

describe('cutover --aws after an abort whose rollback did not restore in full', () => {
  const app = { name: 'app', namespace: 'rev' };
  const SHORT = "stable 0/2 ready of v15: CrashLoopBackOff; v16's 2 replicas still serve";
  /** When an execution started, as status prints it. */
  const startedAt = (execution: FakeExecution) => new Date(execution.startDate * 1000).toISOString();

  /**
   * rev/app: rolling v15 SUCCEEDED; canary v16 promoted, then aborted in its scale-down delay; its rollback
   * SUCCEEDED, but v15 could not start again, so v16's replicas still serve.
   */
  async function anAbortNotRestored() {
    const started = await aFakeWith(WORKFLOWS.map((workflow) => `Cutover-${workflow}`));
    const { fake } = started;
    const r15 = fake.addExecution(
      'Cutover-rolling',
      'app-r15',
      'SUCCEEDED',
      { service: app, release: { version: 'v15' } },
      [SUCCEEDED],
      600_000,
    );
    const c16 = fake.addExecution(
      'Cutover-canary',
      'app-c16',
      'ABORTED',
      { service: app, release: { version: 'v16' } },
      [
        ...RELEASE_STARTED,
        { type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Aborted', cause: 'hold' } },
      ],
      300_000,
    );
    c16.stopDate = c16.startDate + 60;
    const rollbackInput = {
      strategy: 'canary',
      executionArn: c16.executionArn,
      input: c16.input,
      reason: 'hold',
    };
    fake.addExecution(
      'Cutover-rollback',
      'abort-app-c16',
      'SUCCEEDED',
      rollbackInput,
      [
        {
          type: 'TaskSucceeded',
          taskSucceededEventDetails: {
            resource: 'invoke',
            resourceType: 'lambda',
            output: JSON.stringify({
              Payload: { ready: true, waiting: [], shortfall: [SHORT], attempt: 60, maxAttempts: 60 },
            }),
          },
        },
        { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'NotifyRolledBack' } },
        SUCCEEDED,
      ],
      230_000,
    );
    return { ...started, r15, c16 };
  }

  it('status names what the rollback did not restore, and says the live version is unknown, in text and JSON', async () => {
    // Prepare
    const { endpoint, r15, c16 } = await anAbortNotRestored();
    const flags = `--aws --region ${REGION} --endpoint ${endpoint}`;
    // Act
    const status = await cutoverAws(endpoint, ['status', 'rev/app']);
    const json = await cutoverAws(endpoint, ['status', 'rev/app', '--json']);
    // Assess
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout.trim().split('\n')).toEqual([
      "rev/app: live version unknown: canary v16 app-c16 was aborted and its rollback abort-app-c16 did not restore in full: stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve); last successful release v15 (rolling app-r15)",
      `ABORTED    canary   v16  app-c16  ${startedAt(c16)}, took 1m 0s`,
      `           rollback: abort-app-c16 SUCCEEDED but did not restore in full: stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve) — \`cutover watch abort-app-c16 ${flags}\``,
      `SUCCEEDED  rolling  v15  app-r15  ${startedAt(r15)}`,
    ]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).servingRelease).toMatchObject({
      name: 'app-c16',
      version: 'v16',
      status: 'ABORTED',
      rollback: {
        executionArn: executionArn('Cutover-rollback', 'abort-app-c16'),
        status: 'SUCCEEDED',
        notRestored: "stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve)",
      },
    });
  });

  it('watch of the aborted release ends saying what its rollback did not restore', async () => {
    // Prepare
    const { endpoint } = await anAbortNotRestored();
    // Act
    const watch = await cutoverAws(endpoint, ['watch', 'app-c16']);
    // Assess
    expect(watch.code).toBe(1);
    expect(watch.stdout.trim().split('\n').slice(-2)).toEqual([
      'ABORTED: Aborted — hold',
      `rollback: abort-app-c16 SUCCEEDED but did not restore in full: stable 0/2 ready of v15 (CrashLoopBackOff; v16's 2 replicas still serve) — \`cutover watch abort-app-c16 --aws --region ${REGION} --endpoint ${endpoint}\``,
    ]);
  });
});

describe('cutover run --aws while the rollback of an aborted release of the service runs', () => {
  it('exits 2 naming the rollback, and starts nothing', async () => {
    // Prepare: rolling checkout-r23 was aborted; its rollback still runs, holding the service
    const { fake, endpoint } = await aFakeWith(WORKFLOWS.map((workflow) => `Cutover-${workflow}`));
    const checkout = { name: 'checkout', namespace: 'shop' };
    const r23 = fake.addExecution(
      'Cutover-rolling',
      'checkout-r23',
      'ABORTED',
      { service: checkout, release: { version: 'v23' } },
      RELEASE_STARTED,
    );
    const rollback = fake.addExecution(
      'Cutover-rollback',
      'abort-checkout-r23',
      'RUNNING',
      { strategy: 'rolling', executionArn: r23.executionArn, input: r23.input, reason: 'hold' },
      [],
      5_000,
    );
    // Act
    const run = await cutoverAws(endpoint, ['run', 'canary', '-f', CANARY_EKS]);
    // Assess
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        `cutover: shop/checkout is being rolled back by abort-checkout-r23 (the rollback of rolling checkout-r23, running since ${new Date(rollback.startDate * 1000).toISOString()}): ` +
        'another release of it would fail ServiceLocked until that rollback ends: follow it ' +
        `(\`cutover watch abort-checkout-r23 --aws --region ${REGION} --endpoint ${endpoint}\`), then run the release; nothing was started\n`,
    });
    expect(fake.callsOf('StartExecution')).toEqual([]);
  });
});

describe('cutover approve|reject --aws', () => {
  /** A blue-green release waiting for its approval's task token. */
  const AWAITING_APPROVAL = [
    ...RELEASE_STARTED,
    {
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke.waitForTaskToken',
        region: REGION,
        parameters: JSON.stringify({ Payload: { taskToken: 'token-7' } }),
      },
    },
  ];

  it("answers as the caller's IAM identity, not the local user name", async () => {
    // Prepare
    const { fake, endpoint } = await aFakeWith(WORKFLOWS.map((workflow) => `Cutover-${workflow}`));
    fake.addExecution('Cutover-blue-green', 'checkout-v4', 'RUNNING', {}, AWAITING_APPROVAL);
    fake.addExecution('Cutover-blue-green', 'checkout-v5', 'RUNNING', {}, AWAITING_APPROVAL);
    const env = { AWS_ENDPOINT_URL_STS: endpoint, USER: 'root' };
    // Act
    const approve = await cutoverAws(endpoint, ['approve', 'checkout-v4', '--reason', 'dashboards ok'], env);
    const reject = await cutoverAws(endpoint, ['reject', 'checkout-v5'], env);
    // Assess
    expect([approve.code, reject.code], approve.stderr + reject.stderr).toEqual([0, 0]);
    expect(fake.callsOf('SendTaskSuccess')).toEqual([
      { taskToken: 'token-7', output: JSON.stringify({ comment: 'dashboards ok', approver: CALLER_ARN }) },
    ]);
    expect(fake.callsOf('SendTaskFailure')).toEqual([
      { taskToken: 'token-7', error: 'ApprovalRejected', cause: JSON.stringify({ approver: CALLER_ARN }) },
    ]);
  });
});

describe('cutover --aws without AWS set up', () => {
  it('says how to get credentials, exit 2, when there are none', async () => {
    // Prepare
    const { endpoint } = await aFakeWith(WORKFLOWS.map((workflow) => `Cutover-${workflow}`));
    // Act
    const list = await cutoverAws(endpoint, ['list'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' });
    // Assess
    expect(list.code).toBe(2);
    expect(list.stderr).toMatch(
      /^cutover: no usable AWS credentials \(.+\): set AWS_PROFILE or run `aws sso login`\n$/,
    );
  });

  it('says how to get credentials, exit 2, when watch has none, not that the outcome is unknown', async () => {
    // Prepare
    const { endpoint } = await aFakeWith(WORKFLOWS.map((workflow) => `Cutover-${workflow}`));
    // Act
    const watch = await cutoverAws(endpoint, ['watch', 'checkout-v2'], {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
    });
    // Assess
    expect(watch.code).toBe(2);
    expect(watch.stderr).toMatch(
      /^cutover: no usable AWS credentials \(.+\): set AWS_PROFILE or run `aws sso login`\n$/,
    );
  });

  it('says how to set the region, exit 2, when none is set', async () => {
    // Act
    const cli = startCli(['list', '--aws'], ISOLATED_AWS);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe('cutover: no AWS region: pass --region or set AWS_REGION\n');
  });
});
