import { describe, expect, it } from 'vitest';
import { validateDefinition } from '#local/asl/validate.ts';

/** A one-state machine with a Map state of `fields`, its processor in `config` mode (none: inline). */
function mapMachine(fields: Record<string, unknown>, config?: Record<string, unknown>): string {
  const processor = { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } };
  const ItemProcessor = config === undefined ? processor : { ProcessorConfig: config, ...processor };
  return JSON.stringify({
    StartAt: 'M',
    States: { M: { Type: 'Map', ItemProcessor, ...fields, End: true } },
  });
}

const DISTRIBUTED = { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' };

const problems = (definition: string) =>
  validateDefinition(definition).map((diagnostic) => `${diagnostic.location}: ${diagnostic.message}`);

describe('validateDefinition: Map processing modes', () => {
  it('accepts INLINE and DISTRIBUTED, and refuses any other Mode or ExecutionType', () => {
    // Act / Assess
    expect(problems(mapMachine({}, { Mode: 'INLINE' }))).toEqual([]);
    expect(problems(mapMachine({}, DISTRIBUTED))).toEqual([]);
    expect(problems(mapMachine({}, { Mode: 'FOO', ExecutionType: 'SLOW', Extra: 1 }))).toEqual([
      "/States/M/ItemProcessor/ProcessorConfig: Field 'Extra' is not supported",
      "/States/M/ItemProcessor/ProcessorConfig/Mode: The field 'Mode' must be one of: INLINE, DISTRIBUTED",
      "/States/M/ItemProcessor/ProcessorConfig/ExecutionType: The field 'ExecutionType' must be one of: STANDARD, EXPRESS",
    ]);
  });

  it('requires ExecutionType with Mode DISTRIBUTED', () => {
    expect(problems(mapMachine({}, { Mode: 'DISTRIBUTED' }))).toEqual([
      '/States/M/ItemProcessor/ProcessorConfig: These fields are required with Mode DISTRIBUTED: [ExecutionType]',
    ]);
  });

  it('refuses the Distributed Map fields on an inline Map', () => {
    // Prepare
    const fields = { ToleratedFailureCount: 1, ItemBatcher: { MaxItemsPerBatch: 2 }, Label: 'each' };
    // Act / Assess
    expect(problems(mapMachine(fields, { Mode: 'INLINE' }))).toEqual([
      "/States/M/ToleratedFailureCount: The field 'ToleratedFailureCount' is only supported by a Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED",
      "/States/M/ItemBatcher: The field 'ItemBatcher' is only supported by a Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED",
      "/States/M/Label: The field 'Label' is only supported by a Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED",
    ]);
  });

  it("checks a JSONata inline Map's thresholds, which AWS accepts there, and refuses its other Distributed Map fields", () => {
    // Prepare
    const machine = (fields: Record<string, unknown>) =>
      JSON.stringify({ QueryLanguage: 'JSONata', ...JSON.parse(mapMachine(fields, { Mode: 'INLINE' })) });
    // Act / Assess
    expect(
      problems(machine({ ToleratedFailureCount: '{% $states.input.n %}', ToleratedFailurePercentage: 5 })),
    ).toEqual([]);
    expect(problems(machine({ ToleratedFailurePercentage: 150, Label: 'each' }))).toEqual([
      "/States/M/ToleratedFailurePercentage: The field 'ToleratedFailurePercentage' must be a number from 0 to 100, or a JSONata expression",
      "/States/M/Label: The field 'Label' is only supported by a Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED",
    ]);
  });

  it('honours a ProcessorConfig in a legacy Iterator, as AWS does', () => {
    // Prepare
    const machine = (config: Record<string, unknown>) =>
      JSON.stringify({
        StartAt: 'M',
        States: {
          M: {
            Type: 'Map',
            Iterator: { ProcessorConfig: config, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            Label: 'each',
            End: true,
          },
        },
      });
    // Act / Assess
    expect(problems(machine(DISTRIBUTED))).toEqual([]);
    expect(problems(machine({ Mode: 'INLINE' }))).toEqual([
      "/States/M/Label: The field 'Label' is only supported by a Map state whose ItemProcessor.ProcessorConfig.Mode is DISTRIBUTED",
    ]);
  });
});

describe('validateDefinition: Distributed Map fields', () => {
  it('accepts tolerated failure thresholds, ItemBatcher and Label in range', () => {
    // Prepare
    const fields = {
      ToleratedFailurePercentage: 12.5,
      ToleratedFailureCountPath: '$.count',
      ItemBatcher: { MaxItemsPerBatch: 10, MaxInputBytesPerBatch: 262_144, BatchInput: { 'run.$': '$.run' } },
      Label: 'ProcessEach',
    };
    // Act / Assess
    expect(problems(mapMachine(fields, DISTRIBUTED))).toEqual([]);
  });

  it('names the allowed values of thresholds out of range, and refuses both forms of one field', () => {
    // Prepare
    const fields = {
      ToleratedFailurePercentage: 101,
      ToleratedFailureCount: -1,
      ToleratedFailureCountPath: '$.n',
    };
    // Act / Assess
    expect(problems(mapMachine(fields, DISTRIBUTED))).toEqual([
      '/States/M: There should only be one of the following fields: [ToleratedFailureCount, ToleratedFailureCountPath]',
      "/States/M/ToleratedFailureCount: The field 'ToleratedFailureCount' must be an integer greater than or equal to 0",
      "/States/M/ToleratedFailurePercentage: The field 'ToleratedFailurePercentage' must be a number from 0 to 100",
    ]);
  });

  it('checks ItemBatcher: a limit required, limits in range, BatchInput a payload template', () => {
    // Act / Assess
    expect(problems(mapMachine({ ItemBatcher: { BatchInput: { a: 1 } } }, DISTRIBUTED))).toEqual([
      "/States/M/ItemBatcher: The field 'ItemBatcher' must set at least one of: MaxItemsPerBatch, MaxItemsPerBatchPath, MaxInputBytesPerBatch, MaxInputBytesPerBatchPath",
    ]);
    const batcher = { MaxItemsPerBatch: 0, MaxInputBytesPerBatch: 262_145, BatchInput: [1], Size: 1 };
    expect(problems(mapMachine({ ItemBatcher: batcher }, DISTRIBUTED))).toEqual([
      "/States/M/ItemBatcher: Field 'Size' is not supported",
      "/States/M/ItemBatcher/MaxItemsPerBatch: The field 'MaxItemsPerBatch' must be an integer from 1 to 2147483647",
      "/States/M/ItemBatcher/MaxInputBytesPerBatch: The field 'MaxInputBytesPerBatch' must be an integer from 1 to 262144",
      "/States/M/ItemBatcher/BatchInput: The value for the field 'BatchInput' must be a JSON object",
    ]);
  });

  it('accepts a ResultWriter of a WriterConfig alone, COMPACT or FLATTEN, as JSON', () => {
    for (const Transformation of ['COMPACT', 'FLATTEN']) {
      const ResultWriter = { WriterConfig: { Transformation, OutputType: 'JSON' } };
      expect(problems(mapMachine({ ResultWriter }, DISTRIBUTED)), Transformation).toEqual([]);
    }
  });

  it('refuses a ResultWriter that exports to Amazon S3 or asks for child execution metadata or JSON Lines', () => {
    // Prepare
    const writer = (ResultWriter: unknown) => problems(mapMachine({ ResultWriter }, DISTRIBUTED));
    const exported = { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'out' } };
    // Act / Assess
    expect(writer(exported)).toEqual([
      "/States/M/ResultWriter/Resource: Exporting a Distributed Map's results to Amazon S3 (ResultWriter Resource and Parameters) is not supported by the local runtime, which has no Map Run or child execution ARNs to write: leave them out and the Map state outputs the results of its child executions as an array (shaped by WriterConfig)",
    ]);
    expect(writer({ WriterConfig: { Transformation: 'NONE', OutputType: 'JSONL' } })).toEqual([
      '/States/M/ResultWriter/WriterConfig/Transformation: Transformation NONE is not supported by the local runtime, which has no child execution metadata (ARNs, names, dates) to add to the outputs: use COMPACT or FLATTEN',
      '/States/M/ResultWriter/WriterConfig/OutputType: OutputType JSONL is not supported by the local runtime, which outputs the results as a JSON array (OutputType JSON)',
    ]);
  });

  it('refuses an empty ResultWriter, a WriterConfig lacking a field, and values out of the lists', () => {
    // Prepare
    const writer = (ResultWriter: unknown) => problems(mapMachine({ ResultWriter }, DISTRIBUTED));
    // Act / Assess
    expect(writer({})).toEqual([
      "/States/M/ResultWriter: The field 'ResultWriter' must set WriterConfig, or Resource and Parameters",
    ]);
    expect(writer({ WriterConfig: { Transformation: 'SQUASH', Extra: 1 } })).toEqual([
      "/States/M/ResultWriter/WriterConfig: Field 'Extra' is not supported",
      '/States/M/ResultWriter/WriterConfig: These fields are required: [OutputType]',
      "/States/M/ResultWriter/WriterConfig/Transformation: The field 'Transformation' must be one of: NONE, COMPACT, FLATTEN",
    ]);
  });

  it('accepts the ItemReaders of CSV, JSON and JSON Lines objects and of S3 listings', () => {
    const readers = [
      {
        ReaderConfig: {
          InputType: 'CSV',
          CSVHeaderLocation: 'GIVEN',
          CSVHeaders: ['a'],
          CSVDelimiter: 'PIPE',
        },
      },
      { ReaderConfig: { InputType: 'JSON', ItemsPointer: '/orders/items', MaxItems: 100_000_000 } },
      { ReaderConfig: { InputType: 'JSONL', MaxItemsPath: '$.limit' } },
    ].map((reader): object => ({ Resource: 'arn:aws:states:::s3:getObject', ...reader }));
    readers.push({ Resource: 'arn:aws-cn:states:::s3:listObjectsV2', ReaderConfig: {} });
    for (const reader of readers) {
      const ItemReader = { ...reader, Parameters: { Bucket: 'items', 'Key.$': '$.key' } };
      expect(problems(mapMachine({ ItemReader }, DISTRIBUTED)), JSON.stringify(reader)).toEqual([]);
    }
  });

  it('refuses an ItemReader with a bad resource, a missing InputType or a field of another InputType', () => {
    // Prepare
    const reader = (ItemReader: unknown) => problems(mapMachine({ ItemReader }, DISTRIBUTED));
    // Act / Assess
    expect(reader({ Resource: 'arn:aws:states:::s3:putObject', Extra: 1 })).toEqual([
      "/States/M/ItemReader: Field 'Extra' is not supported",
      "/States/M/ItemReader/Resource: The field 'Resource' must be arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2",
    ]);
    expect(reader({ Resource: 'arn:aws:states:::s3:getObject' })).toEqual([
      '/States/M/ItemReader: These fields are required: [ReaderConfig]',
    ]);
    const config = { InputType: 'XML', CSVDelimiter: 'COLON', ItemsPointer: 'items', MaxItems: -1 };
    expect(reader({ Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: config })).toEqual([
      "/States/M/ItemReader/ReaderConfig/InputType: The field 'InputType' must be one of: CSV, JSON, JSONL",
      "/States/M/ItemReader/ReaderConfig/CSVDelimiter: The field 'CSVDelimiter' is only supported with InputType CSV",
      "/States/M/ItemReader/ReaderConfig/ItemsPointer: The field 'ItemsPointer' is only supported with InputType JSON",
      "/States/M/ItemReader/ReaderConfig/CSVDelimiter: The field 'CSVDelimiter' must be one of: COMMA, PIPE, SEMICOLON, SPACE, TAB",
      "/States/M/ItemReader/ReaderConfig/ItemsPointer: The field 'ItemsPointer' must be a JSON Pointer: empty, or starting with '/'",
      "/States/M/ItemReader/ReaderConfig/MaxItems: The field 'MaxItems' must be an integer from 0 to 100000000",
    ]);
    const given = { InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: [] };
    expect(reader({ Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: given })).toEqual([
      "/States/M/ItemReader/ReaderConfig/CSVHeaders: The field 'CSVHeaders' must be an array of one or more strings",
    ]);
  });

  it('refuses what AWS reads and the local runtime does not: Parquet, manifests, LOAD_AND_FLATTEN', () => {
    // Prepare
    const reader = (ReaderConfig: object) =>
      problems(
        mapMachine({ ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig } }, DISTRIBUTED),
      );
    // Act / Assess
    expect(reader({ InputType: 'PARQUET' })).toEqual([
      '/States/M/ItemReader/ReaderConfig/InputType: InputType PARQUET is not supported by the local runtime, which reads CSV, JSON and JSON Lines objects (InputType CSV, JSON, JSONL) and S3 listings (s3:listObjectsV2)',
    ]);
    expect(reader({ InputType: 'JSON', Transformation: 'LOAD_AND_FLATTEN' })).toEqual([
      '/States/M/ItemReader/ReaderConfig/Transformation: ReaderConfig.Transformation (LOAD_AND_FLATTEN) is not supported by the local runtime, which reads CSV, JSON and JSON Lines objects (InputType CSV, JSON, JSONL) and S3 listings (s3:listObjectsV2)',
    ]);
  });

  it('checks a JSONata ItemReader: Arguments, not Parameters; MaxItems an expression, not MaxItemsPath', () => {
    // Prepare
    const jsonata = (ItemReader: object) =>
      problems(
        JSON.stringify({
          QueryLanguage: 'JSONata',
          StartAt: 'M',
          States: { M: JSON.parse(mapMachine({ ItemReader }, DISTRIBUTED)).States.M },
        }),
      );
    const Resource = 'arn:aws:states:::s3:getObject';
    // Act / Assess
    const ok = {
      Resource,
      Arguments: { Bucket: '{% $states.input.bucket %}', Key: 'k' },
      ReaderConfig: { InputType: 'JSON', MaxItems: '{% $states.input.n %}' },
    };
    expect(jsonata(ok)).toEqual([]);
    const bad = {
      Resource,
      Parameters: {},
      ReaderConfig: { InputType: 'JSON', MaxItemsPath: '$.n', MaxItems: '{% $x( %}' },
    };
    expect(jsonata(bad)).toEqual([
      expect.stringMatching(/^\/States\/M\/ItemReader\/ReaderConfig\/MaxItems: /),
      "/States/M/ItemReader: Field 'Parameters' is not supported",
      "/States/M/ItemReader/ReaderConfig: Field 'MaxItemsPath' is not supported",
      '/States/M/ItemReader/ReaderConfig: There should only be one of the following fields: [MaxItems, MaxItemsPath]',
    ]);
  });

  it('refuses a Label that is empty, longer than 40 characters or holds a forbidden character', () => {
    for (const label of ['', 'x'.repeat(41), 'has space', 'a/b', 'tab\t']) {
      expect(problems(mapMachine({ Label: label }, DISTRIBUTED)), label).toEqual([
        expect.stringMatching(
          /^\/States\/M\/Label: The field 'Label' must be a string of 1 to 40 characters/,
        ),
      ]);
    }
  });
});
