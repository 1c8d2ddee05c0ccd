import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STATE_TABLE } from '#adapters/state-table.ts';

/** Props of {@link CutoverStorage}. */
export interface CutoverStorageProps {
  readonly backupRetentionDays: number;
  /** Key prefix of the backups, the only objects that expire. */
  readonly backupPrefix: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The backup bucket (encrypted, versioned, SSL-only, private, expiring under the backup prefix, its expired
 * delete markers removed) and the state table for service locks and approval tokens (on-demand, point-in-time
 * recovery, TTL on `expiresAt`, deletion protection unless `removalPolicy` is DESTROY).
 *
 * @example
 * const storage = new CutoverStorage(this, 'Storage', { backupPrefix: 'backups/', backupRetentionDays: 90, removalPolicy: RemovalPolicy.RETAIN });
 */
export class CutoverStorage extends Construct {
  readonly bucket: s3.Bucket;
  /** Key prefix of the backups in {@link bucket}. */
  readonly backupPrefix: string;
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CutoverStorageProps) {
    super(scope, id);
    this.backupPrefix = props.backupPrefix;
    this.bucket = new s3.Bucket(this, 'Backups', {
      encryption: s3.BucketEncryption.S3_MANAGED,
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
          noncurrentVersionExpiration: Duration.days(7),
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
}
