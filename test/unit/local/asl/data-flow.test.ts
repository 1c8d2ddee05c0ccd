import { describe, expect, it } from 'vitest';
import { applyPath, resolvePayloadTemplate } from '#local/asl/data-flow.ts';
import { StatesError } from '#local/asl/errors.ts';
import { writeResultPath } from '#local/asl/jsonpath.ts';
import { deepFreeze } from '#test/support/deep-freeze.ts';

const contextObject = () => ({
  Execution: {
    Id: 'arn:aws:states:us-east-1:123456789012:execution:stateMachineName:executionName',
    Input: { key: 'value' },
    Name: 'executionName',
    StartTime: '2019-03-26T20:14:13.192Z',
  },
  State: { EnteredTime: '2019-03-26T20:14:13.192Z', Name: 'Test', RetryCount: 3 },
  StateMachine: { Id: 'arn:aws:states:us-east-1:123456789012:stateMachine:stateMachineName', Name: 'name' },
  Task: { Token: 'h7XRiCdLtd/83p1E0dMccoxlzFhglsdkzpK9mBVKZsp7d9yrT1W' },
});

function statesErrorOf(action: () => unknown): StatesError {
  try {
    action();
  } catch (error) {
    if (error instanceof StatesError) return error;
    throw error;
  }
  throw new Error('expected a StatesError');
}

describe('resolvePayloadTemplate', () => {
  it('resolves the ASL specification Parameters example', () => {
    // Prepare
    const template = { flagged: true, parts: { 'first.$': '$.vals[0]', 'last3.$': '$.vals[3:]' } };
    const input = { flagged: 7, vals: [0, 10, 20, 30, 40, 50] };
    // Act
    const payload = resolvePayloadTemplate(template, input, {});
    // Assess
    expect(payload).toEqual({ flagged: true, parts: { first: 0, last3: [30, 40, 50] } });
  });

  it('resolves the developer guide ResultSelector example', () => {
    // Prepare
    const result = {
      resourceType: 'elasticmapreduce',
      resource: 'createCluster.sync',
      output: {
        SdkHttpMetadata: { HttpHeaders: { 'Content-Length': '1112' }, HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: '1234-5678-9012' },
        ClusterId: 'AKIAIOSFODNN7EXAMPLE',
      },
    };
    const selector = { 'ClusterId.$': '$.output.ClusterId', 'ResourceType.$': '$.resourceType' };
    // Act / Assess
    expect(resolvePayloadTemplate(selector, result, {})).toEqual({
      ClusterId: 'AKIAIOSFODNN7EXAMPLE',
      ResourceType: 'elasticmapreduce',
    });
  });

  it('reads $$ paths from the context object (developer guide context object example)', () => {
    // Prepare
    const template = {
      'MyTaskToken.$': '$$.Task.Token',
      'ExecutionId.$': '$$.Execution.Id',
      'Whole.$': '$$',
      comment: 'static',
    };
    // Act
    const payload = resolvePayloadTemplate(template, { some: 'input' }, contextObject()) as Record<
      string,
      unknown
    >;
    // Assess
    expect(payload.MyTaskToken).toBe('h7XRiCdLtd/83p1E0dMccoxlzFhglsdkzpK9mBVKZsp7d9yrT1W');
    expect(payload.ExecutionId).toBe(contextObject().Execution.Id);
    expect(payload.Whole).toEqual(contextObject());
    expect(payload.comment).toBe('static');
  });

  it('resolves .$ keys at any depth, including objects inside arrays', () => {
    const template = {
      list: [{ 'id.$': '$.id' }, 'plain', [{ 'nested.$': '$.tags[1]' }], 3],
      deep: { deeper: { 'all.$': '$' } },
    };
    expect(resolvePayloadTemplate(template, { id: 'a-1', tags: ['x', 'y'] }, {})).toEqual({
      list: [{ id: 'a-1' }, 'plain', [{ nested: 'y' }], 3],
      deep: { deeper: { all: { id: 'a-1', tags: ['x', 'y'] } } },
    });
  });

  it('evaluates intrinsic functions in .$ values', () => {
    const template = {
      'greeting.$': "States.Format('Hello, {}', $.name)",
      'count.$': 'States.MathAdd($.count, 1)',
      'run.$': "States.Format('{}-{}', $$.Execution.Name, $.count)",
    };
    expect(resolvePayloadTemplate(template, { name: 'Ana', count: 4 }, contextObject())).toEqual({
      greeting: 'Hello, Ana',
      count: 5,
      run: 'executionName-4',
    });
  });

  it('keeps keys without .$ literally, even when the value looks like a path', () => {
    expect(resolvePayloadTemplate({ path: '$.a', n: null, b: false }, { a: 1 }, {})).toEqual({
      path: '$.a',
      n: null,
      b: false,
    });
  });

  it('fails with States.Runtime and AWS wording when a path matches nothing', () => {
    // Act
    const error = statesErrorOf(() =>
      resolvePayloadTemplate({ 'missing.$': '$.nope.deep' }, { other: 1 }, {}),
    );
    // Assess
    expect(error.name).toBe('States.Runtime');
    expect(error.causeText).toBe(
      `The JSONPath '$.nope.deep' specified for the field 'missing.$' could not be found in the input '{"other":1}'`,
    );
  });

  it('fails when a .$ value is neither a path nor an intrinsic call', () => {
    expect(statesErrorOf(() => resolvePayloadTemplate({ 'a.$': 'hello' }, {}, {})).causeText).toMatch(
      /field 'a.\$' must be a valid JSONPath or a valid intrinsic function call/,
    );
    expect(statesErrorOf(() => resolvePayloadTemplate({ 'a.$': 5 }, {}, {})).name).toBe('States.Runtime');
  });

  it('passes intrinsic failures through', () => {
    expect(
      statesErrorOf(() => resolvePayloadTemplate({ 'a.$': "States.Format('{}')" }, {}, {})).causeText,
    ).toMatch(/^Invalid arguments in States\.Format: /);
  });

  it('shares the values it selects and never changes the input', () => {
    // Prepare: a frozen input throws on any change
    const input = deepFreeze({ obj: { list: [1] }, n: 2 });
    // Act
    const payload = resolvePayloadTemplate(
      {
        'o.$': '$.obj',
        'both.$': 'States.Array($.obj, $.obj)',
        'sum.$': 'States.MathAdd($.n, 1)',
        fixed: [1],
      },
      input,
      {},
    ) as { o: unknown; both: unknown[] };
    // Assess
    expect(payload).toEqual({ o: { list: [1] }, both: [{ list: [1] }, { list: [1] }], sum: 3, fixed: [1] });
    expect(payload.o).toBe(input.obj);
    expect(payload.both[1]).toBe(input.obj);
  });
});

