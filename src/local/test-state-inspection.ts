/**
 * TestState's `inspectionData`: the tested state's input at each step of its data flow. A task's
 * parameters and result are read from the history of its run; the other steps are computed from the state's
 * fields with the engine's own data flow functions, as far as they get (a step that fails ends the list).
 */
import type { HistoryEvent, InspectionData } from '@aws-sdk/client-sfn';
import { applyPath, resolvePayloadTemplate } from './asl/data-flow.ts';
import { writeResultPath } from './asl/jsonpath.ts';
import type { MapChildrenPlan } from './asl/stand-ins.ts';
import type { PayloadTemplate, State } from './asl/types.ts';
import type { VariableReader } from './asl/variables.ts';
import type { TestMock } from './test-state-mock.ts';

/** What the tested state's fields read: its input (parsed), `$$` and the variables the test gave. */
export interface InspectionScope {
  /** The tested state's name in the test's state machine. */
  name: string;
  input: unknown;
  context: Record<string, unknown>;
  variables: Readonly<Record<string, unknown>>;
}

/** A reader of the test's variables, for the engine's data flow functions. */
export function readerOf(variables: Readonly<Record<string, unknown>>): VariableReader {
  return { readVariable: (name) => variables[name] };
}

const SCHEDULED_TYPES = new Set(['TaskScheduled', 'LambdaFunctionScheduled']);
const SUCCEEDED_TYPES = new Set(['TaskSucceeded', 'LambdaFunctionSucceeded']);

/** The details of a history event (its one `...EventDetails` member). */
export function detailsOf(event: HistoryEvent): Record<string, unknown> | undefined {
  const key = Object.keys(event).find((member) => member.endsWith('EventDetails'));
  return key === undefined ? undefined : (event[key as keyof HistoryEvent] as Record<string, unknown>);
}

/** The value of `field` of the first event of one of `types` in `events`, parsed; undefined when none. */
function eventValue(events: readonly HistoryEvent[], types: ReadonlySet<string>, field: string): unknown {
  const event = events.find((candidate) => types.has(candidate.type ?? ''));
  const text = event && detailsOf(event)?.[field];
  return typeof text === 'string' ? JSON.parse(text) : undefined;
}

/**
 * `variables`: the test's variables with those the tested state assigned as it exited (its `...StateExited`
 * event's `assignedVariables`, each value as JSON); none when there are none.
 */
function variablesAfter(
  events: readonly HistoryEvent[],
  scope: InspectionScope,
): Pick<InspectionData, 'variables'> {
  const exited = events.find((event) => event.stateExitedEventDetails?.name === scope.name);
  const assigned = exited?.stateExitedEventDetails?.assignedVariables ?? {};
  const variables = { ...scope.variables };
  for (const [name, json] of Object.entries(assigned)) variables[name] = JSON.parse(json);
  return Object.keys(variables).length === 0 ? {} : { variables: JSON.stringify(variables) };
}

/**
 * The data flow of `state` run on `input` (JSON) in a test whose history is `events`, as AWS's recordings
 * show it: for a JSONPath state `afterInputPath` and, where its type has them, `afterParameters`, `result`,
 * `afterResultSelector` and `afterResultPath` (a Pass with a `Result` only the last three, one without only
 * the other four; a mocked Map or Parallel no `result`); for a JSONata task `afterArguments` and `result`.
 * A mocked Map adds what its children would have got ({@link mapInspection}).
 */
