/**
 * Static checks of workflow variables: the `Assign` fields of states, Choice rules and Catchers (variable
 * names, `.$` values) and the scope rule that a Parallel branch or Map item processor must not assign a
 * variable the states or Choice rules of its enclosing scopes assign. A Catcher's Assign does not count for
 * the enclosing scope: AWS accepts a branch assigning a name that the Parallel state's Catcher assigns
 * (recorded in LocalStack's `states_variables/test_error_output.snapshot.json`). Used by `validate.ts`.
 */
import { assignedName, variableNameProblem } from '../variables.ts';
import { checkPayloadTemplate, type Report } from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';

/** Checks one `Assign` field: a JSON object of valid, distinct variable names with valid `.$` values. */
export function checkAssign(report: Report, assign: unknown, location: string): void {
  checkPayloadTemplate(report, assign, 'Assign', location);
  if (!isPlainObject(assign)) return;
  const names = new Set<string>();
  for (const key of Object.keys(assign)) {
    const name = assignedName(key);
    const problem = variableNameProblem(name);
    if (problem !== undefined) report(SCHEMA, problem, `${location}/Assign/${key}`);
    if (names.has(name))
      report(SCHEMA, `The variable '${name}' is assigned twice`, `${location}/Assign/${key}`);
    names.add(name);
  }
}

/**
 * Reports every variable a nested scope (Parallel branch, Map item processor) assigns that a state or
 * Choice rule of an enclosing scope assigns too; `outer` holds the names of the scopes enclosing `machine`.
 */
export function checkVariableScopes(
  report: Report,
  machine: unknown,
  location: string,
  outer: ReadonlySet<string> = new Set(),
): void {
  if (!isPlainObject(machine) || !isPlainObject(machine.States)) return;
  const scope = new Set(outer);
  for (const [name, state] of Object.entries(machine.States)) {
    for (const { at, assign, fromCatcher } of assignFields(state, `${location}/States/${name}`)) {
      for (const key of Object.keys(assign)) {
        const variable = assignedName(key);
        if (outer.has(variable)) {
          report(
            SCHEMA,
            `The variable '${variable}' is assigned in an enclosing scope and cannot be assigned in a Parallel branch or Map item processor`,
            `${at}/Assign/${key}`,
          );
        }
        if (!fromCatcher) scope.add(variable);
      }
    }
  }
  for (const [name, state] of Object.entries(machine.States)) {
    for (const [at, nested] of nestedMachines(state, `${location}/States/${name}`)) {
      checkVariableScopes(report, nested, at, scope);
    }
  }
}

interface AssignField {
  at: string;
  assign: Record<string, unknown>;
  fromCatcher: boolean;
}

/** The `Assign` objects of a state: its own, its Choice rules' and its Catchers', with their locations. */
function assignFields(state: unknown, location: string): AssignField[] {
  if (!isPlainObject(state)) return [];
  const fields: AssignField[] = [];
  const add = (at: string, assign: unknown, fromCatcher: boolean): void => {
    if (isPlainObject(assign)) fields.push({ at, assign, fromCatcher });
  };
  add(location, state.Assign, false);
  for (const list of ['Choices', 'Catch'] as const) {
    const entries = state[list];
    if (Array.isArray(entries)) {
      entries.forEach((entry, index) => {
        add(
          `${location}/${list}[${index}]`,
          isPlainObject(entry) ? entry.Assign : undefined,
          list === 'Catch',
        );
      });
    }
  }
  return fields;
}

/** A Parallel state's branches and a Map state's item processor, with their locations. */
function nestedMachines(state: unknown, location: string): [string, unknown][] {
  if (!isPlainObject(state)) return [];
  const nested: [string, unknown][] = [];
  if (Array.isArray(state.Branches)) {
    state.Branches.forEach((branch, index) => {
      nested.push([`${location}/Branches[${index}]`, branch]);
    });
  }
  for (const field of ['ItemProcessor', 'Iterator']) {
    if (field in state) nested.push([`${location}/${field}`, state[field]]);
  }
  return nested;
}
