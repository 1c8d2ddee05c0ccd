import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CliProcess,
  localProjectArgs,
  REPO_ROOT,
  startCli,
  waitForEndpoint,
  waitForOutput,
} from '#test/support/cli-process.ts';
import { sfnClient } from '#test/support/local-runtime.ts';
import { createProjectFixture, removeProjectFixtures } from '#test/support/project-fixture.ts';

const CANARY = 'examples/requests/canary.json';
const ROLLING = 'examples/requests/rolling.json';
const BLUE_GREEN = 'examples/requests/blue-green.json';
const DATABASE_MIGRATION = 'examples/requests/database-migration.json';
/** A `canary` state machine that only waits: its executions run until stopped. */
const WAITING_CANARY = JSON.stringify({
  StartAt: 'BakeStep',
  States: { BakeStep: { Type: 'Wait', Seconds: 3600, End: true } },
});
/**
 * A `rollback` state machine (the runtime starts it when a release is stopped) that restores a release of
 * shop/cart for an hour, and those of other services at once.
 */
const SLOW_CART_ROLLBACK = JSON.stringify({
  StartAt: 'ParseInput',
  States: {
    ParseInput: {
      Type: 'Pass',
      Parameters: { 'request.$': 'States.StringToJson($.input)' },
      Next: 'IsCart',
    },
    IsCart: {
      Type: 'Choice',
      Choices: [{ Variable: '$.request.service.name', StringEquals: 'cart', Next: 'Restore' }],
      Default: 'RolledBack',
    },
    Restore: { Type: 'Wait', Seconds: 3600, End: true },
    RolledBack: { Type: 'Succeed' },
  },
});

/** A `blue-green` state machine whose executions catch a failed analysis, then roll back for an hour. */
const ROLLING_BACK_BLUE_GREEN = JSON.stringify({
  StartAt: 'AnalysisFailed',
  States: {
    AnalysisFailed: {
      Type: 'Pass',
      Result: { Error: 'AnalysisFailed', Cause: 'errorRate 0.3 > 0.05' },
      ResultPath: '$.error',
      Next: 'RollBack',
    },
    RollBack: { Type: 'Wait', Seconds: 3600, End: true },
  },
});

let project: string;
let local: CliProcess;
let endpoint: string;
let sfn: SFNClient;

beforeAll(async () => {
  project = createProjectFixture({
    'statemachines/canary.asl.json': WAITING_CANARY,
    'statemachines/rolling.asl.json': WAITING_CANARY,
    'statemachines/database-migration.asl.json': WAITING_CANARY,
    'statemachines/blue-green.asl.json': ROLLING_BACK_BLUE_GREEN,
    'statemachines/rollback.asl.json': SLOW_CART_ROLLBACK,
  });
  local = startCli(localProjectArgs(project));
  endpoint = await waitForEndpoint(local);
  sfn = sfnClient(endpoint);
});

