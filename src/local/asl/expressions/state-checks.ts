/**
 * Static checks of the fields particular to each state type (Task, Choice, Wait, Fail, Parallel, Map)
 * and of Retry/Catch. Used by `validate.ts`, which walks the states and checks transitions.
 */
import { lookupTable } from '#core/lookup-table.ts';
import { STATES_ERRORS } from '../errors.ts';
import { MAX_RETRIER_VALUE, MAX_RETRY_DELAY_SECONDS, MAX_WAIT_SECONDS } from '../types.ts';
import { checkAssign } from './assign-checks.ts';
import {
  checkChoiceRule,
  checkNextRequired,
  checkOneOf,
  checkOptionalString,
  checkPath,
  checkPathOrIntrinsic,
  checkUnknownFields,
  type Report,
} from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';
import { checkProcessingMode } from './map-mode-checks.ts';
import { checkTaskResource } from './resource-checks.ts';
import { isTimestamp } from './timestamps.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
const RETRIER_FIELDS = new Set([
  'ErrorEquals',
  'IntervalSeconds',
  'MaxAttempts',
  'BackoffRate',
  'MaxDelaySeconds',
  'JitterStrategy',
  'Comment',
]);
const CATCHER_FIELDS = new Set(['ErrorEquals', 'Next', 'ResultPath', 'Comment', 'Assign']);
const JSONATA_CATCHER_FIELDS = new Set(['ErrorEquals', 'Next', 'Output', 'Comment', 'Assign']);
const BRANCH_FIELDS = new Set(['Comment', 'StartAt', 'States']);

/** What the type checks need from the definition walker. */
export interface StateCheckContext {
  report: Report;
  /** Reports a finding of severity WARNING. */
  warn: Report;
  /** Reports a `MISSING_TRANSITION_TARGET` when `target` names no state of the current scope. */
  checkTarget(target: unknown, location: string): void;
  /** Validates a Parallel branch or a Map item processor as a state machine of its own. */
  checkNested(machine: unknown, allowed: ReadonlySet<string>, location: string): void;
}

type StateObject = Record<string, unknown>;

/** The checks of each state type that has fields of its own. */
export const STATE_TYPE_CHECKS: Readonly<
  Record<string, (context: StateCheckContext, state: StateObject, at: string) => void>
> = lookupTable({
  Task: checkTask,
  Choice: checkChoice,
  Wait: checkWait,
  Fail: checkFail,
  Parallel: checkParallel,
  Map: checkMap,
});

/** Checks `Retry` and `Catch` (fields, ErrorEquals, `States.ALL` last and alone, Catch targets). */
export function checkRetryAndCatch(
  context: StateCheckContext,
  state: StateObject,
  location: string,
  jsonata = false,
): void {
  for (const field of ['Retry', 'Catch'] as const) {
    if (!(field in state)) continue;
    const entries = state[field];
    if (!Array.isArray(entries)) {
      context.report(SCHEMA, `The field '${field}' must be an array`, `${location}/${field}`);
      continue;
    }
    entries.forEach((entry, index) => {
      const at = `${location}/${field}[${index}]`;
      if (!isPlainObject(entry)) {
        context.report(SCHEMA, `A ${field === 'Retry' ? 'Retrier' : 'Catcher'} must be a JSON object`, at);
        return;
      }
      const allowed = field === 'Retry' ? RETRIER_FIELDS : jsonata ? JSONATA_CATCHER_FIELDS : CATCHER_FIELDS;
      checkUnknownFields(context.report, entry, allowed, at);
      checkOptionalString(context.report, entry, 'Comment', at);
      checkErrorEquals(context.report, entry.ErrorEquals, index === entries.length - 1, at);
      if (field === 'Catch') {
        checkNextRequired(context.report, entry, at);
        if ('Next' in entry) context.checkTarget(entry.Next, `${at}/Next`);
        if (jsonata) return; // its Output and Assign: jsonata-checks.ts
        if ('ResultPath' in entry && entry.ResultPath !== null) {
          checkPath(context.report, entry.ResultPath, 'ResultPath', at, 'ReferencePath', false);
        }
        if ('Assign' in entry) checkAssign(context.report, entry.Assign, at);
      } else {
        checkRetrier(context.report, entry, at);
      }
    });
  }
}

