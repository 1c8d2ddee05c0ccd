import { setTimeout as delay } from 'node:timers/promises';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  ListActivitiesCommand,
  ListTagsForResourceCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/activities';
let local: TestRuntime | undefined;

afterEach(async () => {
  await local?.close();
  local = undefined;
});

/** Creates the activity `name` and a state machine of one Task of it; returns both ARNs. */
async function activityMachine(runtime: TestRuntime, name: string) {
  const { activityArn } = await runtime.client.send(new CreateActivityCommand({ name }));
  const definition = JSON.stringify({
    StartAt: 'Approve',
    States: { Approve: { Type: 'Task', Resource: activityArn, End: true } },
  });
  const { stateMachineArn } = await runtime.client.send(
    new CreateStateMachineCommand({ name: `${name}-machine`, definition, roleArn: ROLE }),
  );
  return { activityArn: activityArn!, stateMachineArn: stateMachineArn! };
}

describe('GetActivityTask over HTTP', () => {
  it('holds a poll until a task is scheduled, then answers it with the token and input', async () => {
    // Prepare
    local = await startTestRuntime();
    const { activityArn, stateMachineArn } = await activityMachine(local, 'held');
    const polled = local.client.send(new GetActivityTaskCommand({ activityArn, workerName: 'w1' }));
    await delay(100);
    // Act
    const { executionArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"ticket":12}' }),
    );
    const task = await polled;
    await local.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '"ok"' }));
    // Assess
    expect(task.input).toBe('{"ticket":12}');
    expect(await waitForExecution(local.client, executionArn!)).toMatchObject({
      status: 'SUCCEEDED',
      output: '"ok"',
    });
  });

  it('gives a task to no worker that went away: the next poll gets it', async () => {
    // Prepare: a poll whose caller gives up before any task is scheduled
    local = await startTestRuntime();
    const { activityArn, stateMachineArn } = await activityMachine(local, 'abandoned');
    const gone = new AbortController();
    const abandoned = local.client
      .send(new GetActivityTaskCommand({ activityArn, workerName: 'gone' }), { abortSignal: gone.signal })
      .catch((error: Error) => error.name);
    await delay(100);
    gone.abort();
    await delay(100);
    // Act
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    const task = await local.client.send(new GetActivityTaskCommand({ activityArn, workerName: 'next' }));
    await local.client.send(new SendTaskSuccessCommand({ taskToken: task.taskToken, output: '{}' }));
    await waitForExecution(local.client, executionArn!);
    // Assess
    expect(await abandoned).toBe('AbortError');
    const history = await local.runtime.service.getExecutionHistory({ executionArn });
    const started = history.events?.find((event) => event.type === 'ActivityStarted');
    expect(started?.activityStartedEventDetails).toEqual({ workerName: 'next' });
  });

  it('answers a poll in flight with no task at once when the runtime closes', async () => {
    // Prepare
    local = await startTestRuntime();
    const { activityArn } = await activityMachine(local, 'closing');
    const polled = local.client.send(new GetActivityTaskCommand({ activityArn }));
    await delay(100);
    // Act
    const closedAt = Date.now();
    const runtime = local;
    local = undefined;
    await runtime.runtime.close();
    const task = await polled;
    runtime.client.destroy();
    // Assess
    expect(task.taskToken).toBeUndefined();
    expect(Date.now() - closedAt).toBeLessThan(4_000);
  });

  it('lists activities page by page and keeps their tags, idempotent on CreateActivity', async () => {
    // Prepare
    local = await startTestRuntime();
    for (const name of ['c', 'a', 'b']) {
      await local.client.send(new CreateActivityCommand({ name, tags: [{ key: 'team', value: name }] }));
    }
    // Act
    const again = await local.client.send(
      new CreateActivityCommand({ name: 'a', tags: [{ key: 'team', value: 'other' }] }),
    );
    await local.client.send(
      new TagResourceCommand({ resourceArn: again.activityArn, tags: [{ key: 'tier', value: '1' }] }),
    );
    const first = await local.client.send(new ListActivitiesCommand({ maxResults: 2 }));
    const second = await local.client.send(
      new ListActivitiesCommand({ maxResults: 2, nextToken: first.nextToken }),
    );
    const tags = await local.client.send(new ListTagsForResourceCommand({ resourceArn: again.activityArn }));
    // Assess
    expect(first.activities?.map((activity) => activity.name)).toEqual(['a', 'b']);
    expect(second.activities?.map((activity) => activity.name)).toEqual(['c']);
    expect(second.nextToken).toBeUndefined();
    expect(tags.tags).toEqual([
      { key: 'team', value: 'a' },
      { key: 'tier', value: '1' },
    ]);
  });
});
