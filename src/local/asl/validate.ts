/**
 * Static validation of a JSONPath state machine definition, like the Step Functions
 * ValidateStateMachineDefinition API: every problem at once, each with a code, a message and a location.
 */

import { lookupTable } from '#core/lookup-table.ts';
import { duplicateStateNames } from './duplicate-state-names.ts';
import { checkAssign, checkVariableScopes } from './expressions/assign-checks.ts';
import {
  checkOptionalString,
  checkPath,
  checkPayloadTemplate,
  checkUnknownFields,
  moreThanOneOf,
  noneOf,
  type Report,
} from './expressions/expression-checks.ts';
import { deeperThan, isPlainObject, MAX_JSON_DEPTH } from './expressions/json-values.ts';
import { checkJsonataState, JSONATA_FIELDS_BY_TYPE } from './expressions/jsonata-checks.ts';
import {
  checkInteger,
  checkRetryAndCatch,
  STATE_TYPE_CHECKS,
  type StateCheckContext,
} from './expressions/state-checks.ts';
import { warnMissingDollar, warnStaticPassResult } from './expressions/warning-checks.ts';
import { parseTaskResource, type TaskResource } from './integrations/resource.ts';
import { jsonSyntaxError } from './json-syntax-error.ts';

/** One finding, as ValidateStateMachineDefinition returns it. */
export interface DefinitionDiagnostic {
  code: string;
  message: string;
  /**
   * Where in the definition, as AWS writes it: `/States/Deploy/Next`, an array's item by its index in
   * brackets (`/States/Check/Choices[0]/Next`); absent, as on AWS, for a blank definition and a workflow
   * without a terminal state.
   */
  location?: string;
  severity: 'ERROR' | 'WARNING';
}

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
const MISSING_TARGET = 'MISSING_TRANSITION_TARGET';
const DUPLICATE_STATE_NAME = 'DUPLICATE_STATE_NAME';
const INVALID_STATE_NAME = 'INVALID_STATE_NAME';
/** The longest state name AWS accepts. */
export const MAX_STATE_NAME_LENGTH = 80;
const TOP_LEVEL_FIELDS = new Set([
  'Comment',
  'StartAt',
  'States',
  'TimeoutSeconds',
  'Version',
  'QueryLanguage',
]);
const COMMON_FIELDS: ReadonlySet<string> = new Set(['Type', 'Comment', 'QueryLanguage']);
const IO = ['InputPath', 'OutputPath'];
const FLOW = ['Next', 'End'];
const WITH_RESULT = [...IO, ...FLOW, 'ResultPath'];
const ERROR_HANDLING = ['Retry', 'Catch'];
const TASK_LIKE = [...WITH_RESULT, ...ERROR_HANDLING, 'Parameters', 'ResultSelector', 'Assign'];

/**
 * The fields each state type accepts besides `Type`, `Comment` and `QueryLanguage`; the types in the order
 * AWS's validation message lists them (AWS-recorded, TestState, December 2025).
 */
const FIELDS_BY_TYPE: Readonly<Record<string, readonly string[]>> = lookupTable({
  Task: [
    ...TASK_LIKE,
    'Resource',
    'Credentials',
    'TimeoutSeconds',
    'TimeoutSecondsPath',
    'HeartbeatSeconds',
  ].concat('HeartbeatSecondsPath'),
  Wait: [...IO, ...FLOW, 'Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath', 'Assign'],
  Pass: [...WITH_RESULT, 'Parameters', 'Result', 'Assign'],
  Succeed: IO,
  Fail: ['Error', 'ErrorPath', 'Cause', 'CausePath'],
  Choice: [...IO, 'Choices', 'Default', 'Assign'],
  Parallel: [...TASK_LIKE, 'Branches'],
  Map: [...TASK_LIKE, 'ItemSelector', 'ItemProcessor', 'Iterator', 'ItemsPath', 'MaxConcurrency'].concat(
    ['MaxConcurrencyPath', 'ItemReader', 'ItemBatcher', 'ResultWriter', 'Label'],
    ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath', 'ToleratedFailureCount'],
    ['ToleratedFailureCountPath'],
  ),
});

/**
 * Validates a definition's JSON text for a state machine of `type`; an empty array means valid. The caller
 * substitutes `${...}` placeholders first.
 *
 * @example
 * validateDefinition('{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}');
 * // [{ code: 'MISSING_TRANSITION_TARGET', message: "Missing 'Next' target: B", location: '/States/A/Next', severity: 'ERROR' }]
 */
