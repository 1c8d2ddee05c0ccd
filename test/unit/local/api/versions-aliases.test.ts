import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineAliasCommand,
  DeleteStateMachineCommand,
  DeleteStateMachineVersionCommand,
  DescribeStateMachineAliasCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachineAliasesCommand,
  ListStateMachineVersionsCommand,
  PublishStateMachineVersionCommand,
  type SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime, waitForExecution } from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/versions';
let local: TestRuntime;
let client: SFNClient;

beforeAll(async () => {
  local = await startTestRuntime();
  client = local.client;
});

afterAll(async () => {
  await local.close();
});

/** A definition whose executions answer `{"release": <release>}`. */
function releasing(release: string): string {
  return JSON.stringify({
    StartAt: 'Answer',
    States: { Answer: { Type: 'Pass', Result: { release }, End: true } },
  });
}

/** Runs an execution of `stateMachineArn` (a state machine, version or alias ARN) to its end. */
async function run(stateMachineArn: string) {
  const { executionArn } = await client.send(new StartExecutionCommand({ stateMachineArn }));
  return waitForExecution(client, executionArn!);
}

/** The error a refused call threw: its code, message and HTTP status. */
async function refusal(send: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const error = (await send.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )) as { name: string; message: string; $metadata: { httpStatusCode?: number } } | undefined;
  if (!error) throw new Error('expected the call to be refused');
  return { name: error.name, message: error.message, status: error.$metadata.httpStatusCode };
}

async function errorOf(send: Promise<unknown>): Promise<{ name: string; message: string }> {
  const { status: _status, ...error } = await refusal(send);
  return error;
}

/** A state machine with version 1 (release v1) and version 2 (release v2), its current revision v2. */
async function twoVersions(name: string) {
  const created = await client.send(
    new CreateStateMachineCommand({
      name,
      definition: releasing('v1'),
      roleArn: ROLE,
      publish: true,
      versionDescription: 'first release',
    }),
  );
  const updated = await client.send(
    new UpdateStateMachineCommand({
      stateMachineArn: created.stateMachineArn,
      definition: releasing('v2'),
      publish: true,
    }),
  );
  return {
    machine: created.stateMachineArn!,
    v1: created.stateMachineVersionArn!,
    v2: updated.stateMachineVersionArn!,
    revisionId: updated.revisionId!,
  };
}