// Each test's releases of shop/checkout end with it, and the rollbacks still running after them: a running
// one keeps the next from starting.
afterEach(async () => {
  for (const machine of ['canary', 'rolling', 'database-migration', 'blue-green', 'rollback']) {
    const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}`;
    const { executions } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }),
    );
    for (const { executionArn } of executions ?? [])
      await sfn.send(new StopExecutionCommand({ executionArn }));
  }
});

afterAll(async () => {
  sfn?.destroy();
  local?.child.kill('SIGTERM');
  await local?.exited;
  removeProjectFixtures();
});

/** Runs `cutover <args>` against the local runtime of this file and waits for it to exit. */
async function cutover(...args: string[]) {
  const cli = startCli([...args, '--endpoint', endpoint]);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** The example canary request with another version, in the project dir. */
function canaryRequest(version: string): string {
  const request = JSON.parse(readFileSync(join(REPO_ROOT, CANARY), 'utf8')) as {
    release: { version: string };
  };
  request.release.version = version;
  const path = join(project, `canary-${version}.json`);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

/** The example request `example` for shop/`name` (shop/cart by default), in the project dir. */
function cartRequest(example: string, name = 'cart'): string {
  const request = JSON.parse(readFileSync(join(REPO_ROOT, example), 'utf8')) as { service: { name: string } };
  request.service.name = name;
  const path = join(project, `${name}-${example.split('/').at(-1)}`);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

/** The execution `executionArn` once it is RUNNING, read every 100 ms for up to 10 s. */
async function untilRunning(executionArn: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const status = await sfn
      .send(new DescribeExecutionCommand({ executionArn }))
      .then((execution) => execution.status)
      .catch(() => undefined);
    if (status === 'RUNNING') return;
    if (Date.now() >= deadline)
      throw new Error(`${executionArn} is not running (${status ?? 'not started'})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The example database migration reading its migrations from `directory`, in the project dir. */
function migrationRequest(file: string, directory: string): string {
  const request = JSON.parse(readFileSync(join(REPO_ROOT, DATABASE_MIGRATION), 'utf8')) as {
    migrations: { directory: string };
  };
  request.migrations.directory = directory;
  const path = join(project, file);
  writeFileSync(path, JSON.stringify(request));
  return path;
}

/** How many executions the state machine `machine` of the runtime has. */
async function executionCount(machine: string): Promise<number> {
  const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machine}`;
  return (await sfn.send(new ListExecutionsCommand({ stateMachineArn }))).executions!.length;
}

/** Asserts `cutover run` refused: exit 2, nothing on stdout, stderr matching `stderr` (a regular expression). */
function expectRefused(result: { code: unknown; stdout: string; stderr: string }, stderr: string): void {
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(stderr));
}

/**
 * Asserts a second `cutover run` answered the release `name` already running with its request: exit 0, the
 * first run's stdout, a note saying so, and no new execution (still `running` of them).
 */
async function expectAnsweredRunning(
  first: { code: unknown; stdout: string; stderr: string },
  again: { code: unknown; stdout: string; stderr: string },
  name: string,
  running: number,
): Promise<void> {
  expect(first.code, first.stderr).toBe(0);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stdout).toBe(first.stdout);
  expect(again.stderr).toMatch(
    new RegExp(
      `^cutover: ${name} is already running with this request \\(started \\S+\\): nothing new started\\n$`,
    ),
  );
  expect(await executionCount('canary')).toBe(running);
}

async function statusOf(name: string): Promise<string | undefined> {
  const executionArn = `arn:aws:states:us-east-1:000000000000:execution:canary:${name}`;
  return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
}

describe('cutover run --name', () => {
  it('of a name another execution has exits 2, saying to choose another', async () => {
    // Prepare
    const first = await cutover('run', 'canary', '-f', canaryRequest('v2'), '--name', 'checkout-taken');
    // Act
    const second = await cutover('run', 'canary', '-f', canaryRequest('v3'), '--name', 'checkout-taken');
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(second).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cutover: an execution named "checkout-taken" already exists: choose another --name, or leave --name out for a new one\n',
    });
  });

  it('of a release already running with the same request says so, and starts nothing new', async () => {
    // Prepare
    const request = canaryRequest('v5');
    const first = await cutover('run', 'canary', '-f', request, '--name', 'checkout-again');
    const running = await executionCount('canary');
    // Act
    const again = await cutover('run', 'canary', '-f', request, '--name', 'checkout-again');
    // Assess
    await expectAnsweredRunning(first, again, 'checkout-again', running);
  });

  it('of a release already running with the same request, its keys in another order, says so and starts nothing new', async () => {
    // Prepare: the same request written again with its top-level keys reversed
    const request = canaryRequest('v5d');
    const reordered = join(project, 'canary-v5d-reordered.json');
    const parsed = JSON.parse(readFileSync(request, 'utf8')) as Record<string, unknown>;
    writeFileSync(reordered, JSON.stringify(Object.fromEntries(Object.entries(parsed).reverse())));
    const first = await cutover('run', 'canary', '-f', request, '--name', 'checkout-rewritten');
    const running = await executionCount('canary');
    // Act
    const again = await cutover('run', 'canary', '-f', reordered, '--name', 'checkout-rewritten');
    // Assess
    await expectAnsweredRunning(first, again, 'checkout-rewritten', running);
  });

  it('without a name, of a release already running with the same request (a CI step run again) answers that release, and starts nothing new', async () => {
    // Prepare
    const request = canaryRequest('v5b');
    const first = await cutover('run', 'canary', '-f', request, '--name', 'checkout-retried');
    const running = await executionCount('canary');
    // Act
    const again = await cutover('run', 'canary', '-f', request);
    // Assess
    await expectAnsweredRunning(first, again, 'checkout-retried', running);
  });

  it('of a new name while a release runs with the same request exits 2 naming that release, and starts nothing', async () => {
    // Prepare: a CI job that names its releases, and watches the name it gave
    const request = canaryRequest('v5c');
    const first = await cutover('run', 'canary', '-f', request, '--name', 'checkout-first-name');
    const running = await executionCount('canary');
    // Act
    const renamed = await cutover('run', 'canary', '-f', request, '--name', 'checkout-second-name');
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expectRefused(
      renamed,
      '^cutover: shop/checkout is being released by checkout-first-name \\(canary, running since \\S+\\): ' +
        'another release of it would fail ServiceLocked\\. Follow it \\(`cutover watch checkout-first-name --endpoint \\S+`\\) ' +
        'or stop it \\(`cutover abort checkout-first-name --endpoint \\S+`\\); nothing was started\\n$',
    );
    expect(await executionCount('canary')).toBe(running);
  });

  it('of a service another release of it is running exits 2 naming that release, and starts nothing', async () => {
    // Prepare: a canary of the example's service runs; a rolling release of the same service follows
    const first = await cutover('run', 'canary', '-f', canaryRequest('v6'), '--name', 'checkout-busy');
    const rolling = await executionCount('rolling');
    // Act
    const second = await cutover('run', 'rolling', '-f', join(REPO_ROOT, ROLLING));
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expectRefused(
      second,
      '^cutover: shop/checkout is being released by checkout-busy \\(canary, running since \\S+\\): ' +
        'another release of it would fail ServiceLocked\\. Follow it \\(`cutover watch checkout-busy --endpoint \\S+`\\) ' +
        'or stop it \\(`cutover abort checkout-busy --endpoint \\S+`\\); nothing was started\\n$',
    );
    expect(await executionCount('rolling')).toBe(rolling);
  });

  it('of a service whose aborted release is still being rolled back exits 2 naming the rollback, and starts nothing', async () => {
    // Prepare: a rolling release of shop/cart, stopped: the runtime starts its rollback, which runs on
    const started = await cutover('run', 'rolling', '-f', cartRequest(ROLLING), '--name', 'cart-r23');
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:rolling:cart-r23';
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'wrong image' }));
    await untilRunning('arn:aws:states:us-east-1:000000000000:execution:rollback:abort-cart-r23');
    const canaries = await executionCount('canary');
    // Act
    const run = await cutover('run', 'canary', '-f', cartRequest(CANARY));
    // Assess
    expect(started.code, started.stderr).toBe(0);
    expectRefused(
      run,
      '^cutover: shop/cart is being rolled back by abort-cart-r23 \\(the rollback of rolling cart-r23, running since \\S+\\): ' +
        'another release of it would fail ServiceLocked until that rollback ends: follow it ' +
        '\\(`cutover watch abort-cart-r23 --endpoint \\S+`\\), then run the release; nothing was started\\n$',
    );
    expect(await executionCount('canary')).toBe(canaries);
  });

  it('of a service whose release is rolling back after its own failure exits 2 saying why, and starts nothing', async () => {
    // Prepare: a blue-green release of shop/basket caught a failed analysis and rolls back
    const started = await cutover(
      'run',
      'blue-green',
      '-f',
      cartRequest(BLUE_GREEN, 'basket'),
      '--name',
      'basket-g7',
    );
    await untilRunning('arn:aws:states:us-east-1:000000000000:execution:blue-green:basket-g7');
    const canaries = await executionCount('canary');
    // Act
    const run = await cutover('run', 'canary', '-f', cartRequest(CANARY, 'basket'));
    // Assess
    expect(started.code, started.stderr).toBe(0);
    expectRefused(
      run,
      '^cutover: shop/basket is being rolled back by basket-g7 \\(blue-green, after AnalysisFailed \\(errorRate 0\\.3 > 0\\.05\\), ' +
        'running since \\S+\\): another release of it would fail ServiceLocked until that rollback ends: follow it ' +
        '\\(`cutover watch basket-g7 --endpoint \\S+`\\), then run the release; nothing was started\\n$',
    );
    expect(await executionCount('canary')).toBe(canaries);
  });

  it('of a name an execution of another strategy has exits 2 and starts nothing', async () => {
    // Prepare
    const first = await cutover('run', 'canary', '-f', canaryRequest('v4'), '--name', 'checkout-shared');
    // Act
    const second = await cutover(
      'run',
      'rolling',
      '-f',
      join(REPO_ROOT, ROLLING),
      '--name',
      'checkout-shared',
    );
    // Assess
    expect(first.code, first.stderr).toBe(0);
    expect(second).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cutover: an execution named "checkout-shared" already exists ' +
        '(arn:aws:states:us-east-1:000000000000:execution:canary:checkout-shared): names pick executions for ' +
        'watch, abort and approve, so choose another --name, or leave --name out for a new one\n',
    });
    const rolling = 'arn:aws:states:us-east-1:000000000000:execution:rolling:checkout-shared';
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: rolling }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});

describe('cutover run of a request that cannot run', () => {
  it.each([
    {
      what: 'does not exist',
      directory: () => join(project, 'no-migrations'),
      says: 'cannot be read (ENOENT)',
    },
    {
      what: 'is empty',
      directory: () => {
        mkdirSync(join(project, 'empty-migrations'), { recursive: true });
        return join(project, 'empty-migrations');
      },
      says: 'no migration files (V<version>__<name>.sql) found',
    },
    { what: 'is a file', directory: () => join(REPO_ROOT, CANARY), says: 'cannot be read (ENOTDIR)' },
    {
      what: 'is relative and not there',
      directory: () => 'no-such-migrations',
      says: 'cannot be read (ENOENT); a relative path is resolved from ',
    },
  ])(
    'of a database migration whose migrations.directory $what exits 2 as plan does, and starts nothing',
    async ({ what, directory, says }) => {
      // Prepare
      const path = migrationRequest(`migrations-${what.replaceAll(' ', '-')}.json`, directory());
      const before = await executionCount('database-migration');
      // Act
      const run = await cutover('run', 'database-migration', '-f', path);
      const plan = startCli(['plan', 'database-migration', '-f', path]);
      // Assess
      expect(await plan.exited).toBe(2);
      expect(run).toEqual({ code: 2, stdout: '', stderr: plan.stderr() });
      expect(run.stderr).toContain(`cutover: migrations.directory ${directory()}`);
      expect(run.stderr).toContain(says);
      expect(await executionCount('database-migration')).toBe(before);
    },
  );

  it('over 64 KiB exits 2 naming the limit, and starts nothing', async () => {
    // Prepare
    const request = JSON.parse(readFileSync(join(REPO_ROOT, CANARY), 'utf8')) as {
      release: { env: Record<string, string> };
    };
    // A release whose environment carries a large configuration
    request.release.env.CONFIG = 'x'.repeat(70_000);
    const path = join(project, 'canary-too-large.json');
    writeFileSync(path, JSON.stringify(request));
    const size = Buffer.byteLength(JSON.stringify(request)).toLocaleString('en-US');
    const before = await executionCount('canary');
    // Act
    const run = await cutover('run', 'canary', '-f', path, '--name', 'checkout-too-large');
    // Assess
    expect(run).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'cutover: invalid canary request:\n' +
        `  - request: must be at most 65,536 bytes as JSON (got ${size}): a release carries it from state to ` +
        "state, within Step Functions' 262,144 bytes\n",
    });
    expect(await executionCount('canary')).toBe(before);
  });
});

describe('Ctrl-C while following an execution', () => {
  it.each([
    {
      command: 'run --wait',
      follow: (name: string) => ['run', 'canary', '-f', CANARY, '--name', name, '--wait'],
    },
    { command: 'watch', follow: (name: string) => ['watch', name] },
  ])(
    '$command stops following only, and says how to follow or stop the execution',
    async ({ command, follow }) => {
      // Prepare
      const name = `checkout-${command.split(' ')[0]}-interrupted`;
      if (command === 'watch') await cutover('run', 'canary', '-f', CANARY, '--name', name);
      const following = startCli([...follow(name), '--endpoint', endpoint]);
      await waitForOutput(following, /→ BakeStep/);
      // Act
      following.child.kill('SIGINT');
      const code = await following.exited;
      // Assess
      expect(code).toBe(130);
      expect(following.stderr()).toBe(
        `\nstopped following ${name}; the execution keeps running: follow it with \`cutover watch ${name} --endpoint ${endpoint}\`, or stop it with \`cutover abort ${name} --endpoint ${endpoint}\`\n`,
      );
      expect(await statusOf(name)).toBe('RUNNING');
    },
  );

  it('watch of a rollback stops following only, and says how to follow it, not to stop it', async () => {
    // Prepare: a rolling release of shop/cart, stopped: the runtime starts its rollback, which runs on
    const started = await cutover('run', 'rolling', '-f', cartRequest(ROLLING), '--name', 'cart-r24');
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:rolling:cart-r24';
    await sfn.send(new StopExecutionCommand({ executionArn, cause: 'wrong image' }));
    const rollbackArn = 'arn:aws:states:us-east-1:000000000000:execution:rollback:abort-cart-r24';
    await untilRunning(rollbackArn);
    const following = startCli(['watch', 'abort-cart-r24', '--endpoint', endpoint]);
    await waitForOutput(following, /→ Restore/);
    // Act
    following.child.kill('SIGINT');
    const code = await following.exited;
    // Assess
    expect(started.code, started.stderr).toBe(0);
    expect(code).toBe(130);
    expect(following.stderr()).toBe(
      `\nstopped following abort-cart-r24; the execution keeps running: follow it with \`cutover watch abort-cart-r24 --endpoint ${endpoint}\`\n`,
    );
    const rollback = await sfn.send(new DescribeExecutionCommand({ executionArn: rollbackArn }));
    expect(rollback.status).toBe('RUNNING');
  });
});
