/**
 * What a Map Run records in its parent's history and in the store as it fails or is redriven, and what a
 * failed child gives the Map's output.
 */
import type { RedriveStatus } from '../../redrive-status.ts';
import { type ExecutionRow, isUnsuccessful, type MapRunRow } from '../../store.ts';
import { errorDetails, type StatesError, storedError } from '../errors.ts';
import type { StateRun } from '../state-run.ts';
import type { MapState } from '../types.ts';

/** Records `MapRunFailed` and the Map Run's end with the Map's cursor keeping the failure (of child `index`). */
export function recordFailure(
  run: StateRun<MapState>,
  mapRun: MapRunRow,
  index: number,
  error: StatesError,
): void {
  const { engine } = run;
  run.emit('MapRunFailed', errorDetails(error.error, error.causeText));
  const end = { status: 'FAILED', stopDate: engine.clock.now(), error: error.error } as const;
  run.save({ failure: { index, ...storedError(error) } }, () => engine.store.mapRuns.update(mapRun.id, end));
  Object.assign(mapRun, end);
}

/**
 * Records `MapRunRedriven`: the parent was redriven, and the Map Run runs on with its unfinished children.
 * A child past the redrive rules (see redrive-status.ts) is not redriven: its failure stands in the new
 * round at once, so it is never reported as waiting for the redrive (`PENDING_REDRIVE`).
 */
export function recordRedrive(run: StateRun<MapState>, mapRun: MapRunRow): void {
  const { engine } = run;
  const { store } = engine;
  const redrive = {
    status: 'RUNNING',
    stopDate: null,
    redriveCount: mapRun.redriveCount + 1,
    redriveDate: engine.clock.now(),
    parentRedriveCount: run.run.row.redriveCount,
    error: null,
  } as const;
  const standing = store.mapRuns
    .listChildren(mapRun.id)
    .filter(({ execution }) => isUnsuccessful(execution) && !redrivable(run, execution));
  run.emit('MapRunRedriven', { mapRunArn: mapRun.arn, redriveCount: redrive.redriveCount });
  run.save({}, () => {
    store.mapRuns.update(mapRun.id, redrive);
    for (const { execution } of standing) store.mapRuns.setRound(execution.id, redrive.redriveCount);
  });
  Object.assign(mapRun, redrive);
}

/** Whether a Map Run's child may be redriven now (see redrive-status.ts). */
export function redrivable(run: StateRun<MapState>, row: ExecutionRow): boolean {
  return run.engine.redriveStatus(row).redriveStatus !== 'NOT_REDRIVABLE';
}

/**
 * A failed child as a Distributed Map's output holds it: its execution's description with its redrive
 * status, keys in AWS's order, dates as ISO-8601 (recorded on AWS in a `ResultWriter`'s `FAILED_0.json`).
 */
export function failedChildDescription(row: ExecutionRow, redrive: RedriveStatus): Record<string, unknown> {
  return {
    ...(row.cause === null ? {} : { Cause: row.cause }),
    ...(row.error === null ? {} : { Error: row.error }),
    ExecutionArn: row.arn,
    Input: row.input,
    InputDetails: { Included: true },
    Name: row.name,
    OutputDetails: { Included: true },
    RedriveCount: row.redriveCount,
    RedriveStatus: redrive.redriveStatus,
    ...(redrive.redriveStatusReason === undefined
      ? {}
      : { RedriveStatusReason: redrive.redriveStatusReason }),
    StartDate: new Date(row.startDate).toISOString(),
    StateMachineArn: row.stateMachineArn,
    Status: row.status,
    StopDate: new Date(row.stopDate ?? row.startDate).toISOString(),
  };
}
