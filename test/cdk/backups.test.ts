import { App, RemovalPolicy } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_CAPABILITIES } from '#lib/capabilities.ts';
import { readContext } from '#lib/context.ts';
import type { CutoverProps } from '#lib/cutover.ts';
import { CutoverStack } from '#lib/cutover-stack.ts';
import { pascalCase } from '#lib/discovery.ts';
import { ACCOUNT, projectCutover, type Statement } from './project-cutover.ts';

const READER = `arn:aws:iam::${ACCOUNT}:role/dba`;
const SSO_READERS = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DBA_*`;
const ROOT = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${ACCOUNT}:root`]] };
const THROUGH_S3 = {
  'kms:ViaService': { 'Fn::Join': ['', ['s3.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] },
};

/** The lines of the error synth fails with. */
function synthProblems(props: Partial<CutoverProps>): string[] {
  try {
    projectCutover(props);
  } catch (error) {
    return (error as Error).message.split('\n');
  }
  throw new Error('synth did not fail');
}

/** The ARN of a task function's role, as the template writes it (`{ Fn::GetAtt: [<role id>, Arn] }`). */
function roleArnOf(template: Template, task: string): unknown {
  const prefix = `CutoverTasks${pascalCase(task)}Role`;
  const id = Object.keys(template.findResources('AWS::IAM::Role')).find((roleId) =>
    roleId.startsWith(prefix),
  );
  return { 'Fn::GetAtt': [id, 'Arn'] };
}

/** The statements of a task function's role policy. */
function roleStatementsOf(template: Template, task: string): Statement[] {
  const prefix = `CutoverTasks${pascalCase(task)}Role`;
  const policy = Object.entries(template.findResources('AWS::IAM::Policy')).find(([id]) =>
    id.startsWith(prefix),
  );
  return (policy?.[1].Properties.PolicyDocument.Statement ?? []) as Statement[];
}

/** The one resource of `type` whose logical id starts with `idPrefix`. */
function onlyResource(
  template: Template,
  type: string,
  idPrefix = '',
): [string, { Properties: Record<string, unknown> }] {
  const resources = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(idPrefix));
  expect(resources).toHaveLength(1);
  return resources[0] as [string, { Properties: Record<string, unknown> }];
}

/** The backup key (the alert topics have a key of their own). */
const backupKeyOf = (template: Template) =>
  onlyResource(template, 'AWS::KMS::Key', 'CutoverStorageBackupKey');
const keyStatementsOf = (template: Template) =>
  (backupKeyOf(template)[1].Properties.KeyPolicy as { Statement: Statement[] }).Statement;
const bucketStatementsOf = (template: Template) =>
  (onlyResource(template, 'AWS::S3::BucketPolicy')[1].Properties.PolicyDocument as { Statement: Statement[] })
    .Statement;
const actionsOf = (statement: Statement | undefined) => [statement?.Action ?? []].flat();

/** The project's functions with the `backup` capability. */
const BACKUP_TASKS = Object.entries(FUNCTION_CAPABILITIES)
  .filter(([, capabilities]) => capabilities.includes('backup'))
  .map(([task]) => task)
  .sort();

describe('Backup bucket encryption', () => {
  let template: Template;
  let keyId: string;
  beforeAll(() => {
    template = Template.fromStack(projectCutover({ backupReaderArns: [READER, SSO_READERS] }).stack);
    keyId = backupKeyOf(template)[0];
  });

  it("encrypts backups with the stack's own customer managed key, rotated, with an S3 Bucket Key, kept like the bucket", () => {
    // Prepare
    const destroyed = Template.fromStack(projectCutover({ removalPolicy: RemovalPolicy.DESTROY }).stack);
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
            BucketKeyEnabled: true,
          },
        ],
      },
    });
    expect(template.toJSON().Resources[keyId]).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    destroyed.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    expect(destroyed.toJSON().Resources[backupKeyOf(destroyed)[0]]).toMatchObject({
      DeletionPolicy: 'Delete',
    });
  });

  it('lets the account administer the key but not use it: no decrypt, encrypt, grant or kms:*', () => {
    // Act
    const administration = keyStatementsOf(template).find((s) => s.Sid === 'KeyAdministration');
    // Assess
    expect(administration).toMatchObject({ Effect: 'Allow', Principal: { AWS: ROOT }, Resource: '*' });
    expect(actionsOf(administration)).toEqual(
      expect.arrayContaining(['kms:Put*', 'kms:ScheduleKeyDeletion']),
    );
    for (const action of ['kms:*', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:Create*']) {
      expect(actionsOf(administration)).not.toContain(action);
    }
    expect(
      actionsOf(administration).filter((action) =>
        /^kms:(Decrypt|Encrypt|Generate|ReEncrypt|CreateGrant)/.test(action),
      ),
    ).toEqual([]);
  });

  it('lets only the backup tasks and backupReaderArns decrypt, through S3; any principal IAM allows may encrypt through S3', () => {
    // Act
    const statements = keyStatementsOf(template);
    const decrypting = statements.filter((s) => actionsOf(s).includes('kms:Decrypt'));
    const encrypting = statements.filter((s) =>
      actionsOf(s).some((action) => action.startsWith('kms:GenerateDataKey')),
    );
    // Assess
    expect(decrypting).toEqual([
      {
        Sid: 'DecryptBackupsThroughS3',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:Decrypt',
        Resource: '*',
        Condition: {
          StringEquals: THROUGH_S3,
          ArnLike: {
            'aws:PrincipalArn': [
              ...BACKUP_TASKS.map((task) => roleArnOf(template, task)),
              READER,
              SSO_READERS,
            ],
          },
        },
      },
    ]);
    expect(encrypting).toEqual([
      {
        Sid: 'EncryptBackupsThroughS3',
        Effect: 'Allow',
        Principal: { AWS: ROOT },
        Action: 'kms:GenerateDataKey',
        Resource: '*',
        Condition: { StringEquals: THROUGH_S3 },
      },
    ]);
    expect(statements).toHaveLength(3);
  });

  it('denies reading backups to every principal but the backup tasks and backupReaderArns, whatever their IAM allows, and locks nobody out of the bucket', () => {
    // Act
    const denials = bucketStatementsOf(template).filter((s) => s.Effect === 'Deny');
    // Assess
    expect(denials).toContainEqual({
      Sid: 'DenyBackupReadsToOthers',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: ['s3:GetObject', 's3:GetObjectVersion'],
      Resource: {
        'Fn::Join': [
          '',
          [{ 'Fn::GetAtt': [expect.stringMatching(/^CutoverStorageBackups/), 'Arn'] }, '/backups/*'],
        ],
      },
      Condition: {
        ArnNotLike: {
          'aws:PrincipalArn': [...BACKUP_TASKS.map((task) => roleArnOf(template, task)), READER, SSO_READERS],
        },
      },
    });
    // The other Deny is the TLS one: no statement denies managing the bucket or its policy.
    expect(denials).toHaveLength(2);
    expect(
      denials
        .flatMap(actionsOf)
        .filter((action) => !['s3:GetObject', 's3:GetObjectVersion'].includes(action)),
    ).toEqual(['s3:*']);
    expect(denials.find((s) => actionsOf(s).includes('s3:*'))?.Condition).toEqual({
      Bool: { 'aws:SecureTransport': 'false' },
    });
  });

  it('gives the backup tasks, and only them, kms:Decrypt and kms:GenerateDataKey on the backup key', () => {
    // Act
    const usingKey = Object.keys(FUNCTION_CAPABILITIES).filter((task) =>
      JSON.stringify(roleStatementsOf(template, task)).includes(`"${keyId}"`),
    );
    // Assess
    expect(usingKey.sort()).toEqual(BACKUP_TASKS);
    for (const task of BACKUP_TASKS) {
      expect(roleStatementsOf(template, task)).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
    }
  });

  it('denies every read, and lets nobody decrypt, when no function has the backup capability and no reader is named', () => {
    // Act
    const bare = Template.fromStack(
      projectCutover({
        functionCapabilities: {
          ...Object.fromEntries(Object.keys(FUNCTION_CAPABILITIES).map((task) => [task, []])),
        },
      }).stack,
    );
    // Assess
    expect(keyStatementsOf(bare).filter((s) => actionsOf(s).includes('kms:Decrypt'))).toEqual([]);
    const denial = bucketStatementsOf(bare).find((s) => s.Sid === 'DenyBackupReadsToOthers');
    expect(denial).toMatchObject({ Effect: 'Deny', Action: ['s3:GetObject', 's3:GetObjectVersion'] });
    expect(denial?.Condition).toBeUndefined();
  });

  it('keeps overwritten or deleted backups 30 days as noncurrent versions, or noncurrentBackupRetentionDays', () => {
    // Prepare
    const longer = Template.fromStack(projectCutover({ noncurrentBackupRetentionDays: 45 }).stack);
    const expiring = (days: number) => ({
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'expire-backups',
            Prefix: 'backups/',
            NoncurrentVersionExpiration: { NoncurrentDays: days },
          }),
        ]),
      },
    });
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', expiring(30));
    longer.hasResourceProperties('AWS::S3::Bucket', expiring(45));
  });

  it('refuses backupReaderArns that are no IAM role or user ARN, or are of another account than the stack, and a bad noncurrentBackupRetentionDays', () => {
    // Act
    const problems = synthProblems({
      backupReaderArns: ['dba', 'arn:aws:iam::210987654321:role/dba', 'arn:aws:iam::123456789012:group/dbas'],
      noncurrentBackupRetentionDays: 0,
    });
    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^backupReaderArns: "dba" is not an IAM role or user ARN/),
        expect.stringMatching(
          /^backupReaderArns: "arn:aws:iam::123456789012:group\/dbas" is not an IAM role or user ARN/,
        ),
        expect.stringMatching(
          /^backupReaderArns: "arn:aws:iam::210987654321:role\/dba" is not of the stack's account 123456789012/,
        ),
        'noncurrentBackupRetentionDays must be a whole number of days >= 1 (got 0)',
      ]),
    );
  });
});