export function validateDefinition(
  definitionJson: string,
  type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
): DefinitionDiagnostic[] {
  if (/^[ \t\r\n]*$/.test(definitionJson)) {
    // AWS-recorded for " ": no JSON value at all, and no location.
    return [{ code: SCHEMA, message: 'Definition must be a valid JSON object', severity: 'ERROR' }];
  }
  let definition: unknown;
  try {
    definition = JSON.parse(definitionJson);
  } catch (error) {
    // Both parsers take the same texts: the fallback only guards against a difference between them.
    const { message, location } = jsonSyntaxError(definitionJson) ?? {
      message: (error as Error).message,
      location: '/',
    };
    return [{ code: 'INVALID_JSON_DESCRIPTION', message, location, severity: 'ERROR' }];
  }
  // Checked first and alone: the checks below, and the engine, walk the definition recursively.
  const tooDeep = deeperThan(definition, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    return [
      {
        code: SCHEMA,
        message: `The definition nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the nesting depth limit of the local runtime`,
        location: tooDeep || '/',
        severity: 'ERROR',
      },
    ];
  }
  const diagnostics: DefinitionDiagnostic[] = duplicateStateNames(definitionJson).map(
    ({ name, location }) => ({
      code: DUPLICATE_STATE_NAME,
      message: `Duplicate State name: ${name}`,
      location,
      severity: 'ERROR',
    }),
  );
  const reporter =
    (severity: DefinitionDiagnostic['severity']): Report =>
    (code, message, location) => {
      diagnostics.push({ code, message, ...(location === undefined ? {} : { location }), severity });
    };
  const report = reporter('ERROR');
  const warn = reporter('WARNING');
  if (!isPlainObject(definition)) {
    report(SCHEMA, 'The definition must be a JSON object', '/');
    return diagnostics;
  }
  checkUnknownFields(report, definition, TOP_LEVEL_FIELDS, '');
  if ('TimeoutSeconds' in definition) checkInteger(report, definition, 'TimeoutSeconds', '', 1);
  checkOptionalString(report, definition, 'Comment', '');
  checkOptionalString(report, definition, 'Version', '');
  checkQueryLanguage(report, definition, '');
  const scope = { express: type === 'EXPRESS', jsonata: usesJsonata(definition, false) };
  checkMachine({ report, warn }, new Set(), definition, '', scope);
  checkVariableScopes(report, definition, '');
  return diagnostics;
}

/**
 * What holds for every state of a definition: whether it is an EXPRESS state machine, and whether its states
 * use JSONata unless they set their own `QueryLanguage`.
 */
interface DefinitionScope {
  readonly express: boolean;
  readonly jsonata: boolean;
}

/** StartAt and States of the top level, a Parallel branch or a Map item processor. */
function checkMachine(
  reporters: Pick<StateCheckContext, 'report' | 'warn'>,
  seenNames: Set<string>,
  machine: Record<string, unknown>,
  location: string,
  scope: DefinitionScope,
) {
  const { report } = reporters;
  const missing = ['States', 'StartAt'].filter((field) => !(field in machine));
  if (missing.length) report(SCHEMA, `These fields are required: [${missing.join(', ')}]`, location || '/');
  const states = machine.States;
  if ('States' in machine && (!isPlainObject(states) || Object.keys(states).length === 0)) {
    report(SCHEMA, "The field 'States' must be a non-empty JSON object", `${location}/States`);
  }
  if (!isPlainObject(states)) return;
  // AWS says 'Next' of every target: StartAt, Next, a Choice rule's Next, Default and a catcher's Next.
  const checkTarget = (target: unknown, at: string) => {
    if (typeof target !== 'string' || !(target in states)) {
      report(MISSING_TARGET, `Missing 'Next' target: ${String(target)}`, at);
    }
  };
  if ('StartAt' in machine) checkTarget(machine.StartAt, `${location}/StartAt`);
  const context: StateCheckContext = {
    ...reporters,
    checkTarget,
    checkNested: (nested, allowed, at) => {
      if (!isPlainObject(nested)) {
        report(SCHEMA, 'A nested state machine must be a JSON object', at);
        return;
      }
      checkUnknownFields(report, nested, allowed, at);
      checkOptionalString(report, nested, 'Comment', at);
      checkMachine(reporters, seenNames, nested, at, scope);
    },
  };
  for (const [name, state] of Object.entries(states)) {
    const at = `${location}/States/${name}`;
    if (seenNames.has(name)) report(DUPLICATE_STATE_NAME, `Duplicate State name: ${name}`, at);
    seenNames.add(name);
    if (name.length > MAX_STATE_NAME_LENGTH) {
      report(
        INVALID_STATE_NAME,
        `Invalid State name: State '${name}' exceeds the ${MAX_STATE_NAME_LENGTH}-character limit allowed by the service`,
        at,
      );
    }
    checkState(context, state, at, scope.jsonata);
    if (scope.express) checkExpressTask(report, state, at);
  }
  // Only the top level must end (a branch or item processor that loops is accepted), and a top level that
  // cannot end, or flows without a StartAt, have no unreachable states reported: as AWS answers.
  if (location === '' && !Object.values(states).some(isTerminal)) {
    report('MISSING_END_STATE', 'Workflow has no terminal state', undefined);
  } else if ('StartAt' in machine) {
    checkReachability(report, machine.StartAt, states, location);
  }
}

