/**
 * A Map Run's children: one per item of the Map, or one per `ItemBatcher` batch, each started as an execution
 * of the Map Run's labelled state machine, and going on after a restart only while their Map Run does.
 */
import { randomUUID } from 'node:crypto';
import type { ExecutionRow, MapRunRow, Store } from '../../store.ts';
import type { StoredCursor } from '../frame.ts';
import { type StateRun, serializeWithinLimit } from '../state-run.ts';
import type { MapState } from '../types.ts';
import { type BatchLimits, batchItems } from './item-batcher.ts';

/** A Map Run's children: how many, each one's input and how many of the Map's items it holds. */
export interface MapRunChildren {
  count: number;
  input(index: number): unknown;
  itemsOf(index: number): number;
  /** The items of all children. */
  itemCount: number;
}

/**
 * The children of a Distributed Map's Map Run over `items`, each item selected by `select`: one per item, or
 * one per batch under an `ItemBatcher` (see item-batcher.ts).
 */
export function mapRunChildren(
  run: StateRun<MapState>,
  batching: BatchLimits | undefined,
  items: readonly unknown[],
  select: (index: number) => unknown,
): MapRunChildren {
  const batches = batching
    ? batchItems(
        run,
        batching,
        items.map((_, index) => select(index)),
      )
    : undefined;
  return {
    count: batches?.length ?? items.length,
    input: batches ? (index) => batches[index] : select,
    itemsOf: (index) => batches?.[index]?.Items.length ?? 1,
    itemCount: items.length,
  };
}

/** Starts child `index` of `run`'s Map Run as an execution of the Map Run's labelled state machine. */
export async function startChild(
  run: StateRun<MapState>,
  mapRun: MapRunRow,
  children: MapRunChildren,
  index: number,
): Promise<ExecutionRow> {
  const { stateMachineArn, revision, id } = mapRun;
  const name = randomUUID();
  const arn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const parent = run.run.row;
  const row = await run.engine.startExecution({
    stateMachine: { arn: stateMachineArn, revision },
    arn,
    name,
    input: serializeWithinLimit(children.input(index), run.name),
    parentArn: parent.arn,
    traceHeader: parent.traceHeader,
    mapRun: { mapRunId: id, index, itemCount: children.itemsOf(index), round: mapRun.redriveCount },
  });
  if (!row) throw new Error(`Map Run child execution ${arn} exists already`);
  return row;
}

/**
 * Whether a Map Run still runs, as the store has it: RUNNING, with its parent RUNNING and at the Map state
 * running it, inside Parallel and Map states still running their children, none of which recorded a failure
 * (their other branches and iterations end aborted). After a restart, the children of a Map Run that does
 * not are aborted.
 */
export function mapRunGoesOn(store: Store, mapRunArn: string): boolean {
  const mapRun = store.mapRuns.get(mapRunArn);
  const parent = mapRun && store.getExecution(mapRun.executionArn);
  if (mapRun?.status !== 'RUNNING' || parent?.status !== 'RUNNING') return false;
  const cursors = store
    .listFrames(parent.id)
    .map((frame) => ({ path: frame.path, cursor: JSON.parse(frame.cursor) as StoredCursor }));
  const mapFrame = cursors.find(
    ({ cursor }) => cursor.phase === 'children' && cursor.map?.mapRunArn === mapRunArn,
  );
  if (!mapFrame || mapFrame.cursor.failure !== undefined) return false;
  // Each frame enclosing it stands at the Parallel or Map state running its branch or iteration.
  return cursors
    .filter(({ path }) => path !== mapFrame.path && mapFrame.path.startsWith(`${path}/`))
    .every(({ cursor }) => cursor.phase === 'children' && cursor.failure === undefined);
}
