/**
 * What a Map Run records in its parent's history and in the store as it fails or is redriven, and what a
 * failed child gives the Map's output.
 */
import type { ExecutionRow, MapRunRow } from '../../store.ts';
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
  const end = { status: 'FAILED', stopDate: engine.clock.now() } as const;
  run.save({ failure: { index, ...storedError(error) } }, () => engine.store.updateMapRun(mapRun.id, end));
  Object.assign(mapRun, end);
}

/** Records `MapRunRedriven`: the parent was redriven, and the Map Run runs on with its unfinished children. */
export function recordRedrive(run: StateRun<MapState>, mapRun: MapRunRow): void {
  const { engine } = run;
  const redrive = {
    status: 'RUNNING',
    stopDate: null,
    redriveCount: mapRun.redriveCount + 1,
    redriveDate: engine.clock.now(),
    parentRedriveCount: run.run.row.redriveCount,
  } as const;
  run.emit('MapRunRedriven', { mapRunArn: mapRun.arn, redriveCount: redrive.redriveCount });
  run.save({}, () => engine.store.updateMapRun(mapRun.id, redrive));
  Object.assign(mapRun, redrive);
}

/**
 * A failed child as a Distributed Map's output holds it: its execution's description, keys in AWS's order,
 * dates as ISO-8601 (recorded on AWS in a `ResultWriter`'s `FAILED_0.json`).
 */
export function failedChildDescription(row: ExecutionRow): Record<string, unknown> {
  return {
    ...(row.cause === null ? {} : { Cause: row.cause }),
    ...(row.error === null ? {} : { Error: row.error }),
    ExecutionArn: row.arn,
    Input: row.input,
    InputDetails: { Included: true },
    Name: row.name,
    OutputDetails: { Included: true },
    RedriveCount: row.redriveCount,
    RedriveStatus: 'REDRIVABLE_BY_MAP_RUN',
    StartDate: new Date(row.startDate).toISOString(),
    StateMachineArn: row.stateMachineArn,
    Status: row.status,
    StopDate: new Date(row.stopDate ?? row.startDate).toISOString(),
  };
}
