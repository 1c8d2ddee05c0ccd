/**
 * What a task function may touch in AWS. Each function gets exactly the IAM statements of its capabilities,
 * scoped to the resources the `Cutover` construct was configured with.
 */
export const CAPABILITIES = {
  /**
   * eks:DescribeCluster on the one cluster, sts:AssumeRole on the configured `eksRoleArns`, and a Kubernetes
   * access entry in the deployers group (create, patch and delete the objects of a release).
   */
  cluster: 'changing Kubernetes objects in the allowed namespaces of the configured EKS cluster',
  /**
   * The IAM statements of `cluster`, and a Kubernetes access entry in the readers group (get and list the
   * same objects); `cluster` reads too. The sts:AssumeRole on `eksRoleArns` included: a request's
   * `cluster.roleArn` is the role of all its tasks, so a read-only function acts in the cluster as that
   * role, with whatever it is mapped to there (see docs/eks.md).
   */
  clusterRead: 'reading Kubernetes objects in the allowed namespaces of the configured EKS cluster',
  /**
   * elasticloadbalancing:ModifyListener / ModifyRule on the configured listeners and their rules, with the
   * reads of `listenersRead`.
   */
  listeners: 'weights of the configured ALB listeners, and reading any ALB for verification',
  /**
   * elasticloadbalancing:DescribeListeners, DescribeRules, DescribeLoadBalancers and DescribeTags (no
   * resource-level permissions: `*`), with or without configured listeners: the `elbv2` router reads its
   * weights with them, the `alb-ingress` router verifies what the ALB does.
   */
  listenersRead: 'reading any ALB: weights and verification',
  /**
   * cloudwatch:GetMetricData (no resource-level permissions) / DescribeAlarms (on `*`: a narrower scope never
   * returns a composite alarm), aps:QueryMetrics on workspaces.
   */
  metrics: 'CloudWatch metrics and alarms, Amazon Managed Prometheus queries',
  /**
   * s3 Get/Put/List (and AbortMultipartUpload) under the backup prefix of the backup bucket, no delete, and
   * kms:Decrypt / GenerateDataKey on its key; the function's role is also one of the few the key policy lets
   * decrypt and the bucket policy lets read backups.
   */
  backup: 'objects under the backup prefix',
  /** secretsmanager:GetSecretValue on the configured `databaseSecretArns`, to connect to the databases. */
  database: 'the credentials of the configured databases',
  /**
   * rds:CreateDBSnapshot and AddTagsToResource on the configured instances and the `cutover-*` snapshots
   * (none without `rdsInstanceIdentifiers`, as for every RDS capability).
   */
  snapshotCreate: 'starting snapshots of the configured RDS instances',
  /** rds:DescribeDBSnapshots on the configured instances and the `cutover-*` snapshots. */
  snapshotStatus: 'reading the state of those snapshots',
  /**
   * rds:CreateBlueGreenDeployment from the configured instances, with the CreateDBInstanceReadReplica and
   * AddTagsToResource RDS performs on the caller's permissions for the green instances it names (`db:*`).
   */
  blueGreenCreate: 'new Blue/Green deployments of the configured RDS instances, and their green instances',
  /** rds:DescribeBlueGreenDeployments on the deployments. */
  blueGreenStatus: 'reading the state of Blue/Green deployments',
  /**
   * rds:SwitchoverBlueGreenDeployment, with the ModifyDBInstance and PromoteReadReplica RDS performs on the
   * caller's permissions to rename and promote the instances (`db:*`).
   */
  blueGreenSwitchover: 'Blue/Green switchovers, with the renames and promotion RDS makes for them',
  /**
   * rds:DeleteBlueGreenDeployment on the deployments, with the DeleteDBInstance RDS performs on the
   * caller's permissions to delete the green instances it named (`db:*`).
   */
  blueGreenDelete: 'deleting Blue/Green deployments with their green instances, after a failure or a stop',
  /** dynamodb Get/Put/DeleteItem on the state table's service locks only (keys `lock#...`). */
  state: 'service locks in the state table',
  /** dynamodb:PutItem on the state table's approval tokens only (keys `approval#...`). */
  approvals: 'storing approval tokens in the state table',
  /**
   * dynamodb:GetItem on the state table's rollback claims only (keys `rollback#...`): a task of a stopped
   * execution checks that no rollback claimed it before it changes anything.
   */
  fence: 'whether a rollback claimed the execution (rollback claims in the state table)',
  /**
   * dynamodb Get/PutItem on the state table's rollback claims (`rollback#...`: a claim given up is kept,
   * marked, not deleted), and GetItem on its service locks (`lock#...`, to read which execution holds the
   * service).
   */
  claims: 'rollback claims in the state table, and who holds a service lock',
  /**
   * states:DescribeExecution on the executions of the stack's release and migration state machines: a lock
   * held by one that ended (its Unlock failed) is taken over; a stopped migration's start bounds what it applied;
   * Prepare says whether the migration that left a target table half copied has ended.
   */
  executions:
    'whether the execution holding a service lock or a half-copied table has ended, when a stopped migration started',
  /** sns:Publish on the alert topic, events:PutEvents on the configured bus. */
  notify: 'the alert topic and event bus',
  /**
   * secretsmanager:GetSecretValue on the ARNs of the configured `hookSecrets` (the webhooks'
   * `headersSecretArn` and `signingSecretArn`); no statement when none are configured. The function is told
   * each secret's URL prefixes (`CUTOVER_HOOK_SECRETS`) and sends it nowhere else.
   */
  hooks: "the Secrets Manager secrets holding the webhooks' headers and signing keys",
} as const;

