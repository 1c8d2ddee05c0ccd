/**
 * The labelled state machine a Map Run's children run (`<machine>/<label>`), as on AWS: its revision holds
 * the Map's item processor.
 */
import { createHash } from 'node:crypto';
import type { StateRun } from '../state-run.ts';
import type { MapState, StateMachineDefinition } from '../types.ts';

/** A Map Run's labelled state machine: its name (`<machine>/<label>`) and ARN. */
export interface LabelledStateMachine {
  name: string;
  arn: string;
}

/** The labelled state machine of `run`'s Map state: its `Label`, or one generated from the state's name. */
export function labelledStateMachine(run: StateRun<MapState>): LabelledStateMachine {
  const { engine } = run;
  const parent = run.run;
  const label = run.state.Label ?? generatedLabel(parent.row.stateMachineArn, run.name);
  const name = `${parent.machineName}/${label}`;
  return { name, arn: `arn:aws:states:${engine.region}:${engine.account}:stateMachine:${name}` };
}

/**
 * The revision a Map Run's children run, of its labelled state machine: the one an earlier Map Run of this
 * Map state (by name: two Maps may share a `Label`) in this runtime recorded for the same revision of its
 * state machine, else a new one.
 */
export function labelledRevision(
  run: StateRun<MapState>,
  { arn, name }: LabelledStateMachine,
  now: number,
): number {
  const { engine } = run;
  const key = `${run.run.row.revision}:${run.name}:${arn}`;
  const known = engine.labelledRevisions.get(key);
  if (known !== undefined) return known;
  const configuration = engine.store.getRevision(run.run.row.revision)!;
  const definition = JSON.stringify(childDefinition(run));
  const revision = engine.store.insertRevision(
    { ...configuration, arn, name, definition, publications: '{}' },
    now,
  );
  engine.labelledRevisions.set(key, revision);
  return revision;
}

/** The state machine a Map Run's children run: the item processor, in the query language of the whole definition. */
function childDefinition(run: StateRun<MapState>): StateMachineDefinition {
  const processor = (run.state.ItemProcessor ?? run.state.Iterator)!;
  const { QueryLanguage } = run.run.definition;
  return {
    ...(QueryLanguage === undefined ? {} : { QueryLanguage }),
    StartAt: processor.StartAt,
    States: processor.States,
  } as StateMachineDefinition;
}

/**
 * The label of a Map state without `Label`: a UUID made from its state machine and name, so every run of
 * the state has the same labelled state machine (AWS's generated labels are name-based UUIDs too).
 */
function generatedLabel(stateMachineArn: string, stateName: string): string {
  const hex = createHash('md5').update(`${stateMachineArn}#${stateName}`).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
