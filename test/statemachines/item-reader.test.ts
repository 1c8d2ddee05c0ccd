import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  ListMapRunsCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3ObjectStorage } from '#local/s3-object-storage.ts';
import {
  executionHistory,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';
import { createTestS3Client, startTestS3, type TestS3 } from '#test/support/s3.ts';

const ROLE = 'arn:aws:iam::000000000000:role/item-reader';
const DG = 'https://docs.aws.amazon.com/step-functions/latest/dg';
/** LocalStack's snapshots of ItemReader runs recorded on AWS (test_base_scenarios). */
const RECORDED =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json';
const GET_OBJECT = 'arn:aws:states:::s3:getObject';
const PROCESSOR = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'P',
  States: { P: { Type: 'Pass', End: true } },
};
/** The CSV file of LocalStack's recorded `test_map_item_reader_base_csv_headers_first_line`. */
const RECORDED_CSV =
  "Col1,Col2,Col3\nValue1,Value2,Value3\nValue4,Value5,Value6\n,,,\ntrue,1,'HelloWorld'\nNull,None,\n   \n";

let s3: TestS3;
let local: TestRuntime;
let machines = 0;

beforeAll(async () => {
  s3 = await startTestS3('items');
  local = await startTestRuntime({ objectStorage: s3ObjectStorage(async () => s3.client) });
  await putObject('recorded.csv', RECORDED_CSV);
});

afterAll(async () => {
  await local?.close();
  await s3?.stop();
});

async function putObject(key: string, body: string): Promise<void> {
  await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
}

/** A one-state machine whose Distributed Map `M` has `fields` (an ItemReader) and echoes each item. */
function readerMachine(fields: Record<string, unknown>, language?: 'JSONata'): object {
  return {
    ...(language && { QueryLanguage: language }),
    StartAt: 'M',
    States: { M: { Type: 'Map', ItemProcessor: PROCESSOR, ...fields, End: true } },
  };
}

/** Runs `definition` on `input` through the SDK; its end and its history. */
async function run(
  definition: object,
  input: unknown = {},
  runtime: TestRuntime = local,
): Promise<{ execution: DescribeExecutionCommandOutput; history: HistoryEvent[] }> {
  const { client } = runtime;
  const { stateMachineArn } = await client.send(
    new CreateStateMachineCommand({
      name: `reader-${++machines}`,
      definition: JSON.stringify(definition),
      roleArn: ROLE,
    }),
  );
  const { executionArn } = await client.send(
    new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
  );
  const execution = await waitForExecution(client, executionArn!);
  return { execution, history: await executionHistory(client, executionArn!) };
}

const outputOf = (execution: DescribeExecutionCommandOutput) => JSON.parse(execution.output ?? 'null');

