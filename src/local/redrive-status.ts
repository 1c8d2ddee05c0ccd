/**
 * Whether an execution may be redriven (DescribeExecution's `redriveStatus` and `redriveStatusReason`, and
 * RedriveExecution's `ExecutionNotRedrivable`), with AWS's reasons.
 */
import type { ExecutionRow, StateMachineRow } from './store.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How long after its end an execution may be redriven, as on AWS: 14 days. */
export const REDRIVABLE_PERIOD_MS = 14 * DAY_MS;
/** How long after its start an execution may run (and so be redriven), as on AWS: one year. */
export const MAX_EXECUTION_TIME_MS = 365 * DAY_MS;

/** What decides whether an execution may be redriven, besides its row. */
export interface RedriveFacts {
  /** Its state machine, undefined once deleted. */
  machine: StateMachineRow | undefined;
  /** The id of its last history event. */
  lastEventId: number;
  /** Whether it kept frames when it ended (an execution that ended before redrives were served kept none). */
  keptFrames: boolean;
  /** The events a history may hold. */
  historyEventLimit: number;
  /** The runtime's clock, epoch ms. */
  now: number;
}

/** DescribeExecution's redrive fields of an execution. */
export interface RedriveStatus {
  redriveStatus: 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';
  redriveStatusReason?: string;
}

/**
 * Whether `row` may be redriven now, and if not, why (AWS's words where it has them). `facts` is read only
 * for an execution that ended FAILED, ABORTED or TIMED_OUT. A Map Run's child that may be is
 * `REDRIVABLE_BY_MAP_RUN` (`facts` read for its top state machine): its Map Run redrives it when the
 * execution that started it is redriven, and it is not redriven on its own.
 */
export function redriveStatus(
  row: ExecutionRow,
  facts: () => RedriveFacts,
  redrivable: 'REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN' = 'REDRIVABLE',
): RedriveStatus {
  const reason = notRedrivableReason(row, facts);
  return reason === undefined
    ? { redriveStatus: redrivable }
    : { redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason };
}

function notRedrivableReason(row: ExecutionRow, readFacts: () => RedriveFacts): string | undefined {
  if (row.status === 'RUNNING' || row.status === 'SUCCEEDED') {
    return `Execution is ${row.status} and cannot be redriven`;
  }
  const facts = readFacts();
  const { machine } = facts;
  if (machine === undefined || machine.status === 'DELETING') return 'State machine is in DELETING status';
  if (machine.type === 'EXPRESS') return 'Executions of EXPRESS state machines cannot be redriven';
  // AWS asks for fewer than 24,999 events: room for ExecutionRedriven and one more.
  if (facts.lastEventId >= facts.historyEventLimit - 1) return 'Execution history event limit exceeded';
  if (facts.now - row.startDate > MAX_EXECUTION_TIME_MS)
    return 'Execution has exceeded the max execution time';
  if (row.stopDate !== null && facts.now - row.stopDate > REDRIVABLE_PERIOD_MS) {
    return 'Execution redrivable period exceeded';
  }
  // ExecutionStarted and an end alone: no state ran, and a redrive starts at the first one.
  if (!facts.keptFrames && facts.lastEventId > 2) {
    return 'Execution was started before the launch of RedriveExecution';
  }
  return undefined;
}