export type Capability = keyof typeof CAPABILITIES;

/** The capability names, for error messages. */
export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as Capability[];

/**
 * The capabilities of each task function in `lambdas/`, by directory name. A function without an entry
 * fails synth, so no function runs with permissions nobody chose.
 */
export const FUNCTION_CAPABILITIES: Readonly<Record<string, readonly Capability[]>> = {
  analyze: ['metrics'],
  'backup-state': ['clusterRead', 'listenersRead', 'backup'],
  'check-rollout': ['clusterRead'],
  'claim-rollback': ['claims'],
  cleanup: ['cluster', 'fence'],
  'deploy-track': ['cluster', 'fence'],
  notify: ['notify'],
  'run-hooks': ['hooks', 'fence'],
  promote: ['cluster', 'listeners', 'notify', 'fence'],
  'request-approval': ['approvals', 'notify'],
  'restore-capacity': ['cluster', 'backup'],
  rollback: ['cluster', 'listeners', 'backup'],
  'scale-track': ['cluster', 'fence'],
  'set-weights': ['cluster', 'listeners', 'fence'],
  unlock: ['state'],
  // Locking checks that no rollback claimed the execution meanwhile (`fence`), and whether the execution
  // holding the lock has ended (`executions`).
  'validate-request': ['clusterRead', 'listenersRead', 'metrics', 'state', 'fence', 'executions'],
  'db-prepare': ['state', 'fence', 'executions', 'database'],
  'db-backup': ['database', 'backup', 'fence'],
  // A retried create finds its snapshot there and reads whose it is.
  'db-create-snapshot': ['snapshotCreate', 'snapshotStatus'],
  'db-check-snapshot': ['snapshotStatus'],
  // A retried create looks its deployment up by name; a refused switchover reads whether it started.
  'db-create-blue-green': ['blueGreenCreate', 'blueGreenStatus'],
  'db-check-blue-green': ['blueGreenStatus'],
  'db-validate-blue-green': ['blueGreenStatus'],
  'db-switchover-blue-green': ['blueGreenSwitchover', 'blueGreenStatus', 'fence'],
  // It reads the deployment's status first: one that switched over is kept.
  'db-delete-blue-green': ['blueGreenDelete', 'blueGreenStatus'],
  'db-migrate': ['database', 'backup', 'fence'],
  'db-list-tables': ['database'],
  'db-copy-table': ['database', 'fence'],
  'db-sync-sequences': ['database', 'fence'],
  'db-validate': ['database'],
  'db-undo-copy': ['database'],
  'db-notify': ['notify'],
  'db-unlock': ['state'],
  // The start of the stopped execution bounds the migrations it applied.
  'db-list-applied': ['database', 'executions'],
};
