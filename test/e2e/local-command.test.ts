// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL definitions use ${Name} substitutions
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type CliProcess,
  localProjectArgs,
  startCli,
  stopStartedClis,
  waitForEndpoint,
  waitForOutput,
} from '#test/support/cli-process.ts';
import { isAlive } from '#test/support/local-app.ts';
import { sfnClient, waitForExecution } from '#test/support/local-runtime.ts';
import { createProjectFixture, handlerSource, removeProjectFixtures } from '#test/support/project-fixture.ts';

/** Resolves once the stderr of `cli` matches `pattern` (polled every 50 ms). */
async function waitForStderr(cli: CliProcess, pattern: RegExp): Promise<void> {
  while (!pattern.test(cli.stderr())) await new Promise((resolve) => setTimeout(resolve, 50));
}

function sumMachine(extra = ''): string {
  return JSON.stringify({
    Comment: `sums two numbers${extra}`,
    StartAt: 'Add',
    States: { Add: { Type: 'Task', Resource: '${AddNumbersFunctionArn}', End: true } },
  });
}

/** A state machine that needs no task function. */
const PASS_MACHINE = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } });

afterEach(stopStartedClis);
afterAll(removeProjectFixtures);

/**
 * A `cutover local` with its PostgreSQL, on a data directory of a new project, killed (SIGKILL) without a
 * chance to stop it: its arguments, and the PostgreSQL it left running.
 */
async function aKilledRuntimeWithPostgres() {
  const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
  chmodSync(project, 0o755); // as root, PostgreSQL runs as the OS user postgres
  const dataDir = join(project, '.cutover');
  const args = ['local', '--port', '0', '--data-dir', dataDir, '--project-dir', project];
  const killed = startCli(args);
  await waitForOutput(killed, /PostgreSQL on /);
  killed.child.kill('SIGKILL');
  await killed.exited;
  const pidFile = join(dataDir, 'postgres', 'postmaster.pid');
  const leftover = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
  return { dataDir, args, pidFile, leftover, leftoverAliveBefore: isAlive(leftover) };
}

