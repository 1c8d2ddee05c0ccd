import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort } from '#local/free-port.ts';
import {
  type CliProcess,
  startCli,
  stopStartedClis,
  waitForEndpoint,
  waitForOutput,
} from '#test/support/cli-process.ts';
import { sfnClient } from '#test/support/local-runtime.ts';
import { createProjectFixture, removeProjectFixtures } from '#test/support/project-fixture.ts';

/** A `canary` state machine that bakes a few seconds and succeeds. */
const SHORT_CANARY = JSON.stringify({
  StartAt: 'BakeStep',
  States: { BakeStep: { Type: 'Wait', Seconds: 4, End: true } },
});
const CANARY = 'examples/requests/canary.json';
/** A `rollback` state machine that restores for an hour: its executions run until stopped. */
const SLOW_ROLLBACK = JSON.stringify({
  StartAt: 'Restore',
  States: { Restore: { Type: 'Wait', Seconds: 3600, End: true } },
});

afterEach(stopStartedClis);
afterAll(removeProjectFixtures);

/** `cutover local` serving the fixture project on `port`, its data in the project. */
function startLocal(project: string, port: number): CliProcess {
  const dataDir = join(project, '.cutover');
  return startCli([
    'local',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--project-dir',
    project,
    '--no-data-services',
  ]);
}

