/**
 * Static checks of a JSONata state (`QueryLanguage: "JSONata"`): its fields (no JSONPath fields), the
 * syntax of every `{% %}` expression, its Choice rules, Wait, Catchers and `Assign` names. Used by
 * `validate.ts`, which checks the Type, transitions and Retry of every state.
 */
import { lookupTable } from '#core/lookup-table.ts';
import { compileJsonata, expressionBody, isJsonataExpression } from '../jsonata.ts';
import { MAX_WAIT_SECONDS } from '../types.ts';
import { variableNameProblem } from '../variables.ts';
import {
  checkNextRequired,
  checkOneOf,
  checkOptionalString,
  checkUnknownFields,
  type Report,
} from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';
import { type ReadableStates, unsupportedReferences } from './jsonata-references.ts';
import { checkProcessingMode } from './map-mode-checks.ts';
import {
  checkChoices,
  checkItemProcessor,
  checkTaskFields,
  STATE_TYPE_CHECKS,
  type StateCheckContext,
} from './state-checks.ts';
import { isTimestamp } from './timestamps.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
const FLOW = ['Next', 'End'];
const OUTPUT = ['Output', 'Assign'];
const TASK_LIKE = [...FLOW, ...OUTPUT, 'Retry', 'Catch'];

/** The fields each JSONata state type accepts besides `Type`, `Comment` and `QueryLanguage`. */
export const JSONATA_FIELDS_BY_TYPE: Readonly<Record<string, readonly string[]>> = lookupTable({
  Task: [...TASK_LIKE, 'Arguments', 'Resource', 'Credentials', 'TimeoutSeconds', 'HeartbeatSeconds'],
  Pass: [...FLOW, ...OUTPUT],
  Choice: ['Choices', 'Default', ...OUTPUT],
  Wait: [...FLOW, ...OUTPUT, 'Seconds', 'Timestamp'],
  Succeed: ['Output'],
  Fail: ['Error', 'Cause'],
  Parallel: [...TASK_LIKE, 'Arguments', 'Branches'],
  Map: [...TASK_LIKE, 'Items', 'ItemSelector', 'ItemProcessor', 'Iterator', 'MaxConcurrency', 'Label'].concat(
    ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailureCount', 'ToleratedFailurePercentage'],
  ),
});

/** The fields of a JSONata state that are expressions, or JSON values with expressions at any depth. */
const EXPRESSION_FIELDS = [
  'Arguments',
  'Output',
  'Assign',
  'Items',
  'ItemSelector',
  'MaxConcurrency',
  'ItemBatcher',
  'ToleratedFailureCount',
  'ToleratedFailurePercentage',
  'TimeoutSeconds',
  'HeartbeatSeconds',
  'Seconds',
  'Timestamp',
  'Error',
  'Cause',
];

const RULE_FIELDS = new Set(['Condition', 'Next', 'Output', 'Assign', 'Comment']);

type StateObject = Record<string, unknown>;

/**
 * Checks a JSONata state of a known `type` (`validate.ts` has checked its Type, its fields' names and its
 * transition). Its Parallel branches and Map item processor are checked as state machines of their own.
 */
export function checkJsonataState(
  context: StateCheckContext,
  state: StateObject,
  type: string,
  location: string,
): void {
  const { report } = context;
  for (const field of EXPRESSION_FIELDS.filter((field) => field in state)) {
    const afterResult = RESULT_STATES.includes(type) && (field === 'Output' || field === 'Assign');
    checkExpressions(report, state[field], `${location}/${field}`, afterResult ? WITH_RESULT : NO_RESULT);
  }
  if (isPlainObject(state.ItemReader))
    checkItemReaderExpressions(report, state.ItemReader, `${location}/ItemReader`);
  if ('Assign' in state) checkAssignNames(report, state.Assign, location);
  JSONATA_TYPE_CHECKS[type]?.(context, state, location);
  if ('Catch' in state) checkCatchers(context, state.Catch, location);
}

/**
 * An `ItemReader`'s expressions: its `Arguments` and its `ReaderConfig`'s `MaxItems`. The rest of its
 * `ReaderConfig` is literal: `CSVHeaders` holds column names, not expressions, as AWS validates it
 * (measured, floci-io/floci's StepFunctionsTopLevelReferenceIntegrationTest).
 */
function checkItemReaderExpressions(report: Report, reader: StateObject, location: string): void {
  if ('Arguments' in reader) checkExpressions(report, reader.Arguments, `${location}/Arguments`);
  const config = reader.ReaderConfig;
  if (isPlainObject(config) && 'MaxItems' in config) {
    checkExpressions(report, config.MaxItems, `${location}/ReaderConfig/MaxItems`);
  }
}

const JSONATA_TYPE_CHECKS: Record<
  string,
  (context: StateCheckContext, state: StateObject, at: string) => void
> = {
  Task: checkTask,
  Choice: checkChoice,
  Wait: checkWait,
  Fail: checkFail,
  // Its branches are state machines, as in a JSONPath state.
  Parallel: STATE_TYPE_CHECKS.Parallel!,
  Map: (context, state, location) => {
    checkItemProcessor(context, state, location);
    checkProcessingMode(context.report, state, location, 'JSONata');
    checkIntegerOrExpression(context.report, state, 'MaxConcurrency', location, 0);
    if ('Items' in state && !Array.isArray(state.Items) && !isJsonataExpression(state.Items)) {
      context.report(
        SCHEMA,
        "The field 'Items' must be a JSON array or a JSONata expression",
        `${location}/Items`,
      );
    }
  },
};

