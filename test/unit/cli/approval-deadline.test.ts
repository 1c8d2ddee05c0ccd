import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';
import { consoleDeadline } from '../../../src/cli/approval-deadline.ts';
import { readHistory } from '../../../src/cli/history.ts';

describe('consoleDeadline', () => {
  let local: TestRuntime;
  beforeAll(async () => {
    // Waits at a tenth of real time, as `WAIT_TIME_SCALE=0.1 cutover local` runs them
    local = await startTestRuntime({ clock: new RealClock(0.1) });
  });
  afterAll(async () => {
    await local?.close();
  });

  it("reads an approval's deadline on the runtime's clock from its console, and nothing from elsewhere", async () => {
    // Prepare: an execution waiting for a task token for up to 600 logical seconds
    const definition = JSON.stringify({
      StartAt: 'Approve',
      States: {
        Approve: {
          Type: 'Task',
          Resource: 'arn:aws:states:::sns:publish.waitForTaskToken',
          Parameters: {
            TopicArn: 'arn:aws:sns:us-east-1:000000000000:approvals',
            Message: { 'taskToken.$': '$$.Task.Token' },
          },
          TimeoutSeconds: 600,
          End: true,
        },
      },
    });
    const { stateMachineArn } = await local.runtime.service.createStateMachine({
      name: 'approval-deadline',
      definition,
      roleArn: 'arn:aws:iam::000000000000:role/test',
    });
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    let scheduled: Date | undefined;
    while (!scheduled) {
      const events = await readHistory(local.client, executionArn!);
      scheduled = events.find((event) => event.type === 'TaskScheduled')?.timestamp;
    }
    // Act
    const atRuntime = await consoleDeadline(local.endpoint)(executionArn!, { timeoutSeconds: 600 });
    const elsewhere = await consoleDeadline('http://127.0.0.1:1')(executionArn!, { timeoutSeconds: 600 });
    // Assess: 600 s at a tenth of real time, from when the task was scheduled
    expect(atRuntime).toBe(scheduled.getTime() + 60_000);
    expect(elsewhere).toBeUndefined();
  });
});