describe('cutover local', () => {
  it('serves the project state machines bound to its handlers and exits 0 on SIGINT', async () => {
    // Prepare
    const project = createProjectFixture({
      'lambdas/add-numbers/handler.ts': handlerSource(
        '({ sum: event.a + event.b, by: context.functionName })',
      ),
      'statemachines/sum.asl.json': sumMachine(),
    });
    const dataDir = join(project, '.cutover');
    // Act
    const cli = startCli(['local', '--port', '0', '--data-dir', dataDir, '--project-dir', project]);
    const endpoint = await waitForEndpoint(cli);
    const client = sfnClient(endpoint);
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: stateMachines![0]!.stateMachineArn,
        input: '{"a":2,"b":40}',
      }),
    );
    const execution = await waitForExecution(client, executionArn!);
    client.destroy();
    cli.child.kill('SIGINT');
    // Assess
    expect(await cli.exited).toBe(0);
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stateMachines!.map((m) => m.name)).toEqual(['sum']);
    expect(cli.stdout()).toMatch(/created\s+arn:aws:states:us-east-1:000000000000:stateMachine:sum/);
    expect(JSON.parse(execution.output!)).toEqual({ sum: 42, by: 'cutover-add-numbers' });
  });

  it('runs the TypeScript handlers of a project that is no ES module package, started as a user starts it', async () => {
    // Prepare: no package.json, so Node takes handler.ts for CommonJS; bin/cutover.js from the project dir
    const project = createProjectFixture({
      'lambdas/add-numbers/handler.ts':
        'export const handler = async (event: { a: number; b: number }) => ({ sum: event.a + event.b });\n',
      'statemachines/sum.asl.json': sumMachine(),
    });
    const cli = startCli(localProjectArgs(project), {}, project);
    const client = sfnClient(await waitForEndpoint(cli));
    // Act
    const { executionArn } = await client.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sum',
        input: '{"a":2,"b":40}',
      }),
    );
    const execution = await waitForExecution(client, executionArn!);
    client.destroy();
    cli.child.kill('SIGTERM');
    // Assess
    expect(await cli.exited).toBe(0);
    expect({ status: execution.status, cause: execution.cause }).toEqual({
      status: 'SUCCEEDED',
      cause: undefined,
    });
    expect(JSON.parse(execution.output!)).toEqual({ sum: 42 });
  });

  it("fails the task of a handler that leaves a promise rejection or a callback's exception behind, as Lambda does, and keeps serving", async () => {
    // Prepare: three functions, one state machine calling the one its input names
    const project = createProjectFixture({
      'lambdas/leave-rejection/handler.ts':
        "export const handler = async () => {\n  Promise.reject(new Error('background failure'));\n  await new Promise((resolve) => setTimeout(resolve, 50));\n  return { ok: 1 };\n};\n",
      'lambdas/throw-later/handler.ts':
        "export const handler = async () => {\n  setTimeout(() => {\n    throw new TypeError('x is not a function');\n  }, 10);\n  await new Promise((resolve) => setTimeout(resolve, 50));\n  return { ok: 1 };\n};\n",
      'lambdas/answer-by-callback/handler.ts':
        'export const handler = (event: { a: number }, _context: unknown, callback: (error: unknown, result?: unknown) => void) => {\n  setTimeout(() => callback(null, { doubled: event.a * 2 }), 10);\n};\n',
      'statemachines/call.asl.json': JSON.stringify({
        StartAt: 'Call',
        States: {
          Call: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { 'FunctionName.$': '$.fn', Payload: { a: 21 } },
            OutputPath: '$.Payload',
            End: true,
          },
        },
      }),
    });
    const cli = startCli(localProjectArgs(project));
    const client = sfnClient(await waitForEndpoint(cli));
    const run = async (fn: string) => {
      const { executionArn } = await client.send(
        new StartExecutionCommand({
          stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:call',
          input: JSON.stringify({ fn: `cutover-${fn}` }),
        }),
      );
      return waitForExecution(client, executionArn!);
    };
    // Act
    const rejected = await run('leave-rejection');
    const thrown = await run('throw-later');
    const answered = await run('answer-by-callback');
    client.destroy();
    cli.child.kill('SIGTERM');
    // Assess
    expect(rejected).toMatchObject({ status: 'FAILED', error: 'Runtime.UnhandledPromiseRejection' });
    expect(JSON.parse(rejected.cause!)).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'Error: background failure',
    });
    expect(thrown).toMatchObject({ status: 'FAILED', error: 'TypeError' });
    expect(JSON.parse(thrown.cause!)).toMatchObject({ errorMessage: 'x is not a function' });
    expect(answered.status).toBe('SUCCEEDED');
    expect(JSON.parse(answered.output!)).toEqual({ doubled: 42 });
    expect(await cli.exited).toBe(0);
  });

  it('answers every StartExecution it took before a SIGTERM: no execution exists that its caller was not told of', async () => {
    // Prepare
    const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:pass';
    const cli = startCli(localProjectArgs(project));
    const client = sfnClient(await waitForEndpoint(cli));
    const answered = new Set<string>();
    // Act: 300 starts at once, SIGTERM once 20 are answered
    await Promise.all(
      Array.from({ length: 300 }, () =>
        client.send(new StartExecutionCommand({ stateMachineArn })).then(
          ({ executionArn }) => {
            answered.add(executionArn!);
            if (answered.size === 20) cli.child.kill('SIGTERM');
          },
          () => undefined,
        ),
      ),
    );
    client.destroy();
    const exitCode = await cli.exited;
    const again = startCli(localProjectArgs(project));
    const reader = sfnClient(await waitForEndpoint(again));
    const { executions } = await reader.send(
      new ListExecutionsCommand({ stateMachineArn, maxResults: 1000 }),
    );
    reader.destroy();
    again.child.kill('SIGTERM');
    // Assess
    expect(exitCode).toBe(0);
    expect(answered.size).toBeGreaterThanOrEqual(20);
    expect(
      executions!.map((execution) => execution.executionArn).filter((arn) => !answered.has(arn!)),
    ).toEqual([]);
    expect(await again.exited).toBe(0);
  });

  it('updates a changed definition on the next start and exits 0 on SIGTERM', async () => {
    // Prepare
    const project = createProjectFixture({
      'lambdas/add-numbers/handler.ts': handlerSource('event.a + event.b'),
      'statemachines/sum.asl.json': sumMachine(),
    });
    const args = localProjectArgs(project);
    const first = startCli(args);
    await waitForEndpoint(first);
    first.child.kill('SIGTERM');
    await first.exited;
    writeFileSync(join(project, 'statemachines/sum.asl.json'), sumMachine(' (v2)'));
    // Act
    const second = startCli(args);
    await waitForEndpoint(second);
    second.child.kill('SIGTERM');
    // Assess
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toMatch(/updated\s+arn:aws:states:us-east-1:000000000000:stateMachine:sum/);
  });

  it('stops cleanly on SIGHUP (its terminal closed), leaving nothing of its own running', async () => {
    // Prepare
    const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
    const dataDir = join(project, '.cutover');
    const cli = startCli([
      'local',
      '--port',
      '0',
      '--no-data-services',
      '--data-dir',
      dataDir,
      '--project-dir',
      project,
    ]);
    await waitForEndpoint(cli);
    // Act
    cli.child.kill('SIGHUP');
    // Assess
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toContain('Stopped');
    expect(existsSync(join(dataDir, 'cutover.pid'))).toBe(false);
  });

  it('says on stopping which executions it leaves RUNNING for the next start', async () => {
    // Prepare: an execution parked in an hour-long Wait
    const parked = { StartAt: 'Park', States: { Park: { Type: 'Wait', Seconds: 3600, End: true } } };
    const project = createProjectFixture({ 'statemachines/park.asl.json': JSON.stringify(parked) });
    const dataDir = join(project, '.cutover');
    const cli = startCli(localProjectArgs(project, dataDir));
    const client = sfnClient(await waitForEndpoint(cli));
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    await client.send(
      new StartExecutionCommand({ stateMachineArn: stateMachines![0]!.stateMachineArn, name: 'parked-1' }),
    );
    // An Express execution too, whose ARN is an Express one (`...:express:quick:parked-2:<id>`).
    const quick = await client.send(
      new CreateStateMachineCommand({
        name: 'quick',
        type: 'EXPRESS',
        definition: JSON.stringify(parked),
        roleArn: 'arn:aws:iam::000000000000:role/quick',
      }),
    );
    await client.send(
      new StartExecutionCommand({ stateMachineArn: quick.stateMachineArn, name: 'parked-2' }),
    );
    client.destroy();
    // Act
    cli.child.kill('SIGTERM');
    // Assess
    expect(await cli.exited).toBe(0);
    expect(cli.stdout()).toMatch(
      new RegExp(
        `\nStopped: 2 executions left RUNNING resume at the next start on ${dataDir}: (park:parked-1, quick:parked-2|quick:parked-2, park:parked-1)\n$`,
      ),
    );
  });

  it('refuses to start when a ${Name} has no value, naming the file and the name', async () => {
    // Prepare
    const project = createProjectFixture({
      'statemachines/canary.asl.json': JSON.stringify({
        StartAt: 'T',
        States: { T: { Type: 'Task', Resource: '${CheckRolloutFunctionArn}', End: true } },
      }),
    });
    // Act
    const cli = startCli([
      'local',
      '--port',
      '0',
      '--data-dir',
      join(project, '.cutover'),
      '--project-dir',
      project,
    ]);
    // Assess
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('canary.asl.json: no value for ${CheckRolloutFunctionArn}');
  });

  it('says which address is taken when the port is in use, and leaves the data directory untouched', async () => {
    // Prepare
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const project = createProjectFixture({
      'lambdas/add-numbers/handler.ts': handlerSource('event.a + event.b'),
      'statemachines/sum.asl.json': sumMachine(),
    });
    const dataDir = join(project, '.cutover');
    mkdirSync(dataDir);
    // Act
    const cli = startCli(['local', '--port', String(port), '--data-dir', dataDir, '--project-dir', project]);
    const code = await cli.exited;
    taken.close();
    // Assess
    expect(code).toBe(1);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toBe(
      `cutover: 127.0.0.1:${port} is already in use: stop the other server or pass --port\n`,
    );
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('refuses a data directory another cutover local holds, naming its process, and leaves it running', async () => {
    // Prepare
    const project = createProjectFixture({
      'lambdas/add-numbers/handler.ts': handlerSource('event.a + event.b'),
      'statemachines/sum.asl.json': sumMachine(),
    });
    const localArgs = ['local', '--port', '0', '--data-dir', join(project, '.cutover')];
    const args = [...localArgs, '--project-dir', project, '--no-data-services'];
    const holder = startCli(args);
    const endpoint = await waitForEndpoint(holder);
    // Act
    const second = startCli(args);
    const code = await second.exited;
    const client = sfnClient(endpoint);
    const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
    client.destroy();
    holder.child.kill('SIGTERM');
    // Assess
    expect(code).toBe(1);
    expect(second.stderr()).toContain(
      `is in use by another Cutover runtime (process ${holder.child.pid}): stop it, or use another data directory (--data-dir)`,
    );
    expect(stateMachines!.map((m) => m.name)).toEqual(['sum']);
    expect(await holder.exited).toBe(0);
  });

  it('after a SIGKILL, starts again on the same data directory, replacing the PostgreSQL left running', async () => {
    // Prepare: a runtime with its PostgreSQL, killed without a chance to stop it
    const { args, pidFile, leftover, leftoverAliveBefore } = await aKilledRuntimeWithPostgres();
    // Act
    const restarted = startCli(args);
    await waitForOutput(restarted, /PostgreSQL on /);
    const serving = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
    restarted.child.kill('SIGTERM');
    // Assess
    expect(leftoverAliveBefore).toBe(true);
    expect(await restarted.exited).toBe(0);
    expect(restarted.stderr()).toBe('');
    expect(serving).not.toBe(leftover);
    expect(isAlive(leftover)).toBe(false);
    expect(existsSync(pidFile)).toBe(false); // the restarted runtime stopped its own server too
  });

  it('after a SIGKILL, stops the PostgreSQL left running at a start with --no-data-services', async () => {
    // Prepare: a runtime with its PostgreSQL, killed without a chance to stop it
    const { args, dataDir, leftover, leftoverAliveBefore } = await aKilledRuntimeWithPostgres();
    // Act
    const restarted = startCli([...args, '--no-data-services']);
    await waitForEndpoint(restarted);
    const leftoverAliveAfter = isAlive(leftover);
    const s3FileAfter = existsSync(join(dataDir, 's3.json'));
    restarted.child.kill('SIGTERM');
    // Assess
    expect(leftoverAliveBefore).toBe(true);
    expect(leftoverAliveAfter).toBe(false);
    expect(s3FileAfter).toBe(false);
    expect(await restarted.exited).toBe(0);
    expect(restarted.stderr()).toBe('');
  });

  it.each([
    ['killed (kill -9) and restarted', 'SIGKILL'],
    ['paused (SIGSTOP)', 'SIGSTOP'],
  ] as const)(
    'on SIGTERM, stops within seconds, printing Stopped, when its PostgreSQL was %s',
    async (_, signal) => {
      // Prepare
      const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
      chmodSync(project, 0o755); // as root, PostgreSQL runs as the OS user postgres
      const dataDir = join(project, '.cutover');
      const cli = startCli(['local', '--port', '0', '--data-dir', dataDir, '--project-dir', project]);
      await waitForOutput(cli, /PostgreSQL on /);
      const postmaster = () =>
        Number.parseInt(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8'), 10);
      process.kill(postmaster(), signal);
      if (signal === 'SIGKILL') await waitForStderr(cli, /restarted/);
      const serving = postmaster();
      // Act
      const begin = Date.now();
      cli.child.kill('SIGTERM');
      const code = await cli.exited;
      // Assess
      expect(code).toBe(0);
      expect(Date.now() - begin).toBeLessThan(10_000);
      expect(cli.stdout()).toMatch(/Stopped\n$/);
      expect(existsSync(join(dataDir, 'cutover.pid'))).toBe(false);
      expect(isAlive(serving)).toBe(false);
    },
  );

  it('rejects a --data-dir that is a file as a usage error (exit code 2), leaving the file as it was', async () => {
    // Prepare
    const project = createProjectFixture({ 'notes.txt': 'not a directory' });
    const file = join(project, 'notes.txt');
    // Act
    const cli = startCli(['local', '--port', '0', '--data-dir', file, '--project-dir', project]);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(`--data-dir must name a directory (got "${file}": a file is in the way)`);
    expect(readFileSync(file, 'utf8')).toBe('not a directory');
  });

  it('rejects a --data-dir the kernel cannot create (under /proc) at once, as a usage error', async () => {
    // Prepare
    const project = createProjectFixture({});
    // Act
    const cli = startCli([
      'local',
      '--port',
      '0',
      '--data-dir',
      '/proc/cutover-data',
      '--project-dir',
      project,
    ]);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('--data-dir must name a directory (got "/proc/cutover-data": ENOENT');
  });

  it('rejects a --data-dir it cannot write as a usage error, before it opens anything there', async () => {
    // Prepare: a directory the kernel refuses writes to, even to root
    const project = createProjectFixture({});
    // Act
    const cli = startCli(['local', '--port', '0', '--data-dir', '/proc/sys', '--project-dir', project]);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toMatch(/--data-dir must name a directory \(got "\/proc\/sys": E(ACCES|PERM|ROFS)/);
  });

  it('warns, naming the old and the new port, when the PostgreSQL port of the last start is taken', async () => {
    // Prepare: the data dir kept a port that another program now listens on
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
    chmodSync(project, 0o755); // as root, PostgreSQL runs as the OS user postgres
    const dataDir = join(project, '.cutover');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'postgres.port'), `${port}\n`);
    // Act
    const cli = startCli(['local', '--port', '0', '--data-dir', dataDir, '--project-dir', project]);
    const [, newPort] = await waitForOutput(cli, /PostgreSQL on postgres:\/\/postgres@127\.0\.0\.1:(\d+)\//);
    cli.child.kill('SIGTERM');
    const code = await cli.exited;
    taken.close();
    // Assess
    expect(code).toBe(0);
    expect(newPort).not.toBe(String(port));
    expect(cli.stderr()).toBe(
      `warning: PostgreSQL's port ${port} (of the last start, in ${join(dataDir, 'postgres.port')}) is in use by another program: PostgreSQL now listens on ${newPort}; requests naming 127.0.0.1:${port} must name 127.0.0.1:${newPort} instead\n`,
    );
  });

  it('rejects a --project-dir that does not exist as a usage error (exit code 2), creating nothing', async () => {
    // Prepare
    const parent = createProjectFixture({});
    const missing = join(parent, 'my-service');
    const dataDir = join(parent, '.cutover');
    // Act
    const cli = startCli(['local', '--port', '0', '--data-dir', dataDir, '--project-dir', missing]);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe(`cutover: --project-dir must name an existing directory (got "${missing}")\n`);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('warns, saying where it looked, when the project has no state machines', async () => {
    // Prepare
    const project = createProjectFixture({ 'lambdas/add-numbers/handler.ts': handlerSource('event.a') });
    const args = ['--data-dir', join(project, '.cutover'), '--project-dir', project, '--no-data-services'];
    // Act
    const cli = startCli(['local', '--port', '0', ...args]);
    await waitForEndpoint(cli);
    cli.child.kill('SIGTERM');
    // Assess
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toBe(
      `warning: no state machines in ${join(project, 'statemachines')} (*.asl.json): \`cutover run\` has nothing to start; run \`cutover local\` in your Cutover project, or pass --project-dir <it>\n`,
    );
  });

  it.each(['abc', '-1'])(
    'rejects WAIT_TIME_SCALE=%s as a usage error (exit code 2), saying what it takes',
    async (scale) => {
      // Prepare
      const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
      const dataDir = join(project, '.cutover');
      // Act
      const cli = startCli(['local', '--port', '0', '--data-dir', dataDir, '--project-dir', project], {
        WAIT_TIME_SCALE: scale,
      });
      // Assess
      expect(await cli.exited).toBe(2);
      expect(cli.stderr()).toBe(
        `cutover: WAIT_TIME_SCALE must be a number >= 0: 1 real time, 0.1 ten times faster, 0 no waiting (got "${scale}")\n`,
      );
      expect(existsSync(dataDir)).toBe(false);
    },
  );

  it('rejects a --context the --kubeconfig does not have as a usage error (exit code 2), naming its contexts', async () => {
    // Prepare
    const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
    const kubeconfig = join(project, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:\n- name: kind-cutover\n  cluster:\n    server: https://127.0.0.1:18650',
        'users:\n- name: kind-cutover\n  user:\n    token: kind-token',
        'contexts:\n- name: kind-cutover\n  context:\n    cluster: kind-cutover\n    user: kind-cutover',
        '- name: kind-other\n  context:\n    cluster: kind-cutover\n    user: kind-cutover',
        'current-context: kind-cutover',
      ].join('\n'),
    );
    const dataDir = join(project, '.cutover');
    // Act
    const cli = startCli([
      ...localProjectArgs(project, dataDir),
      '--kubeconfig',
      kubeconfig,
      '--context',
      'kind-nope',
    ]);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe(
      `cutover: --context must be one of the contexts of ${kubeconfig}: kind-cutover, kind-other (got "kind-nope")\n`,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses to listen where other machines reach it without --allow-remote (exit code 2), creating nothing', async () => {
    // Prepare
    const project = createProjectFixture({ 'statemachines/pass.asl.json': PASS_MACHINE });
    const dataDir = join(project, '.cutover');
    // Act
    const cli = startCli([
      'local',
      '--host',
      '0.0.0.0',
      '--port',
      '0',
      '--data-dir',
      dataDir,
      '--project-dir',
      project,
    ]);
    // Assess
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain(
      '--host must be a loopback address (127.0.0.1, ::1, localhost) unless --allow-remote is given (got "0.0.0.0")',
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('rejects a port that is not a number as a usage error (exit code 2)', async () => {
    const cli = startCli(['local', '--port', 'eighty']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('--port must be an integer from 0 to 65535 (got "eighty")');
  });
});