function checkRetrier(report: Report, retrier: StateObject, at: string): void {
  if ('IntervalSeconds' in retrier)
    checkInteger(report, retrier, 'IntervalSeconds', at, 1, MAX_RETRIER_VALUE);
  if ('MaxAttempts' in retrier) checkInteger(report, retrier, 'MaxAttempts', at, 0, MAX_RETRIER_VALUE);
  if ('MaxDelaySeconds' in retrier) {
    checkInteger(report, retrier, 'MaxDelaySeconds', at, 1, MAX_RETRY_DELAY_SECONDS);
  }
  if ('BackoffRate' in retrier && !(typeof retrier.BackoffRate === 'number' && retrier.BackoffRate >= 1)) {
    report(
      SCHEMA,
      "The field 'BackoffRate' must be a number greater than or equal to 1.0",
      `${at}/BackoffRate`,
    );
  }
  if ('JitterStrategy' in retrier && retrier.JitterStrategy !== 'FULL' && retrier.JitterStrategy !== 'NONE') {
    report(SCHEMA, "The field 'JitterStrategy' must be one of: FULL, NONE", `${at}/JitterStrategy`);
  }
}

function checkErrorEquals(report: Report, errorEquals: unknown, isLast: boolean, location: string): void {
  if (
    !Array.isArray(errorEquals) ||
    errorEquals.length === 0 ||
    !errorEquals.every((n) => typeof n === 'string')
  ) {
    report(
      SCHEMA,
      "The field 'ErrorEquals' must be a non-empty array of error names",
      `${location}/ErrorEquals`,
    );
    return;
  }
  if (errorEquals.includes(STATES_ERRORS.ALL) && (errorEquals.length > 1 || !isLast)) {
    report(
      SCHEMA,
      `'${STATES_ERRORS.ALL}' must appear alone in ErrorEquals and only in the last Retrier or Catcher`,
      `${location}/ErrorEquals`,
    );
  }
}

function checkTask({ report }: StateCheckContext, state: StateObject, location: string): void {
  checkTaskFields(report, state, location, (field) => {
    checkOneOf(report, state, [field, `${field}Path`], location, false);
    if (field in state) checkInteger(report, state, field, location, 1);
    if (`${field}Path` in state)
      checkPath(report, state[`${field}Path`], `${field}Path`, location, 'ReferencePath');
  });
}

/**
 * A Task's `Resource` and timeouts, in either query language: `checkTimeout` checks `TimeoutSeconds` and
 * `HeartbeatSeconds` (and any other form of them) as the state's language takes them.
 */
export function checkTaskFields(
  report: Report,
  state: StateObject,
  location: string,
  checkTimeout: (field: 'TimeoutSeconds' | 'HeartbeatSeconds') => void,
): void {
  if (typeof state.Resource !== 'string' || state.Resource === '') {
    report(SCHEMA, 'These fields are required: [Resource]', location);
  } else {
    checkTaskResource(report, state.Resource, location);
  }
  checkTimeout('TimeoutSeconds');
  checkTimeout('HeartbeatSeconds');
  const { TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat } = state;
  if (typeof timeout === 'number' && typeof heartbeat === 'number' && heartbeat >= timeout) {
    report(
      SCHEMA,
      "'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
      `${location}/HeartbeatSeconds`,
    );
  }
}

function checkChoice(context: StateCheckContext, state: StateObject, location: string): void {
  checkChoices(context, state, location, (rule, at) => {
    checkChoiceRule(context.report, rule, at, true);
    if (isPlainObject(rule) && 'Assign' in rule) checkAssign(context.report, rule.Assign, at);
    if (isPlainObject(rule) && 'Next' in rule) context.checkTarget(rule.Next, `${at}/Next`);
  });
}