/** Whether a state ends its workflow: `End: true`, Succeed or Fail. */
function isTerminal(state: unknown): boolean {
  return isPlainObject(state) && (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail');
}

/**
 * Checks a state. A JSONata state (by its own `QueryLanguage`, else the definition's: `jsonataByDefault`) has
 * its `QueryLanguage` reported, which refuses the definition, and only the checks that do not depend on the
 * query language (Type, Next and End): its other fields (`Output`, `Arguments`, `{% %}` values, ...) are
 * JSONata's, which Step Functions supports.
 */
function checkState(
  context: StateCheckContext,
  state: unknown,
  location: string,
  jsonataByDefault: boolean,
): void {
  const { report } = context;
  if (!isPlainObject(state)) {
    report(SCHEMA, 'A state must be a JSON object', location);
    return;
  }
  const type = state.Type;
  const fields = typeof type === 'string' ? FIELDS_BY_TYPE[type] : undefined;
  if (typeof type !== 'string' || !fields) {
    const types = Object.keys(FIELDS_BY_TYPE).join(', ');
    report(SCHEMA, `The field 'Type' should have one of these values: [${types}]`, `${location}/Type`);
    return;
  }
  const jsonata = usesJsonata(state, jsonataByDefault);
  // A JSONPath state in a JSONata definition: that alone is reported, not its fields of either language.
  const downgraded = jsonataByDefault && state.QueryLanguage === 'JSONPath';
  if (downgraded) {
    report(
      SCHEMA,
      "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
      location,
    );
  }
  checkFieldNames(report, state, type, jsonata, location, downgraded);
  checkOptionalString(report, state, 'Comment', location);
  checkQueryLanguage(report, state, location);
  if (fields.includes('End')) checkTransition(context, state, location);
  if (fields.includes('Retry')) checkRetryAndCatch(context, state, location, jsonata);
  if (jsonata) {
    checkJsonataState(context, state, type, location);
    return;
  }
  for (const field of IO.filter((field) => field in state && state[field] !== null)) {
    checkPath(report, state[field], field, location, 'Path');
  }
  if ('ResultPath' in state && state.ResultPath !== null) {
    checkPath(report, state.ResultPath, 'ResultPath', location, 'ReferencePath', false);
  }
  for (const field of ['Parameters', 'ResultSelector', 'ItemSelector']) {
    if (!(field in state && fields.includes(field))) continue;
    // AWS runs a state whose Parameters is an array, a string, a number, a boolean or null as it is given.
    checkPayloadTemplate(report, state[field], field, location, field === 'Parameters');
    warnMissingDollar(context.warn, state[field], `${location}/${field}`);
  }
  if (type === 'Pass' && 'Result' in state)
    warnStaticPassResult(context.warn, state.Result, `${location}/Result`);
  if ('Assign' in state && fields.includes('Assign')) checkAssign(report, state.Assign, location);
  STATE_TYPE_CHECKS[type]?.(context, state, location);
}

/** Express state machines run no `.sync` (Run a Job) or `.waitForTaskToken` (Wait for Callback) task. */
/**
 * Reports the fields a state of `type` does not take in its query language: a field of the other language,
 * Retry or Catch outside Task, Parallel and Map, and any other unknown field (at the state, as AWS does).
 */
function checkFieldNames(
  report: Report,
  state: Record<string, unknown>,
  type: string,
  jsonata: boolean,
  location: string,
  downgraded: boolean,
): void {
  const [language, otherLanguage] = jsonata ? ['JSONata', 'JSONPath'] : ['JSONPath', 'JSONata'];
  const jsonPathFields = FIELDS_BY_TYPE[type] ?? [];
  const jsonataFields = JSONATA_FIELDS_BY_TYPE[type] ?? [];
  const [own, other] = jsonata ? [jsonataFields, jsonPathFields] : [jsonPathFields, jsonataFields];
  for (const key of Object.keys(state)) {
    if (COMMON_FIELDS.has(key) || own.includes(key) || (downgraded && other.includes(key))) continue;
    if (other.includes(key)) {
      report(
        SCHEMA,
        `The QueryLanguage is set to '${language}', but field '${key}' is only supported for the '${otherLanguage}' QueryLanguage`,
        location,
      );
    } else {
      report(SCHEMA, `Field '${key}' is not supported`, location);
    }
  }
}

function checkExpressTask(report: Report, state: unknown, location: string): void {
  if (!isPlainObject(state) || state.Type !== 'Task' || typeof state.Resource !== 'string') return;
  let resource: TaskResource;
  try {
    resource = parseTaskResource(state.Resource);
  } catch {
    return; // a Resource of no known shape is not this check's concern
  }
  if (resource.kind === 'activity') {
    report(SCHEMA, 'Express state machine does not support Activity ARN', `${location}/Resource`);
    return;
  }
  if (resource.kind !== 'service' || resource.pattern === 'request-response') return;
  // AWS's wording: for `.waitForTaskToken` with a trailing space (two before "at"), for `.sync` without.
  const space = resource.pattern === 'waitForTaskToken' ? ' ' : '';
  report(
    SCHEMA,
    `Express state machine does not support '.${resource.pattern}' service integration${space}`,
    `${location}/Resource`,
  );
}

function checkTransition(context: StateCheckContext, state: Record<string, unknown>, location: string): void {
  const hasNext = 'Next' in state;
  const ends = state.End === true;
  if ('End' in state && typeof state.End !== 'boolean') {
    context.report(SCHEMA, "The field 'End' must be a boolean", `${location}/End`);
  }
  if (hasNext && ends) context.report(SCHEMA, moreThanOneOf(['Next', 'End']), location);
  if (!hasNext && !ends) context.report(SCHEMA, noneOf(['Next', 'End']), location);
  if (hasNext) context.checkTarget(state.Next, `${location}/Next`);
}

function checkReachability(
  report: Report,
  startAt: unknown,
  states: Record<string, unknown>,
  location: string,
) {
  // A StartAt that names no state reaches none.
  const reached = new Set<string>();
  const pending = typeof startAt === 'string' && startAt in states ? [startAt] : [];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (reached.has(name)) continue;
    reached.add(name);
    pending.push(...transitionTargets(states[name]).filter((target) => target in states));
  }
  for (const name of Object.keys(states).filter((name) => !reached.has(name))) {
    report(MISSING_TARGET, `State "${name}" is not reachable.`, `${location}/States/${name}`);
  }
}

