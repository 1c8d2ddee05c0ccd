/**
 * A Task whose `Resource` is an activity ARN: it schedules a task that a worker takes with GetActivityTask
 * and answers with SendTaskSuccess / SendTaskFailure (and SendTaskHeartbeat), as on AWS. Its events are
 * ActivityScheduled, ActivityStarted (when a worker took it) and ActivitySucceeded / ActivityFailed /
 * ActivityTimedOut. `TimeoutSeconds` counts from the schedule, `HeartbeatSeconds` from the start. A
 * restart puts a task no worker took back in its activity's queue; one a worker took waits for its answer.
 */
import { deadlineAfter } from '../../clock.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { NOT_TRUNCATED } from '../pending-events.ts';
import { type StateRun, serializeWithinLimit } from '../state-run.ts';
import { newTaskToken } from '../task-token.ts';
import { TokenMailbox, timeOutIfPassed, withinDeadline } from '../task-waits.ts';
import type { TaskState } from '../types.ts';
import { recordTaskFailure, recordTaskSuccess, taskDeadline, taskFields } from './task-fields.ts';

/** Runs the activity task of `activityArn` to its result. */
export async function runActivity(run: StateRun<TaskState>, activityArn: string): Promise<unknown> {
  const { engine } = run;
  const scheduled = run.cursor.phase === 'activity' || run.cursor.phase === 'token';
  if (!scheduled && !engine.store.getActivity(activityArn)) {
    throw new StatesError(STATES_ERRORS.Runtime, `The activity ${activityArn} does not exist.`);
  }
  const token = run.cursor.token ?? newTaskToken();
  const fields = taskFields(run, scheduled);
  const { effective, timeoutInSeconds, heartbeatSeconds } = fields instanceof Promise ? await fields : fields;
  const mailbox = new TokenMailbox(engine, token, heartbeatSeconds);
  try {
    if (!scheduled) {
      const event = run.emit('ActivityScheduled', {
        resource: activityArn,
        input: serializeWithinLimit(effective, run.name),
        inputDetails: NOT_TRUNCATED,
        ...(timeoutInSeconds === undefined ? {} : { timeoutInSeconds }),
        ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
      });
      const timeoutAt = taskDeadline(run, timeoutInSeconds, event);
      const rowId = run.run.row.id;
      run.save({ phase: 'activity', effective, timeoutAt, token }, () =>
        engine.store.putTaskToken(token, rowId, run.frame.path),
      );
    }
    if (run.cursor.phase === 'activity') await waitForWorker(run, activityArn, token, heartbeatSeconds);
    const result = await mailbox.wait(run.signal, run.cursor.timeoutAt);
    return recordTaskSuccess(run, 'ActivitySucceeded', result, activityArn);
  } catch (thrown) {
    throw recordTaskFailure(run, thrown, ['ActivityTimedOut', 'ActivityFailed']);
  } finally {
    mailbox.close();
    run.frame.queueWrite(() => engine.store.deleteTaskToken(token));
  }
}

/**
 * Waits in the activity's queue until a worker takes the task, then records ActivityStarted (with the
 * worker's name) and the task's first heartbeat deadline before the worker gets its token.
 */
async function waitForWorker(
  run: StateRun<TaskState>,
  activityArn: string,
  token: string,
  heartbeatSeconds: number | undefined,
): Promise<void> {
  const { engine } = run;
  const { timeoutAt } = run.cursor;
  await timeOutIfPassed(engine.clock, timeoutAt, run.signal);
  const input = JSON.stringify(run.cursor.effective ?? null);
  const start = (workerName: string | undefined): void => {
    run.emit('ActivityStarted', workerName === undefined ? {} : { workerName });
    const heartbeatDeadline =
      heartbeatSeconds === undefined ? undefined : deadlineAfter(engine.clock, heartbeatSeconds * 1000);
    run.save({ phase: 'token' }, () => {
      if (heartbeatDeadline !== undefined) engine.store.setTaskTokenHeartbeat(token, heartbeatDeadline);
    });
  };
  await withinDeadline(engine.clock, timeoutAt, run.signal, (settled) =>
    engine.activities.waitForWorker(activityArn, { token, input, start }, settled),
  );
}
