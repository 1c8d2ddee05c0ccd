import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STATE_TABLE } from '#adapters/state-table.ts';

/** Props of {@link CutoverStorage}. */
export interface CutoverStorageProps {
  readonly backupRetentionDays: number;
  /** Days an overwritten or deleted backup is kept as a noncurrent version. */
  readonly noncurrentBackupRetentionDays: number;
  /** Key prefix of the backups, the only objects that expire. */
  readonly backupPrefix: string;
  /**
   * IAM role or user ARNs of the stack's account, besides the backup task roles, that may read backups (a
   * person restoring one): matched as `ArnLike` matches `aws:PrincipalArn`, so a `*` matches any characters.
   */
  readonly backupReaderArns: readonly string[];
  /** Of the bucket, the table and the backup key. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * What the account's administrators may do with the backup key: manage it (what CloudFormation does, and
 * rotation, deletion, tags, aliases), but neither use it nor grant its use (no `kms:CreateGrant`): who
 * decrypts is the key policy's to say.
 */
const BACKUP_KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:Delete*',
  'kms:Describe*',
  'kms:Disable*',
  'kms:Enable*',
  'kms:Get*',
  'kms:List*',
  'kms:Put*',
  'kms:Revoke*',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:Update*',
] as const;

/**
 * The backup bucket (SSE-KMS with its own key, versioned, SSL-only, private, expiring under the backup
 * prefix, its expired delete markers removed) and the state table for service locks and approval tokens
 * (on-demand, point-in-time recovery, TTL on `expiresAt`, deletion protection unless `removalPolicy` is
 * DESTROY).
 *
 * The backups hold whole tables of production databases, so reading them is limited twice: only the
 * principals {@link allowBackupReaders} names (the backup task roles and `backupReaderArns`) may decrypt
 * with the key, and the bucket policy denies `s3:GetObject` under the backup prefix to every other
 * principal, whatever its IAM policies allow (objects written before the bucket used the key included).
 *
 * @example
 * const storage = new CutoverStorage(this, 'Storage', { backupPrefix: 'backups/', backupRetentionDays: 90, noncurrentBackupRetentionDays: 30, backupReaderArns: [], removalPolicy: RemovalPolicy.RETAIN });
 * storage.allowBackupReaders(backupTaskRoles);
 */
export class CutoverStorage extends Construct {
  readonly bucket: s3.Bucket;
  /** The customer managed key the backups are encrypted with (rotated yearly). */
  readonly backupKey: kms.Key;
  /** Key prefix of the backups in {@link bucket}. */
  readonly backupPrefix: string;
  readonly table: dynamodb.Table;
  readonly #backupReaderArns: readonly string[];
  #readersAllowed = false;

  constructor(scope: Construct, id: string, props: CutoverStorageProps) {
    super(scope, id);
    this.backupPrefix = props.backupPrefix;
    this.#backupReaderArns = props.backupReaderArns;
    this.backupKey = new kms.Key(this, 'BackupKey', {
      description: 'Cutover backups: database dumps and cluster state',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      // No default policy (`kms:*` for the account, which any IAM policy allowing kms:Decrypt on * would use).
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'KeyAdministration',
            principals: [new iam.AccountRootPrincipal()],
            actions: [...BACKUP_KEY_ADMIN_ACTIONS],
            resources: ['*'],
          }),
          // Encrypting reveals nothing: anyone IAM lets write under the prefix (migration files) may.
          new iam.PolicyStatement({
            sid: 'EncryptBackupsThroughS3',
            principals: [new iam.AccountRootPrincipal()],
            actions: ['kms:GenerateDataKey'],
            resources: ['*'],
            conditions: { StringEquals: throughS3(this) },
          }),
        ],
      }),
    });
    this.bucket = new s3.Bucket(this, 'Backups', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.backupKey,
      bucketKeyEnabled: true,
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        {
          id: 'expire-backups',
          prefix: props.backupPrefix,
          expiration: Duration.days(props.backupRetentionDays),
          noncurrentVersionExpiration: Duration.days(props.noncurrentBackupRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
        {
          // A delete marker left once its noncurrent versions expired; S3 allows no expiration days beside it.
          id: 'remove-expired-delete-markers',
          prefix: props.backupPrefix,
          expiredObjectDeleteMarker: true,
        },
      ],
    });
    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: STATE_TABLE.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Protected unless the embedding stack asks for it to go with the stack (DESTROY).
      deletionProtection: props.removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy: props.removalPolicy,
    });
  }

  /**
   * Lets `taskRoles` (the roles of the task functions with the `backup` capability, whose IAM policies grant
   * the S3 and KMS actions) and the `backupReaderArns` decrypt backups through S3, and denies every other
   * principal `s3:GetObject` and `s3:GetObjectVersion` under the backup prefix. Until it is called nobody
   * decrypts; it is called once, with every such role.
   *
   * @example
   * storage.allowBackupReaders([backupStateRole, dbBackupRole]);
   */
  allowBackupReaders(taskRoles: readonly iam.IRole[]): void {
    if (this.#readersAllowed) {
      throw new Error('allowBackupReaders was called twice: call it once, with every backup task role');
    }
    this.#readersAllowed = true;
    const readers = [...taskRoles.map((role) => role.roleArn), ...this.#backupReaderArns];
    const onlyReaders = { ArnLike: { 'aws:PrincipalArn': readers } };
    if (readers.length > 0) {
      this.backupKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DecryptBackupsThroughS3',
          principals: [new iam.AccountRootPrincipal()],
          actions: ['kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: throughS3(this), ...onlyReaders },
        }),
      );
    }
    // A Deny of reads only: nobody, the account root and CloudFormation included, is kept from managing the
    // bucket or its policy. The root user can always delete a bucket policy.
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyBackupReadsToOthers',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects(`${this.backupPrefix}*`)],
        ...(readers.length > 0 ? { conditions: { ArnNotLike: onlyReaders.ArnLike } } : {}),
      }),
    );
  }
}

/** The KMS condition that a call comes from S3 in the stack's region, on behalf of the caller. */
function throughS3(scope: Construct): Record<string, string> {
  const stack = Stack.of(scope);
  return { 'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}` };
}
