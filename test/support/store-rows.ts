/** Rows for store tests: an execution of the `orders` state machine, RUNNING unless `overrides` say otherwise. */
import type { ExecutionRow } from '#local/store.ts';

/** The state machine the rows of {@link anExecution} belong to. */
export const ORDERS_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:orders';

/** A new execution `name` of {@link ORDERS_MACHINE_ARN}, as `Store.insertExecutions` takes it. */
export function anExecution(name: string, overrides: Partial<ExecutionRow> = {}): Omit<ExecutionRow, 'id'> {
  return {
    arn: `arn:aws:states:us-east-1:000000000000:execution:orders:${name}`,
    stateMachineArn: ORDERS_MACHINE_ARN,
    name,
    revision: 1,
    status: 'RUNNING',
    input: '{}',
    output: null,
    error: null,
    cause: null,
    startDate: 2_000,
    stopDate: null,
    deadline: null,
    parentArn: null,
    traceHeader: null,
    redriveCount: 0,
    redriveDate: null,
    versionArn: null,
    aliasArn: null,
    ...overrides,
  };
}