describe('state machine versions', () => {
  it('publishes on create and update, numbers versions from 1 and describes each as published', async () => {
    // Act
    const { machine, v1, v2 } = await twoVersions('versions-publish');
    const first = await client.send(new DescribeStateMachineCommand({ stateMachineArn: v1 }));
    const current = await client.send(new DescribeStateMachineCommand({ stateMachineArn: machine }));
    const listed = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));

    // Assess
    expect(v1).toBe(`${machine}:1`);
    expect(v2).toBe(`${machine}:2`);
    expect(first).toMatchObject({
      stateMachineArn: v1,
      name: 'versions-publish',
      status: 'ACTIVE',
      definition: releasing('v1'),
      description: 'first release',
      roleArn: ROLE,
      type: 'STANDARD',
    });
    expect(current).toMatchObject({ stateMachineArn: machine, definition: releasing('v2') });
    expect(current.description).toBeUndefined();
    expect(listed.stateMachineVersions?.map((version) => version.stateMachineVersionArn)).toEqual([v2, v1]);
  });

  it('answers the version already published for an unchanged revision, and never gives a number twice', async () => {
    // Prepare
    const { machine, v2, revisionId } = await twoVersions('versions-numbers');

    // Act
    const again = await client.send(
      new PublishStateMachineVersionCommand({ stateMachineArn: machine, revisionId }),
    );
    await client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v2 }));
    const deletedAgain = await client.send(
      new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v2 }),
    );
    const republished = await client.send(
      new PublishStateMachineVersionCommand({ stateMachineArn: machine }),
    );
    const listed = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));

    // Assess
    expect(again.stateMachineVersionArn).toBe(v2);
    expect(deletedAgain.$metadata.httpStatusCode).toBe(200);
    expect(republished.stateMachineVersionArn).toBe(`${machine}:3`);
    expect(listed.stateMachineVersions?.map((version) => version.stateMachineVersionArn)).toEqual([
      `${machine}:3`,
      `${machine}:1`,
    ]);
  });

  it('runs the version an execution was started with, and lists executions by version', async () => {
    // Prepare
    const { machine, v1 } = await twoVersions('versions-run');

    // Act
    const byVersion = await run(v1);
    const byMachine = await run(machine);
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: v1 }));
    const all = await client.send(new ListExecutionsCommand({ stateMachineArn: machine }));
    const history = await client.send(
      new GetExecutionHistoryCommand({ executionArn: byVersion.executionArn }),
    );
    const ranDefinition = await client.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: byVersion.executionArn }),
    );

    // Assess
    expect(byVersion).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"release":"v1"}',
      stateMachineArn: machine,
      stateMachineVersionArn: v1,
    });
    expect(byVersion.executionArn).toMatch(/:execution:versions-run:[0-9a-f-]{36}$/);
    expect(byVersion.stateMachineAliasArn).toBeUndefined();
    expect(byMachine).toMatchObject({ output: '{"release":"v2"}' });
    expect(byMachine.stateMachineVersionArn).toBeUndefined();
    expect(listed.executions?.map((execution) => execution.executionArn)).toEqual([byVersion.executionArn]);
    expect(all.executions).toHaveLength(2);
    expect(history.events?.[0]?.executionStartedEventDetails).toMatchObject({ stateMachineVersionArn: v1 });
    expect(ranDefinition).toMatchObject({ stateMachineArn: machine, definition: releasing('v1') });
  });

  it('refuses a version description without publish, a stale revisionId and a version that does not exist', async () => {
    // Prepare
    const { machine, revisionId } = await twoVersions('versions-refused');
    await client.send(
      new UpdateStateMachineCommand({ stateMachineArn: machine, definition: releasing('v3') }),
    );

    // Act
    const withoutPublish = await errorOf(
      client.send(
        new CreateStateMachineCommand({
          name: 'versions-no-publish',
          definition: releasing('v1'),
          roleArn: ROLE,
          versionDescription: 'orphan',
        }),
      ),
    );
    const stale = await errorOf(
      client.send(new PublishStateMachineVersionCommand({ stateMachineArn: machine, revisionId })),
    );
    const missing = await errorOf(
      client.send(new StartExecutionCommand({ stateMachineArn: `${machine}:9` })),
    );

    // Assess
    expect(withoutPublish).toEqual({
      name: 'ValidationException',
      message: 'Version description can only be set when publish is true',
    });
    expect(stale.name).toBe('ConflictException');
    expect(stale.message).toMatch(
      new RegExp(
        `^Failed to publish the State Machine version for revision ${revisionId}\\. The current State Machine revision is [0-9a-f-]{36}\\.$`,
      ),
    );
    expect(missing).toEqual({
      name: 'StateMachineDoesNotExist',
      message: `State Machine Does Not Exist: '${machine}:9'`,
    });
    const listed = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));
    expect(listed.stateMachineVersions).toHaveLength(2);
  });
});