export function inspectionData(
  state: State,
  input: string,
  events: readonly HistoryEvent[],
  scope: InspectionScope,
  mock?: TestMock,
): InspectionData {
  const data: InspectionData = { input, ...variablesAfter(events, scope) };
  const fields = state as {
    Type: string;
    QueryLanguage?: string;
    InputPath?: string | null;
    Parameters?: PayloadTemplate;
    Result?: unknown;
    ResultSelector?: PayloadTemplate;
    ResultPath?: string | null;
    ItemReader?: unknown;
    Arguments?: unknown;
  };
  const jsonata = fields.QueryLanguage === 'JSONata';
  if (fields.Type === 'Map') Object.assign(data, mapInspection(mock?.plan, !jsonata && !fields.ItemReader));
  const scheduled =
    eventValue(events, SCHEDULED_TYPES, 'parameters') ?? eventValue(events, SCHEDULED_TYPES, 'input');
  const taskResult = eventValue(events, SUCCEEDED_TYPES, 'output');
  if (jsonata) {
    // A mocked Parallel's Arguments are what its branches would have got.
    const argued =
      fields.Type === 'Parallel' && fields.Arguments !== undefined ? mock?.branchInput : undefined;
    const afterArguments = scheduled ?? argued;
    if (afterArguments !== undefined) data.afterArguments = JSON.stringify(afterArguments);
    if (taskResult !== undefined) data.result = JSON.stringify(taskResult);
    return data;
  }
  const variables = readerOf(scope.variables);
  const context = () => scope.context;
  const raw = scope.input;
  try {
    // A Pass with a Result shows only the result's steps, as AWS shows it.
    const passResult = fields.Type === 'Pass' && 'Result' in fields;
    if (!passResult) {
      const afterInputPath = applyPath(raw, fields.InputPath, context, variables);
      data.afterInputPath = JSON.stringify(afterInputPath);
      if (!RESULT_TYPES.has(fields.Type)) return data;
      const afterParameters =
        fields.Type === 'Task'
          ? scheduled
          : fields.Parameters === undefined || fields.Type === 'Map'
            ? afterInputPath
            : resolvePayloadTemplate(fields.Parameters, afterInputPath, context, variables);
      if (afterParameters === undefined) return data;
      if (fields.Type !== 'Map') data.afterParameters = JSON.stringify(afterParameters);
      if (fields.Type === 'Pass') return withResult(data, afterParameters, fields, scope);
    }
    const result = passResult ? fields.Result : fields.Type === 'Task' ? taskResult : mockedResult(mock);
    if (result === undefined) return data;
    // A mocked Map or Parallel, and a Pass, show no `result` (AWS's recordings).
    if (fields.Type === 'Task' || passResult) data.result = JSON.stringify(result);
    return withResult(data, result, fields, scope);
  } catch {
    // The state failed at this step: its error is the test's.
  }
  return data;
}

/** The state types whose data flow goes on past InputPath to a result. */
const RESULT_TYPES: ReadonlySet<string> = new Set(['Task', 'Pass', 'Map', 'Parallel']);

/** `data` with `afterResultSelector` and `afterResultPath` of `result`. */
function withResult(
  data: InspectionData,
  result: unknown,
  fields: { ResultSelector?: PayloadTemplate; ResultPath?: string | null },
  scope: InspectionScope,
): InspectionData {
  const selected =
    fields.ResultSelector === undefined
      ? result
      : resolvePayloadTemplate(fields.ResultSelector, result, () => scope.context, readerOf(scope.variables));
  data.afterResultSelector = JSON.stringify(selected);
  data.afterResultPath = JSON.stringify(writeResultPath(scope.input, fields.ResultPath, selected));
  return data;
}

/** The result a mocked Map or Parallel passed on: none when the mock failed or the state never came to it. */
function mockedResult(mock: TestMock | undefined): unknown {
  return mock?.answered && mock.mockedError === undefined ? mock.result : undefined;
}

/**
 * What a mocked Map's children would have got (its `plan`, none when the Map failed before them): its items
 * after `ItemsPath` (`itemsPath`: a JSONPath Map without an ItemReader), after its ItemSelector and
 * ItemBatcher when it has them, its `maxConcurrency` and the thresholds it sets.
 */
function mapInspection(plan: MapChildrenPlan | undefined, itemsPath: boolean): InspectionData {
  if (plan === undefined) return {};
  const { items, selected, batches, maxConcurrency, toleratedFailureCount, toleratedFailurePercentage } =
    plan;
  return {
    ...(itemsPath ? { afterItemsPath: JSON.stringify(items) } : {}),
    ...(selected === undefined ? {} : { afterItemSelector: JSON.stringify(selected) }),
    ...(batches === undefined ? {} : { afterItemBatcher: JSON.stringify(batches) }),
    maxConcurrency,
    ...(toleratedFailureCount === undefined ? {} : { toleratedFailureCount }),
    ...(toleratedFailurePercentage === undefined ? {} : { toleratedFailurePercentage }),
  };
}
