import { invokeIntegration, servesIntegration, unsupportedIntegration } from '../integrations/index.ts';
import {
  nestedExecutionResult,
  startedExecutionResult,
  startNestedExecution,
} from '../integrations/nested-execution.ts';
import { parseTaskResource, type TaskResource } from '../integrations/resource.ts';
import { NOT_TRUNCATED } from '../pending-events.ts';
import { type StateResult, type StateRun, serializeWithinLimit } from '../state-run.ts';
import { newTaskToken } from '../task-token.ts';
import { TokenMailbox, timeOutIfPassed, withinDeadline } from '../task-waits.ts';
import type { TaskState } from '../types.ts';
import { runActivity } from './activity-task.ts';
import { runLambdaFunction } from './lambda-task.ts';
import { recordTaskFailure, recordTaskSuccess, taskDeadline, taskFields } from './task-fields.ts';

type Service = Extract<TaskResource, { kind: 'service' }>;

/**
 * Task: a Lambda function ARN (raw result, LambdaFunction* events), an activity ARN (Activity* events) or a
 * service integration (Task* events): request-response, `.waitForTaskToken`, or `states:startExecution.sync[:2]`. The invocation is
 * recorded before it starts; an invocation cut short by a restart is made again (at-least-once).
 */
export async function runTask(run: StateRun<TaskState>): Promise<StateResult> {
  const target = parseTaskResource(run.state.Resource);
  const result =
    target.kind === 'lambda-function'
      ? await runLambdaFunction(run, target.functionArn)
      : target.kind === 'activity'
        ? await runActivity(run, target.activityArn)
        : await runService(run, target);
  return run.exit(result, run.state.Next);
}

async function runService(run: StateRun<TaskState>, target: Service): Promise<unknown> {
  // An integration this runtime does not serve fails the task before anything is scheduled.
  if (!servesIntegration(target.service, target.action))
    throw unsupportedIntegration(target.service, target.action);
  const { engine } = run;
  const resourceType = target.service;
  const resource = target.resource;
  const waitsForToken = target.pattern === 'waitForTaskToken';
  const resuming = run.cursor.phase === 'token' || run.cursor.phase === 'child';
  const inFlight = run.cursor.phase === 'running';
  const token = waitsForToken ? (run.cursor.token ?? newTaskToken()) : undefined;
  // The state's own fields fail it before anything is scheduled, with no TaskFailed (as a Lambda function's do).
  const fields = taskFields(run, resuming || inFlight, token ? { Task: { Token: token } } : undefined);
  const { effective, timeoutInSeconds, heartbeatSeconds, taskCredentials } =
    fields instanceof Promise ? await fields : fields;
  const mailbox = token === undefined ? undefined : new TokenMailbox(engine, token, heartbeatSeconds);
  // An answer sent for the token of a task in flight at a restart ends the task: it is not invoked again.
  const answered = inFlight && mailbox?.answered === true;
  try {
    if (!resuming && !answered) {
      if (inFlight) await timeOutIfPassed(engine.clock, run.cursor.timeoutAt, run.signal);
      const scheduled = run.emit('TaskScheduled', {
        resourceType,
        resource,
        region: engine.region,
        parameters: serializeWithinLimit(effective, run.name),
        ...(timeoutInSeconds === undefined ? {} : { timeoutInSeconds }),
        ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
        ...(taskCredentials === undefined ? {} : { taskCredentials }),
      });
      const timeoutAt = inFlight ? run.cursor.timeoutAt : taskDeadline(run, timeoutInSeconds, scheduled);
      run.emit('TaskStarted', { resourceType, resource });
      const rowId = run.run.row.id;
      const heartbeatDeadline = taskDeadline(run, heartbeatSeconds, scheduled);
      run.save(
        { phase: 'running', effective, timeoutAt, token },
        token ? () => engine.store.putTaskToken(token, rowId, run.frame.path, heartbeatDeadline) : undefined,
      );
      if (target.pattern === 'sync' || target.pattern === 'sync:2') {
        startSyncExecution(run, target, effective);
      } else {
        const invoked = await withinDeadline(engine.clock, timeoutAt, run.signal, () =>
          invokeIntegration(run, target.service, target.action, effective, token),
        );
        if (!waitsForToken) {
          if (invoked.writes) run.frame.queueWrite(invoked.writes);
          return succeeded(run, target, invoked.output);
        }
        run.emit('TaskSubmitted', {
          resourceType,
          resource,
          output: serializeWithinLimit(invoked.output, resourceType),
          outputDetails: NOT_TRUNCATED,
        });
        run.save({ phase: 'token' }, invoked.writes);
      }
    }
    if (run.cursor.phase === 'child') {
      const childArn = run.cursor.childArn!;
      const row = await withinDeadline(engine.clock, run.cursor.timeoutAt, run.signal, () =>
        engine.awaitExecution(childArn),
      );
      return succeeded(
        run,
        target,
        nestedExecutionResult(row, target.pattern === 'sync' ? 'sync' : 'sync:2', engine.redriveStatus(row)),
      );
    }
    const result = await mailbox!.wait(run.signal, run.cursor.timeoutAt);
    return succeeded(run, target, result);
  } catch (thrown) {
    throw recordTaskFailure(run, thrown, ['TaskTimedOut', 'TaskFailed'], { resourceType, resource });
  } finally {
    mailbox?.close();
    if (token !== undefined) run.frame.queueWrite(() => engine.store.deleteTaskToken(token));
  }
}

/** Starts the nested execution of a `.sync` task and records it with TaskSubmitted in one transaction. */
function startSyncExecution(run: StateRun<TaskState>, target: Service, parameters: unknown): void {
  const { engine } = run;
  const child = engine.store.transaction(() => {
    const row = startNestedExecution(engine, parameters, run.run.row.arn);
    run.emit('TaskSubmitted', {
      resourceType: target.service,
      resource: target.resource,
      // The StartExecution call's answer with its headers and request id, as AWS records it.
      output: JSON.stringify(startedExecutionResult(row, engine.clock.now())),
      outputDetails: NOT_TRUNCATED,
    });
    run.save({ phase: 'child', childArn: row.arn });
    return row;
  });
  engine.launch(child);
}

/** Records the service integration's `result` as TaskSucceeded and returns it. */
function succeeded(run: StateRun<TaskState>, target: Service, result: unknown): unknown {
  const details = { resourceType: target.service, resource: target.resource };
  return recordTaskSuccess(run, 'TaskSucceeded', result, target.service, details);
}
