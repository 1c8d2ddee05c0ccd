/**
 * Static checks of a Map state's processing mode (`ItemProcessor.ProcessorConfig`) and of the fields only a
 * Distributed Map has: tolerated failure thresholds, `ItemBatcher`, `ItemReader`, `ResultWriter` and `Label`.
 * Used by `state-checks.ts`.
 */

import type { QueryLanguage } from '../types.ts';
import { checkPayloadTemplate, checkUnknownFields, type Report } from './expression-checks.ts';
import { checkItemReader } from './item-reader-checks.ts';
import { isPlainObject } from './json-values.ts';
import { checkAllowedValue, checkBoundedField } from './map-field-checks.ts';
import { checkResultWriter } from './result-writer-checks.ts';

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

function checkDistributedFields(
  report: Report,
  state: Record<string, unknown>,
  location: string,
  language: QueryLanguage,
): void {
  if ('ResultWriter' in state) {
    checkResultWriter(report, state.ResultWriter, `${location}/ResultWriter`, language);
  }
  if ('ItemReader' in state) checkItemReader(report, state.ItemReader, `${location}/ItemReader`, language);
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
