import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '#local/asl/expressions/json-values.ts';
import { type DefinitionDiagnostic, validateDefinition } from '#local/asl/validate.ts';

/** A valid definition touching every state type; tests change one thing at a time. */
// biome-ignore lint/suspicious/noExplicitAny: each test edits a different deep field of this JSON fixture
function validMachine(): Record<string, any> {
  return {
    Comment: 'every state type',
    StartAt: 'Prepare',
    TimeoutSeconds: 3600,
    States: {
      Prepare: {
        Type: 'Pass',
        Parameters: {
          'id.$': '$.id',
          'greeting.$': "States.Format('hi {}', $.name)",
          'exec.$': '$$.Execution.Id',
        },
        ResultPath: '$.prepared',
        Next: 'Deploy',
      },
      Deploy: {
        Type: 'Task',
        Resource: 'arn:aws:lambda:us-east-1:000000000000:function:cutover-deploy-track',
        InputPath: '$.prepared',
        ResultSelector: { 'status.$': '$.Payload.status' },
        ResultPath: '$.deploy',
        OutputPath: '$',
        TimeoutSeconds: 60,
        HeartbeatSeconds: 10,
        Retry: [
          { ErrorEquals: ['TransientAdapterError'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 },
          { ErrorEquals: ['States.ALL'], JitterStrategy: 'FULL', MaxDelaySeconds: 30 },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
        Next: 'Check',
      },
      Check: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.deploy.status', StringEquals: 'done', Next: 'Fan' },
          {
            And: [
              { Variable: '$.attempt', IsPresent: true },
              { Variable: '$.attempt', NumericLessThanPath: '$.max' },
            ],
            Next: 'Pause',
          },
        ],
        Default: 'Failed',
      },
      Pause: { Type: 'Wait', SecondsPath: '$.wait', Next: 'Deploy' },
      Fan: {
        Type: 'Parallel',
        Branches: [{ StartAt: 'B1', States: { B1: { Type: 'Succeed' } } }],
        Next: 'Each',
      },
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ItemSelector: { 'item.$': '$$.Map.Item.Value' },
        MaxConcurrency: 2,
        ItemProcessor: { StartAt: 'M1', States: { M1: { Type: 'Pass', End: true } } },
        ResultPath: null,
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
      Failed: {
        Type: 'Fail',
        Error: 'DeployFailed',
        CausePath: "States.Format('failed: {}', $.error.Cause)",
      },
    },
  };
}

const validate = (definition: unknown) => validateDefinition(JSON.stringify(definition));
const summary = (diagnostics: DefinitionDiagnostic[]) =>
  diagnostics.map(
    (diagnostic) => `${diagnostic.code} ${diagnostic.location ?? '(no location)'}: ${diagnostic.message}`,
  );

