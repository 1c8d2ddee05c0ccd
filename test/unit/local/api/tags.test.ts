import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  ListTagsForResourceCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';
import { temporaryDirectories } from '#test/support/temporary-directories.ts';

const ROLE = 'arn:aws:iam::000000000000:role/tags';
const PASS = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
/** AWS-recorded answers: localstack's test_sfn_api_tagging.snapshot.json (recorded against AWS). */
const RECORDED =
  'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2/test_sfn_api_tagging.snapshot.json';

const temporaryDirectory = temporaryDirectories('cutover-tags');

const numbered = (count: number, from = 0): Tag[] =>
  Array.from({ length: count }, (_, index) => ({ key: `k${from + index}`, value: `v${from + index}` }));

describe.each([
  ['in memory', () => undefined],
  ['in a data directory', temporaryDirectory],
])(`tags of a state machine (store %s; answers as ${RECORDED})`, (_store, dataDir) => {
  let local: TestRuntime;
  let machines = 0;

  beforeAll(async () => {
    local = await startTestRuntime({ dataDir: dataDir() });
  });

  afterAll(async () => {
    await local?.close();
  });

  async function createMachine(tags?: Tag[], name = `tagged-${++machines}`): Promise<string> {
    const created = await local.client.send(
      new CreateStateMachineCommand({ name, definition: PASS, roleArn: ROLE, tags }),
    );
    return created.stateMachineArn!;
  }

  const listTags = async (resourceArn: string) =>
    (await local.client.send(new ListTagsForResourceCommand({ resourceArn }))).tags;

  it('lists the tags a state machine was created with, in the order given', async () => {
    // Prepare
    const arn = await createMachine([
      { key: 'team', value: 'payments' },
      { key: 'cost-center', value: '' },
    ]);
    // Act
    const tags = await listTags(arn);
    // Assess
    expect(tags).toEqual([
      { key: 'team', value: 'payments' },
      { key: 'cost-center', value: '' },
    ]);
  });

  it('lists no tags for a state machine created without any', async () => {
    // Prepare
    const arn = await createMachine();
    // Act
    const tags = await listTags(arn);
    // Assess
    expect(tags).toEqual([]);
  });

  it('adds tags, and a key tagged again takes its new value in its place', async () => {
    // Prepare
    const arn = await createMachine([
      { key: 'team', value: 'payments' },
      { key: 'tier', value: 'gold' },
    ]);
    // Act
    const answer = await local.client.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'team', value: 'checkout' },
          { key: 'env', value: 'prod' },
          { key: 'env', value: 'prod' },
        ],
      }),
    );
    // Assess
    expect(answer.$metadata.httpStatusCode).toBe(200);
    expect(await listTags(arn)).toEqual([
      { key: 'team', value: 'checkout' },
      { key: 'tier', value: 'gold' },
      { key: 'env', value: 'prod' },
    ]);
  });

  it('removes the keys named, and ignores keys it does not have or names twice', async () => {
    // Prepare
    const arn = await createMachine([
      { key: 'team', value: 'payments' },
      { key: 'tier', value: 'gold' },
      { key: 'env', value: 'prod' },
    ]);
    // Act
    await local.client.send(
      new UntagResourceCommand({ resourceArn: arn, tagKeys: ['team', 'team', 'absent', 'env'] }),
    );
    // Assess
    expect(await listTags(arn)).toEqual([{ key: 'tier', value: 'gold' }]);
  });

  it('keeps the first tags when CreateStateMachine is repeated with others (the request is idempotent)', async () => {
    // Prepare
    const arn = await createMachine([{ key: 'team', value: 'payments' }], 'repeated');
    // Act
    const again = await createMachine([{ key: 'team', value: 'checkout' }], 'repeated');
    // Assess
    expect(again).toBe(arn);
    expect(await listTags(arn)).toEqual([{ key: 'team', value: 'payments' }]);
  });

  it('gives a state machine created again after its deletion only its new tags', async () => {
    // Prepare
    const arn = await createMachine([{ key: 'team', value: 'payments' }], 'recreated');
    await local.client.send(new DeleteStateMachineCommand({ stateMachineArn: arn }));
    // Act
    await createMachine([{ key: 'tier', value: 'gold' }], 'recreated');
    // Assess
    expect(await listTags(arn)).toEqual([{ key: 'tier', value: 'gold' }]);
  });

  it('refuses a TagResource that would leave more than 50 tags, TooManyTags, and changes nothing', async () => {
    // Prepare
    const arn = await createMachine(numbered(49));
    // Act
    const refused = local.client.send(new TagResourceCommand({ resourceArn: arn, tags: numbered(2, 49) }));
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'TooManyTags',
      message: `Too many tags: a resource may have at most 50 tags, '${arn}' would have 51`,
    });
    expect(await listTags(arn)).toHaveLength(49);
    await local.client.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k0', value: 'x' }] }));
    expect(await listTags(arn)).toHaveLength(49);
  });

  it.each([
    ['a state machine that does not exist', 'arn:aws:states:us-east-1:000000000000:stateMachine:absent'],
    ['a state machine version', 'arn:aws:states:us-east-1:000000000000:stateMachine:tagged-1:1'],
    ['an activity (the local runtime has none)', 'arn:aws:states:us-east-1:000000000000:activity:worker'],
  ])('answers ResourceNotFound for %s, by each of the three operations', async (_what, resourceArn) => {
    // Act
    const calls = [
      () =>
        local.client.send(
          new TagResourceCommand({ resourceArn, tags: [{ key: 'team', value: 'payments' }] }),
        ),
      () => local.client.send(new UntagResourceCommand({ resourceArn, tagKeys: ['team'] })),
      () => local.client.send(new ListTagsForResourceCommand({ resourceArn })),
    ];
    // Assess
    for (const call of calls) {
      await expect(call()).rejects.toMatchObject({
        name: 'ResourceNotFound',
        message: `Resource not found: '${resourceArn}'`,
      });
    }
  });

  it.each([
    // AWS's words for a value without the arn: prefix (localstack test_sfn_api.snapshot.json, recorded).
    ['not an ARN', 'orders', "Invalid Arn: 'Invalid ARN prefix: orders'"],
    [
      'an execution',
      'arn:aws:states:us-east-1:000000000000:execution:tagged-1:run',
      expect.stringContaining('resourceArn must be a state machine or activity ARN'),
    ],
  ])('answers InvalidArn for a resourceArn that is %s', async (_what, resourceArn, message) => {
    // Act
    const listed = local.client.send(new ListTagsForResourceCommand({ resourceArn }));
    // Assess
    await expect(listed).rejects.toMatchObject({ name: 'InvalidArn', message });
  });

  it('refuses a tag key longer than 128 characters, naming the field', async () => {
    // Prepare
    const arn = await createMachine();
    // Act
    const refused = local.client.send(
      new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k'.repeat(129), value: 'v' }] }),
    );
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("'tags.1.member.key'"),
    });
    expect(await listTags(arn)).toEqual([]);
  });
});

describe('tags in a data directory', () => {
  it('are kept across a restart of the runtime', async () => {
    // Prepare
    const dataDir = temporaryDirectory();
    let local = await startTestRuntime({ dataDir });
    const { stateMachineArn } = await local.client.send(
      new CreateStateMachineCommand({
        name: 'kept',
        definition: PASS,
        roleArn: ROLE,
        tags: [{ key: 'team', value: 'payments' }],
      }),
    );
    await local.client.send(
      new TagResourceCommand({ resourceArn: stateMachineArn, tags: [{ key: 'env', value: 'prod' }] }),
    );
    await local.close();
    // Act
    local = await startTestRuntime({ dataDir });
    const { tags } = await local.client.send(
      new ListTagsForResourceCommand({ resourceArn: stateMachineArn }),
    );
    await local.close();
    // Assess
    expect(tags).toEqual([
      { key: 'team', value: 'payments' },
      { key: 'env', value: 'prod' },
    ]);
  });
});
