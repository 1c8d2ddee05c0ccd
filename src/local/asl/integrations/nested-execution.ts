/** `states:startExecution` (plain, `.sync`, `.sync:2`): nested executions of this runtime. */
import { randomUUID } from 'node:crypto';
import { toAwsJson } from '../../api/http-io.ts';
import type { RedriveStatus } from '../../redrive-status.ts';
import { StepFunctionsApiError } from '../../service-errors.ts';
import type { ExecutionRow } from '../../store.ts';
import type { Engine } from '../engine.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { serviceAnswerMetadata } from './sdk-http-metadata.ts';

/**
 * Starts a nested execution from the task's parameters `{ StateMachineArn, Input?, Name? }`; an `Input`
 * absent or null starts it with `{}`, as AWS does. A refused start fails the task with
 * `StepFunctions.<code>Exception` and the API's message followed by the call's service, status, code and
 * request id, as AWS records it (LocalStack's AWS-recorded `test_start_execution_no_such_arn`).
 */
export function startNestedExecution(engine: Engine, parameters: unknown, parentArn: string): ExecutionRow {
  const params = (typeof parameters === 'object' && parameters !== null ? parameters : {}) as Record<
    string,
    unknown
  >;
  const input =
    params.Input === undefined || params.Input === null || typeof params.Input === 'string'
      ? (params.Input ?? undefined)
      : JSON.stringify(params.Input);
  try {
    return engine.startNested(
      { stateMachineArn: params.StateMachineArn, name: params.Name, input },
      parentArn,
    );
  } catch (thrown) {
    if (thrown instanceof StepFunctionsApiError) {
      const error = thrown.code.endsWith('Exception') ? thrown.code : `${thrown.code}Exception`;
      const call = `Service: AWSStepFunctions; Status Code: 400; Error Code: ${thrown.code}; Request ID: ${randomUUID()}`;
      throw new StatesError(`StepFunctions.${error}`, `${thrown.message} (${call}; Proxy: null)`, {
        cause: thrown,
      });
    }
    throw thrown;
  }
}

/**
 * The plain `startExecution` result, as AWS records it: the API's answer (`ExecutionArn`, `StartDate`) with
 * its headers and request id; `Content-Length` is the length of this runtime's StartExecution answer.
 */
export function startedExecutionResult(row: ExecutionRow, now: number): Record<string, unknown> {
  const requestId = randomUUID();
  const body = toAwsJson({ executionArn: row.arn, startDate: new Date(row.startDate) });
  return {
    ExecutionArn: row.arn,
    SdkHttpMetadata: serviceAnswerMetadata({
      requestId,
      body,
      contentType: 'application/x-amz-json-1.0',
      now,
    }),
    SdkResponseMetadata: { RequestId: requestId },
    StartDate: row.startDate,
  };
}

/**
 * The `.sync` result (DescribeExecution's shape, its fields in alphabetical order as AWS records them) of a
 * finished nested execution, with its `redrive` status; `.sync:2` gives Input and Output as JSON, `.sync` as
 * strings. A nested execution that did not succeed fails the task with `States.TaskFailed` and this
 * description as the cause.
 */
export function nestedExecutionResult(
  row: ExecutionRow,
  pattern: 'sync' | 'sync:2',
  redrive: RedriveStatus,
): unknown {
  const json = pattern === 'sync:2';
  const description: Record<string, unknown> = {
    ExecutionArn: row.arn,
    Input: json ? JSON.parse(row.input) : row.input,
    InputDetails: { Included: true },
    Name: row.name,
    RedriveCount: row.redriveCount,
    RedriveStatus: redrive.redriveStatus,
    ...(redrive.redriveStatusReason === undefined
      ? {}
      : { RedriveStatusReason: redrive.redriveStatusReason }),
    StartDate: row.startDate,
    StateMachineArn: row.stateMachineArn,
    Status: row.status,
    StopDate: row.stopDate,
  };
  if (row.output !== null) {
    description.Output = json ? JSON.parse(row.output) : row.output;
    description.OutputDetails = { Included: true };
  }
  if (row.error !== null) description.Error = row.error;
  if (row.cause !== null) description.Cause = row.cause;
  if (row.versionArn !== null) description.StateMachineVersionArn = row.versionArn;
  if (row.aliasArn !== null) description.StateMachineAliasArn = row.aliasArn;
  const ordered = Object.fromEntries(Object.entries(description).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (row.status !== 'SUCCEEDED') throw new StatesError(STATES_ERRORS.TaskFailed, JSON.stringify(ordered));
  return ordered;
}