describe('validateDefinition', () => {
  it('accepts a valid definition with every state type', () => {
    expect(summary(validate(validMachine()))).toEqual([]);
  });

  it('reports invalid JSON as Jackson, the parser of AWS, does, where it stopped', () => {
    // Act
    const diagnostics = validateDefinition(
      '{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass" "End": true}}\n}',
    );
    // Assess
    const location =
      '[Source: (String)"{\n  "StartAt": "A",\n  "States": {"A": {"Type": "Pass" "End": true}}\n}"; line: 3, column: 36]';
    expect(diagnostics).toEqual([
      {
        code: 'INVALID_JSON_DESCRIPTION',
        message: `Unexpected character ('"' (code 34)): was expecting comma to separate Object entries\n at ${location}`,
        location,
        severity: 'ERROR',
      },
    ]);
  });

  it('reports missing StartAt and States', () => {
    expect(summary(validate({ Comment: 'x' }))).toEqual([
      'SCHEMA_VALIDATION_FAILED /: These fields are required: [States, StartAt]',
    ]);
    expect(summary(validate([]))).toEqual([
      'SCHEMA_VALIDATION_FAILED /: The definition must be a JSON object',
    ]);
  });

  it('reports StartAt and Next naming unknown states, with AWS wording, and then every state unreachable', () => {
    // Prepare
    const definition = { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'pass3' } } };
    const ending = { StartAt: 'Nope', States: { A: { Type: 'Pass', End: true } } };
    // Act / Assess
    expect(summary(validate(definition))).toEqual([
      "MISSING_TRANSITION_TARGET /States/A/Next: Missing 'Next' target: pass3",
      'MISSING_END_STATE (no location): Workflow has no terminal state',
    ]);
    expect(summary(validate(ending))).toEqual([
      "MISSING_TRANSITION_TARGET /StartAt: Missing 'Next' target: Nope",
      'MISSING_TRANSITION_TARGET /States/A: State "A" is not reachable.',
    ]);
  });

  it('reports unreachable states', () => {
    const definition = validMachine();
    definition.States.Orphan = { Type: 'Succeed' };
    expect(summary(validate(definition))).toEqual([
      'MISSING_TRANSITION_TARGET /States/Orphan: State "Orphan" is not reachable.',
    ]);
  });

  it('counts Catch, Choice and Default targets as reachable and checks them', () => {
    const definition = validMachine();
    definition.States.Deploy.Catch[0].Next = 'Missing';
    definition.States.Check.Default = 'AlsoMissing';
    expect(summary(validate(definition))).toEqual([
      "MISSING_TRANSITION_TARGET /States/Deploy/Catch[0]/Next: Missing 'Next' target: Missing",
      "MISSING_TRANSITION_TARGET /States/Check/Default: Missing 'Next' target: AlsoMissing",
      'MISSING_TRANSITION_TARGET /States/Failed: State "Failed" is not reachable.',
    ]);
  });

  it('requires exactly one of Next and End, in the words AWS uses for any such set of fields (floci-io/floci#3733)', () => {
    const definition = validMachine();
    delete definition.States.Pause.Next;
    definition.States.Done = { Type: 'Pass', End: true, Next: 'Failed' };
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Pause: This object should have only one of the following fields: [Next, End]',
      'SCHEMA_VALIDATION_FAILED /States/Done: There should only be one of the following fields: [Next, End]',
    ]);
  });

  it('reports unknown fields per state type, and Retry/Catch outside Task, Parallel and Map', () => {
    const definition = validMachine();
    definition.States.Done.Next = 'Failed';
    definition.States.Pause.Resource = 'arn';
    definition.States.Check.Retry = [];
    definition.Extra = 1;
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /: Field 'Extra' is not supported",
      "SCHEMA_VALIDATION_FAILED /States/Check: Field 'Retry' is not supported",
      "SCHEMA_VALIDATION_FAILED /States/Pause: Field 'Resource' is not supported",
      "SCHEMA_VALIDATION_FAILED /States/Done: Field 'Next' is not supported",
    ]);
  });

  it('reports an unknown Type and a Task without Resource', () => {
    // AWS's words for the Type: localstack test_test_state_machine_scenarios.snapshot.json,
    // test_state_name_invalid_state_definition (recorded 04-12-2025).
    const definition = validMachine();
    definition.States.Done.Type = 'Finish';
    delete definition.States.Deploy.Resource;
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Deploy: These fields are required: [Resource]',
      "SCHEMA_VALIDATION_FAILED /States/Done/Type: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
    ]);
  });

  it.each(['__proto__', 'constructor', 'toString'])(
    'reports a Type named like a property of every object (%s) as unknown, not as a fault',
    (type) => {
      const definition = validMachine();
      definition.States.Done.Type = type;
      expect(summary(validate(definition))).toEqual([
        "SCHEMA_VALIDATION_FAILED /States/Done/Type: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
      ]);
    },
  );

  it('reports invalid paths, reference paths and payload template values', () => {
    const definition = validMachine();
    definition.States.Deploy.InputPath = 'prepared';
    definition.States.Deploy.ResultPath = '$.items[*]';
    definition.States.Prepare.Parameters = { nested: [{ 'bad.$': 'not a path' }], 'call.$': 'States.Nope()' };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Prepare/Parameters/nested[0]: The value for the field 'bad.$' must be a valid JSONPath or a valid intrinsic function call",
      expect.stringMatching(
        /^SCHEMA_VALIDATION_FAILED \/States\/Prepare\/Parameters: The value for the field 'call.\$' must be a valid JSONPath or a valid intrinsic function call: Unknown intrinsic function States.Nope/,
      ),
      "SCHEMA_VALIDATION_FAILED /States/Deploy/InputPath: The value for the field 'InputPath' must be a valid JSONPath",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/ResultPath: The value for the field 'ResultPath' must be a valid ReferencePath",
    ]);
  });

  it('reports a Choice without Choices and malformed rules', () => {
    const definition = validMachine();
    definition.States.Check.Choices = [];
    expect(summary(validate(definition))).toContain(
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices: The field 'Choices' must be a non-empty array of rules",
    );
    definition.States.Check.Choices = [
      { Variable: '$.a', NumericEquals: 'one', Next: 'Pause' },
      { Variable: 'a', StringEquals: 'x', Next: 'Fan' },
      { Not: { Variable: '$.a', IsNull: true, Next: 'Done' }, Next: 'Each' },
      { Variable: '$.a', Next: 'Done' },
      { Variable: '$.a', TimestampEquals: 'yesterday' },
    ];
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices[0]/NumericEquals: The value for the field 'NumericEquals' must be a number",
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices[1]/Variable: The value for the field 'Variable' must be a valid ReferencePath",
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices[2]/Not: The field 'Next' is only allowed in a top-level Choice rule",
      'SCHEMA_VALIDATION_FAILED /States/Check/Choices[3]: A Choice rule must have exactly one of And, Or, Not or a comparison operator (StringEquals, NumericLessThan, IsPresent, ...)',
      'SCHEMA_VALIDATION_FAILED /States/Check/Choices[4]: These fields are required: [Next]',
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices[4]/TimestampEquals: The value for the field 'TimestampEquals' must be a RFC3339 timestamp string",
    ]);
  });

  it('requires States.ALL alone and last in Retry and Catch', () => {
    const definition = validMachine();
    definition.States.Deploy.Retry.reverse();
    definition.States.Deploy.Catch = [{ ErrorEquals: ['States.ALL', 'Other'], Next: 'Failed' }];
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/ErrorEquals: 'States.ALL' must appear alone in ErrorEquals and only in the last Retrier or Catcher",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Catch[0]/ErrorEquals: 'States.ALL' must appear alone in ErrorEquals and only in the last Retrier or Catcher",
    ]);
  });

  it('checks Retrier fields', () => {
    const definition = validMachine();
    definition.States.Deploy.Retry = [
      {
        ErrorEquals: [],
        IntervalSeconds: 0,
        BackoffRate: 0.5,
        MaxAttempts: -1,
        JitterStrategy: 'SOME',
        Foo: 1,
      },
    ];
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]: Field 'Foo' is not supported",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/ErrorEquals: The field 'ErrorEquals' must be a non-empty array of error names",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/IntervalSeconds: The field 'IntervalSeconds' must be an integer from 1 to 99999999",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/MaxAttempts: The field 'MaxAttempts' must be an integer from 0 to 99999999",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/BackoffRate: The field 'BackoffRate' must be a number greater than or equal to 1.0",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/JitterStrategy: The field 'JitterStrategy' must be one of: FULL, NONE",
    ]);
  });

  it('requires exactly one of Seconds, SecondsPath, Timestamp and TimestampPath', () => {
    const definition = validMachine();
    definition.States.Pause = { Type: 'Wait', Seconds: 5, Timestamp: '2016-03-14T01:59:00Z', Next: 'Deploy' };
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Pause: There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]',
    ]);
    definition.States.Pause = { Type: 'Wait', Next: 'Deploy' };
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Pause: This object should have only one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]',
    ]);
    definition.States.Pause = { Type: 'Wait', Timestamp: '2016-03-14', Next: 'Deploy' };
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Pause/Timestamp: String does not match RFC3339 timestamp',
    ]);
  });

  it('requires Wait Seconds to be an integer from 0 to 99999999', () => {
    const definition = validMachine();
    definition.States.Pause = { Type: 'Wait', Seconds: 99_999_999, Next: 'Deploy' };
    expect(validate(definition)).toEqual([]);
    definition.States.Pause = { Type: 'Wait', Seconds: 100_000_000, Next: 'Deploy' };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Pause/Seconds: The field 'Seconds' must be an integer from 0 to 99999999",
    ]);
  });

  it('validates Parallel branches and Map item processors recursively', () => {
    const definition = validMachine();
    definition.States.Fan.Branches.push({ StartAt: 'B2', States: { B2: { Type: 'Pass', Next: 'Done' } } });
    definition.States.Each.ItemProcessor.States.M2 = { Type: 'Succeed' };
    expect(summary(validate(definition))).toEqual([
      "MISSING_TRANSITION_TARGET /States/Fan/Branches[1]/States/B2/Next: Missing 'Next' target: Done",
      'MISSING_TRANSITION_TARGET /States/Each/ItemProcessor/States/M2: State "M2" is not reachable.',
    ]);
  });

  it('accepts the legacy Map Iterator and Parameters, but not both forms at once', () => {
    const definition = validMachine();
    const each = definition.States.Each;
    each.Iterator = each.ItemProcessor;
    delete each.ItemProcessor;
    expect(validate(definition)).toEqual([]);
    each.ItemProcessor = { StartAt: 'M2', States: { M2: { Type: 'Pass', End: true } } };
    each.Parameters = {};
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Each: There should only be one of the following fields: [ItemProcessor, Iterator]',
      'SCHEMA_VALIDATION_FAILED /States/Each: There should only be one of the following fields: [Parameters, ItemSelector]',
    ]);
  });

  it('refuses a Map state with both MaxConcurrency and MaxConcurrencyPath', () => {
    const definition = validMachine();
    definition.States.Each.MaxConcurrency = 1;
    definition.States.Each.MaxConcurrencyPath = '$.m';
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Each: There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]',
    ]);
  });

  it('refuses a dot-notation name with a blank in a path, which needs brackets', () => {
    const definition = validMachine();
    definition.States.Each.ItemsPath = '$.my items';
    expect(summary(validate(definition))).toEqual([expect.stringContaining('/States/Each')]);
  });

  it('reports state names used twice across nested machines', () => {
    const definition = validMachine();
    definition.States.Fan.Branches[0] = { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } };
    expect(summary(validate(definition))).toEqual([
      'DUPLICATE_STATE_NAME /States/Done: Duplicate State name: Done',
    ]);
  });

  it("takes a state's Parameters of any JSON type, checking the paths in an array's items, but ResultSelector only as an object", () => {
    const definition = {
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Parameters: [{ 'id.$': 'no path' }, 3], Next: 'B' },
        B: { Type: 'Pass', Parameters: 'text', Next: 'C' },
        C: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
          ResultSelector: [1],
          End: true,
        },
      },
    };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/A/Parameters[0]: The value for the field 'id.$' must be a valid JSONPath or a valid intrinsic function call",
      "SCHEMA_VALIDATION_FAILED /States/C/ResultSelector: The value for the field 'ResultSelector' must be a JSON object",
    ]);
  });

  it('reports a state name given twice in one States object, which JSON.parse would keep the last of', () => {
    // Prepare: the same name twice at the top and in a branch, and a repeated key that is no state name
    const text = `{"StartAt":"A","States":{
      "A":{"Type":"Pass","Next":"P"},
      "P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"},"B":{"Type":"Fail"}}}]},
      "A":{"Type":"Pass","Parameters":{"States":{"x":1,"x":2}},"Next":"P"}}}`;
    // Act
    const diagnostics = validateDefinition(text);
    // Assess
    expect(summary(diagnostics)).toEqual([
      'DUPLICATE_STATE_NAME /States/P/Branches[0]/States/B: Duplicate State name: B',
      'DUPLICATE_STATE_NAME /States/A: Duplicate State name: A',
    ]);
  });

  it('checks Task timeouts and Fail fields', () => {
    const definition = validMachine();
    definition.States.Deploy.HeartbeatSeconds = 60;
    definition.States.Deploy.TimeoutSecondsPath = '$.timeout';
    definition.States.Failed.Cause = 'both';
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Deploy: There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]',
      "SCHEMA_VALIDATION_FAILED /States/Deploy/HeartbeatSeconds: 'HeartbeatSeconds' must be smaller than 'TimeoutSeconds'",
      'SCHEMA_VALIDATION_FAILED /States/Failed: There should only be one of the following fields: [Cause, CausePath]',
    ]);
  });

  it('lets a Fail ErrorPath or CausePath call only the intrinsics AWS lists for them', () => {
    // Prepare
    const allowed =
      'States.Format, States.JsonToString, States.ArrayGetItem, States.Base64Encode, States.Base64Decode, States.Hash, States.UUID';
    const definition = validMachine();
    delete definition.States.Failed.Error;
    definition.States.Failed.ErrorPath = 'States.ArrayLength($.errors)';
    definition.States.Failed.CausePath = "States.Format('{} errors', States.ArrayLength($.errors))";
    // Act
    const diagnostics = summary(validate(definition));
    // Assess
    expect(diagnostics).toEqual([
      `SCHEMA_VALIDATION_FAILED /States/Failed/ErrorPath: The value for the field 'ErrorPath' is invalid: States.ArrayLength cannot be used here: the allowed functions are ${allowed}`,
    ]);
  });

  it('requires Next in a Catcher, as in a top-level Choice rule', () => {
    const definition = validMachine();
    delete definition.States.Deploy.Catch[0].Next;
    expect(summary(validate(definition))).toEqual([
      'SCHEMA_VALIDATION_FAILED /States/Deploy/Catch[0]: These fields are required: [Next]',
    ]);
  });

  it('requires a Comment to be a string wherever one may be', () => {
    const definition = validMachine();
    definition.Comment = 1;
    definition.States.Prepare.Comment = { text: 'x' };
    definition.States.Deploy.Retry[0].Comment = true;
    definition.States.Deploy.Catch[0].Comment = ['x'];
    definition.States.Check.Choices[0].Comment = 2;
    definition.States.Fan.Branches[0].Comment = null;
    definition.States.Each.ItemProcessor.Comment = 3;
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /Comment: The field 'Comment' must be a string",
      "SCHEMA_VALIDATION_FAILED /States/Prepare/Comment: The field 'Comment' must be a string",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Retry[0]/Comment: The field 'Comment' must be a string",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Catch[0]/Comment: The field 'Comment' must be a string",
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices[0]/Comment: The field 'Comment' must be a string",
      "SCHEMA_VALIDATION_FAILED /States/Fan/Branches[0]/Comment: The field 'Comment' must be a string",
      "SCHEMA_VALIDATION_FAILED /States/Each/ItemProcessor/Comment: The field 'Comment' must be a string",
    ]);
  });

  it('refuses a backslash that escapes nothing in an intrinsic string literal', () => {
    const definition = validMachine();
    definition.States.Prepare.Parameters['greeting.$'] = "States.Format('hi\\n{}', $.name)";
    expect(summary(validate(definition))).toEqual([
      expect.stringMatching(
        /^SCHEMA_VALIDATION_FAILED \/States\/Prepare\/Parameters: The value for the field 'greeting.\$' must be a valid JSONPath or a valid intrinsic function call: Invalid intrinsic function: '\\n' escapes nothing/,
      ),
    ]);
  });

  it('accepts JSONata in every state type, with expressions in the fields that take them', () => {
    const expression = '{% $states.input %}';
    const jsonataStates = {
      P: { Type: 'Pass', Output: expression, Assign: { seen: expression }, Next: 'T' },
      T: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Arguments: { FunctionName: 'f', Payload: expression },
        Output: '{% $states.result.Payload %}',
        TimeoutSeconds: '{% $states.input.timeout %}',
        Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput %}', Next: 'W' }],
        Next: 'C',
      },
      C: { Type: 'Choice', Choices: [{ Condition: '{% $seen %}', Next: 'M' }], Default: 'W' },
      M: {
        Type: 'Map',
        Items: '{% $states.input.items %}',
        ItemSelector: { value: '{% $states.context.Map.Item.Value %}' },
        ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Pass', Output: expression, End: true } } },
        Next: 'W',
      },
      W: { Type: 'Wait', Seconds: '{% $states.input.delay %}', Next: 'F' },
      F: { Type: 'Fail', Error: '{% $states.input.error %}', Cause: expression },
    };
    expect(summary(validate({ QueryLanguage: 'JSONata', StartAt: 'P', States: jsonataStates }))).toEqual([]);
    const oneJsonataState = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', QueryLanguage: 'JSONata', Output: expression, End: true } },
    };
    expect(summary(validate(oneJsonataState))).toEqual([]);
  });

  it("refuses each language's fields in the other's states, and a JSONPath state in a JSONata machine", () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'A',
      States: {
        A: { Type: 'Pass', Parameters: { a: 1 }, Result: 2, Next: 'B' },
        B: { Type: 'Pass', QueryLanguage: 'JSONPath', Output: 3, End: true },
      },
    };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/A: The QueryLanguage is set to 'JSONata', but field 'Parameters' is only supported for the 'JSONPath' QueryLanguage",
      "SCHEMA_VALIDATION_FAILED /States/A: The QueryLanguage is set to 'JSONata', but field 'Result' is only supported for the 'JSONPath' QueryLanguage",
      "SCHEMA_VALIDATION_FAILED /States/B: 'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
    ]);
  });

  it('reads a QueryLanguage other than JSONPath as JSONata, and reports it in AWS words (floci-io/floci#2968)', () => {
    // Prepare
    const definition = (QueryLanguage: unknown) => ({
      StartAt: 'X',
      States: { X: { Type: 'Pass', QueryLanguage, InputPath: '$.a', End: true } },
    });
    // Act / Assess
    expect(summary(validate(definition('jsonata')))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/X: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
      'SCHEMA_VALIDATION_FAILED /States/X/QueryLanguage: Value should be one of the following: [JSONPath, JSONata]',
    ]);
    expect(summary(validate(definition(5)))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/X: The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
      'SCHEMA_VALIDATION_FAILED /States/X/QueryLanguage: Expected value of type [STRING]',
    ]);
    expect(summary(validate({ ...validMachine(), QueryLanguage: 'JSONNata' }))[0]).toBe(
      'SCHEMA_VALIDATION_FAILED /QueryLanguage: Value should be one of the following: [JSONPath, JSONata]',
    );
  });

  it('refuses QueryLanguage on a Parallel branch, which is no state (floci-io/floci#2968)', () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [{ QueryLanguage: 'JSONata', StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }],
          End: true,
        },
      },
    };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Fan/Branches[0]: Field 'QueryLanguage' is not supported",
    ]);
  });

  it("reports a JSONata expression that does not parse, at its field, with JSONata's message", () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'C',
      States: {
        C: { Type: 'Choice', Choices: [{ Condition: '{% $states.input.a = %}', Next: 'S' }], Default: 'S' },
        S: { Type: 'Succeed', Output: { list: ['{% a[1,2) %}'] } },
      },
    };
    expect(summary(validate(definition))).toEqual([
      'INVALID_JSONATA_EXPRESSION /States/C/Choices[0]/Condition: Unexpected end of expression',
      'INVALID_JSONATA_EXPRESSION /States/S/Output/list[0]: Expected "]", got ","',
    ]);
  });

  it('refuses what a JSONata expression cannot read: top-level names, $$, and $states members of other fields', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'P',
      States: {
        P: {
          Type: 'Pass',
          Output: { v: '{% phone %}', w: '{% $$.a %}', ok: '{% $states.input.items[price > 1] %}' },
          Next: 'T',
        },
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Arguments: { a: '{% $states.result %}' },
          Output: '{% $states.result.Payload %}',
          Catch: [{ ErrorEquals: ['States.ALL'], Output: '{% $states.errorOutput.Cause %}', Next: 'S' }],
          Next: 'S',
        },
        S: { Type: 'Succeed', Output: '{% $states.errorOutput %}' },
      },
    };
    expect(summary(validate(definition))).toEqual([
      "UNSUPPORTED_JSONATA_EXPRESSION /States/P/Output/v: Reference to 'phone' at the top level is not supported.",
      "UNSUPPORTED_JSONATA_EXPRESSION /States/P/Output/w: Reference to '$$' is not supported.",
      "UNSUPPORTED_JSONATA_EXPRESSION /States/T/Arguments/a: Field '$states.result' does not exist.",
      "UNSUPPORTED_JSONATA_EXPRESSION /States/S/Output: Field '$states.errorOutput' does not exist.",
    ]);
  });

  it("checks an ItemReader's Arguments and MaxItems as expressions, and its CSVHeaders as the column names they are", () => {
    // Prepare: as validated on AWS (floci-io/floci's StepFunctionsTopLevelReferenceIntegrationTest)
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'M',
      States: {
        M: {
          Type: 'Map',
          ItemReader: {
            Resource: 'arn:aws:states:::s3:getObject',
            ReaderConfig: {
              InputType: 'CSV',
              CSVHeaderLocation: 'GIVEN',
              CSVHeaders: ['{% phone %}'],
              MaxItems: '{% limit %}',
            },
            Arguments: { Bucket: '{% bucket %}', Key: 'k.csv' },
          },
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'I',
            States: { I: { Type: 'Succeed' } },
          },
          End: true,
        },
      },
    };
    expect(summary(validate(definition))).toEqual([
      "UNSUPPORTED_JSONATA_EXPRESSION /States/M/ItemReader/Arguments/Bucket: Reference to 'bucket' at the top level is not supported.",
      "UNSUPPORTED_JSONATA_EXPRESSION /States/M/ItemReader/ReaderConfig/MaxItems: Reference to 'limit' at the top level is not supported.",
    ]);
  });

  it('checks the literal values of JSONata fields: Wait Seconds, a Choice Condition, Map Items', () => {
    const definition = {
      QueryLanguage: 'JSONata',
      StartAt: 'W',
      States: {
        W: { Type: 'Wait', Seconds: -1, Next: 'C' },
        C: { Type: 'Choice', Choices: [{ Condition: 'yes', Next: 'M' }] },
        M: {
          Type: 'Map',
          Items: { a: 1 },
          ItemProcessor: { StartAt: 'I', States: { I: { Type: 'Succeed' } } },
          End: true,
        },
      },
    };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/W/Seconds: The field 'Seconds' must be an integer from 0 to 99999999, or a JSONata expression",
      "SCHEMA_VALIDATION_FAILED /States/C/Choices[0]/Condition: The field 'Condition' must be a boolean or a JSONata expression",
      "SCHEMA_VALIDATION_FAILED /States/M/Items: The field 'Items' must be a JSON array or a JSONata expression",
    ]);
  });
});

