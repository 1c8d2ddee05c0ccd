import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RealClock } from '#local/clock.ts';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';
import { approvalTimeoutText, consoleDeadline } from '../../../src/cli/approval-deadline.ts';
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

describe('approvalTimeoutText', () => {
  const zone = process.env.TZ;
  afterEach(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });

  it.each([
    ['UTC', 'times out at 14:00:00 UTC, in 1h 0m 0s'],
    ['America/New_York', 'times out at 09:00:00 UTC-05:00, in 1h 0m 0s'],
    ['Asia/Kolkata', 'times out at 19:30:00 UTC+05:30, in 1h 0m 0s'],
  ])('names the zone of the local time it states (%s)', (timeZone, said) => {
    // Prepare
    process.env.TZ = timeZone;
    const now = Date.parse('2026-12-01T13:00:00Z');
    // Act
    const text = approvalTimeoutText({ timesOutAt: Date.parse('2026-12-01T14:00:00Z') }, now);
    // Assess
    expect(text).toBe(said);
  });
});