/** A Choice state's `Choices`, each rule checked by `checkRule` (as its language has it), and `Default`. */
export function checkChoices(
  context: StateCheckContext,
  state: StateObject,
  location: string,
  checkRule: (rule: unknown, location: string) => void,
): void {
  const choices = state.Choices;
  if (!Array.isArray(choices) || choices.length === 0) {
    context.report(SCHEMA, "The field 'Choices' must be a non-empty array of rules", `${location}/Choices`);
  } else {
    choices.forEach((rule, index) => {
      checkRule(rule, `${location}/Choices[${index}]`);
    });
  }
  if ('Default' in state) context.checkTarget(state.Default, `${location}/Default`);
}

function checkWait({ report }: StateCheckContext, state: StateObject, location: string): void {
  // In the order AWS names them.
  checkOneOf(report, state, ['SecondsPath', 'Seconds', 'TimestampPath', 'Timestamp'], location, true);
  if ('Seconds' in state) checkInteger(report, state, 'Seconds', location, 0, MAX_WAIT_SECONDS);
  if ('Timestamp' in state && !isTimestamp(state.Timestamp)) {
    report(SCHEMA, 'String does not match RFC3339 timestamp', `${location}/Timestamp`);
  }
  for (const field of ['SecondsPath', 'TimestampPath']) {
    if (field in state) checkPath(report, state[field], field, location, 'ReferencePath');
  }
}

function checkFail({ report }: StateCheckContext, state: StateObject, location: string): void {
  for (const field of ['Error', 'Cause']) {
    checkOneOf(report, state, [field, `${field}Path`], location, false);
    checkOptionalString(report, state, field, location);
    if (`${field}Path` in state)
      checkPathOrIntrinsic(report, state[`${field}Path`], `${field}Path`, location);
  }
}

function checkParallel(context: StateCheckContext, state: StateObject, location: string): void {
  const branches = state.Branches;
  if (!Array.isArray(branches) || branches.length === 0) {
    context.report(
      SCHEMA,
      "The field 'Branches' must be a non-empty array of state machines",
      `${location}/Branches`,
    );
    return;
  }
  branches.forEach((branch, index) => {
    context.checkNested(branch, BRANCH_FIELDS, `${location}/Branches[${index}]`);
  });
}

function checkMap(context: StateCheckContext, state: StateObject, location: string): void {
  const { report } = context;
  checkItemProcessor(context, state, location);
  checkOneOf(report, state, ['Parameters', 'ItemSelector'], location, false);
  for (const field of ['ItemsPath', 'MaxConcurrencyPath']) {
    if (field in state) checkPath(report, state[field], field, location, 'ReferencePath');
  }
  if ('MaxConcurrency' in state) checkInteger(report, state, 'MaxConcurrency', location, 0);
  checkOneOf(report, state, ['MaxConcurrency', 'MaxConcurrencyPath'], location, false);
  checkProcessingMode(report, state, location);
}

/** The fields of an `ItemProcessor`, and of a legacy `Iterator` (AWS accepts a `ProcessorConfig` there too). */
const ITEM_PROCESSOR_FIELDS = new Set(['Comment', 'StartAt', 'States', 'ProcessorConfig']);

/**
 * A Map state's item processor, in either query language: exactly one of `ItemProcessor` and the legacy
 * `Iterator`, checked as a state machine of its own, and the processing mode (`ProcessorConfig`) with the
 * fields it allows.
 */
export function checkItemProcessor(context: StateCheckContext, state: StateObject, location: string): void {
  const processors = ['ItemProcessor', 'Iterator'].filter((field) => field in state);
  checkOneOf(context.report, state, ['ItemProcessor', 'Iterator'], location, true);
  for (const field of processors) {
    context.checkNested(state[field], ITEM_PROCESSOR_FIELDS, `${location}/${field}`);
  }
}

/** Reports `object[field]` unless it is an integer from `minimum` to `maximum` (no upper bound by default). */
export function checkInteger(
  report: Report,
  object: StateObject,
  field: string,
  location: string,
  minimum: number,
  maximum = Number.POSITIVE_INFINITY,
): void {
  const value = object[field];
  if (!Number.isInteger(value) || (value as number) < minimum || (value as number) > maximum) {
    const range =
      maximum === Number.POSITIVE_INFINITY
        ? `greater than or equal to ${minimum}`
        : `from ${minimum} to ${maximum}`;
    report(SCHEMA, `The field '${field}' must be an integer ${range}`, `${location}/${field}`);
  }
}