/** Every state name a state can move to: Next, Catch Next, Choice rule Next and Default. */
function transitionTargets(state: unknown): string[] {
  if (!isPlainObject(state)) return [];
  const catchers = Array.isArray(state.Catch) ? state.Catch : [];
  const rules = Array.isArray(state.Choices) ? state.Choices : [];
  const targets = [state.Next, state.Default, ...[...catchers, ...rules].map((entry) => entry?.Next)];
  return targets.filter((target): target is string => typeof target === 'string');
}

/**
 * Whether a definition or state uses JSONata: as AWS reads `QueryLanguage`, JSONPath only when it is exactly
 * `JSONPath`, `inherited` when absent, and JSONata for any other value (one that {@link checkQueryLanguage}
 * also reports).
 */
function usesJsonata(object: Record<string, unknown>, inherited: boolean): boolean {
  return 'QueryLanguage' in object ? object.QueryLanguage !== 'JSONPath' : inherited;
}

/** Reports a `QueryLanguage` that is not `JSONPath` or `JSONata`, in AWS's words. */
function checkQueryLanguage(report: Report, object: Record<string, unknown>, location: string): void {
  if (!('QueryLanguage' in object)) return;
  const { QueryLanguage: value } = object;
  if (typeof value !== 'string') {
    report(SCHEMA, 'Expected value of type [STRING]', `${location}/QueryLanguage`);
  } else if (value !== 'JSONPath' && value !== 'JSONata') {
    report(SCHEMA, 'Value should be one of the following: [JSONPath, JSONata]', `${location}/QueryLanguage`);
  }
}