/**
 * Reports every `{% %}` expression in `value` (at any depth) that does not parse, or reads what it may not
 * (see jsonata-references.ts); `readable` says which `$states` members the field may read.
 */
function checkExpressions(report: Report, value: unknown, location: string, readable = NO_RESULT): void {
  if (isJsonataExpression(value)) {
    let ast: unknown;
    try {
      ast = compileJsonata(expressionBody(value)).expression.ast();
    } catch (thrown) {
      // AWS's code, with JSONata's message (without its code).
      report('INVALID_JSONATA_EXPRESSION', (thrown as Error).message, location);
      return;
    }
    for (const problem of unsupportedReferences(ast, readable)) {
      report('UNSUPPORTED_JSONATA_EXPRESSION', problem, location);
    }
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries())
      checkExpressions(report, item, `${location}[${index}]`, readable);
  } else if (isPlainObject(value)) {
    for (const [key, member] of Object.entries(value)) {
      checkExpressions(report, member, `${location}/${key}`, readable);
    }
  }
}

const NO_RESULT: ReadableStates = { result: false, errorOutput: false };
const WITH_RESULT: ReadableStates = { result: true, errorOutput: false };
const WITH_ERROR_OUTPUT: ReadableStates = { result: false, errorOutput: true };
/** The states whose `Output` and `Assign` read `$states.result`. */
const RESULT_STATES = ['Task', 'Parallel', 'Map'];

/** A JSONata `Assign` is an object whose keys are variable names (no `.$` suffix). */
function checkAssignNames(report: Report, assign: unknown, location: string): void {
  if (!isPlainObject(assign)) {
    report(SCHEMA, "The field 'Assign' must be a JSON object", `${location}/Assign`);
    return;
  }
  for (const name of Object.keys(assign)) {
    const problem = variableNameProblem(name);
    if (problem !== undefined) report(SCHEMA, problem, `${location}/Assign/${name}`);
  }
}

/** Reports `state[field]` unless it is absent, an integer of at least `minimum`, or an expression. */
function checkIntegerOrExpression(
  report: Report,
  state: StateObject,
  field: string,
  location: string,
  minimum: number,
  maximum = Number.POSITIVE_INFINITY,
): void {
  const value = state[field];
  if (value === undefined || isJsonataExpression(value)) return;
  if (!Number.isInteger(value) || (value as number) < minimum || (value as number) > maximum) {
    const range =
      maximum === Number.POSITIVE_INFINITY
        ? `greater than or equal to ${minimum}`
        : `from ${minimum} to ${maximum}`;
    report(
      SCHEMA,
      `The field '${field}' must be an integer ${range}, or a JSONata expression`,
      `${location}/${field}`,
    );
  }
}

function checkTask({ report }: StateCheckContext, state: StateObject, location: string): void {
  checkTaskFields(report, state, location, (field) => {
    checkIntegerOrExpression(report, state, field, location, 1);
  });
}

function checkChoice(context: StateCheckContext, state: StateObject, location: string): void {
  checkChoices(context, state, location, (rule, at) => {
    checkChoiceRule(context, rule, at);
  });
}

/** A JSONata Choice rule: a `Condition` (a boolean or an expression) and a `Next`; `Output` and `Assign`. */
function checkChoiceRule(context: StateCheckContext, rule: unknown, location: string): void {
  const { report } = context;
  if (!isPlainObject(rule)) {
    report(SCHEMA, 'A Choice rule must be a JSON object', location);
    return;
  }
  checkUnknownFields(report, rule, RULE_FIELDS, location);
  checkOptionalString(report, rule, 'Comment', location);
  if (typeof rule.Condition !== 'boolean' && !isJsonataExpression(rule.Condition)) {
    report(
      SCHEMA,
      "The field 'Condition' must be a boolean or a JSONata expression",
      `${location}/Condition`,
    );
  }
  checkNextRequired(report, rule, location);
  if ('Next' in rule) context.checkTarget(rule.Next, `${location}/Next`);
  for (const field of ['Condition', 'Output', 'Assign'].filter((field) => field in rule)) {
    checkExpressions(report, rule[field], `${location}/${field}`);
  }
  if ('Assign' in rule) checkAssignNames(report, rule.Assign, location);
}

function checkWait({ report }: StateCheckContext, state: StateObject, location: string): void {
  checkOneOf(report, state, ['Seconds', 'Timestamp'], location, true);
  checkIntegerOrExpression(report, state, 'Seconds', location, 0, MAX_WAIT_SECONDS);
  const { Timestamp: timestamp } = state;
  if (timestamp !== undefined && !isJsonataExpression(timestamp) && !isTimestamp(timestamp)) {
    report(SCHEMA, 'String does not match RFC3339 timestamp', `${location}/Timestamp`);
  }
}

function checkFail({ report }: StateCheckContext, state: StateObject, location: string): void {
  for (const field of ['Error', 'Cause']) checkOptionalString(report, state, field, location);
}

/** The `Output` and `Assign` of a JSONata state's Catchers (`checkRetryAndCatch` checks the rest). */
function checkCatchers(context: StateCheckContext, catchers: unknown, location: string): void {
  if (!Array.isArray(catchers)) return;
  catchers.forEach((catcher, index) => {
    if (!isPlainObject(catcher)) return;
    const at = `${location}/Catch[${index}]`;
    for (const field of ['Output', 'Assign'].filter((field) => field in catcher)) {
      checkExpressions(context.report, catcher[field], `${at}/${field}`, WITH_ERROR_OUTPUT);
    }
    if ('Assign' in catcher) checkAssignNames(context.report, catcher.Assign, at);
  });
}
