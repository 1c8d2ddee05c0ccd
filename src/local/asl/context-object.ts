/**
 * The context object `$$` of a state, built only when a path or intrinsic function reads it: most states
 * never do, so their runs skip building it.
 */
import type { ExecutionRow } from '../store.ts';
import { parsePath } from './expressions/path-syntax.ts';
import type { VariableReader } from './variables.ts';

/** The context object, or a function that builds it on first read. */
export type ContextSource = unknown;

/** The context object of `source`: calls it if it is a builder (JSON values are never functions). */
export function readContext(source: ContextSource): unknown {
  return typeof source === 'function' ? (source as () => unknown)() : source;
}

/**
 * Where a path that selected nothing looked, for its error: `input '{...}'` for `$...` and, in AWS's word
 * (recorded for a `$$.Execution.Input...` path), for `$$...` with the context object's JSON;
 * `variable 'name' '{...}'` (or `variables: 'name' is not assigned`) for `$name...`.
 */
export function describePathSource(
  path: string,
  input: unknown,
  context: ContextSource,
  variables?: VariableReader,
): string {
  if (path.startsWith('$$')) return `input '${JSON.stringify(readContext(context) ?? null)}'`;
  const variable = parsePath(path).variable;
  if (variable === undefined) return `input '${JSON.stringify(input ?? null)}'`;
  const value = variables?.readVariable(variable);
  return value === undefined
    ? `variables: '${variable}' is not assigned`
    : `variable '${variable}' '${JSON.stringify(value)}'`;
}

/**
 * An instant (epoch ms) as the context object writes it (`StartTime`, `EnteredTime`, `RedriveTime`): ISO 8601
 * in UTC with the milliseconds, or without a fraction on a whole second, as AWS writes it ("Step Functions
 * removes the trailing zeros rather than pad the output", the developer guide's Context object page).
 */
export function contextTime(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** The `$$.Execution` and `$$.StateMachine` members of an execution. */
export interface ExecutionContext {
  Execution: Record<string, unknown>;
  StateMachine: Record<string, unknown>;
}

/**
 * `$$.Execution` and `$$.StateMachine` of the execution `row` of the state machine `machineName`, with the
 * members in the order of AWS's JSON (`$$` assigned to a variable shows it in `assignedVariables`).
 */
export function executionContext(row: ExecutionRow, machineName: string, roleArn: string): ExecutionContext {
  return {
    Execution: {
      Id: row.arn,
      Input: JSON.parse(row.input),
      StartTime: contextTime(row.startDate),
      Name: row.name,
      RoleArn: roleArn,
      RedriveCount: row.redriveCount,
      ...(row.redriveDate === null ? {} : { RedriveTime: contextTime(row.redriveDate) }),
    },
    StateMachine: { Id: row.stateMachineArn, Name: machineName },
  };
}