describe('validateDefinition: nesting depth', () => {
  /**
   * A Pass state machine's JSON whose `field` holds `levels` arrays or objects (`{"a": ...}`) nested in one
   * another, as text: `JSON.stringify` itself overflows the stack on some thousands of levels.
   */
  const pass = (field: string, levels: number, open = '{"a":', close = '}') =>
    `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true,"${field}":${open.repeat(levels)}1${close.repeat(levels)}}}}`;
  const tooDeep = (location: string) => ({
    code: 'SCHEMA_VALIDATION_FAILED',
    message: `The definition nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the nesting depth limit of the local runtime`,
    location,
    severity: 'ERROR',
  });
  // The definition, its States and the state P enclose the field: 3 levels.
  const fieldLevelsAllowed = MAX_JSON_DEPTH - 3;

  it('accepts a Result as deep as the limit allows', () => {
    expect(summary(validateDefinition(pass('Result', fieldLevelsAllowed)))).toEqual([]);
  });

  it('refuses a definition nested deeper than the limit with one diagnostic, where the limit is passed', () => {
    const cases = [
      ['Result', fieldLevelsAllowed + 1],
      ['Parameters', 5_000],
      ['Result', 10_000],
    ] as const;
    for (const [field, depth] of cases) {
      expect(validateDefinition(pass(field, depth)), `${field} ${depth}`).toEqual([
        tooDeep(`/States/P/${field}${'/a'.repeat(fieldLevelsAllowed)}`),
      ]);
    }
  });

  it('checks a definition nested 100,000 levels deep without overflowing the stack', () => {
    expect(validateDefinition(pass('Result', 100_000, '[', ']'))).toEqual([
      tooDeep(`/States/P/Result${'/0'.repeat(fieldLevelsAllowed)}`),
    ]);
  });
});

