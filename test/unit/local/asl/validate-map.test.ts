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
      "/States/M/ItemBatcher/MaxItemsPerBatch: The field 'MaxItemsPerBatch' must be an integer greater than or equal to 1",
      "/States/M/ItemBatcher/MaxInputBytesPerBatch: The field 'MaxInputBytesPerBatch' must be an integer from 1 to 262144",
      "/States/M/ItemBatcher/BatchInput: The value for the field 'BatchInput' must be a JSON object",
    ]);
  });

  it('refuses ItemReader and ResultWriter: the local runtime does not reach Amazon S3', () => {
    // Prepare
    const fields = { ItemReader: { Resource: 'arn:aws:states:::s3:getObject' }, ResultWriter: {} };
    // Act
    const found = problems(mapMachine(fields, DISTRIBUTED));
    // Assess
    expect(found).toEqual([
      "/States/M/ItemReader: The field 'ItemReader' is not supported by the local runtime, which does not read or write Amazon S3 for a Distributed Map: give the items in the state input and select them with ItemsPath (Items in a JSONata state)",
      "/States/M/ResultWriter: The field 'ResultWriter' is not supported by the local runtime, which does not read or write Amazon S3 for a Distributed Map: leave it out and the Map state outputs the results of its child executions as an array",
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
