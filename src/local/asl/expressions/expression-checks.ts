/**
 * Static checks of the expression fields of a definition (paths, payload templates, Choice rules),
 * reporting problems as `SCHEMA_VALIDATION_FAILED` diagnostics. Used by `validate.ts`.
 */
import { intrinsicSyntaxProblem, isIntrinsic } from '../intrinsics.ts';
import { isReferencePath, isValidPath } from '../jsonpath.ts';
import { COMPARISON_OPERATORS } from '../types.ts';
import { parseIntrinsic } from './intrinsic-syntax.ts';
import { isPlainObject } from './json-values.ts';
import { isTimestamp } from './timestamps.ts';

/** One problem found; `location` is a JSON pointer into the definition (`/States/Check/Next`). */
export interface Problem {
  code: string;
  message: string;
  location: string;
}

/**
 * Collects problems while walking a definition: each at its location (`/States/Check/Choices[0]/Next`), or
 * (`undefined`) at none, as AWS reports a definition that cannot end.
 */
export type Report = (code: string, message: string, location: string | undefined) => void;

/** The kinds of path a field may hold. */
export type PathKind = 'Path' | 'ReferencePath';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
/** A path into the state's data: `$`, `$.a`, `$['a']`. */
const STATE_DATA_PATH = /^\$(?:$|[.[])/;

/** AWS's words for fields of which at most one may be set: `There should only be one of the following fields: [A, B]`. */
export function moreThanOneOf(fields: readonly string[]): string {
  return `There should only be one of the following fields: [${fields.join(', ')}]`;
}

/** AWS's words for fields of which one must be set, none being: `This object should have only one of the following fields: [A, B]`. */
export function noneOf(fields: readonly string[]): string {
  return `This object should have only one of the following fields: [${fields.join(', ')}]`;
}

/** Reports, at `location`, more than one of `fields` set in `object`, or none when one is `required`. */
export function checkOneOf(
  report: Report,
  object: Record<string, unknown>,
  fields: readonly string[],
  location: string,
  required: boolean,
): void {
  const given = fields.filter((field) => field in object);
  if (given.length > 1) report(SCHEMA, moreThanOneOf(fields), location);
  else if (required && given.length === 0) report(SCHEMA, noneOf(fields), location);
}

/** Reports each key of `object` not in `allowed`, at `object` (`/` at the top), as AWS does. */
export function checkUnknownFields(
  report: Report,
  object: Record<string, unknown>,
  allowed: ReadonlySet<string>,
  location: string,
): void {
  for (const key of Object.keys(object).filter((key) => !allowed.has(key))) {
    report(SCHEMA, `Field '${key}' is not supported`, location || '/');
  }
}

/**
 * Checks a path field; `$$...` (the context object) and `$name...` (a workflow variable) are allowed unless
 * `allowOtherRoots` is false (ResultPath only writes into the state's data).
 */
export function checkPath(
  report: Report,
  value: unknown,
  field: string,
  location: string,
  kind: PathKind,
  allowOtherRoots = true,
): void {
  const valid =
    typeof value === 'string' &&
    (allowOtherRoots || STATE_DATA_PATH.test(value)) &&
    (kind === 'Path' ? isValidPath : isReferencePath)(value);
  if (!valid) {
    const expected = kind === 'Path' ? 'a valid JSONPath' : 'a valid ReferencePath';
    report(SCHEMA, `The value for the field '${field}' must be ${expected}`, `${location}/${field}`);
  }
}

/** Reports `object[field]` if it is there and not a string (`Comment`, `Version`, a Fail state's `Error`). */
export function checkOptionalString(
  report: Report,
  object: Record<string, unknown>,
  field: string,
  location: string,
): void {
  if (field in object && typeof object[field] !== 'string') {
    report(SCHEMA, `The field '${field}' must be a string`, `${location}/${field}`);
  }
}

/** Reports a top-level Choice rule or a Catcher without a `Next`, with AWS's wording. */
export function checkNextRequired(report: Report, object: Record<string, unknown>, location: string): void {
  if (typeof object.Next !== 'string') report(SCHEMA, 'These fields are required: [Next]', location);
}

/**
 * Checks a payload template (Parameters, ItemSelector, ResultSelector): every `.$` value at any depth. It
 * must be an object unless `anyJson` (a state's `Parameters`, which AWS takes of any JSON type: an array's
 * items are templates too).
 */
export function checkPayloadTemplate(
  report: Report,
  template: unknown,
  field: string,
  location: string,
  anyJson = false,
): void {
  if (!anyJson && !isPlainObject(template)) {
    report(SCHEMA, `The value for the field '${field}' must be a JSON object`, `${location}/${field}`);
    return;
  }
  walkTemplate(report, template, `${location}/${field}`);
}

function walkTemplate(report: Report, value: unknown, location: string): void {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walkTemplate(report, item, `${location}[${index}]`);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, inner] of Object.entries(value)) {
    if (!key.endsWith('.$')) {
      walkTemplate(report, inner, `${location}/${key}`);
      continue;
    }
    const problem = dynamicValueProblem(inner);
    if (problem !== undefined) {
      report(
        SCHEMA,
        `The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call${problem}`,
        location,
      );
    }
  }
}

