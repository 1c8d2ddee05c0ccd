import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { bundlingTarget, TASK_BUNDLING } from './bundling.ts';
import { CAPABILITY_NAMES, type Capability } from './capabilities.ts';
import { type DiscoveredFunction, pascalCase } from './discovery.ts';
import { CutoverConfigError } from './errors.ts';
import { capabilityStatements, type TaskResources } from './task-permissions.ts';

/**
 * Tasks whose time grows with the request (a copy slice's `budgetSeconds`, the webhooks' `timeoutSeconds`)
 * or with the database (a logical backup, the migrations, the validation's checksums) get
 * Lambda's longest timeout instead of `timeout`.
 */
const LONG_TASKS: ReadonlySet<string> = new Set([
  'db-copy-table',
  'run-hooks',
  'db-backup',
  'db-migrate',
  'db-validate',
]);
const LONGEST_LAMBDA_TIMEOUT = Duration.minutes(15);

/**
 * Long tasks that compute in the function (a logical backup, copying rows, the validation's checksums):
 * they get at least {@link ONE_VCPU_MEMORY_SIZE}, since Lambda gives CPU in proportion to memory.
 */
const CPU_BOUND_TASKS: ReadonlySet<string> = new Set(['db-backup', 'db-copy-table', 'db-validate']);
/** The memory at which Lambda gives a function one full vCPU, in MiB. */
const ONE_VCPU_MEMORY_SIZE = 1769;

/**
 * Amazon's CA certificates, RDS's included, which Lambda's Node.js runtimes ship but (from Node.js 20) no
 * longer load: the functions with the `database` capability load them, to verify the databases' TLS.
 */
const DATABASE_CA_ENVIRONMENT = { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' } as const;

/** Props of {@link TaskFunctions}. */
export interface TaskFunctionsProps {
  readonly functions: readonly DiscoveredFunction[];
  readonly capabilities: Readonly<Record<string, readonly Capability[]>>;
  readonly resources: TaskResources;
  readonly environment: Readonly<Record<string, string>>;
  readonly runtime: lambda.Runtime;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** Security groups of every function in `vpc`. @default one created for them all ({@link TaskFunctions.securityGroup}) */
  readonly securityGroups?: ec2.ISecurityGroup[];
}

/**
 * One `NodejsFunction` per task handler (local esbuild, ESM, arm64, minified, source maps, X-Ray active
 * tracing), each with its own role holding only the statements of its capabilities (plus the network
 * interface actions of {@link VPC_NETWORK_INTERFACE_ACTIONS} in a VPC, and the X-Ray writes of tracing) and
 * its own log group. In a
 * VPC, the functions share the given security groups, or one created for them all.
 *
 * @example
 * const tasks = new TaskFunctions(this, 'Tasks', { functions: discoverFunctions('lambdas'), ... });
 * tasks.byName.get('check-rollout');
 */
export class TaskFunctions extends Construct {
  /** The functions by directory name. */
  readonly byName = new Map<string, nodejs.NodejsFunction>();
  /** The roles of the functions that talk to the cluster, for the EKS access entries. */
  readonly clusterRoles = new Map<string, iam.IRole>();
  /**
   * The security group created for every function in a VPC given no `securityGroups`: all egress, no
   * ingress, so a database or a private EKS endpoint admits all the tasks with one ingress rule from it.
   */
  readonly securityGroup?: ec2.SecurityGroup;
  readonly #securityGroups?: ec2.ISecurityGroup[];

  constructor(scope: Construct, id: string, props: TaskFunctionsProps) {
    super(scope, id);
    if (props.vpc && !props.securityGroups) {
      this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
        vpc: props.vpc,
        description: 'Cutover task functions: all egress, no ingress',
        allowAllOutbound: true,
      });
    }
    this.#securityGroups = props.securityGroups ?? (this.securityGroup && [this.securityGroup]);
    for (const fn of props.functions) {
      const capabilities = props.capabilities[fn.name];
      if (!capabilities) {
        throw new CutoverConfigError(
          `functionCapabilities has no entry for lambdas/${fn.name}: add "${fn.name}": [...] to ` +
            `FUNCTION_CAPABILITIES in lib/capabilities.ts, choosing from ${CAPABILITY_NAMES.join(', ')}`,
        );
      }
      const unknown = capabilities.filter((capability) => !CAPABILITY_NAMES.includes(capability));
      if (unknown.length > 0) {
        throw new CutoverConfigError(
          `functionCapabilities["${fn.name}"] has unknown ${unknown.join(', ')}: allowed are ${CAPABILITY_NAMES.join(', ')}`,
        );
      }
      const created = this.#createFunction(fn, capabilities, props);
      this.byName.set(fn.name, created);
      if (capabilities.includes('cluster')) this.clusterRoles.set(fn.name, created.role!);
    }
  }

  #createFunction(
    fn: DiscoveredFunction,
    capabilities: readonly Capability[],
    props: TaskFunctionsProps,
  ): nodejs.NodejsFunction {
    const id = pascalCase(fn.name);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Cutover task ${fn.name}: ${capabilities.join(', ') || 'no AWS access'}`,
      // Lambda creates a VPC function's network interfaces with the function's own role, before the
      // function exists: a policy of the role itself, not one attached after it.
      ...(props.vpc ? { inlinePolicies: { [NETWORK_INTERFACES_POLICY]: networkInterfacePolicy() } } : {}),
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    for (const capability of capabilities) {
      for (const statement of capabilityStatements(this, capability, props.resources))
        role.addToPolicy(statement);
    }
    return new nodejs.NodejsFunction(this, id, {
      entry: fn.entry,
      handler: 'handler',
      description: `Cutover task ${fn.name}`,
      runtime: props.runtime,
      architecture: lambda.Architecture.ARM_64,
      timeout: LONG_TASKS.has(fn.name) ? LONGEST_LAMBDA_TIMEOUT : props.timeout,
      memorySize: CPU_BOUND_TASKS.has(fn.name)
        ? Math.max(props.memorySize, ONE_VCPU_MEMORY_SIZE)
        : props.memorySize,
      role,
      logGroup,
      vpc: props.vpc,
      vpcSubnets: props.vpc ? props.vpcSubnets : undefined,
      securityGroups: props.vpc ? this.#securityGroups : undefined,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: 'cutover',
        POWERTOOLS_METRICS_NAMESPACE: 'Cutover',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        CUTOVER_FUNCTION: fn.name,
        NODE_OPTIONS: '--enable-source-maps',
        ...(capabilities.includes('database') ? DATABASE_CA_ENVIRONMENT : {}),
      },
      bundling: {
        ...TASK_BUNDLING,
        format: nodejs.OutputFormat.ESM,
        target: bundlingTarget(props.runtime.name),
        forceDockerBundling: false,
      },
    });
  }
}

/** The name of the role policy holding {@link VPC_NETWORK_INTERFACE_ACTIONS}. */
export const NETWORK_INTERFACES_POLICY = 'NetworkInterfaces';

/**
 * What Lambda does with a VPC function's role: AWSLambdaVPCAccessExecutionRole's EC2 actions, without its
 * `logs:*` writes on every log group (each role writes its own log group only). They support no resource
 * other than `*`.
 */
export const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

function networkInterfacePolicy(): iam.PolicyDocument {
  return new iam.PolicyDocument({
    statements: [new iam.PolicyStatement({ actions: [...VPC_NETWORK_INTERFACE_ACTIONS], resources: ['*'] })],
  });
}
