/**
 * Versions and aliases: the errors AWS answered in localstack's recordings of calls to AWS
 * (test_sfn_api_versioning, test_sfn_api_aliasing), with their messages.
 */
import {
  CreateStateMachineAliasCommand,
  CreateStateMachineCommand,
  DeleteStateMachineVersionCommand,
  PublishStateMachineVersionCommand,
  type SFNClient,
  UpdateStateMachineAliasCommand,
  UpdateStateMachineCommand,
} from '@aws-sdk/client-sfn';
import type { ApiErrorCase } from './api.cases.ts';

const RECORDINGS = 'https://github.com/localstack/localstack/blob/main/tests/aws/services/stepfunctions/v2';
const VERSIONING = `${RECORDINGS}/test_sfn_api_versioning.snapshot.json`;
const ALIASING = `${RECORDINGS}/test_sfn_api_aliasing.snapshot.json`;
const ROLE = 'arn:aws:iam::000000000000:role/conformance';
const PASS = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
const MISSING_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:does-not-exist';

/** Publishes the state machine `machine` as it is; returns the version's ARN. */
async function published(client: SFNClient, machine: string): Promise<string> {
  const { stateMachineVersionArn } = await client.send(
    new PublishStateMachineVersionCommand({ stateMachineArn: machine }),
  );
  return stateMachineVersionArn!;
}

/** An alias named `name` of a fresh state machine's first version; returns its ARN and the version's. */
async function aliasOfVersion1(
  client: SFNClient,
  machine: string,
  name: string,
): Promise<{ alias: string; version: string }> {
  const version = await published(client, machine);
  const { stateMachineAliasArn } = await client.send(
    new CreateStateMachineAliasCommand({
      name,
      routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }],
    }),
  );
  return { alias: stateMachineAliasArn!, version };
}

export const versionApiCases: ApiErrorCase[] = [
  {
    name: 'CreateStateMachine with a versionDescription but no publish',
    source: `${VERSIONING} (test_create_with_version_description_no_publish)`,
    act: ({ client }) =>
      client.send(
        new CreateStateMachineCommand({
          name: `described-${Math.random().toString(36).slice(2)}`,
          definition: PASS,
          roleArn: ROLE,
          versionDescription: 'HelloWorld!',
        }),
      ),
    error: 'ValidationException',
    message: 'Version description can only be set when publish is true',
  },
  {
    name: 'PublishStateMachineVersion of a state machine that does not exist',
    source: `${VERSIONING} (test_publish_state_machine_version)`,
    act: ({ client }) =>
      client.send(new PublishStateMachineVersionCommand({ stateMachineArn: MISSING_MACHINE })),
    error: 'StateMachineDoesNotExist',
    message: `State Machine Does Not Exist: '${MISSING_MACHINE}'`,
  },
  {
    name: 'PublishStateMachineVersion with a revisionId that is no longer current',
    source: `${VERSIONING} (test_publish_state_machine_version)`,
    act: async ({ client, createPassMachine }) => {
      const stateMachineArn = await createPassMachine();
      const { revisionId } = await client.send(
        new UpdateStateMachineCommand({ stateMachineArn, roleArn: `${ROLE}-2` }),
      );
      await client.send(new UpdateStateMachineCommand({ stateMachineArn, roleArn: `${ROLE}-3` }));
      return client.send(new PublishStateMachineVersionCommand({ stateMachineArn, revisionId }));
    },
    error: 'ConflictException',
  },
  {
    name: 'UpdateStateMachine of a version ARN',
    source: `${VERSIONING} (test_update_state_machine)`,
    act: async ({ client, createPassMachine }) => {
      const version = await published(client, await createPassMachine());
      return client.send(new UpdateStateMachineCommand({ stateMachineArn: version, roleArn: `${ROLE}-2` }));
    },
    error: 'StateMachineDoesNotExist',
  },
  {
    name: 'CreateStateMachineAlias with routing weights that add up to 99',
    source: `${ALIASING} (test_base_create_alias_invalid_weights)`,
    act: async ({ client, createPassMachine }) => {
      const machine = await createPassMachine();
      const first = await published(client, machine);
      await client.send(new UpdateStateMachineCommand({ stateMachineArn: machine, roleArn: `${ROLE}-2` }));
      const second = await published(client, machine);
      return client.send(
        new CreateStateMachineAliasCommand({
          name: 'weights',
          routingConfiguration: [
            { stateMachineVersionArn: first, weight: 70 },
            { stateMachineVersionArn: second, weight: 29 },
          ],
        }),
      );
    },
    error: 'ValidationException',
    message: 'Sum of routing configuration weights must equal 100. Received: [70, 29]',
  },
  {
    name: 'CreateStateMachineAlias routing to an unqualified state machine ARN',
    source: `${ALIASING} (test_base_create_alias_invalid_router_configs)`,
    act: async ({ client, createPassMachine }) => {
      const machine = await createPassMachine();
      return client.send(
        new CreateStateMachineAliasCommand({
          name: 'unqualified',
          routingConfiguration: [{ stateMachineVersionArn: machine, weight: 100 }],
        }),
      );
    },
    // AWS's message ends with the ARNs it received: the code is checked here, the words in versions-aliases.test.ts.
    error: 'ValidationException',
  },
  {
    name: 'CreateStateMachineAlias named with digits only',
    source: `${ALIASING} (test_base_create_alias_invalid_name)`,
    act: async ({ client, createPassMachine }) => {
      const version = await published(client, await createPassMachine());
      return client.send(
        new CreateStateMachineAliasCommand({
          name: '123',
          routingConfiguration: [{ stateMachineVersionArn: version, weight: 100 }],
        }),
      );
    },
    error: 'ValidationException',
    message:
      "1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$",
  },
  {
    name: 'CreateStateMachineAlias again with the same name and another routing',
    source: `${ALIASING} (test_idempotent_create_alias)`,
    act: async ({ client, createPassMachine }) => {
      const machine = await createPassMachine();
      const { version } = await aliasOfVersion1(client, machine, 'twice');
      await client.send(new UpdateStateMachineCommand({ stateMachineArn: machine, roleArn: `${ROLE}-2` }));
      const second = await published(client, machine);
      return client.send(
        new CreateStateMachineAliasCommand({
          name: 'twice',
          routingConfiguration: [
            { stateMachineVersionArn: version, weight: 50 },
            { stateMachineVersionArn: second, weight: 50 },
          ],
        }),
      );
    },
    error: 'ConflictException',
    message:
      'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
  },
  {
    name: 'DeleteStateMachineVersion of a version an alias routes to',
    source: `${ALIASING} (test_delete_version_with_alias)`,
    act: async ({ client, createPassMachine }) => {
      const { version } = await aliasOfVersion1(client, await createPassMachine(), 'holds');
      return client.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: version }));
    },
    error: 'ConflictException',
    message:
      'Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [holds]',
  },
  {
    name: 'UpdateStateMachineAlias of an alias that was deleted',
    source: `${ALIASING} (test_update_no_such_alias_arn)`,
    act: async ({ client, createPassMachine }) => {
      const machine = await createPassMachine();
      return client.send(
        new UpdateStateMachineAliasCommand({ stateMachineAliasArn: `${machine}:gone`, description: 'moved' }),
      );
    },
    error: 'ResourceNotFound',
  },
];