describe('Distributed Map ItemReader: CSV', () => {
  it(`parses the CSV of AWS's example, given headers, into items of strings (${DG}/example-csv-parse-dist-map.html)`, async () => {
    // Prepare
    await putObject(
      'myCSVInput.csv',
      'abc,123,"This string contains commas, a double quotation marks (""), and a newline (\n)",{""MyKey"":""MyValue""},"[1,2,3]"\n',
    );
    const definition = readerMachine({
      ItemReader: {
        Resource: GET_OBJECT,
        ReaderConfig: {
          InputType: 'CSV',
          CSVHeaderLocation: 'GIVEN',
          CSVHeaders: ['MyLetters', 'MyNumbers', 'MyString', 'MyObject', 'MyArray'],
        },
        Parameters: { Bucket: 'items', Key: 'myCSVInput.csv' },
      },
      ItemSelector: {
        'MyLetters.$': '$$.Map.Item.Value.MyLetters',
        'MyNumbers.$': 'States.StringToJson($$.Map.Item.Value.MyNumbers)',
        'MyString.$': '$$.Map.Item.Value.MyString',
        'MyObject.$': 'States.StringToJson($$.Map.Item.Value.MyObject)',
        'MyArray.$': 'States.StringToJson($$.Map.Item.Value.MyArray)',
      },
    });
    // Act
    const { execution } = await run(definition);
    // Assess
    expect(outputOf(execution)).toEqual([
      {
        MyNumbers: 123,
        MyObject: { MyKey: 'MyValue' },
        MyString: 'This string contains commas, a double quotation marks ("), and a newline (\n)',
        MyLetters: 'abc',
        MyArray: [1, 2, 3],
      },
    ]);
  });

  it(`takes the headers from the first row, keeps every value a string and reads MaxItems rows (${RECORDED})`, async () => {
    // Prepare
    const reader = (ReaderConfig: object) =>
      readerMachine({
        ItemReader: {
          Resource: GET_OBJECT,
          ReaderConfig,
          Parameters: { Bucket: 'items', Key: 'recorded.csv' },
        },
      });
    // Act
    const all = await run(reader({ InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }));
    const two = await run(reader({ InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW', MaxItems: 2 }));
    // Assess
    expect(outputOf(all.execution)).toEqual([
      { Col1: 'Value1', Col2: 'Value2', Col3: 'Value3' },
      { Col1: 'Value4', Col2: 'Value5', Col3: 'Value6' },
      { Col1: '', Col2: '', Col3: '' },
      { Col1: 'true', Col2: '1', Col3: "'HelloWorld'" },
      { Col1: 'Null', Col2: 'None', Col3: '' },
      { Col1: '   ', Col2: '', Col3: '' },
    ]);
    expect(outputOf(two.execution)).toEqual(outputOf(all.execution).slice(0, 2));
  });

  it('splits on the CSVDelimiter and fails on repeated headers with the cause AWS records', async () => {
    // Prepare
    await putObject('piped.csv', 'id|name\n1|a,b\n');
    await putObject('twice.csv', 'id,id\n1,2\n');
    const reader = (Key: string, ReaderConfig: object) =>
      readerMachine({
        ItemReader: { Resource: GET_OBJECT, ReaderConfig, Parameters: { Bucket: 'items', Key } },
      });
    // Act
    const piped = await run(reader('piped.csv', { InputType: 'CSV', CSVDelimiter: 'PIPE' }));
    const twice = await run(reader('twice.csv', { InputType: 'CSV' }));
    // Assess
    expect(outputOf(piped.execution)).toEqual([{ id: '1', name: 'a,b' }]);
    expect(twice.execution).toMatchObject({
      status: 'FAILED',
      error: 'States.ItemReaderFailed',
      cause: 'CSV headers cannot contain duplicates.',
    });
  });
});

describe('Distributed Map ItemReader: JSON, JSON Lines and S3 listings', () => {
  it('reads the elements of a JSON array, or of the array an ItemsPointer selects, at most MaxItemsPath of them', async () => {
    // Prepare
    await putObject('orders.json', JSON.stringify({ orders: { items: [{ id: 1 }, { id: 2 }, { id: 3 }] } }));
    const definition = readerMachine({
      ItemReader: {
        Resource: GET_OBJECT,
        ReaderConfig: { InputType: 'JSON', ItemsPointer: '/orders/items', MaxItemsPath: '$.limit' },
        Parameters: { Bucket: 'items', 'Key.$': '$.key' },
      },
      ItemSelector: {
        'index.$': '$$.Map.Item.Index',
        'id.$': '$$.Map.Item.Value.id',
        'batch.$': '$.batch',
        'source.$': '$$.Map.Item.Source',
      },
    });
    // Act
    const { execution } = await run(definition, { key: 'orders.json', limit: '2', batch: 'b7' });
    // Assess: the Source of an object's items is its S3 URI (the developer guide's Context object page)
    expect(outputOf(execution)).toEqual([
      { index: 0, id: 1, batch: 'b7', source: 'S3://items/orders.json' },
      { index: 1, id: 2, batch: 'b7', source: 'S3://items/orders.json' },
    ]);
  });

  it('reads one item per line of JSON Lines, skipping blank lines, in a JSONata state with Arguments', async () => {
    // Prepare
    await putObject('events.jsonl', '{"n":1}\n\n"two"\r\n[3]\n');
    const definition = readerMachine(
      {
        ItemReader: {
          Resource: GET_OBJECT,
          ReaderConfig: { InputType: 'JSONL', MaxItems: '{% $states.input.limit %}' },
          Arguments: { Bucket: 'items', Key: '{% $states.input.file %}' },
        },
      },
      'JSONata',
    );
    // Act
    const all = await run(definition, { file: 'events.jsonl', limit: 0 });
    const one = await run(definition, { file: 'events.jsonl', limit: 1 });
    // Assess
    expect(outputOf(all.execution)).toEqual([{ n: 1 }, 'two', [3]]);
    expect(outputOf(one.execution)).toEqual([{ n: 1 }]);
  });

  it(`lists the objects under a Prefix as AWS gives them: Etag, Key, LastModified (seconds), Size, StorageClass (${DG}/input-output-itemreader.html)`, async () => {
    // Prepare
    const before = Math.floor(Date.now() / 1000);
    await putObject('listed/b.txt', 'hello world!');
    await putObject('listed/a.txt', 'a');
    await putObject('listed-not/c.txt', 'c');
    const definition = readerMachine({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: 'items', Prefix: 'listed/' },
      },
    });
    const withSource = readerMachine({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: 'items', Prefix: 'listed/' },
      },
      ItemSelector: { 'source.$': '$$.Map.Item.Source' },
    });
    // Act
    const { execution } = await run(definition);
    const sources = await run(withSource);
    // Assess
    const items = outputOf(execution) as Record<string, unknown>[];
    expect(items.map(({ Key, Size, StorageClass }) => ({ Key, Size, StorageClass }))).toEqual([
      { Key: 'listed/a.txt', Size: 1, StorageClass: 'STANDARD' },
      { Key: 'listed/b.txt', Size: 12, StorageClass: 'STANDARD' },
    ]);
    for (const item of items) {
      expect(Object.keys(item)).toEqual(['Etag', 'Key', 'LastModified', 'Size', 'StorageClass']);
      expect(item.Etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(item.LastModified).toBeGreaterThanOrEqual(before - 1);
      expect(Number.isInteger(item.LastModified)).toBe(true);
    }
    // The Source of a listing's items is the bucket's S3 URI (the developer guide's Context object page).
    expect(outputOf(sources.execution)).toEqual([{ source: 'S3://items' }, { source: 'S3://items' }]);
  });
});

