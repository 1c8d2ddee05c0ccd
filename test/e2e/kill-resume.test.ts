// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL definitions use ${Name} substitutions
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateActivityCommand,
  GetActivityTaskCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  localProjectArgs,
  startCli,
  stopStartedClis,
  waitForEndpoint,
  waitForOutput,
} from '#test/support/cli-process.ts';
import { executionHistory, sfnClient, waitForExecution } from '#test/support/local-runtime.ts';
import { createProjectFixture, handlerSource, removeProjectFixtures } from '#test/support/project-fixture.ts';

const WAIT_SECONDS = 4;

/** A task that records each invocation and blocks until the file `release` exists in the data dir. */
const SLOW_STEP = `
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
export const handler = async (event) => {
  const dir = process.env.CUTOVER_DATA_DIR;
  appendFileSync(join(dir, 'invocations.log'), event.id + '\\n');
  if (!existsSync(join(dir, 'release'))) await new Promise(() => {});
  return { done: event.id };
};
`;

function projectWithParkedExecutions(): string {
  return createProjectFixture({
    'lambdas/slow-step/handler.ts': SLOW_STEP,
    'statemachines/parked.asl.json': JSON.stringify({
      StartAt: 'Bake',
      States: {
        Bake: { Type: 'Wait', Seconds: WAIT_SECONDS, Next: 'Done' },
        Done: { Type: 'Pass', Result: 'baked', End: true },
      },
    }),
    'statemachines/in-flight.asl.json': JSON.stringify({
      StartAt: 'Step',
      States: {
        Step: {
          Type: 'Task',
          Resource: '${SlowStepFunctionArn}',
          Parameters: { 'id.$': '$$.Execution.Name' },
          End: true,
        },
      },
    }),
  });
}

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await new Promise((r) => setTimeout(r, 50));
}

async function start(client: SFNClient, name: string): Promise<string> {
  const { stateMachines } = await client.send(new ListStateMachinesCommand({}));
  const machine = stateMachines!.find((m) => m.name === name)!;
  const started = await client.send(
    new StartExecutionCommand({ stateMachineArn: machine.stateMachineArn, name: `${name}-1` }),
  );
  return started.executionArn!;
}

function eventTime(events: HistoryEvent[], type: string): number {
  return events.find((event) => event.type === type)!.timestamp!.getTime();
}

const TERMINAL = ['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionTimedOut', 'ExecutionAborted'];

afterEach(stopStartedClis);
afterAll(removeProjectFixtures);

describe('cutover local after SIGKILL', () => {
  it('resumes a parked Wait with its remaining time and a task in flight, finishing each execution once', async () => {
    // Prepare
    const project = projectWithParkedExecutions();
    const dataDir = join(project, '.cutover');
    // No embedded PostgreSQL/S3: a SIGKILLed process could not stop them.
    const args = localProjectArgs(project, dataDir);
    const env = { WAIT_TIME_SCALE: '1' };
    const first = startCli(args, env);
    const firstClient = sfnClient(await waitForEndpoint(first));
    const parkedArn = await start(firstClient, 'parked');
    const inFlightArn = await start(firstClient, 'in-flight');
    await until(async () =>
      (await executionHistory(firstClient, parkedArn)).some((event) => event.type === 'WaitStateEntered'),
    );
    await until(() => existsSync(join(dataDir, 'invocations.log')));
    firstClient.destroy();
    // Act
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    writeFileSync(join(dataDir, 'release'), '');
    const restartedAt = Date.now();
    const second = startCli(args, env);
    const client = sfnClient(await waitForEndpoint(second));
    // The runtime resumes its executions before its endpoint answers.
    const resumedBy = Date.now();
    const parked = await waitForExecution(client, parkedArn);
    const inFlight = await waitForExecution(client, inFlightArn);
    const parkedHistory = await executionHistory(client, parkedArn);
    const inFlightHistory = await executionHistory(client, inFlightArn);
    client.destroy();
    second.child.kill('SIGINT');
    // Assess
    expect(await second.exited).toBe(0);
    expect(second.stdout()).toMatch(
      /^Resumed 2 executions left RUNNING: (parked:parked-1, in-flight:in-flight-1|in-flight:in-flight-1, parked:parked-1)$/m,
    );
    expect(parked.status).toBe('SUCCEEDED');
    expect(JSON.parse(parked.output!)).toBe('baked');
    expect(inFlight.status).toBe('SUCCEEDED');
    expect(JSON.parse(inFlight.output!)).toEqual({ done: 'in-flight-1' });
    for (const history of [parkedHistory, inFlightHistory]) {
      const types = history.map((event) => event.type!);
      expect(types.filter((type) => type === 'ExecutionStarted')).toHaveLength(1);
      expect(types.filter((type) => TERMINAL.includes(type))).toEqual(['ExecutionSucceeded']);
      expect(types.at(-1)).toBe('ExecutionSucceeded');
    }
    const entered = eventTime(parkedHistory, 'WaitStateEntered');
    const exited = eventTime(parkedHistory, 'WaitStateExited');
    expect(exited - entered).toBeGreaterThanOrEqual(WAIT_SECONDS * 1000);
    // Resumed with its remaining time, the Wait ends when it was due, or at the resume when that is later
    // (a slow start); restarted from zero, it would end WAIT_SECONDS after the resume.
    expect(exited).toBeGreaterThan(restartedAt);
    expect(exited).toBeLessThan(Math.max(entered + WAIT_SECONDS * 1000, resumedBy) + 1000);
    expect(readFileSync(join(dataDir, 'invocations.log'), 'utf8').trim().split('\n')).toContain(
      'in-flight-1',
    );
  });
});