/** Whether `value` is a valid path or intrinsic function call, as a `.$` field takes. */
export function isPathOrIntrinsic(value: unknown): boolean {
  return dynamicValueProblem(value) === undefined;
}

/** Undefined when the value is a valid path or intrinsic call, else an empty or `: reason` suffix. */
function dynamicValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return '';
  if (value.startsWith('$')) return isValidPath(value) ? undefined : '';
  if (!isIntrinsic(value)) return '';
  const problem = intrinsicSyntaxProblem(value);
  return problem === undefined ? undefined : `: ${problem}`;
}

/** The intrinsic functions a Fail state's `ErrorPath` and `CausePath` may call: those AWS lists there. */
const FAIL_PATH_FUNCTIONS = [
  'States.Format',
  'States.JsonToString',
  'States.ArrayGetItem',
  'States.Base64Encode',
  'States.Base64Decode',
  'States.Hash',
  'States.UUID',
];

/** A path or a call of one of {@link FAIL_PATH_FUNCTIONS} (Fail `ErrorPath`/`CausePath`). */
export function checkPathOrIntrinsic(report: Report, value: unknown, field: string, location: string): void {
  if (typeof value !== 'string' || !isIntrinsic(value)) {
    checkPath(report, value, field, location, 'ReferencePath');
    return;
  }
  const problem = intrinsicSyntaxProblem(value) ?? failPathFunctionProblem(value);
  if (problem)
    report(SCHEMA, `The value for the field '${field}' is invalid: ${problem}`, `${location}/${field}`);
}

/** Why a well-formed intrinsic call may not be a Fail state's `ErrorPath` or `CausePath`, or undefined. */
function failPathFunctionProblem(call: string): string | undefined {
  const { name } = parseIntrinsic(call);
  if (FAIL_PATH_FUNCTIONS.includes(name)) return undefined;
  return `${name} cannot be used here: the allowed functions are ${FAIL_PATH_FUNCTIONS.join(', ')}`;
}

const OPERATOR_KEYS = new Set<string>(
  COMPARISON_OPERATORS.flatMap((operator) =>
    operator.startsWith('Is') || operator === 'StringMatches' ? [operator] : [operator, `${operator}Path`],
  ),
);

/** Checks one Choice rule; `topLevel` rules need a `Next`, nested ones must not have one. */
export function checkChoiceRule(report: Report, rule: unknown, location: string, topLevel: boolean): void {
  if (!isPlainObject(rule)) {
    report(SCHEMA, 'A Choice rule must be a JSON object', location);
    return;
  }
  if (topLevel) checkNextRequired(report, rule, location);
  checkOptionalString(report, rule, 'Comment', location);
  if (!topLevel && 'Next' in rule)
    report(SCHEMA, "The field 'Next' is only allowed in a top-level Choice rule", location);
  const combinators = ['And', 'Or', 'Not'].filter((key) => key in rule);
  const operators = Object.keys(rule).filter((key) => OPERATOR_KEYS.has(key));
  const assign = topLevel ? ['Assign'] : [];
  const allowed = new Set(['Next', ...assign, 'Comment', 'Variable', ...combinators, ...operators]);
  for (const key of Object.keys(rule).filter((key) => !allowed.has(key))) {
    report(SCHEMA, `The field '${key}' is not supported in a Choice rule`, `${location}/${key}`);
  }
  if (combinators.length + operators.length !== 1) {
    report(
      SCHEMA,
      'A Choice rule must have exactly one of And, Or, Not or a comparison operator (StringEquals, NumericLessThan, IsPresent, ...)',
      location,
    );
    return;
  }
  const [combinator] = combinators;
  if (combinator === 'Not') {
    checkChoiceRule(report, rule.Not, `${location}/Not`, false);
    return;
  }
  if (combinator) {
    const rules = rule[combinator];
    if (!Array.isArray(rules) || rules.length === 0) {
      report(
        SCHEMA,
        `The field '${combinator}' must be a non-empty array of rules`,
        `${location}/${combinator}`,
      );
      return;
    }
    for (const [index, inner] of rules.entries()) {
      checkChoiceRule(report, inner, `${location}/${combinator}[${index}]`, false);
    }
    return;
  }
  checkPath(report, rule.Variable, 'Variable', location, 'ReferencePath');
  checkComparisonValue(report, operators[0]!, rule[operators[0]!], location);
}

function checkComparisonValue(report: Report, operator: string, value: unknown, location: string): void {
  if (operator.endsWith('Path')) {
    checkPath(report, value, operator, location, 'ReferencePath');
    return;
  }
  const expected =
    operator.startsWith('Is') || operator === 'BooleanEquals'
      ? ['boolean', typeof value === 'boolean']
      : operator.startsWith('Numeric')
        ? ['number', typeof value === 'number']
        : operator.startsWith('Timestamp')
          ? ['RFC3339 timestamp string', isTimestamp(value)]
          : ['string', typeof value === 'string'];
  if (!expected[1])
    report(
      SCHEMA,
      `The value for the field '${operator}' must be a ${expected[0]}`,
      `${location}/${operator}`,
    );
}
