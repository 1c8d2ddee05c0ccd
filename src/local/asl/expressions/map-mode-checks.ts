/**
 * Static checks of a Map state's processing mode (`ItemProcessor.ProcessorConfig`) and of the fields only a
 * Distributed Map has: tolerated failure thresholds, `ItemBatcher` and `Label`. `ItemReader` and
 * `ResultWriter` are refused: the local runtime does not reach Amazon S3. Used by `state-checks.ts`.
 */

import { isJsonataExpression } from '../jsonata.ts';
import type { QueryLanguage } from '../types.ts';
import {
  checkOneOf,
  checkPath,
  checkPayloadTemplate,
  checkUnknownFields,
  type Report,
} from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';
import {
  type BoundedMapField,
  describeBounds,
  isWithinBounds,
  MAP_FIELD_BOUNDS,
} from './map-field-bounds.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
const MODES = ['INLINE', 'DISTRIBUTED'];
const EXECUTION_TYPES = ['STANDARD', 'EXPRESS'];
const PROCESSOR_CONFIG_FIELDS = new Set(['Mode', 'ExecutionType']);
const BATCH_LIMITS = [
  'MaxItemsPerBatch',
  'MaxItemsPerBatchPath',
  'MaxInputBytesPerBatch',
  'MaxInputBytesPerBatchPath',
];
const ITEM_BATCHER_FIELDS = new Set(['BatchInput', ...BATCH_LIMITS]);
/** The fields only a Map state in DISTRIBUTED mode may have. */
const DISTRIBUTED_ONLY_FIELDS = new Set([
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'Label',
  'ToleratedFailurePercentage',
  'ToleratedFailurePercentagePath',
  'ToleratedFailureCount',
  'ToleratedFailureCountPath',
]);
/** The Distributed Map fields AWS accepts on an inline Map too, in a JSONata state (it records no effect of them). */
const INLINE_JSONATA_THRESHOLDS = ['ToleratedFailureCount', 'ToleratedFailurePercentage'] as const;
/** Why the local runtime refuses the Distributed Map fields that read or write Amazon S3. */
const S3_FIELDS = {
  ItemReader: 'give the items in the state input and select them with ItemsPath (Items in a JSONata state)',
  ResultWriter: 'leave it out and the Map state outputs the results of its child executions as an array',
};
const MAX_LABEL_LENGTH = 40;
/** What a Label may not hold: whitespace, brackets, wildcards, special and control characters. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: AWS forbids control characters in a Label
const LABEL_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u;

/**
 * Checks the `ProcessorConfig` of `ItemProcessor` (or of the legacy `Iterator`) and, by the mode it sets, the
 * Distributed Map fields: refused on an inline Map (INLINE, the default), checked on a Distributed one.
 */
export function checkProcessingMode(
  report: Report,
  state: Record<string, unknown>,
  location: string,
  language: QueryLanguage = 'JSONPath',
): void {
  const field = 'ItemProcessor' in state ? 'ItemProcessor' : 'Iterator';
  const processor = state[field];
  const config = isPlainObject(processor) ? processor.ProcessorConfig : undefined;
  if (isPlainObject(processor) && 'ProcessorConfig' in processor) {
    checkProcessorConfig(report, config, `${location}/${field}/ProcessorConfig`);
  }
  if (isPlainObject(config) && config.Mode === 'DISTRIBUTED') {
    checkDistributedFields(report, state, location, language);
    return;
  }
  // AWS accepts a JSONata inline Map's thresholds and runs it as an inline Map; with no recording of an
  // effect there, the local runtime checks them and runs the Map without them.
  const accepted = language === 'JSONata' ? INLINE_JSONATA_THRESHOLDS : [];
  for (const field of accepted) checkBoundedField(report, state, field, location, language);
  const refused = Object.keys(state).filter(
    (key) => DISTRIBUTED_ONLY_FIELDS.has(key) && !(accepted as readonly string[]).includes(key),
  );
  for (const field of refused) {
    report(
      SCHEMA,
      `The field '${field}' is only supported by a Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED`,
      `${location}/${field}`,
    );
  }
}

function checkProcessorConfig(report: Report, config: unknown, at: string): void {
  if (!isPlainObject(config)) {
    report(SCHEMA, "The field 'ProcessorConfig' must be a JSON object", at);
    return;
  }
  checkUnknownFields(report, config, PROCESSOR_CONFIG_FIELDS, at);
  checkAllowedValue(report, config, 'Mode', MODES, at);
  checkAllowedValue(report, config, 'ExecutionType', EXECUTION_TYPES, at);
  if (config.Mode === 'DISTRIBUTED' && !('ExecutionType' in config)) {
    report(SCHEMA, 'These fields are required with Mode DISTRIBUTED: [ExecutionType]', at);
  }
}