describe('Distributed Map ItemReader: an S3 listing of more than one page', () => {
  it('lists all 1,005 objects under a Prefix, past the 1,000 keys of one S3 page, in key order', async () => {
    // Prepare
    const keys = Array.from({ length: 1005 }, (_, index) => `paged/${String(index).padStart(4, '0')}.json`);
    await Promise.all(keys.map((key) => putObject(key, '{}')));
    const definition = readerMachine({
      ItemReader: {
        Resource: 'arn:aws:states:::s3:listObjectsV2',
        Parameters: { Bucket: 'items', Prefix: 'paged/' },
      },
      ItemBatcher: { MaxItemsPerBatch: 500 },
      ItemSelector: { 'key.$': '$$.Map.Item.Value.Key' },
      ItemProcessor: {
        ...PROCESSOR,
        States: { P: { Type: 'Pass', OutputPath: '$.Items[*].key', End: true } },
      },
    });
    // Act
    const { execution } = await run(definition);
    // Assess
    expect((outputOf(execution) as string[][]).flat()).toEqual(keys);
  });
});

describe('Distributed Map ItemReader: with an ItemBatcher', () => {
  it('reads 10,000 CSV rows into 100 batches, within the history of one execution', async () => {
    // Prepare
    const rows = Array.from({ length: 10_000 }, (_, index) => `${index},sku-${index}`);
    await putObject('stock.csv', `id,sku\n${rows.join('\n')}\n`);
    const definition = readerMachine({
      ItemReader: {
        Resource: GET_OBJECT,
        ReaderConfig: { InputType: 'CSV' },
        Parameters: { Bucket: 'items', Key: 'stock.csv' },
      },
      ItemBatcher: { MaxItemsPerBatch: 100 },
      ItemProcessor: {
        ...PROCESSOR,
        States: {
          P: {
            Type: 'Pass',
            Parameters: { 'first.$': '$.Items[0].sku', 'count.$': 'States.ArrayLength($.Items)' },
            End: true,
          },
        },
      },
    });
    // Act
    const { execution } = await run(definition);
    // Assess
    const batches = outputOf(execution) as { first: string; count: number }[];
    expect(batches).toHaveLength(100);
    expect(batches[0]).toEqual({ first: 'sku-0', count: 100 });
    expect(batches[99]).toEqual({ first: 'sku-9900', count: 100 });
  });
});

