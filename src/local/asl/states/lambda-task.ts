/**
 * A Task whose `Resource` is a bare Lambda function ARN: its raw result, and LambdaFunctionScheduled,
 * LambdaFunctionStarted and LambdaFunctionSucceeded / LambdaFunctionFailed / LambdaFunctionTimedOut events.
 * A function in flight at a restart is invoked again (at-least-once), unless its `TimeoutSeconds` passed
 * while the runtime was down: it then times out at that instant.
 */
import { invokeLambda } from '../integrations/lambda.ts';
import { NOT_TRUNCATED } from '../pending-events.ts';
import { type StateRun, serializeWithinLimit } from '../state-run.ts';
import { deadlinePassed, timeOutIfPassed, withinDeadline } from '../task-waits.ts';
import type { TaskState } from '../types.ts';
import { recordTaskFailure, recordTaskSuccess, taskDeadline, taskFields } from './task-fields.ts';

/** Runs the Lambda function `functionArn` to its raw result. */
export async function runLambdaFunction(run: StateRun<TaskState>, functionArn: string): Promise<unknown> {
  const { engine } = run;
  const inFlight = run.cursor.phase === 'running';
  const overdue = inFlight && deadlinePassed(engine.clock, run.cursor.timeoutAt);
  const fields = taskFields(run, inFlight);
  const { effective, timeoutInSeconds, taskCredentials } = fields instanceof Promise ? await fields : fields;
  let timeoutAt = run.cursor.timeoutAt;
  if (!overdue) {
    const scheduled = run.emit('LambdaFunctionScheduled', {
      resource: functionArn,
      input: serializeWithinLimit(effective, run.name),
      inputDetails: NOT_TRUNCATED,
      ...(timeoutInSeconds === undefined ? {} : { timeoutInSeconds }),
      ...(taskCredentials === undefined ? {} : { taskCredentials }),
    });
    if (!inFlight) timeoutAt = taskDeadline(run, timeoutInSeconds, scheduled);
    run.emit('LambdaFunctionStarted');
    run.save({ phase: 'running', effective, timeoutAt });
  }
  try {
    if (overdue) await timeOutIfPassed(engine.clock, timeoutAt, run.signal);
    const context = { executionArn: run.run.row.arn };
    const result = await withinDeadline(engine.clock, timeoutAt, run.signal, () =>
      invokeLambda(engine.lambdas, functionArn, effective, context),
    );
    return recordTaskSuccess(run, 'LambdaFunctionSucceeded', result, functionArn);
  } catch (thrown) {
    throw recordTaskFailure(run, thrown, ['LambdaFunctionTimedOut', 'LambdaFunctionFailed']);
  }
}