describe('executions of versions and aliases', () => {
  it('runs an EXPRESS version or alias synchronously, and refuses a STANDARD one by its type', async () => {
    // Prepare
    const express = await client.send(
      new CreateStateMachineCommand({
        name: 'versions-express',
        definition: releasing('v1'),
        roleArn: ROLE,
        type: 'EXPRESS',
        publish: true,
      }),
    );
    const { stateMachineAliasArn } = await client.send(
      new CreateStateMachineAliasCommand({
        name: 'live',
        routingConfiguration: [{ stateMachineVersionArn: express.stateMachineVersionArn, weight: 100 }],
      }),
    );
    const standard = await twoVersions('versions-standard-sync');

    // Act
    const byAlias = await client.send(
      new StartSyncExecutionCommand({ stateMachineArn: stateMachineAliasArn }),
    );
    const refused = await errorOf(
      client.send(new StartSyncExecutionCommand({ stateMachineArn: standard.v1 })),
    );

    // Assess
    expect(byAlias).toMatchObject({ status: 'SUCCEEDED', output: '{"release":"v1"}' });
    expect(refused.name).toBe('StateMachineTypeNotSupported');
  });

  it('gives a nested .sync task the version and alias its child execution ran', async () => {
    // Prepare
    const child = await twoVersions('versions-child');
    const { stateMachineAliasArn } = await client.send(
      new CreateStateMachineAliasCommand({
        name: 'stable',
        routingConfiguration: [{ stateMachineVersionArn: child.v1, weight: 100 }],
      }),
    );
    const parent = await client.send(
      new CreateStateMachineCommand({
        name: 'versions-parent',
        roleArn: ROLE,
        definition: JSON.stringify({
          StartAt: 'Child',
          States: {
            Child: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution.sync:2',
              Parameters: { StateMachineArn: stateMachineAliasArn },
              End: true,
            },
          },
        }),
      }),
    );

    // Act
    const ran = await run(parent.stateMachineArn!);

    // Assess
    expect(JSON.parse(ran.output!)).toMatchObject({
      Output: { release: 'v1' },
      StateMachineArn: child.machine,
      StateMachineVersionArn: child.v1,
      StateMachineAliasArn: stateMachineAliasArn,
    });
  });

  it('refuses a version number written with a leading zero, InvalidArn, rather than take it for another', async () => {
    // Prepare
    const { machine } = await twoVersions('versions-zero');

    // Act
    const refused = await errorOf(
      client.send(new StartExecutionCommand({ stateMachineArn: `${machine}:01` })),
    );

    // Assess
    expect(refused.name).toBe('InvalidArn');
    expect(refused.message).toContain('without leading zeros');
  });
});