describe('validateDefinition: workflow variables', () => {
  const pass = (state: Record<string, unknown>) => ({
    StartAt: 'P',
    States: { P: { Type: 'Pass', End: true, ...state } },
  });

  it('accepts Assign on Pass, Task, Choice and its rules, Wait, Parallel, Map and Catch, and $name references', () => {
    // Prepare
    const definition = validMachine();
    definition.States.Prepare.Assign = { count: 0, 'id.$': '$.id', 'note.$': "States.Format('{}', $count)" };
    definition.States.Deploy.Assign = { 'status.$': '$.status' };
    definition.States.Deploy.Catch[0].Assign = { 'failure.$': '$.Cause' };
    definition.States.Check.Assign = { retried: true };
    definition.States.Check.Choices[0].Assign = { done: true };
    definition.States.Check.Choices[1].And[1].NumericLessThanPath = '$limit';
    definition.States.Pause.SecondsPath = '$delay';
    definition.States.Pause.Assign = { waited: true };
    definition.States.Fan.Assign = { fanned: true };
    definition.States.Each.ItemsPath = '$items';
    definition.States.Each.Assign = { mapped: true };
    definition.States.Deploy.InputPath = '$prepared';
    // Act / Assess
    expect(summary(validate(definition))).toEqual([]);
  });

  it('refuses Assign on Succeed and Fail states and in nested Choice rules', () => {
    const definition = validMachine();
    definition.States.Done.Assign = { a: 1 };
    definition.States.Failed.Assign = { a: 1 };
    definition.States.Check.Choices[1].And[0].Assign = { a: 1 };
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Check/Choices[1]/And[0]/Assign: The field 'Assign' is not supported in a Choice rule",
      "SCHEMA_VALIDATION_FAILED /States/Done: Field 'Assign' is not supported",
      "SCHEMA_VALIDATION_FAILED /States/Failed: Field 'Assign' is not supported",
    ]);
  });

  it('refuses invalid, reserved, too long and repeated variable names', () => {
    const long = `v${'x'.repeat(80)}`;
    const definition = pass({ Assign: { '1st': 1, 'my-var': 2, states: 3, [long]: 4, a: 5, 'a.$': '$' } });
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/P/Assign/1st: '1st' is not a valid variable name: it must start with a letter and go on with letters, digits or '_'",
      "SCHEMA_VALIDATION_FAILED /States/P/Assign/my-var: 'my-var' is not a valid variable name: it must start with a letter and go on with letters, digits or '_'",
      "SCHEMA_VALIDATION_FAILED /States/P/Assign/states: The variable name 'states' is reserved",
      `SCHEMA_VALIDATION_FAILED /States/P/Assign/${long}: The variable name '${long}' is longer than 80 characters`,
      "SCHEMA_VALIDATION_FAILED /States/P/Assign/a.$: The variable 'a' is assigned twice",
    ]);
  });

  it('refuses an Assign that is not an object and `.$` values that are neither paths nor intrinsic calls', () => {
    expect(summary(validate(pass({ Assign: [1] })))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/P/Assign: The value for the field 'Assign' must be a JSON object",
    ]);
    expect(summary(validate(pass({ Assign: { 'a.$': 'plain text', 'b.$': '$x-y' } })))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/P/Assign: The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic function call",
      "SCHEMA_VALIDATION_FAILED /States/P/Assign: The value for the field 'b.$' must be a valid JSONPath or a valid intrinsic function call",
    ]);
  });

  it('refuses a variable as ResultPath (state and Catcher)', () => {
    const definition = validMachine();
    definition.States.Prepare.ResultPath = '$prepared';
    definition.States.Deploy.Catch[0].ResultPath = '$error';
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Prepare/ResultPath: The value for the field 'ResultPath' must be a valid ReferencePath",
      "SCHEMA_VALIDATION_FAILED /States/Deploy/Catch[0]/ResultPath: The value for the field 'ResultPath' must be a valid ReferencePath",
    ]);
  });

  it('refuses a Parallel branch or Map iteration assigning a variable of an enclosing scope', () => {
    // Prepare: `shared` is assigned at the top level, `mine` only inside (twice, in sibling branches)
    const inner = (name: string, assign: Record<string, unknown>) => ({
      StartAt: name,
      States: { [name]: { Type: 'Pass', Assign: assign, End: true } },
    });
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [inner('B1', { mine: 1 }), inner('B2', { mine: 2, shared: 3 })],
          Assign: { shared: 0 },
          Next: 'Each',
        },
        Each: { Type: 'Map', ItemProcessor: inner('M1', { 'shared.$': '$' }), End: true },
      },
    };
    // Act / Assess
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/Fan/Branches[1]/States/B2/Assign/shared: The variable 'shared' is assigned in an enclosing scope and cannot be assigned in a Parallel branch or Map item processor",
      "SCHEMA_VALIDATION_FAILED /States/Each/ItemProcessor/States/M1/Assign/shared.$: The variable 'shared' is assigned in an enclosing scope and cannot be assigned in a Parallel branch or Map item processor",
    ]);
  });

  it("lets a branch assign a name that only the Parallel state's Catcher assigns", () => {
    // Prepare: the Catcher assigns `seen`, which the branch assigns too
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'B', States: { B: { Type: 'Pass', Assign: { seen: 1 }, End: true } } }],
          Catch: [{ ErrorEquals: ['States.ALL'], Assign: { seen: 0 }, Next: 'Done' }],
          Next: 'Done',
        },
        Done: { Type: 'Succeed' },
      },
    };
    // Act / Assess
    expect(summary(validate(definition))).toEqual([]);
  });
});