describe('applyPath on an InputPath', () => {
  it('keeps the input when absent, gives {} when null, selects otherwise', () => {
    const input = { lambda: { who: 'AWS Step Functions' }, other: 1 };
    expect(applyPath(input, undefined)).toEqual(input);
    expect(applyPath(input, null)).toEqual({});
    expect(applyPath(input, '$.lambda')).toEqual({ who: 'AWS Step Functions' });
    expect(applyPath(input, '$$.Execution.Name', contextObject())).toBe('executionName');
  });

  it('fails with States.Runtime when the path matches nothing', () => {
    const error = statesErrorOf(() => applyPath({ a: 1 }, '$.b'));
    expect(error.name).toBe('States.Runtime');
    expect(error.causeText).toBe("Invalid path '$.b' : No results for path: $['b']");
  });
});

describe('applyPath on an OutputPath', () => {
  it('keeps the output when absent, gives {} when null, selects otherwise', () => {
    const output = { a: { b: [1, 2] } };
    expect(applyPath(output, undefined)).toEqual(output);
    expect(applyPath(output, null)).toEqual({});
    expect(applyPath(output, '$.a.b[1]')).toBe(2);
  });
});

describe('data flow in AWS order', () => {
  it('reproduces the developer guide InputPath / Parameters / ResultSelector / ResultPath / OutputPath example', () => {
    // Prepare: the state input and the task result of the guide's "Hello World" Lambda example
    const stateInput = {
      comment: 'Example for InputPath.',
      dataset1: { val1: 1, val2: 2, val3: 3 },
      dataset2: { val1: 'a', val2: 'b', val3: 'c' },
    };
    // Act
    const effectiveInput = applyPath(stateInput, '$.dataset2');
    const parameters = resolvePayloadTemplate({ 'letter.$': '$.val1', fixed: true }, effectiveInput, {});
    const taskResult = { payload: { echoed: parameters }, statusCode: 200 };
    const selected = resolvePayloadTemplate({ 'echo.$': '$.payload.echoed' }, taskResult, {});
    const withResult = writeResultPath(stateInput, '$.result', selected);
    const output = applyPath(withResult, '$.result.echo');
    // Assess
    expect(parameters).toEqual({ letter: 'a', fixed: true });
    expect(output).toEqual({ letter: 'a', fixed: true });
    expect(withResult).toEqual({ ...stateInput, result: { echo: { letter: 'a', fixed: true } } });
  });
});
