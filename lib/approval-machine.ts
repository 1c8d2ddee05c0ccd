import type { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { approvalKey, STATE_TABLE } from '#adapters/state-table.ts';
import { REJECTION_ERROR } from '#core/api-routes.ts';
import { onItemsKeyed } from './task-permissions.ts';

/** Props of {@link ApprovalStateMachine}. */
export interface ApprovalStateMachineProps {
  readonly table: dynamodb.ITable;
  /** The state machines whose approvals it answers: those with a task that waits for a task token. */
  readonly stateMachines: readonly sfn.IStateMachine[];
  readonly logRetention: logs.RetentionDays;
  readonly removalPolicy: RemovalPolicy;
}

/** The error of an approve/reject call for an execution that waits for no approval. */
export const NO_PENDING_APPROVAL = 'NoPendingApproval';

/** The state table's approval items, `approval#<executionArn>`: the only items the machine reads or deletes. */
const APPROVAL_ITEMS = approvalKey('*');

/** Narrows a task's grants to the {@link APPROVAL_ITEMS}. */
function onApprovalItems(policies: readonly iam.PolicyStatement[] | undefined): void {
  for (const policy of policies ?? []) policy.addConditions(onItemsKeyed(APPROVAL_ITEMS));
}

/** A DynamoGetItem allowed to read the {@link APPROVAL_ITEMS} only. */
class GetApprovalItem extends tasks.DynamoGetItem {
  constructor(scope: Construct, id: string, props: tasks.DynamoGetItemProps) {
    super(scope, id, props);
    onApprovalItems(this.taskPolicies);
  }
}

/** A DynamoDeleteItem allowed to delete the {@link APPROVAL_ITEMS} only. */
class DeleteApprovalItem extends tasks.DynamoDeleteItem {
  constructor(scope: Construct, id: string, props: tasks.DynamoDeleteItemProps) {
    super(scope, id, props);
    onApprovalItems(this.taskPolicies);
  }
}

/**
 * The approve/reject and describe calls behind the API, as an EXPRESS state machine of AWS service
 * integrations (no function): read the pending approval's task token from the state table, then send
 * SendTaskSuccess or SendTaskFailure (`ApprovalRejected`) with it and delete the token, or (`describe`)
 * answer the approval while the execution's task still waits for it (a SendTaskHeartbeat with its token succeeds).
 * The answer (SendTaskSuccess's output, SendTaskFailure's cause) is the body with `caller`'s `approver`
 * in place of any the body gives: `{ comment, approver }` or `{ reason, approver }`. Its role reads and
 * deletes the state table's approval items only, and answers the tasks of `stateMachines` only.
 *
 * Input: `{ executionId, executionArn, decision: 'approve' | 'reject' | 'describe', body, caller: { approver } }`;
 * output: `{ executionId, decision: 'approved' | 'rejected' }`, or `{ executionId, stage, requestedAt,
 * timeoutSeconds, onTimeout, timesOutAt }` for `describe` (the first three only for a token stored before
 * the others were); fails with `NoPendingApproval`.
 *
 * @example
 * const approvals = new ApprovalStateMachine(this, 'Approvals', { table, stateMachines, ... });
 */
export class ApprovalStateMachine extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ApprovalStateMachineProps) {
    super(scope, id);
    const key = {
      [STATE_TABLE.partitionKey]: tasks.DynamoAttributeValue.fromString(
        sfn.JsonPath.format('approval#{}', sfn.JsonPath.stringAt('$.executionArn')),
      ),
    };
    const taskToken = sfn.JsonPath.stringAt('$.pending.Item.taskToken.S');
    const getToken = new GetApprovalItem(this, 'GetTaskToken', {
      table: props.table,
      key,
      consistentRead: true,
      resultPath: '$.pending',
    });
    const noPending = new sfn.Fail(this, 'NoPending', {
      error: NO_PENDING_APPROVAL,
      causePath: sfn.JsonPath.format('{} has no pending approval', sfn.JsonPath.stringAt('$.executionId')),
    });
    const deleteToken = new DeleteApprovalItem(this, 'DeleteTaskToken', {
      table: props.table,
      key,
      resultPath: sfn.JsonPath.DISCARD,
    });
    const done = new sfn.Pass(this, 'Answer', {
      parameters: { 'executionId.$': '$.executionId', 'decision.$': '$.decided' },
    });
    const resources = props.stateMachines.map((machine) => machine.stateMachineArn);
    // The body, its `approver` replaced by the caller's (the API's IAM identity).
    const answer = sfn.JsonPath.jsonToString(
      sfn.JsonPath.jsonMerge(sfn.JsonPath.objectAt('$.body'), sfn.JsonPath.objectAt('$.caller')),
    );
    const approve = new tasks.CallAwsService(this, 'SendTaskSuccess', {
      service: 'sfn',
      action: 'sendTaskSuccess',
      parameters: {
        TaskToken: taskToken,
        Output: answer,
      },
      iamResources: resources,
      resultSelector: { decided: 'approved' },
      resultPath: '$.result',
    });
    const reject = new tasks.CallAwsService(this, 'SendTaskFailure', {
      service: 'sfn',
      action: 'sendTaskFailure',
      parameters: {
        TaskToken: taskToken,
        Error: REJECTION_ERROR,
        Cause: answer,
      },
      iamResources: resources,
      resultSelector: { decided: 'rejected' },
      resultPath: '$.result',
    });
    const record = new sfn.Pass(this, 'RecordDecision', {
      inputPath: '$',
      parameters: {
        'executionId.$': '$.executionId',
        'executionArn.$': '$.executionArn',
        'decided.$': '$.result.decided',
      },
    });
    // A token whose execution stopped waiting (timed out, aborted) is stale: drop it and answer 404.
    const staleErrors = [
      'Sfn.TaskTimedOutException',
      'Sfn.TaskDoesNotExistException',
      'Sfn.InvalidTokenException',
    ];
    const dropStale = new DeleteApprovalItem(this, 'DeleteStaleToken', {
      table: props.table,
      key,
      resultPath: sfn.JsonPath.DISCARD,
    }).next(noPending);
    approve.addCatch(dropStale, { errors: staleErrors, resultPath: '$.error' });
    reject.addCatch(dropStale, { errors: staleErrors, resultPath: '$.error' });
    approve.next(record);
    reject.next(record);
    record.next(deleteToken).next(done);