describe('validateDefinition: terminal states', () => {
  // The rules below were measured against AWS and are pinned in floci's tests (floci-io/floci#2786, #2735).
  const loop = { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Pass', Next: 'A' } };

  it('reports a workflow without a state that ends it, without a location and without its unreachable states', () => {
    expect(
      summary(validate({ StartAt: 'A', States: { ...loop, Unused: { Type: 'Pass', Next: 'A' } } })),
    ).toEqual(['MISSING_END_STATE (no location): Workflow has no terminal state']);
  });

  it('accepts a Parallel branch or Map item processor without one: only the top level must end', () => {
    // Prepare
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: loop }], Next: 'Each' },
        Each: {
          Type: 'Map',
          ItemProcessor: {
            StartAt: 'C',
            States: { C: { Type: 'Choice', Choices: [{ Variable: '$', IsNull: true, Next: 'C' }] } },
          },
          End: true,
        },
      },
    };
    // Act / Assess
    expect(summary(validate(definition))).toEqual([]);
  });

  it('counts End: true, Succeed and Fail states as terminal', () => {
    for (const terminal of [{ Type: 'Pass', End: true }, { Type: 'Succeed' }, { Type: 'Fail' }]) {
      const definition = {
        StartAt: 'C',
        States: { C: { Type: 'Choice', Choices: [{ Variable: '$', IsNull: true, Next: 'T' }] }, T: terminal },
      };
      expect(summary(validate(definition))).toEqual([]);
    }
  });
});

