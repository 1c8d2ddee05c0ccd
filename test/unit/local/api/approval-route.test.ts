import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequest, ApprovalStore, PendingApproval } from '#core/ports/approval-store.ts';
import { registerReleaseRoutes } from '#local/api/release-routes.ts';
import { RealClock } from '#local/clock.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import { executionHistory, startTestRuntime, type TestRuntime } from '#test/support/local-runtime.ts';
import { pausedStepDefinition } from '#test/support/paused-step.ts';

/** Approval tokens in a map, as the task functions' store keeps them. */
class MapApprovalStore implements ApprovalStore {
  readonly approvals = new Map<string, PendingApproval>();
  async put(approval: ApprovalRequest): Promise<void> {
    this.approvals.set(approval.executionArn, approval);
  }
  async get(executionArn: string): Promise<PendingApproval | undefined> {
    return this.approvals.get(executionArn);
  }
  async delete(executionArn: string): Promise<void> {
    this.approvals.delete(executionArn);
  }
}

/** Creates the state machine `canary` of `definition` and serves its release routes with `approvals`; its ARN. */
async function canaryWithReleaseRoutes(
  local: TestRuntime,
  definition: object,
  approvals: ApprovalStore,
): Promise<string> {
  const { stateMachineArn } = await local.client.send(
    new CreateStateMachineCommand({
      name: 'canary',
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::000000000000:role/cutover',
    }),
  );
  registerReleaseRoutes(local.runtime.server, {
    service: local.runtime.service,
    stateMachines: [{ name: 'canary', stateMachineArn: stateMachineArn!, action: 'created' }],
    approvals: () => approvals,
  });
  return stateMachineArn!;
}

/** What the approval task stores: the token its payload brings, for `approval`'s stage and timeout, requested now. */
async function storeApproval(
  approvals: ApprovalStore,
  payload: unknown,
  approval: Pick<ApprovalRequest, 'stage' | 'timeoutSeconds' | 'onTimeout'>,
): Promise<void> {
  const { executionArn, taskToken } = payload as { executionArn: string; taskToken: string };
  await approvals.put({ executionArn, taskToken, requestedAt: new Date().toISOString(), ...approval });
}

describe('GET /releases/<id>/approval', () => {
  const approvals = new MapApprovalStore();
  let returnFromApprovalTask = () => {};
  let local: TestRuntime;

  beforeAll(async () => {
    // An approval task that stores its token, then (like a slow notification) returns only when told
    const lambdas = new MapLambdaRegistry({
      'request-approval': async (payload) => {
        await storeApproval(approvals, payload, {
          stage: 'promote',
          timeoutSeconds: 600,
          onTimeout: 'continue',
        });
        await new Promise<void>((resolve) => (returnFromApprovalTask = resolve));
        return {};
      },
    });
    // Waits at half real time: a 600 s timeout runs out 300 s after the request
    local = await startTestRuntime({ lambdas, clock: new RealClock(0.5) });
  });
  afterAll(() => local.close());

  it("answers a stored token's stage and deadline while its task waits, also before the task recorded TaskSubmitted", async () => {
    // Prepare
    const definition = {
      StartAt: 'RequestApproval',
      States: {
        RequestApproval: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: {
            FunctionName: 'request-approval',
            Payload: { 'executionArn.$': '$$.Execution.Id', 'taskToken.$': '$$.Task.Token' },
          },
          TimeoutSeconds: 600,
          End: true,
        },
      },
    };
    const stateMachineArn = await canaryWithReleaseRoutes(local, definition, approvals);
    const { executionArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'checkout-v2' }),
    );
    await expect.poll(() => approvals.get(executionArn!)).toBeDefined();
    const approval = () => fetch(`${local.endpoint}/releases/canary:checkout-v2/approval`);
    // Act
    const whileStoring = await approval();
    returnFromApprovalTask();
    // Assess
    expect(whileStoring.status).toBe(200);
    await expect
      .poll(async () => (await executionHistory(local.client, executionArn!)).at(-1)?.type)
      .toBe('TaskSubmitted');
    const { requestedAt } = (await approvals.get(executionArn!))!;
    const answer = (await (await approval()).json()) as { timesOutAt: string };
    expect(answer).toEqual({
      executionId: 'canary:checkout-v2',
      stage: 'promote',
      requestedAt,
      timeoutSeconds: 600,
      onTimeout: 'continue',
      timesOutAt: expect.any(String),
    });
    // The deadline the runtime set as the task started (600 s at half real time), before the token was stored
    const scheduledAt = (await executionHistory(local.client, executionArn!))
      .find((event) => event.type === 'TaskScheduled')!
      .timestamp!.getTime();
    expect(Date.parse(answer.timesOutAt)).toBeGreaterThanOrEqual(scheduledAt + 300_000);
    expect(Date.parse(answer.timesOutAt)).toBeLessThanOrEqual(Date.parse(requestedAt) + 300_000);
  });
});

describe('GET /releases/<id>/approval of a release whose other branch goes on', () => {
  const approvals = new MapApprovalStore();
  let local: TestRuntime;

  beforeAll(async () => {
    const lambdas = new MapLambdaRegistry({
      'request-approval': async (payload) => {
        await storeApproval(approvals, payload, {
          stage: 'after step 1 of 2',
          timeoutSeconds: 3600,
          onTimeout: 'rollback',
        });
        return {};
      },
    });
    local = await startTestRuntime({ lambdas, clock: new RealClock(1) });
  });
  afterAll(() => local.close());

  it('answers the approval while the checks beside it record their events, and 404 once it is answered', async () => {
    // Prepare: a paused canary step's shape: the approval beside a loop of checks
    const definition = pausedStepDefinition('request-approval');
    const stateMachineArn = await canaryWithReleaseRoutes(local, definition, approvals);
    const { executionArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'checkout-v3' }),
    );
    const route = `${local.endpoint}/releases/canary:checkout-v3`;
    await expect
      .poll(async () => (await executionHistory(local.client, executionArn!)).at(-1)?.type)
      .toBe('WaitStateEntered');
    // Act
    const whileChecking = await fetch(`${route}/approval`);
    const approved = await fetch(`${route}/approve`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    // Assess
    expect(whileChecking.status).toBe(200);
    expect(await whileChecking.json()).toMatchObject({
      executionId: 'canary:checkout-v3',
      stage: 'after step 1 of 2',
    });
    expect(approved.status).toBe(200);
    await expect.poll(async () => (await fetch(`${route}/approval`)).status).toBe(404);
  });
});
