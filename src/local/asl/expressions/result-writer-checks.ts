/**
 * Static checks of a Distributed Map's `ResultWriter`. The local runtime shapes the state output as its
 * `WriterConfig` says (`COMPACT`, `FLATTEN`) and refuses an export to Amazon S3 (`Resource` with
 * `Parameters`): the files AWS writes name the ARNs of a Map Run and of child executions it does not have.
 */
import { lookupTable } from '#core/lookup-table.ts';
import type { QueryLanguage } from '../types.ts';
import { checkUnknownFields, type Report } from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';
import { checkAllowedValue } from './map-field-checks.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';
const WRITER_FIELDS: Record<QueryLanguage, ReadonlySet<string>> = {
  JSONPath: new Set(['Resource', 'Parameters', 'WriterConfig']),
  JSONata: new Set(['Resource', 'Arguments', 'WriterConfig']),
};
const CONFIG_FIELDS = ['Transformation', 'OutputType'];
const TRANSFORMATIONS = ['NONE', 'COMPACT', 'FLATTEN'];
const OUTPUT_TYPES = ['JSON', 'JSONL'];
/** What AWS accepts and the local runtime does not, with why. */
const NOT_WRITTEN_LOCALLY: Readonly<Record<string, string>> = lookupTable({
  export:
    "Exporting a Distributed Map's results to Amazon S3 (ResultWriter Resource and Parameters) is not supported by the local runtime, which has no Map Run or child execution ARNs to write: leave them out and the Map state outputs the results of its child executions as an array (shaped by WriterConfig)",
  NONE: 'Transformation NONE is not supported by the local runtime, which has no child execution metadata (ARNs, names, dates) to add to the outputs: use COMPACT or FLATTEN',
  JSONL:
    'OutputType JSONL is not supported by the local runtime, which outputs the results as a JSON array (OutputType JSON)',
});

/** Checks the `ResultWriter` of a Distributed Map at `at`. */
export function checkResultWriter(
  report: Report,
  writer: unknown,
  at: string,
  language: QueryLanguage,
): void {
  if (!isPlainObject(writer)) {
    report(SCHEMA, "The field 'ResultWriter' must be a JSON object", at);
    return;
  }
  checkUnknownFields(report, writer, WRITER_FIELDS[language], at);
  const exported = ['Resource', 'Parameters', 'Arguments'].filter((field) => field in writer);
  if (exported.length > 0) report(SCHEMA, NOT_WRITTEN_LOCALLY.export!, `${at}/${exported[0]}`);
  if (!('WriterConfig' in writer)) {
    if (exported.length === 0) {
      report(SCHEMA, "The field 'ResultWriter' must set WriterConfig, or Resource and Parameters", at);
    }
    return;
  }
  const config = writer.WriterConfig;
  if (!isPlainObject(config)) {
    report(SCHEMA, "The field 'WriterConfig' must be a JSON object", `${at}/WriterConfig`);
    return;
  }
  checkWriterConfig(report, config, `${at}/WriterConfig`);
}

function checkWriterConfig(report: Report, config: Record<string, unknown>, at: string): void {
  checkUnknownFields(report, config, new Set(CONFIG_FIELDS), at);
  const missing = CONFIG_FIELDS.filter((field) => !(field in config));
  if (missing.length > 0) report(SCHEMA, `These fields are required: [${missing.join(', ')}]`, at);
  checkAllowedValue(report, config, 'Transformation', TRANSFORMATIONS, at);
  checkAllowedValue(report, config, 'OutputType', OUTPUT_TYPES, at);
  for (const [field, value] of Object.entries(config)) {
    if (typeof value === 'string' && value in NOT_WRITTEN_LOCALLY && CONFIG_FIELDS.includes(field)) {
      report(SCHEMA, NOT_WRITTEN_LOCALLY[value]!, `${at}/${field}`);
    }
  }
}