describe('validateDefinition: fields a state or object does not take', () => {
  it('names the field and locates the object that holds it, as AWS does (floci-io/floci#2735, #2968)', () => {
    // Prepare
    const definition = {
      StartAt: 'X',
      States: {
        X: { Type: 'Pass', TimeoutSeconds: 5, Next: 'M' },
        M: {
          Type: 'Map',
          ItemProcessor: {
            QueryLanguage: 'JSONata',
            StartAt: 'P',
            States: { P: { Type: 'Pass', End: true } },
          },
          End: true,
        },
      },
    };
    // Act / Assess
    expect(summary(validate(definition))).toEqual([
      "SCHEMA_VALIDATION_FAILED /States/X: Field 'TimeoutSeconds' is not supported",
      "SCHEMA_VALIDATION_FAILED /States/M/ItemProcessor: Field 'QueryLanguage' is not supported",
    ]);
  });
});

describe('validateDefinition: Task resources', () => {
  const task = (Resource: unknown) => ({
    StartAt: 'T',
    States: { T: { Type: 'Task', Resource, End: true } },
  });

  it('accepts Lambda function ARNs, activities, optimized and AWS SDK integrations, with their patterns', () => {
    const resources = [
      'arn:aws:lambda:us-east-1:000000000000:function:cutover-deploy-track',
      'arn:aws:lambda:eu-west-1:123456789012:function:checkout:live',
      'arn:aws:states:us-east-1:123456789012:activity:approve',
      'arn:aws:states:::lambda:invoke',
      'arn:aws:states:::lambda:invoke.waitForTaskToken',
      'arn:aws:states:::states:startExecution',
      'arn:aws:states:::states:startExecution.sync',
      'arn:aws:states:::states:startExecution.sync:2',
      'arn:aws:states:::sns:publish',
      'arn:aws:states:::events:putEvents.waitForTaskToken',
      'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      'arn:aws:states:::dynamodb:updateItem',
      'arn:aws:states:::ecs:runTask.sync',
      'arn:aws:states:::batch:submitJob.sync',
      'arn:aws:states:::glue:startJobRun.sync',
      'arn:aws:states:::athena:startQueryExecution.sync',
      'arn:aws:states:::sagemaker:createTrainingJob.sync',
      'arn:aws:states:::eks:runJob.sync',
      'arn:aws:states:::http:invoke',
      'arn:aws:states:::aws-sdk:s3:getObject',
      'arn:aws:states:::aws-sdk:sfn:startExecution.waitForTaskToken',
      'arn:aws-cn:states:::lambda:invoke',
      'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc',
      // Placeholders AWS accepted (localstack test_state_configuration.snapshot.json, 13-11-2025).
      'arn:aws:lambda:your-region:your-account-id:function:yourHelloWorldFunction',
    ];
    for (const resource of resources) expect(summary(validate(task(resource))), resource).toEqual([]);
  });

  it('reports a Resource that is not an ARN, an unknown service or action, and a pattern the service lacks', () => {
    const refused = [
      'not-an-arn',
      'arn:aws:states:::dynamodb:frobnicate',
      'arn:aws:states:::teleport:beam',
      'arn:aws:states:::lambda:invoke.sync',
      'arn:aws:states:::dynamodb:getItem.waitForTaskToken',
      'arn:aws:states:::sns:publish.sync:2',
      'arn:aws:states:::aws-sdk:s3:getObject.sync',
      'arn:aws:states:::lambda',
      'arn:aws:lambda:us-east-1:000000000000:cutover-deploy-track',
    ];
    for (const resource of refused) {
      expect(summary(validate(task(resource))), resource).toEqual([
        `INVALID_RESOURCE /States/T/Resource: The value '${resource}' of the field 'Resource' is not a valid resource`,
      ]);
    }
  });
});

