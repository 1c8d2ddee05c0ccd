/**
 * Static checks of a Distributed Map's `ItemReader`: its resource (`s3:getObject` or `s3:listObjectsV2`),
 * its `Parameters` (`Arguments` in a JSONata state) and its `ReaderConfig`. What AWS accepts but the local
 * runtime cannot read (Parquet, S3 inventory manifests, `LOAD_AND_FLATTEN`) is refused, naming why.
 */
import { lookupTable } from '#core/lookup-table.ts';
import { CSV_DELIMITERS } from '../states/csv-items.ts';
import { READER_INPUT_TYPES } from '../states/item-reader.ts';
import type { QueryLanguage } from '../types.ts';
import { checkPayloadTemplate, checkUnknownFields, type Report } from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';
import { checkAllowedValue, checkBoundedField } from './map-field-checks.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
const READER_RESOURCE = /^arn:aws[a-z-]*:states:::s3:(getObject|listObjectsV2)$/;
const READER_FIELDS: Record<QueryLanguage, ReadonlySet<string>> = {
  JSONPath: new Set(['Resource', 'Parameters', 'ReaderConfig']),
  JSONata: new Set(['Resource', 'Arguments', 'ReaderConfig']),
};
const CONFIG_FIELDS = ['InputType', 'CSVHeaderLocation', 'CSVHeaders', 'CSVDelimiter', 'ItemsPointer'];
const CONFIG_FIELDS_BY_LANGUAGE: Record<QueryLanguage, ReadonlySet<string>> = {
  JSONPath: new Set([...CONFIG_FIELDS, 'MaxItems', 'MaxItemsPath']),
  JSONata: new Set([...CONFIG_FIELDS, 'MaxItems']),
};
/** What AWS reads and the local runtime does not, with why. */
const NOT_READ_LOCALLY: Readonly<Record<string, string>> = lookupTable({
  PARQUET: 'InputType PARQUET',
  MANIFEST: 'InputType MANIFEST (an S3 inventory or Athena manifest)',
  Transformation: 'ReaderConfig.Transformation (LOAD_AND_FLATTEN)',
  ManifestType: 'ReaderConfig.ManifestType',
});
/** The `ReaderConfig` fields of one `InputType` only. */
const FIELDS_OF_INPUT_TYPE: Readonly<Record<string, string>> = lookupTable({
  CSVHeaderLocation: 'CSV',
  CSVHeaders: 'CSV',
  CSVDelimiter: 'CSV',
  ItemsPointer: 'JSON',
});

/** Checks the `ItemReader` of a Distributed Map at `at`. */
export function checkItemReader(report: Report, reader: unknown, at: string, language: QueryLanguage): void {
  if (!isPlainObject(reader)) {
    report(SCHEMA, "The field 'ItemReader' must be a JSON object", at);
    return;
  }
  checkUnknownFields(report, reader, READER_FIELDS[language], at);
  const action = checkResource(report, reader.Resource, at);
  if ('Parameters' in reader && language === 'JSONPath') {
    checkPayloadTemplate(report, reader.Parameters, 'Parameters', at);
  }
  const config = reader.ReaderConfig;
  if (config === undefined) {
    if (action === 'getObject') report(SCHEMA, 'These fields are required: [ReaderConfig]', at);
    return;
  }
  if (!isPlainObject(config)) {
    report(SCHEMA, "The field 'ReaderConfig' must be a JSON object", `${at}/ReaderConfig`);
    return;
  }
  checkReaderConfig(report, config, action, `${at}/ReaderConfig`, language);
}

/** The resource's action, after reporting a resource that is not one of the two S3 readers. */
function checkResource(report: Report, resource: unknown, at: string): string | undefined {
  if (resource === undefined) {
    report(SCHEMA, 'These fields are required: [Resource]', at);
    return undefined;
  }
  const action = typeof resource === 'string' ? READER_RESOURCE.exec(resource)?.[1] : undefined;
  if (action === undefined) {
    report(
      SCHEMA,
      "The field 'Resource' must be arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2",
      `${at}/Resource`,
    );
  }
  return action;
}

function checkReaderConfig(
  report: Report,
  config: Record<string, unknown>,
  action: string | undefined,
  at: string,
  language: QueryLanguage,
): void {
  for (const field of ['Transformation', 'ManifestType'].filter((field) => field in config)) {
    report(SCHEMA, notReadLocally(field), `${at}/${field}`);
  }
  const known = CONFIG_FIELDS_BY_LANGUAGE[language];
  checkUnknownFields(report, config, new Set([...known, 'Transformation', 'ManifestType']), at);
  const inputType = config.InputType;
  if (action === 'getObject' && inputType === undefined) {
    report(SCHEMA, 'These fields are required: [InputType]', at);
  } else if (action === 'listObjectsV2' && inputType !== undefined) {
    report(SCHEMA, "The field 'InputType' is only supported by an ItemReader of s3:getObject", at);
  } else if (typeof inputType === 'string' && inputType in NOT_READ_LOCALLY) {
    report(SCHEMA, notReadLocally(inputType), `${at}/InputType`);
  } else {
    checkAllowedValue(report, config, 'InputType', READER_INPUT_TYPES, at);
  }
  for (const [field, type] of Object.entries(FIELDS_OF_INPUT_TYPE)) {
    if (field in config && inputType !== type) {
      report(SCHEMA, `The field '${field}' is only supported with InputType ${type}`, `${at}/${field}`);
    }
  }
  checkAllowedValue(report, config, 'CSVHeaderLocation', ['FIRST_ROW', 'GIVEN'], at);
  checkAllowedValue(report, config, 'CSVDelimiter', Object.keys(CSV_DELIMITERS), at);
  checkCsvHeaders(report, config, at);
  if ('ItemsPointer' in config && !isJsonPointer(config.ItemsPointer)) {
    report(
      SCHEMA,
      "The field 'ItemsPointer' must be a JSON Pointer: empty, or starting with '/'",
      `${at}/ItemsPointer`,
    );
  }
  checkBoundedField(report, config, 'MaxItems', at, language);
}

/** `CSVHeaders` goes with `CSVHeaderLocation: GIVEN`, as an array of one or more strings. */
function checkCsvHeaders(report: Report, config: Record<string, unknown>, at: string): void {
  const given = config.CSVHeaderLocation === 'GIVEN';
  const headers = config.CSVHeaders;
  if (given && headers === undefined) {
    report(SCHEMA, 'These fields are required with CSVHeaderLocation GIVEN: [CSVHeaders]', at);
  } else if (!given && headers !== undefined) {
    report(
      SCHEMA,
      "The field 'CSVHeaders' is only supported with CSVHeaderLocation GIVEN",
      `${at}/CSVHeaders`,
    );
  } else if (
    given &&
    (!Array.isArray(headers) || headers.length === 0 || headers.some((name) => typeof name !== 'string'))
  ) {
    report(SCHEMA, "The field 'CSVHeaders' must be an array of one or more strings", `${at}/CSVHeaders`);
  }
}

function isJsonPointer(value: unknown): boolean {
  return typeof value === 'string' && (value === '' || value.startsWith('/'));
}

function notReadLocally(what: string): string {
  return `${NOT_READ_LOCALLY[what]} is not supported by the local runtime, which reads CSV, JSON and JSON Lines objects (InputType CSV, JSON, JSONL) and S3 listings (s3:listObjectsV2)`;
}
