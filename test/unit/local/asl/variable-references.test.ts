import { describe, expect, it } from 'vitest';
import { variableReferences } from '#local/asl/expressions/variable-references.ts';

describe('variableReferences', () => {
  it('finds variables in paths, .$ values at any depth, intrinsic arguments and Choice rules', () => {
    // Prepare
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          InputPath: '$input',
          Parameters: {
            FunctionName: '$notAPath',
            Payload: {
              'ids.$': "States.Array($first, States.Format('{}', $second.name))",
              list: [{ 'x.$': '$third[0]' }],
            },
          },
          ResultSelector: { 'status.$': '$.Payload', 'ctx.$': '$$.Execution.Id' },
          TimeoutSecondsPath: '$timeout',
          Assign: { 'again.$': '$input' },
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { 'seen.$': '$caught' }, Next: 'Check' }],
          Next: 'Check',
        },
        Check: {
          Type: 'Choice',
          Choices: [
            {
              And: [
                { Variable: '$a', IsPresent: true },
                { Not: { Variable: '$.x', NumericLessThanPath: '$b' } },
              ],
              Next: 'Wait',
            },
            { Variable: '$.y', BooleanEquals: true, Assign: { 'z.$': '$c' }, Next: 'Fail' },
          ],
          Default: 'Wait',
        },
        Wait: { Type: 'Wait', SecondsPath: '$delay', Next: 'Static' },
        Static: { Type: 'Pass', Result: { 'r.$': '$ignored' }, OutputPath: '$', Next: 'Fail' },
        Fail: { Type: 'Fail', ErrorPath: '$error', CausePath: "States.Format('{}', $cause)" },
      },
    };
    // Act / Assess
    expect(variableReferences(definition)).toEqual({
      Call: ['input', 'first', 'second', 'third', 'timeout', 'caught'],
      Check: ['a', 'b', 'c'],
      Wait: ['delay'],
      Fail: ['error', 'cause'],
    });
  });

  it('keys states of Parallel branches and Map item processors by their own names', () => {
    // Prepare
    const inner = (name: string, path: string) => ({
      StartAt: name,
      States: { [name]: { Type: 'Pass', InputPath: path, End: true } },
    });
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: { Type: 'Parallel', Branches: [inner('B1', '$one'), inner('B2', '$.two')], Next: 'Each' },
        Each: { Type: 'Map', MaxConcurrencyPath: '$max', Iterator: inner('M1', '$three'), End: true },
      },
    };
    // Act / Assess
    expect(variableReferences(definition)).toEqual({ B1: ['one'], Each: ['max'], M1: ['three'] });
  });

  it("finds variables in a Distributed Map's thresholds, ItemBatcher and ItemReader", () => {
    // Prepare
    const definition = {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'P',
            States: { P: { Type: 'Pass', End: true } },
          },
          ToleratedFailureCountPath: '$tolerated',
          ItemBatcher: { MaxItemsPerBatchPath: '$size', BatchInput: { 'run.$': '$run', fixed: '$not' } },
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: { InputType: 'JSON', MaxItemsPath: '$maxItems' },
            Parameters: { 'Bucket.$': '$bucket', Key: 'items.json' },
          },
          End: true,
        },
      },
    };
    // Act / Assess
    expect(variableReferences(definition)).toEqual({
      Each: ['tolerated', 'size', 'run', 'maxItems', 'bucket'],
    });
  });

  it('finds none where no state reads a variable', () => {
    expect(
      variableReferences({ StartAt: 'P', States: { P: { Type: 'Pass', Assign: { a: '$b' }, End: true } } }),
    ).toEqual({});
  });
});