    // `describe`: the approval a release still waits for: its task still takes the token, which a
    // heartbeat asks without answering it (the approval tasks set no HeartbeatSeconds); one that stopped
    // waiting (timed out, aborted, answered another way) is none. Other branches of the execution may record
    // events meanwhile, as a paused canary step's checks do.
    const stillWaiting = new tasks.CallAwsService(this, 'StillWaiting', {
      service: 'sfn',
      action: 'sendTaskHeartbeat',
      parameters: { TaskToken: taskToken },
      iamResources: resources,
      resultPath: sfn.JsonPath.DISCARD,
    });
    stillWaiting.addCatch(noPending, { errors: staleErrors, resultPath: '$.error' });
    const stored = {
      'executionId.$': '$.executionId',
      'stage.$': '$.pending.Item.stage.S',
      'requestedAt.$': '$.pending.Item.requestedAt.S',
    };
    const pending = new sfn.Pass(this, 'PendingApproval', {
      parameters: {
        ...stored,
        'timeoutSeconds.$': 'States.StringToJson($.pending.Item.timeoutSeconds.N)',
        'onTimeout.$': '$.pending.Item.onTimeout.S',
        'timesOutAt.$': '$.pending.Item.timesOutAt.S',
      },
    });
    const pendingStoredBefore = new sfn.Pass(this, 'PendingApprovalWithoutTimeout', { parameters: stored });
    stillWaiting.next(
      new sfn.Choice(this, 'StoredWithTimeout')
        .when(sfn.Condition.isPresent('$.pending.Item.timesOutAt.S'), pending)
        .otherwise(pendingStoredBefore),
    );

    const definition = getToken.next(
      new sfn.Choice(this, 'HasPendingApproval')
        .when(
          sfn.Condition.isPresent('$.pending.Item.taskToken.S'),
          new sfn.Choice(this, 'Decision')
            .when(sfn.Condition.stringEquals('$.decision', 'describe'), stillWaiting)
            .when(sfn.Condition.stringEquals('$.decision', 'approve'), approve)
            .otherwise(reject),
        )
        .otherwise(noPending),
    );
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/cutover-approvals-${this.node.addr.slice(0, 8)}`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'Cutover approve/reject: answers a pending approval with its stored task token',
      stateMachineType: sfn.StateMachineType.EXPRESS,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
      removalPolicy: props.removalPolicy,
    });
  }
}