describe('Distributed Map ItemReader: failures', () => {
  const reader = (Key: string, ReaderConfig: object = { InputType: 'JSON' }) =>
    readerMachine({
      ItemReader: { Resource: GET_OBJECT, ReaderConfig, Parameters: { Bucket: 'items', Key } },
    });

  it(`fails its Map Run with States.ItemReaderFailed (MapRunStarted, MapRunFailed), then the Map state, as AWS records (${RECORDED})`, async () => {
    // Prepare
    await putObject('object.json', '{"Hello":"world"}');
    // Act
    const { execution, history } = await run(reader('object.json'));
    // Assess: as recorded (test_map_item_reader_json_no_json_list_object), the items are read by the Map Run
    const failure = { error: 'States.ItemReaderFailed', cause: 'Attempting to map over non-iterable node.' };
    expect(execution).toMatchObject({ status: 'FAILED', ...failure });
    expect(history.map((event) => [event.type, event.previousEventId])).toEqual([
      ['ExecutionStarted', 0],
      ['MapStateEntered', 0],
      ['MapStateStarted', 2],
      ['MapRunStarted', 3],
      ['MapRunFailed', 4],
      ['MapStateFailed', 5],
      ['ExecutionFailed', 6],
    ]);
    expect(history[2]!.mapStateStartedEventDetails).toEqual({ length: 0 });
    expect(history[3]!.mapRunStartedEventDetails?.mapRunArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:mapRun:reader-\d+\/[0-9a-f-]{36}:[0-9a-f-]{36}$/,
    );
    expect(history[4]!.mapRunFailedEventDetails).toEqual(failure);
    expect(history[6]!.executionFailedEventDetails).toEqual(failure);
  });

  it('names the S3 error and the object when the object is missing, and a Catch takes the failure', async () => {
    // Prepare
    const definition = readerMachine({
      ItemReader: {
        Resource: GET_OBJECT,
        ReaderConfig: { InputType: 'CSV' },
        Parameters: { Bucket: 'items', Key: 'absent.csv' },
      },
      Catch: [{ ErrorEquals: ['States.ItemReaderFailed'], Next: 'Caught', ResultPath: '$.error' }],
    }) as { States: Record<string, object> };
    definition.States.M = { ...definition.States.M, End: undefined, Next: 'Caught' };
    definition.States.Caught = { Type: 'Pass', End: true };
    // Act
    const { execution } = await run(definition);
    // Assess
    expect(outputOf(execution)).toEqual({
      error: {
        Error: 'States.ItemReaderFailed',
        Cause: expect.stringMatching(/^S3 failed to read s3:\/\/items\/absent\.csv: NoSuchKey: /),
      },
    });
  });

  it('starts a new Map Run when the execution is redriven after its ItemReader failed, as AWS does', async () => {
    // Prepare: the object is missing at first
    const definition = readerMachine({
      ItemReader: {
        Resource: GET_OBJECT,
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { Bucket: 'items', Key: 'late.json' },
      },
    });
    const { execution: failed } = await run(definition);
    await putObject('late.json', '[1, 2]');
    // Act
    const { client } = local;
    await client.send(new RedriveExecutionCommand({ executionArn: failed.executionArn }));
    const execution = await waitForExecution(client, failed.executionArn!);
    // Assess
    expect(failed.error).toBe('States.ItemReaderFailed');
    expect(execution).toMatchObject({ status: 'SUCCEEDED', output: '[1,2]' });
    const history = await executionHistory(client, failed.executionArn!);
    expect(history.map((event) => event.type).filter((type) => type?.startsWith('MapRun'))).toEqual([
      'MapRunStarted',
      'MapRunFailed',
      'MapRunStarted',
      'MapRunSucceeded',
    ]);
    const { mapRuns } = await client.send(new ListMapRunsCommand({ executionArn: failed.executionArn }));
    expect(mapRuns).toHaveLength(2);
  });

  it('fails with States.ItemReaderFailed on items nested past the local limit, and the runtime runs on', async () => {
    // Prepare
    const deep = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    await putObject('deep.json', `[${deep(5000)}]`);
    await putObject('shallow.json', `[${deep(900)}]`);
    const reading = (Key: string) =>
      readerMachine({
        ItemReader: {
          Resource: GET_OBJECT,
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'items', Key },
        },
        ItemSelector: { 'depth.$': 'States.ArrayLength($$.Map.Item.Value)' },
      });
    // Act
    const { execution: deepRun } = await run(reading('deep.json'));
    const { execution: shallowRun } = await run(reading('shallow.json'));
    // Assess
    expect(deepRun).toMatchObject({
      status: 'FAILED',
      error: 'States.ItemReaderFailed',
      cause: expect.stringMatching(/^The items read nest arrays and objects more than 1000 levels deep/),
    });
    expect(shallowRun.status).toBe('SUCCEEDED');
    expect(outputOf(shallowRun)).toEqual([{ depth: 1 }]);
  });

  it(`refuses a MaxItemsPath that selects a negative count or a fraction, in AWS's words (${RECORDED})`, async () => {
    // Prepare
    const definition = reader('recorded.csv', { InputType: 'CSV', MaxItemsPath: '$.MaxItems' });
    // Act
    const negative = await run(definition, { MaxItems: -1 });
    const fraction = await run(definition, { MaxItems: 1.5 });
    // Assess
    // A negative count is refused by the Map Run as it reads the items: MapRunFailed, then MapStateFailed.
    const negativeFailure = { error: 'States.ItemReaderFailed', cause: 'field MaxItems must be positive' };
    expect(negative.execution).toMatchObject(negativeFailure);
    expect(negative.history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunFailed',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
    expect(negative.history[4]!.mapRunFailedEventDetails).toEqual(negativeFailure);
    // A fraction is refused earlier, before the Map Run starts (no MapRunStarted): States.Runtime right after
    // MapStateStarted, as for the thresholds. LocalStack's AWS-validated interpreter notes that AWS checks a
    // non-integer MaxItemsPath value "at a earlier stage", unlike a negative one, checked by the Map Run.
    expect(fraction.execution).toMatchObject({
      error: 'States.Runtime',
      cause:
        'An error occurred while executing the state \'M\' (entered at the event id #2). The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.MaxItems',
    });
    expect(fraction.history.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'ExecutionFailed',
    ]);
  });

  it('fails with a cause that says what to do when the runtime has no S3 to read', async () => {
    // Prepare
    const bare = await startTestRuntime();
    try {
      // Act
      const { execution } = await run(reader('orders.json'), {}, bare);
      // Assess
      expect(execution).toMatchObject({
        error: 'States.ItemReaderFailed',
        cause:
          'The local runtime has no S3 to read the items from: it reads them from the local S3 server of its data directory (cutover local without --no-data-services)',
      });
    } finally {
      await bare.close();
    }
  });
});

describe('Distributed Map ItemReader: the local S3 server of the data directory', () => {
  it('reads the items from the S3 server the runtime starts in its data directory', async () => {
    // Prepare
    const dataDir = await mkdtemp(join(tmpdir(), 'cutover-reader-'));
    const runtime = await startTestRuntime({ dataDir });
    try {
      const { s3: server } = await runtime.runtime.dataServices();
      const client = createTestS3Client(server.endpoint);
      await client.send(new CreateBucketCommand({ Bucket: 'uploads' }));
      await client.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'ids.json', Body: '[1,2,3]' }));
      client.destroy();
      const definition = readerMachine({
        ItemReader: {
          Resource: GET_OBJECT,
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: 'uploads', Key: 'ids.json' },
        },
      });
      // Act
      const { execution } = await run(definition, {}, runtime);
      // Assess
      expect(outputOf(execution)).toEqual([1, 2, 3]);
    } finally {
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