describe('Backup settings of the CDK app', () => {
  /** The stack `bin/app.ts` deploys, on the fixture-free project, from `context`. */
  const synthStack = (context: Record<string, unknown>) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new CutoverStack(app, 'Cutover', {
      env: { account: ACCOUNT, region: 'eu-west-1' },
      context: readContext((key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', ...context })[key]),
    });
    return Template.fromStack(stack);
  };

  it('reads backupReaderArns and noncurrentBackupRetentionDays from context, and outputs the backup key for `cutover backups`', () => {
    // Act
    const template = synthStack({
      backupReaderArns: `${READER},${SSO_READERS}`,
      noncurrentBackupRetentionDays: '14',
    });
    // Assess
    const [keyId] = backupKeyOf(template);
    expect(template.findOutputs('BackupKeyArn').BackupKeyArn).toMatchObject({
      Value: { 'Fn::GetAtt': [keyId, 'Arn'] },
      Description: expect.stringContaining('kms:Decrypt'),
    });
    expect(JSON.stringify(keyStatementsOf(template))).toContain(SSO_READERS);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 14 } })]),
      },
    });
  });

  it('names a backupReaderArns item that is no IAM role or user ARN', () => {
    // Act + Assess
    expect(() =>
      readContext(
        (key) => ({ clusterName: 'prod', allowedNamespaces: 'shop', backupReaderArns: 'dba' })[key],
      ),
    ).toThrowError(/backupReaderArns\.0: "dba" is not an IAM role or user ARN/);
  });
});