function checkAllowedValue(
  report: Report,
  object: Record<string, unknown>,
  field: string,
  allowed: string[],
  at: string,
): void {
  if (field in object && !allowed.includes(object[field] as string)) {
    report(SCHEMA, `The field '${field}' must be one of: ${allowed.join(', ')}`, `${at}/${field}`);
  }
}

function checkDistributedFields(
  report: Report,
  state: Record<string, unknown>,
  location: string,
  language: QueryLanguage,
): void {
  for (const [field, instead] of Object.entries(S3_FIELDS).filter(([field]) => field in state)) {
    report(
      SCHEMA,
      `The field '${field}' is not supported by the local runtime, which does not read or write Amazon S3 for a Distributed Map: ${instead}`,
      `${location}/${field}`,
    );
  }
  checkBoundedField(report, state, 'ToleratedFailureCount', location, language);
  checkBoundedField(report, state, 'ToleratedFailurePercentage', location, language);
  if ('ItemBatcher' in state) {
    checkItemBatcher(report, state.ItemBatcher, `${location}/ItemBatcher`, language);
  }
  if ('Label' in state) checkLabel(report, state.Label, location);
}

function checkItemBatcher(report: Report, batcher: unknown, at: string, language: QueryLanguage): void {
  if (!isPlainObject(batcher)) {
    report(SCHEMA, "The field 'ItemBatcher' must be a JSON object", at);
    return;
  }
  const limits =
    language === 'JSONata' ? BATCH_LIMITS.filter((field) => !field.endsWith('Path')) : BATCH_LIMITS;
  for (const field of BATCH_LIMITS.filter((field) => !limits.includes(field) && field in batcher)) {
    report(
      SCHEMA,
      `The QueryLanguage is set to 'JSONata', but field '${field}' is only supported for the 'JSONPath' QueryLanguage`,
      `${at}/${field}`,
    );
  }
  checkUnknownFields(report, batcher, ITEM_BATCHER_FIELDS, at);
  if (!limits.some((field) => field in batcher)) {
    report(SCHEMA, `The field 'ItemBatcher' must set at least one of: ${limits.join(', ')}`, at);
  }
  checkBoundedField(report, batcher, 'MaxItemsPerBatch', at, language);
  checkBoundedField(report, batcher, 'MaxInputBytesPerBatch', at, language);
  // A JSONata BatchInput's expressions are checked with the state's other expressions.
  if ('BatchInput' in batcher && language === 'JSONPath') {
    checkPayloadTemplate(report, batcher.BatchInput, 'BatchInput', at);
  }
}

/**
 * Checks `field` and its `...Path` form: at most one of them, the value within its bounds (or in a JSONata
 * state a `{% %}` expression), a ReferencePath.
 */
function checkBoundedField(
  report: Report,
  object: Record<string, unknown>,
  field: BoundedMapField,
  location: string,
  language: QueryLanguage,
): void {
  const pathField = `${field}Path`;
  checkOneOf(report, object, [field, pathField], location, false);
  if (pathField in object) checkPath(report, object[pathField], pathField, location, 'ReferencePath');
  const bounds = MAP_FIELD_BOUNDS[field];
  const value = object[field];
  if (language === 'JSONata' && isJsonataExpression(value)) return;
  if (field in object && !isWithinBounds(value, bounds)) {
    const orExpression = language === 'JSONata' ? ', or a JSONata expression' : '';
    report(
      SCHEMA,
      `The field '${field}' must be ${describeBounds(bounds)}${orExpression}`,
      `${location}/${field}`,
    );
  }
}

function checkLabel(report: Report, label: unknown, location: string): void {
  if (
    typeof label !== 'string' ||
    label.length === 0 ||
    label.length > MAX_LABEL_LENGTH ||
    LABEL_FORBIDDEN.test(label)
  ) {
    report(
      SCHEMA,
      `The field 'Label' must be a string of 1 to ${MAX_LABEL_LENGTH} characters without whitespace, brackets, wildcards, special characters (" # % \\ ^ | ~ \` $ & , ; : /) or control characters`,
      `${location}/Label`,
    );
  }
}