describe('state machine aliases', () => {
  it('routes executions to the version an alias names, and follows the alias when it moves', async () => {
    // Prepare
    const { machine, v1, v2 } = await twoVersions('aliases-route');
    const { stateMachineAliasArn } = await client.send(
      new CreateStateMachineAliasCommand({
        name: 'prod',
        description: 'what users run',
        routingConfiguration: [{ stateMachineVersionArn: v1, weight: 100 }],
      }),
    );

    // Act
    const before = await run(stateMachineAliasArn!);
    await client.send(
      new UpdateStateMachineAliasCommand({
        stateMachineAliasArn,
        routingConfiguration: [
          { stateMachineVersionArn: v1, weight: 0 },
          { stateMachineVersionArn: v2, weight: 100 },
        ],
      }),
    );
    const after = await run(stateMachineAliasArn!);
    const described = await client.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn }));
    const byAlias = await client.send(new ListExecutionsCommand({ stateMachineArn: stateMachineAliasArn }));

    // Assess
    expect(stateMachineAliasArn).toBe(`${machine}:prod`);
    expect(before).toMatchObject({
      output: '{"release":"v1"}',
      stateMachineVersionArn: v1,
      stateMachineAliasArn,
    });
    expect(after).toMatchObject({
      output: '{"release":"v2"}',
      stateMachineVersionArn: v2,
      stateMachineAliasArn,
    });
    expect(described).toMatchObject({
      stateMachineAliasArn,
      name: 'prod',
      description: 'what users run',
      routingConfiguration: [
        { stateMachineVersionArn: v1, weight: 0 },
        { stateMachineVersionArn: v2, weight: 100 },
      ],
    });
    expect(described.updateDate!.getTime()).toBeGreaterThanOrEqual(described.creationDate!.getTime());
    expect(byAlias.executions?.map((execution) => execution.stateMachineVersionArn)).toEqual([v2, v1]);
  });

  it('splits executions between two versions by weight', async () => {
    // Prepare
    const { v1, v2 } = await twoVersions('aliases-split');
    const { stateMachineAliasArn } = await client.send(
      new CreateStateMachineAliasCommand({
        name: 'canary',
        routingConfiguration: [
          { stateMachineVersionArn: v1, weight: 50 },
          { stateMachineVersionArn: v2, weight: 50 },
        ],
      }),
    );

    // Act: 40 executions; all on one version has odds of 2 in 2^40
    const outputs = new Set<string>();
    for (let i = 0; i < 40; i++) outputs.add((await run(stateMachineAliasArn!)).output!);

    // Assess
    expect([...outputs].sort()).toEqual(['{"release":"v1"}', '{"release":"v2"}']);
  });

  it('keeps a routed version from deletion, and answers a second create by its configuration', async () => {
    // Prepare
    const { machine, v1, v2 } = await twoVersions('aliases-conflicts');
    const create = (weight: number) =>
      client.send(
        new CreateStateMachineAliasCommand({
          name: 'live',
          routingConfiguration: [
            { stateMachineVersionArn: v1, weight },
            { stateMachineVersionArn: v2, weight: 100 - weight },
          ],
        }),
      );
    const created = await create(10);

    // Act
    const same = await create(10);
    const other = await errorOf(create(20));
    const routed = await refusal(
      client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 })),
    );
    await client.send(
      new DeleteStateMachineAliasCommand({ stateMachineAliasArn: created.stateMachineAliasArn }),
    );
    const deletedAgain = await client.send(
      new DeleteStateMachineAliasCommand({ stateMachineAliasArn: created.stateMachineAliasArn }),
    );
    await client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: v1 }));
    const gone = await refusal(
      client.send(
        new DescribeStateMachineAliasCommand({ stateMachineAliasArn: created.stateMachineAliasArn }),
      ),
    );

    // Assess
    expect(same.stateMachineAliasArn).toBe(created.stateMachineAliasArn);
    expect(other).toEqual({
      name: 'ConflictException',
      message:
        'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
    });
    expect(routed).toEqual({
      name: 'ConflictException',
      status: 409,
      message:
        'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]',
    });
    expect(deletedAgain.$metadata.httpStatusCode).toBe(200);
    expect(gone).toEqual({
      name: 'ResourceNotFound',
      status: 404,
      message: 'Request references a resource that does not exist.',
    });
    const versions = await client.send(new ListStateMachineVersionsCommand({ stateMachineArn: machine }));
    expect(versions.stateMachineVersions?.map((version) => version.stateMachineVersionArn)).toEqual([v2]);
  });

  it.each([
    [
      'a name of digits only',
      { name: '123' },
      'ValidationException',
      /^1 validation error detected: Value '.*' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    ],
    [
      'a name with a space',
      { name: 'my alias' },
      'ValidationException',
      /^1 validation error detected: Value '.*' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    ],
    [
      'weights that add up to 99',
      { weights: [50, 49] },
      'ValidationException',
      /^Sum of routing configuration weights must equal 100\. Received: \[50, 49\]$/,
    ],
    [
      'the same version twice',
      { versions: ['v1', 'v1'] },
      'ValidationException',
      /^Routing configuration must contain distinct state machine version ARNs/,
    ],
    [
      'an unqualified state machine ARN',
      { versions: ['machine'] },
      'ValidationException',
      /^Routing configuration must contain state machine version ARNs/,
    ],
    [
      'a version never published',
      { versions: ['v9'] },
      'ResourceNotFound',
      /^Request references a resource that does not exist: '.*:7'$/,
    ],
    [
      'a weight over 100',
      { weights: [101] },
      'ValidationException',
      // AWS's path to the item (localstack test_sfn_api_aliasing.snapshot.json, weight_too_large).
      /^1 validation error detected: Value '101' at 'routingConfiguration\.1\.member\.weight'/,
    ],
    [
      'three routes',
      { versions: ['v1', 'v2', 'v9'], weights: [50, 30, 20] },
      'ValidationException',
      // The routes as AWS's model prints them (localstack test_sfn_api_aliasing.snapshot.json, too_many_routing).
      new RegExp(
        "^1 validation error detected: Value '\\[RoutingConfigurationListItem\\(stateMachineVersionArn=arn:aws:states:[^,]+:1, weight=50\\), " +
          'RoutingConfigurationListItem\\(stateMachineVersionArn=arn:aws:states:[^,]+:2, weight=30\\), ' +
          "RoutingConfigurationListItem\\(stateMachineVersionArn=arn:aws:states:[^,]+:7, weight=20\\)\\]' " +
          "at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2$",
      ),
    ],
  ])('refuses an alias with %s and creates nothing', async (_case, change, code, message) => {
    // Prepare
    const { machine, v1, v2 } = await twoVersions(`aliases-bad-${Math.random().toString(36).slice(2, 8)}`);
    const arns: Record<string, string> = { v1, v2, machine, v9: `${machine}:7` };
    const versions = (change as { versions?: string[] }).versions ?? ['v1'];
    const weights = (change as { weights?: number[] }).weights ?? (versions.length === 1 ? [100] : [50, 50]);

    // Act
    const refused = await errorOf(
      client.send(
        new CreateStateMachineAliasCommand({
          name: (change as { name?: string }).name ?? 'prod',
          routingConfiguration: weights.map((weight, index) => ({
            stateMachineVersionArn: arns[versions[index] ?? 'v2'],
            weight,
          })),
        }),
      ),
    );

    // Assess
    expect(refused.name).toBe(code);
    expect(refused.message).toMatch(message);
    const aliases = await client.send(new ListStateMachineAliasesCommand({ stateMachineArn: machine }));
    expect(aliases.stateMachineAliases).toEqual([]);
  });

  it('lists aliases by name, or those of one version, across a deletion between pages, and they go with their state machine', async () => {
    // Prepare
    const { machine, v1, v2 } = await twoVersions('aliases-list');
    for (const [name, version] of [
      ['prod', v2],
      ['blue', v1],
      ['green', v2],
    ] as const) {
      await client.send(
        new CreateStateMachineAliasCommand({
          name,
          routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }],
        }),
      );
    }

    // Act
    const firstPage = await client.send(
      new ListStateMachineAliasesCommand({ stateMachineArn: machine, maxResults: 2 }),
    );
    const ofV2 = await client.send(new ListStateMachineAliasesCommand({ stateMachineArn: v2 }));
    await client.send(new DeleteStateMachineAliasCommand({ stateMachineAliasArn: `${machine}:green` }));
    const nextPage = await client.send(
      new ListStateMachineAliasesCommand({
        stateMachineArn: machine,
        maxResults: 2,
        nextToken: firstPage.nextToken,
      }),
    );
    const aliasDescribed = await errorOf(
      client.send(new DescribeStateMachineCommand({ stateMachineArn: `${machine}:prod` })),
    );
    await client.send(new DeleteStateMachineCommand({ stateMachineArn: machine }));
    const afterDelete = await errorOf(
      client.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${machine}:prod` })),
    );

    // Assess
    const names = (page: typeof firstPage) =>
      page.stateMachineAliases?.map((alias) => alias.stateMachineAliasArn!.split(':').at(-1));
    expect(names(firstPage)).toEqual(['blue', 'green']);
    expect(names(nextPage)).toEqual(['prod']);
    expect(nextPage.nextToken).toBeUndefined();
    expect(names(ofV2)).toEqual(['green', 'prod']);
    expect(aliasDescribed.name).toBe('StateMachineDoesNotExist');
    expect(afterDelete.name).toBe('ResourceNotFound');
  });
});