/** Resolves once `pattern` is in the process's stderr. */
async function untilStderr(cli: CliProcess, pattern: RegExp): Promise<void> {
  while (!pattern.test(cli.stderr())) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** Starts the runtime again once the follower says the endpoint does not answer; resolves with how it ended. */
async function restartedUnder(following: CliProcess, project: string, port: number) {
  await untilStderr(following, /does not answer/);
  startLocal(project, port);
  return { code: await following.exited, stdout: following.stdout(), stderr: following.stderr() };
}

/** What a follower that waited for the runtime and saw the execution succeed printed and exited with. */
const WAITED_AND_SUCCEEDED = {
  code: 0,
  stdout: expect.stringMatching(/SUCCEEDED\n$/),
  stderr:
    'the endpoint does not answer (ECONNREFUSED); trying again for up to 120s\n' +
    'the endpoint answers again; following\n',
};

describe('following an execution while its endpoint restarts', () => {
  it('run --wait says the endpoint does not answer, follows again once the runtime is back, and exits with the outcome', async () => {
    // Prepare
    const project = createProjectFixture({ 'statemachines/canary.asl.json': SHORT_CANARY });
    const port = await freePort();
    const first = startLocal(project, port);
    const endpoint = await waitForEndpoint(first);
    const following = startCli([
      'run',
      'canary',
      '-f',
      CANARY,
      '--name',
      'restarted',
      '--wait',
      '--endpoint',
      endpoint,
    ]);
    await waitForOutput(following, /→ BakeStep/);
    // Act: the runtime stops mid-bake and starts again on the same port and data
    first.child.kill('SIGTERM');
    await first.exited;
    const ended = await restartedUnder(following, project, port);
    // Assess
    expect(ended).toEqual(WAITED_AND_SUCCEEDED);
  });

  it('watch gives up after --reconnect-seconds with exit code 3, saying the outcome is unknown', async () => {
    // Prepare
    const project = createProjectFixture({ 'statemachines/canary.asl.json': SHORT_CANARY });
    const local = startLocal(project, await freePort());
    const endpoint = await waitForEndpoint(local);
    const started = startCli(['run', 'canary', '-f', CANARY, '--name', 'abandoned', '--endpoint', endpoint]);
    expect(await started.exited).toBe(0);
    const following = startCli(['watch', 'abandoned', '--reconnect-seconds', '1', '--endpoint', endpoint]);
    await waitForOutput(following, /→ BakeStep/);
    // Act
    local.child.kill('SIGTERM');
    const code = await following.exited;
    // Assess
    expect(code).toBe(3);
    expect(following.stderr()).toContain(
      'cutover: stopped following: no answer from the endpoint for 1s (ECONNREFUSED), so the outcome is unknown: ' +
        `once it answers, follow it with \`cutover watch abandoned --endpoint ${endpoint}\`, or stop it with \`cutover abort abandoned --endpoint ${endpoint}\``,
    );
  });

  it('watch of a rollback gives up with exit code 3, saying how to follow it, not to stop it', async () => {
    // Prepare: a rollback restoring, followed
    const project = createProjectFixture({ 'statemachines/rollback.asl.json': SLOW_ROLLBACK });
    const local = startLocal(project, await freePort());
    const endpoint = await waitForEndpoint(local);
    const sfn = sfnClient(endpoint);
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:rollback',
        name: 'abort-ck-v26',
      }),
    );
    sfn.destroy();
    const following = startCli(['watch', 'abort-ck-v26', '--reconnect-seconds', '1', '--endpoint', endpoint]);
    await waitForOutput(following, /→ Restore/);
    // Act
    local.child.kill('SIGTERM');
    const code = await following.exited;
    // Assess
    expect(code).toBe(3);
    expect(following.stderr()).toContain(
      'cutover: stopped following: no answer from the endpoint for 1s (ECONNREFUSED), so the outcome is unknown: ' +
        `once it answers, follow it with \`cutover watch abort-ck-v26 --endpoint ${endpoint}\`\n`,
    );
  });

  it('watch started while the runtime is down waits for it, then follows', async () => {
    // Prepare: an execution started, the runtime stopped
    const project = createProjectFixture({ 'statemachines/canary.asl.json': SHORT_CANARY });
    const port = await freePort();
    const first = startLocal(project, port);
    const endpoint = await waitForEndpoint(first);
    const started = startCli(['run', 'canary', '-f', CANARY, '--name', 'waited', '--endpoint', endpoint]);
    expect(await started.exited).toBe(0);
    first.child.kill('SIGTERM');
    await first.exited;
    // Act
    const following = startCli(['watch', 'waited', '--endpoint', endpoint]);
    const ended = await restartedUnder(following, project, port);
    // Assess
    expect(ended).toEqual(WAITED_AND_SUCCEEDED);
  });

  it('watch of a runtime down from the start gives up with exit code 3, saying how to follow later', async () => {
    // Prepare: nothing listens on the endpoint
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    // Act
    const following = startCli(['watch', 'waited', '--endpoint', endpoint, '--reconnect-seconds', '1']);
    // Assess
    expect(await following.exited).toBe(3);
    expect(following.stderr()).toContain(
      'so the outcome is unknown: once it answers, ' +
        `follow it with \`cutover watch waited --endpoint ${endpoint}\`, or stop it with \`cutover abort waited --endpoint ${endpoint}\``,
    );
  });

  it('watch of a rollback ARN while the runtime is down from the start gives up saying how to follow it, not to stop it', async () => {
    // Prepare: nothing listens on the endpoint
    const endpoint = `http://127.0.0.1:${await freePort()}`;
    const rollback = 'arn:aws:states:us-east-1:000000000000:execution:rollback:abort-ck-v26';
    // Act
    const following = startCli(['watch', rollback, '--endpoint', endpoint, '--reconnect-seconds', '1']);
    // Assess
    expect(await following.exited).toBe(3);
    expect(following.stderr()).toContain(
      `so the outcome is unknown: once it answers, follow it with \`cutover watch ${rollback} --endpoint ${endpoint}\`\n`,
    );
  });

  it('refuses a --reconnect-seconds that is not a whole number of seconds, starting nothing', async () => {
    // Act
    const run = startCli(['run', 'canary', '-f', CANARY, '--wait', '--reconnect-seconds', 'soon']);
    // Assess
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toBe('cutover: --reconnect-seconds must be an integer 0-86400 (got "soon")\n');
  });

  it('refuses --reconnect-seconds on run without --wait, starting nothing', async () => {
    // Act
    const run = startCli(['run', 'canary', '-f', CANARY, '--reconnect-seconds', '30']);
    // Assess
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toBe(
      'cutover: --reconnect-seconds applies to following the execution: give --wait too\n',
    );
  });
});