describe('validateDefinition: warnings', () => {
  const warnings = (definition: unknown) =>
    validate(definition).map(({ code, location, severity }) => `${severity} ${code} ${location}`);

  it('warns of a payload template value that looks like a path or intrinsic call but whose key lacks .$', () => {
    // Prepare
    const definition = {
      StartAt: 'T',
      States: {
        T: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'f',
            Payload: { 'id.$': '$.id', name: '$.name', nested: [{ when: "States.Format('{}', $.a)" }] },
            price: '$5 off',
            note: 'costs $.50',
          },
          ResultSelector: { status: '$$.Execution.Id' },
          End: true,
        },
      },
    };
    // Act / Assess
    expect(warnings(definition)).toEqual([
      'WARNING NO_DOLLAR /States/T/Parameters/Payload/name',
      'WARNING NO_DOLLAR /States/T/Parameters/Payload/nested[0]/when',
      'WARNING NO_DOLLAR /States/T/ResultSelector/status',
    ]);
  });

  it('warns of a Pass state Result with .$ keys, which stays as written', () => {
    const definition = {
      StartAt: 'P',
      States: { P: { Type: 'Pass', Result: { a: { 'b.$': '$.b' }, c: '$.c' }, End: true } },
    };
    expect(warnings(definition)).toEqual(['WARNING PASS_RESULT_IS_STATIC /States/P/Result/a/b.$']);
  });
});

describe('validateDefinition: blank definitions', () => {
  it('reports an empty or blank definition as no JSON object, without a location (as AWS recorded " ")', () => {
    for (const blank of ['', ' ', '\n\t \r']) {
      expect(validateDefinition(blank)).toEqual([
        {
          code: 'SCHEMA_VALIDATION_FAILED',
          message: 'Definition must be a valid JSON object',
          severity: 'ERROR',
        },
      ]);
    }
  });
});
