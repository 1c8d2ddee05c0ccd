import { request as httpRequest } from 'node:http';
import { ListExecutionsCommand, SendTaskSuccessCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import type { ServiceRef } from '#core/types.ts';
import { startTraffic } from '#local/adapters/traffic-generator.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { aCanaryWithApproval, useProjectRuntime } from '#test/support/project-runtime.ts';

const project = useProjectRuntime();
const { replicaPids } = project;

/** One call as curl makes it: JSON in (when a body is given), status and JSON out. */
async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  return send(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
}

/** One call with the body as given (`curl --data-binary`). */
async function send(method: string, path: string, body?: string | Buffer, contentType = 'application/json') {
  const response = await fetch(`${project.runtime().endpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': contentType }, body }),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    allow: response.headers.get('allow'),
    json: (await response.json()) as Record<string, unknown>,
  };
}

async function canaryExecutionCount(): Promise<number> {
  const canary = project.runtime().runtime.stateMachines.find((machine) => machine.name === 'canary')!;
  const listed = await project
    .runtime()
    .client.send(new ListExecutionsCommand({ stateMachineArn: canary.stateMachineArn }));
  return listed.executions!.length;
}

/**
 * Releases v1 of the service through the API, then starts the canary of v2 with traffic on the proxy and
 * waits until `GET /releases/<id>/approval` answers (the step's analysis passed); fails at once when the
 * release ends instead.
 */
async function startUntilApprovalPending(name: string, service: ServiceRef) {
  const first = await call(
    'POST',
    `/releases/canary?name=${service.name}-v1`,
    aCanaryWithApproval(service, 'v1'),
  );
  expect((await finished(String(first.json.executionId))).json.status).toBe('SUCCEEDED');
  const traffic = startTraffic({
    url: await project.runtime().runtime.adapters!.router.url(service),
    ratePerSecond: 50,
  });
  try {
    const started = await call('POST', `/releases/canary?name=${name}`, aCanaryWithApproval(service));
    expect(started.status).toBe(200);
    const executionId = String(started.json.executionId);
    const executionArn = String(started.json.executionArn);
    // What a pipeline polls before it approves: the approval the release waits for
    while ((await call('GET', `/releases/${executionId}/approval`)).status === 404) {
      const described = await call('GET', `/releases/${executionId}`);
      expect(described.json).toMatchObject({ status: 'RUNNING' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { started, executionId, executionArn };
  } finally {
    await traffic.stop();
  }
}

async function finished(executionId: string) {
  let described = await call('GET', `/releases/${encodeURIComponent(executionId)}`);
  while (described.json.status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    described = await call('GET', `/releases/${encodeURIComponent(executionId)}`);
  }
  return described;
}

describe('release API on the local runtime', () => {
  it('answers a body that does not match the canary schema with 400 naming each bad field, and starts nothing', async () => {
    // Prepare
    const { service: _omitted, ...withoutService } = canaryInput({ steps: [{ weight: 0, bakeSeconds: 1 }] });
    const before = await canaryExecutionCount();
    // Act
    const answer = await call('POST', '/releases/canary?name=bad-body', withoutService);
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.type).toBe('application/json');
    expect(answer.json.message).toMatch(/service/);
    expect(answer.json.message).toMatch(/canary\.steps\[0\]\.weight: must be an integer 1-100/);
    expect(await canaryExecutionCount()).toBe(before);
    expect((await call('GET', '/releases/canary:bad-body')).status).toBe(404);
  });

  it('refuses a form-encoded body with 415, as API Gateway does, and starts nothing', async () => {
    // Prepare
    const before = await canaryExecutionCount();
    // Act
    const answer = await call(
      'POST',
      '/releases/canary',
      aCanaryWithApproval({ name: 'form', namespace: 'shop' }),
      'application/x-www-form-urlencoded',
    );
    // Assess
    expect(answer.status).toBe(415);
    expect(answer.json.message).toMatch(/content-type must be application\/json/);
    expect(await canaryExecutionCount()).toBe(before);
  });

  it("refuses a POST from another site's page with 403 and starts nothing; the console's own origin passes", async () => {
    // Prepare: what a browser sends for a page elsewhere (fetch with mode no-cors and a Blob body)
    const before = await canaryExecutionCount();
    const request = aCanaryWithApproval({ name: 'csrf', namespace: 'shop' });
    const endpoint = new URL(project.runtime().endpoint);
    /** A POST as a browser sends it for a page of `origin`, reaching the runtime under the name `host`. */
    const fromPage = (path: string, origin: string, body: unknown = {}, host = endpoint.host) =>
      new Promise<{ status: number; json: { message: string } }>((resolve, reject) => {
        const sent = httpRequest(
          { host: endpoint.hostname, port: endpoint.port, path, method: 'POST', headers: { origin, host } },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode!, json: JSON.parse(text) }));
          },
        );
        sent.on('error', reject);
        sent.end(JSON.stringify(body));
      });
    const own = endpoint.origin;
    const rebinding = `evil.test:${endpoint.port}`;
    // Act
    const started = await fromPage('/releases/canary?name=csrf-v1', 'http://attacker.example', request);
    const rejected = await fromPage('/releases/canary:csrf-v1/reject', 'null');
    // DNS rebinding: the page's name resolves to 127.0.0.1, so Host and Origin agree on it
    const rebound = await fromPage('/releases/canary:csrf-v1/approve', `http://${rebinding}`, {}, rebinding);
    const console = await fromPage('/releases/canary:csrf-v1/approve', own);
    // Assess
    expect(started).toMatchObject({ status: 403 });
    expect(started.json.message).toMatch(
      /^origin http:\/\/attacker\.example may not POST \/releases\/canary\?name=csrf-v1: decide releases in the console/,
    );
    expect(rejected.status).toBe(403);
    expect(rebound.status).toBe(403);
    // Past the origin check: answered as any approval of an execution that does not exist
    expect(console).toMatchObject({
      status: 404,
      json: { message: expect.stringMatching(/^Execution Does Not Exist: .*:execution:canary:csrf-v1'$/) },
    });
    expect(await canaryExecutionCount()).toBe(before);
  });

  it('answers nothing to a request naming the runtime by another name (DNS rebinding), reads included', async () => {
    // Prepare
    const endpoint = new URL(project.runtime().endpoint);
    const rebound = (method: string, path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; message: string }>((resolve, reject) => {
        const host = `evil.test:${endpoint.port}`;
        const sent = httpRequest(
          { host: endpoint.hostname, port: endpoint.port, path, method, headers: { host, ...headers } },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk));
            response.on('end', () =>
              resolve({ status: response.statusCode!, message: JSON.parse(text).message }),
            );
          },
        );
        sent.on('error', reject);
        sent.end(method === 'POST' ? '{}' : undefined);
      });
    // Act
    const answers = [
      await rebound('GET', '/console/api/executions'),
      await rebound('GET', '/releases/canary:any'),
      await rebound('POST', '/', {
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
        'content-type': 'application/x-amz-json-1.0',
      }),
    ];
    // Assess
    for (const answer of answers) {
      expect(answer).toEqual({
        status: 403,
        message: `Host evil.test:${endpoint.port}: the runtime answers requests naming it by an IP address or localhost only (a page on another name may be DNS rebinding to this machine)`,
      });
    }
  });

  it('starts a canary that waits RUNNING for its approval, says which, refuses a bad approve body, and SUCCEEDS once approved', async () => {
    // Prepare
    const service = { name: 'api-approve', namespace: 'shop' };
    const { started, executionId, executionArn } = await startUntilApprovalPending('checkout-v2', service);
    // Act
    const waiting = await call('GET', `/releases/${encodeURIComponent(executionId)}`);
    const waitingByArn = await call('GET', `/releases/${encodeURIComponent(executionArn)}`);
    const approval = await call('GET', `/releases/${encodeURIComponent(executionId)}/approval`);
    const badBody = await call('POST', `/releases/${executionId}/approve`, { comment: 5, by: 'me' });
    const approved = await call('POST', `/releases/${executionId}/approve`, { comment: 'looks good' });
    const done = await finished(executionId);
    replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
    const again = await call('POST', `/releases/${executionId}/approve`, {});
    const approvalAfter = await call('GET', `/releases/${executionId}/approval`);
    // Assess
    const requestedAt = String(approval.json.requestedAt);
    const { scale } = project.runtime().runtime.service.clock;
    expect(approval).toMatchObject({ status: 200 });
    expect(approval.json).toEqual({
      executionId: 'canary:checkout-v2',
      stage: 'promote',
      requestedAt,
      timeoutSeconds: 86_400,
      onTimeout: 'rollback',
      timesOutAt: expect.any(String),
    });
    expect(Date.parse(requestedAt)).toBeLessThanOrEqual(Date.now());
    // The deadline the runtime set as the approval task started, a moment before the token was stored
    const timesOutAt = Date.parse(String(approval.json.timesOutAt));
    expect(timesOutAt).toBeLessThanOrEqual(Date.parse(requestedAt) + 86_400_000 * scale);
    expect(timesOutAt).toBeGreaterThan(Date.parse(requestedAt) + 86_400_000 * scale - 5_000);
    expect(approvalAfter).toMatchObject({
      status: 404,
      json: { message: 'canary:checkout-v2 has no pending approval' },
    });
    expect(started.json).toEqual({
      executionId: 'canary:checkout-v2',
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:canary:checkout-v2',
      startDate: expect.any(Number),
    });
    expect(waiting.status).toBe(200);
    expect(waiting.json).toMatchObject({ executionArn, name: 'checkout-v2', status: 'RUNNING' });
    expect(JSON.parse(String(waiting.json.input))).toEqual(aCanaryWithApproval(service));
    expect(waitingByArn).toMatchObject({ status: 200, json: waiting.json });
    expect(typeof waiting.json.startDate).toBe('number');
    expect(badBody.status).toBe(400);
    expect(badBody.json.message).toMatch(/comment: must be a string/);
    expect(badBody.json.message).toMatch(/unknown field by/);
    expect(approved).toMatchObject({ status: 200, json: { executionId, decision: 'approved' } });
    expect(done.json.status).toBe('SUCCEEDED');
    expect(replicaPids.length).toBeGreaterThan(0);
    expect(await project.runtime().runtime.adapters!.approvals.get(executionArn)).toBeUndefined();
    expect(again).toMatchObject({
      status: 404,
      json: { message: 'canary:checkout-v2 has no pending approval' },
    });
  });

  it('fails the release with ApprovalRejected when its approval is rejected', async () => {
    // Prepare
    const service = { name: 'api-reject', namespace: 'shop' };
    const { executionId, executionArn } = await startUntilApprovalPending('checkout-v3', service);
    // Act
    const rejected = await call('POST', `/releases/${encodeURIComponent(executionArn)}/reject`, {
      reason: 'p99 too high',
    });
    const done = await finished(executionId);
    const before = await canaryExecutionCount();
    const again = await call('POST', '/releases/canary?name=checkout-v3', aCanaryWithApproval(service));
    // Assess
    expect(rejected).toMatchObject({ status: 200, json: { executionId, decision: 'rejected' } });
    expect(done.json).toMatchObject({ status: 'FAILED', error: 'ApprovalRejected' });
    expect(again).toMatchObject({
      status: 409,
      json: {
        message: `Execution Already Exists: '${executionArn}': choose another name, or leave name out for a new one`,
      },
    });
    expect(await canaryExecutionCount()).toBe(before);
    expect(JSON.parse(String(done.json.cause))).toEqual({ reason: 'p99 too high' });
    expect(await project.runtime().runtime.adapters!.approvals.get(executionArn)).toBeUndefined();
  });

  it('aborts a release with the reason given: it ends ABORTED, its rollback puts the live track back to 100%, and a bad body or a rollback is refused', async () => {
    // Prepare
    const service = { name: 'api-abort', namespace: 'shop' };
    const { executionId } = await startUntilApprovalPending('checkout-v6', service);
    const { router } = project.runtime().runtime.adapters!;
    const splitWhileWaiting = await router.getWeights(service);
    // Act
    const badBody = await call('POST', `/releases/${executionId}/abort`, { reason: 5, why: 'x' });
    const runningAfterBadBody = (await call('GET', `/releases/${executionId}`)).json.status;
    const aborted = await call('POST', `/releases/${executionId}/abort`, { reason: 'p99 too high' });
    const done = await finished(executionId);
    const rollback = await finished('rollback:abort-checkout-v6');
    const abortRollback = await call('POST', '/releases/rollback:abort-checkout-v6/abort', {});
    const again = await call('POST', `/releases/${executionId}/abort`, {});
    // Assess
    expect(splitWhileWaiting.canary).toBeGreaterThan(0);
    expect(badBody.status).toBe(400);
    expect(badBody.json.message).toMatch(/reason: must be a string/);
    expect(badBody.json.message).toMatch(/unknown field why/);
    expect(runningAfterBadBody).toBe('RUNNING');
    expect(aborted).toEqual({
      status: 200,
      type: 'application/json',
      allow: null,
      json: { executionId, stopDate: done.json.stopDate },
    });
    expect(done.json).toMatchObject({ status: 'ABORTED', error: 'Aborted', cause: 'p99 too high' });
    expect(rollback.json.status).toBe('SUCCEEDED');
    expect(JSON.parse(String(rollback.json.input))).toMatchObject({ reason: 'p99 too high' });
    expect(await router.getWeights(service)).toMatchObject({ stable: 100 });
    expect(abortRollback).toMatchObject({ status: 403 });
    expect(abortRollback.json.message).toBe(
      'only a release (an execution of the canary, blue-green or rolling state machine) can be aborted ' +
        'through the release API (got rollback:abort-checkout-v6)',
    );
    // An abort of a release that ended changes nothing, and answers when it ended
    expect(again).toMatchObject({ status: 200, json: { executionId, stopDate: done.json.stopDate } });
    expect((await call('GET', `/releases/${executionId}`)).json.cause).toBe('p99 too high');
  });

  it('aborts with a default reason when the body gives none', async () => {
    // Prepare
    const service = { name: 'api-abort-bare', namespace: 'shop' };
    const { executionId } = await startUntilApprovalPending('checkout-v7', service);
    // Act
    const aborted = await send('POST', `/releases/${executionId}/abort`);
    const done = await finished(executionId);
    await finished('rollback:abort-checkout-v7');
    // Assess
    expect(aborted.status).toBe(200);
    expect(done.json).toMatchObject({
      status: 'ABORTED',
      error: 'Aborted',
      cause: 'aborted through the release API',
    });
  });

  it('answers 404 to an approval whose release stopped waiting, and drops its stale token', async () => {
    // Prepare
    const service = { name: 'api-stopped', namespace: 'shop' };
    const { executionId, executionArn } = await startUntilApprovalPending('checkout-v4', service);
    await project.runtime().client.send(new StopExecutionCommand({ executionArn, cause: 'abandoned' }));
    // The ended execution's token is forgotten without anyone answering it
    await expect.poll(() => project.runtime().runtime.adapters!.approvals.get(executionArn)).toBeUndefined();
    // Act
    const approved = await call('POST', `/releases/${executionId}/approve`, {});
    // Assess
    expect(approved).toMatchObject({
      status: 404,
      json: { message: 'canary:checkout-v4 has no pending approval' },
    });
    expect((await call('GET', `/releases/${executionId}`)).json.status).toBe('ABORTED');
    expect(await project.runtime().runtime.adapters!.approvals.get(executionArn)).toBeUndefined();
  });

  it('stops saying an approval is pending once it was answered outside the API (SendTaskSuccess from an SDK)', async () => {
    // Prepare
    const service = { name: 'api-sdk-answer', namespace: 'shop' };
    const { executionId, executionArn } = await startUntilApprovalPending('checkout-v5', service);
    const { taskToken } = (await project.runtime().runtime.adapters!.approvals.get(executionArn))!;
    // Act
    await project.runtime().client.send(new SendTaskSuccessCommand({ taskToken, output: '{"by":"sdk"}' }));
    const approval = await call('GET', `/releases/${executionId}/approval`);
    // Assess
    expect(approval).toMatchObject({
      status: 404,
      json: { message: 'canary:checkout-v5 has no pending approval' },
    });
    expect((await finished(executionId)).json.status).toBe('SUCCEEDED');
    // The ended execution's token is forgotten
    expect(await project.runtime().runtime.adapters!.approvals.get(executionArn)).toBeUndefined();
    replicaPids.push(...project.runtime().runtime.adapters!.cluster.pids(service, 'stable'));
  });

  it('answers 404 for an execution that does not exist, to describe, its approval, approve, reject and abort alike', async () => {
    // Act
    const described = await call('GET', '/releases/canary:nobody');
    const approval = await call('GET', '/releases/canary:nobody/approval');
    const approved = await call('POST', '/releases/canary:nobody/approve', {});
    const rejected = await call('POST', '/releases/canary:nobody/reject', { reason: 'no' });
    const aborted = await call('POST', '/releases/canary:nobody/abort', { reason: 'no' });
    // Assess
    expect(described.status).toBe(404);
    expect(described.json.message).toMatch(/Execution Does Not Exist/);
    expect(approval).toEqual(described);
    expect(approved).toEqual(described);
    expect(rejected).toEqual(described);
    expect(aborted).toEqual(described);
  });

  it('answers an unknown strategy with 404 naming the strategies served, and starts nothing', async () => {
    // Prepare
    const before = await canaryExecutionCount();
    // Act
    const typo = await call('POST', '/releases/canry?name=typo', canaryInput());
    const database = await call('POST', '/releases/database-migration', {});
    // Assess
    expect(typo).toMatchObject({
      status: 404,
      type: 'application/json',
      json: {
        message: 'no strategy "canry": POST /releases/<strategy> with one of: canary, blue-green, rolling',
      },
    });
    expect(database.status).toBe(404);
    expect(database.json.message).toMatch(/one of: canary, blue-green, rolling/);
    expect(await canaryExecutionCount()).toBe(before);
  });

  it('answers a method a release path does not take with 405 and the allowed methods', async () => {
    // Act
    const deleted = await call('DELETE', '/releases/canary:checkout-v2');
    const put = await call('PUT', '/releases/canary', canaryInput());
    const approveByGet = await call('GET', '/releases/canary:checkout-v2/approve');
    // Assess
    expect(deleted).toMatchObject({
      status: 405,
      type: 'application/json',
      allow: 'GET, HEAD, POST',
      json: { message: 'DELETE is not allowed on /releases/canary:checkout-v2 (allowed: GET, HEAD, POST)' },
    });
    expect(put).toMatchObject({ status: 405, allow: 'GET, HEAD, POST' });
    expect(approveByGet).toMatchObject({ status: 405, allow: 'POST' });
    expect((await call('GET', '/nowhere')).status).toBe(404);
  });

  it('answers a path whose percent-encoding is broken with 400 naming the path', async () => {
    // Act
    const described = await call('GET', '/releases/canary%3Acheckout-%E0%A4%A');
    // Assess
    expect(described).toMatchObject({
      status: 400,
      type: 'application/json',
      json: { message: 'path /releases/canary%3Acheckout-%E0%A4%A is not valid percent-encoding' },
    });
  });

  it('answers a deeply nested body with 400, as any body that is not a request, and starts nothing', async () => {
    // Prepare
    const before = await canaryExecutionCount();
    const depth = 20_000;
    // Act
    const answer = await send('POST', '/releases/canary', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json.message).toMatch(/^invalid canary request:\n {2}- \(request\): must be an object/);
    expect(await canaryExecutionCount()).toBe(before);
  });

  it('answers an execution id that is neither <stateMachine>:<name> nor an execution ARN of this runtime with 400 naming executionId', async () => {
    // Act
    const bare = await call('GET', '/releases/checkout-v2');
    const elsewhere = await call(
      'GET',
      `/releases/${encodeURIComponent('arn:aws:states:eu-west-1:123456789012:execution:canary:checkout-v2')}`,
    );
    const unknownArn = await call(
      'GET',
      `/releases/${encodeURIComponent('arn:aws:states:us-east-1:000000000000:execution:canary:nobody')}`,
    );
    const approveBare = await call('POST', '/releases/checkout-v2/approve', {});
    // Assess
    const message = (got: string) =>
      `executionId must be <stateMachine>:<name> (the part of the execution ARN after ":execution:") or an execution ARN of this runtime (arn:aws:states:us-east-1:000000000000:execution:<stateMachine>:<name>) (got ${JSON.stringify(got)})`;
    expect(bare).toMatchObject({ status: 400, json: { message: message('checkout-v2') } });
    expect(elsewhere).toMatchObject({
      status: 400,
      json: { message: message('arn:aws:states:eu-west-1:123456789012:execution:canary:checkout-v2') },
    });
    expect(unknownArn.status).toBe(404);
    expect(unknownArn.json.message).toMatch(/Execution Does Not Exist/);
    expect(approveBare).toMatchObject({ status: 400, json: { message: message('checkout-v2') } });
  });

  it('refuses an unknown, repeated or empty query parameter with 400 naming it and the allowed ones, and starts nothing', async () => {
    // Prepare
    const before = await canaryExecutionCount();
    const request = aCanaryWithApproval({ name: 'query-typo', namespace: 'shop' });
    // Act
    const typo = await call('POST', '/releases/canary?nmae=typo-v1', request);
    const two = await call('POST', '/releases/canary?name=typo-v1&name=typo-v2', request);
    // A script whose $NAME is unset
    const empty = await call('POST', '/releases/canary?name=', request);
    // Assess
    expect(empty).toMatchObject({
      status: 400,
      json: {
        message:
          'query parameter name is empty: give the execution a name, or leave name out for a generated one',
      },
    });
    expect(typo).toMatchObject({
      status: 400,
      json: { message: 'unknown query parameter nmae (allowed: name)' },
    });
    expect(two).toMatchObject({
      status: 400,
      json: { message: 'query parameter name given 2 times: give it once' },
    });
    expect(await canaryExecutionCount()).toBe(before);
  });

  it("says how large a release's request may be, and how large it was, and starts nothing", async () => {
    // Prepare
    const before = await canaryExecutionCount();
    const request = canaryInput();
    // A release whose environment carries a large configuration: under the 256 KiB of an execution's input,
    // but too large to carry from state to state beside what the release adds (States.DataLimitExceeded
    // with the service locked)
    const body = { ...request, release: { ...request.release, env: { CONFIG: 'x'.repeat(200_000) } } };
    const size = Buffer.byteLength(JSON.stringify(body));
    // Act
    const answer = await call('POST', '/releases/canary?name=too-large', body);
    // Assess
    expect(answer).toMatchObject({
      status: 400,
      json: {
        message:
          'invalid canary request:\n' +
          `  - request: must be at most 65,536 bytes as JSON (got ${size.toLocaleString('en-US')}): a release ` +
          "carries it from state to state, within Step Functions' 262,144 bytes",
      },
    });
    expect(await canaryExecutionCount()).toBe(before);
  });

  it('says at which line and column a body is not valid JSON, and starts nothing', async () => {
    // Prepare
    const before = await canaryExecutionCount();
    // A missing comma: the parser stops at "release", on line 3 after two spaces
    const body = '{\n  "service": {"name": "checkout", "namespace": "shop"}\n  "release": {}\n}';
    // Act
    const started = await send('POST', '/releases/canary?name=bad-json', body);
    const approved = await send('POST', '/releases/canary:nobody/approve', '{\n "comment": "ok",\n}');
    // Assess
    expect(started.status).toBe(400);
    expect(started.json.message).toMatch(
      /^body: not valid JSON at line 3, column 3 \(Expected ',' or '}' after property value in JSON at position \d+/,
    );
    expect(approved.status).toBe(400);
    expect(approved.json.message).toMatch(/^body: not valid JSON at line 3, column 1 \(/);
    expect(await canaryExecutionCount()).toBe(before);
  });

  it('refuses a body that is not UTF-8, and starts nothing', async () => {
    // Prepare
    const before = await canaryExecutionCount();
    const json = JSON.stringify(canaryInput());
    const body = Buffer.concat([Buffer.from(json.slice(0, -1)), Buffer.from(',"x":"\xff"}', 'latin1')]);
    // Act
    const answer = await send('POST', '/releases/canary?name=not-utf8', body);
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ message: 'body: not valid UTF-8, which JSON text must be' });
    expect(await canaryExecutionCount()).toBe(before);
  });

  it('answers a body that is not an object with that one error', async () => {
    // Act
    const array = await call('POST', '/releases/canary', []);
    const noRelease = await call('POST', '/releases/canary', { ...canaryInput(), release: 'v2' });
    // Assess
    expect(array).toMatchObject({
      status: 400,
      json: { message: 'invalid canary request:\n  - (request): must be an object (got [])' },
    });
    expect(noRelease).toMatchObject({
      status: 400,
      json: { message: 'invalid canary request:\n  - release: must be an object (got "v2")' },
    });
  });

  it('says how long an approval comment may be, in characters', async () => {
    // Act
    const approved = await call('POST', '/releases/canary:nobody/approve', { comment: 'x'.repeat(1001) });
    // Assess
    expect(approved.status).toBe(400);
    expect(approved.json.message).toMatch(/comment: must be at most 1000 characters \(got "x/);
  });
});