describe('cutover local with activity tasks after SIGKILL', () => {
  it('hands a task no worker took to the next worker after the restart, and keeps the one a worker took with its token', async () => {
    // Prepare: two executions waiting on the activity, the first one's task taken by a worker
    const activityArn = 'arn:aws:states:us-east-1:000000000000:activity:approve';
    const project = createProjectFixture({
      'statemachines/approval.asl.json': JSON.stringify({
        StartAt: 'Approve',
        States: { Approve: { Type: 'Task', Resource: activityArn, End: true } },
      }),
    });
    const dataDir = join(project, '.cutover');
    const args = localProjectArgs(project, dataDir);
    const first = startCli(args, { WAIT_TIME_SCALE: '1' });
    const firstClient = sfnClient(await waitForEndpoint(first));
    await firstClient.send(new CreateActivityCommand({ name: 'approve' }));
    const { stateMachines } = await firstClient.send(new ListStateMachinesCommand({}));
    const stateMachineArn = stateMachines!.find((m) => m.name === 'approval')!.stateMachineArn;
    const executions: string[] = [];
    for (const name of ['taken', 'waiting']) {
      const started = await firstClient.send(new StartExecutionCommand({ stateMachineArn, name }));
      executions.push(started.executionArn!);
    }
    const taken = await firstClient.send(new GetActivityTaskCommand({ activityArn, workerName: 'before' }));
    firstClient.destroy();
    // Act
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    const second = startCli(args, { WAIT_TIME_SCALE: '1' });
    const client = sfnClient(await waitForEndpoint(second));
    const next = await client.send(new GetActivityTaskCommand({ activityArn, workerName: 'after' }));
    await client.send(new SendTaskSuccessCommand({ taskToken: taken.taskToken, output: '"first"' }));
    await client.send(new SendTaskSuccessCommand({ taskToken: next.taskToken, output: '"second"' }));
    const ended = [
      await waitForExecution(client, executions[0]!),
      await waitForExecution(client, executions[1]!),
    ];
    const histories = [
      await executionHistory(client, executions[0]!),
      await executionHistory(client, executions[1]!),
    ];
    client.destroy();
    second.child.kill('SIGINT');
    // Assess
    expect(await second.exited).toBe(0);
    expect(ended.map((execution) => [execution.status, execution.output])).toEqual([
      ['SUCCEEDED', '"first"'],
      ['SUCCEEDED', '"second"'],
    ]);
    const workers = histories.map((history) =>
      history
        .filter((event) => event.type === 'ActivityStarted')
        .map((event) => event.activityStartedEventDetails),
    );
    expect(workers).toEqual([[{ workerName: 'before' }], [{ workerName: 'after' }]]);
    for (const history of histories) {
      expect(history.filter((event) => event.type === 'ExecutionStarted')).toHaveLength(1);
      expect(history.filter((event) => TERMINAL.includes(event.type!))).toHaveLength(1);
    }
  });
});

describe('cutover local with its PostgreSQL and S3 after SIGKILL', () => {
  it('resumes executions only once its S3 is up, so a resumed task finds the backups where they were', {
    timeout: 120_000,
  }, async () => {
    // Prepare: an execution parked in a Wait, then a task that says where backups go
    const project = createProjectFixture({
      'lambdas/backup-location/handler.ts': handlerSource(
        '({ bucket: process.env.CUTOVER_BACKUP_BUCKET ?? null })',
      ),
      'statemachines/later.asl.json': JSON.stringify({
        StartAt: 'Bake',
        States: {
          Bake: { Type: 'Wait', Seconds: 1, Next: 'Where' },
          Where: { Type: 'Task', Resource: '${BackupLocationFunctionArn}', End: true },
        },
      }),
    });
    // As root the embedded server runs as the OS user postgres, which must be able to enter the data dir.
    chmodSync(project, 0o755);
    const args = ['local', '--port', '0', '--data-dir', join(project, '.cutover'), '--project-dir', project];
    const first = startCli(args, { WAIT_TIME_SCALE: '1' });
    const firstClient = sfnClient(await waitForEndpoint(first));
    const bucket = (await waitForOutput(first, /backups in bucket (\S+)/))[1];
    const executionArn = await start(firstClient, 'later');
    await until(async () =>
      (await executionHistory(firstClient, executionArn)).some((event) => event.type === 'WaitStateEntered'),
    );
    firstClient.destroy();
    // Act: killed in the Wait; restarted once the Wait is due, so the task runs as soon as it resumes
    first.child.kill('SIGKILL');
    await first.exited;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = startCli(args, { WAIT_TIME_SCALE: '1' });
    const client = sfnClient(await waitForEndpoint(second));
    const execution = await waitForExecution(client, executionArn);
    client.destroy();
    second.child.kill('SIGINT');
    // Assess
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output!)).toEqual({ bucket });
    expect(await second.exited).toBe(0);
  });
});
