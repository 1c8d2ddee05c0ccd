import { request } from 'node:http';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  DescribeStateMachineForExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StateMachineDeleting,
  StopExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson } from '#local/api/http-io.ts';
import { MapLambdaRegistry } from '#local/lambda-registry.ts';
import {
  sfnClient,
  startTestRuntime,
  type TestRuntime,
  waitForExecution,
} from '#test/support/local-runtime.ts';

const ROLE = 'arn:aws:iam::000000000000:role/test';
const passMachine = (result: string) =>
  JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', Result: result, End: true } } });

let local: TestRuntime;
let machines = 0;

beforeAll(async () => {
  local = await startTestRuntime({
    lambdas: new MapLambdaRegistry({ echo: (payload) => payload, hang: () => new Promise(() => {}) }),
  });
  local.runtime.server.addRoute('GET', '/releases/:id', (_request, response, { id }) =>
    sendJson(response, 200, { id }, 'application/json'),
  );
});

afterAll(async () => {
  await local?.close();
});

async function createMachine(definition = passMachine('done')): Promise<string> {
  const name = `machine-${++machines}`;
  const created = await local.client.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }));
  return created.stateMachineArn!;
}

/** A raw POST, for requests the SDK would never send. */
async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(local.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', ...headers },
    body,
  });
  const json = (await response.json()) as { __type?: string; message?: string; creationDate?: number };
  return { status: response.status, type: response.headers.get('content-type'), json };
}

describe('LocalApiServer: protocol', () => {
  it('keeps an idle connection for 65 s, and says so, so that a client polling every few seconds reuses it', async () => {
    // Act
    const response = await fetch(local.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
      },
      body: '{}',
    });
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('keep-alive')).toBe('timeout=65');
  });

  it('refuses a request naming the runtime by a host name with a named error the SDK reports', async () => {
    // Prepare: a client whose requests name the runtime as a container reaching its host would
    const client = sfnClient(local.endpoint);
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; port?: number };
        request.headers.host = `host.docker.internal:${request.port}`;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'nameTheHost' },
    );
    // Act
    const refused = await client.send(new ListStateMachinesCommand({})).catch((error: unknown) => error);
    // Assess
    expect(refused).toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('Host host.docker.internal:'),
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    const answer = await post('{}', { 'x-amz-target': 'AWSStepFunctions.DescribeWorkflow' });
    expect(answer.status).toBe(400);
    expect(answer.type).toBe('application/x-amz-json-1.0');
    expect(answer.json.__type).toBe('UnknownOperationException');
    expect(answer.json.message).toContain('AWSStepFunctions.DescribeWorkflow');
  });

  it('serves Step Functions calls on POST / only: elsewhere X-Amz-Target is no call, and / names POST among its methods', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    const target = { 'x-amz-target': 'AWSStepFunctions.StopExecution' };
    const stop = JSON.stringify({ executionArn });
    // Act
    const put = await fetch(local.endpoint, { method: 'PUT', headers: target, body: stop });
    const onRoute = await fetch(`${local.endpoint}/releases/x`, {
      method: 'POST',
      headers: target,
      body: stop,
    });
    const onOtherPath = await fetch(`${local.endpoint}/elsewhere`, {
      method: 'POST',
      headers: target,
      body: stop,
    });
    const described = await local.client.send(new DescribeExecutionCommand({ executionArn }));
    // Assess
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
    expect(await put.json()).toEqual({ message: 'PUT is not allowed on / (allowed: GET, HEAD, POST)' });
    expect(onRoute.status).toBe(405);
    expect(onOtherPath.status).toBe(404);
    expect(described.status).not.toBe('ABORTED');
  });

  it('answers a POST without X-Amz-Target with UnknownOperationException', async () => {
    expect((await post('{}')).json.__type).toBe('UnknownOperationException');
  });

  it('answers malformed JSON and non-object bodies with SerializationException', async () => {
    const target = { 'x-amz-target': 'AWSStepFunctions.ListStateMachines' };
    expect((await post('{"maxResults": 1', target)).json.__type).toBe('SerializationException');
    expect((await post('[1, 2]', target)).json.__type).toBe('SerializationException');
  });

  it('refuses a body that is not UTF-8 with SerializationException, starting nothing', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    const body = Buffer.concat([
      Buffer.from(`{"stateMachineArn":"${stateMachineArn}","name":"`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    // Act
    const answer = await post(body, { 'x-amz-target': 'AWSStepFunctions.StartExecution' });
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      __type: 'SerializationException',
      message: 'body: not valid UTF-8, which JSON text must be',
    });
    const { executions } = await local.client.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(executions).toEqual([]);
  });

  it('names the bad field in a ValidationException', async () => {
    const answer = await post('{"stateMachineArn": 7}', {
      'x-amz-target': 'AWSStepFunctions.StartExecution',
    });
    expect(answer.json).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value '7' at 'stateMachineArn' failed to satisfy constraint: Member must be of type string",
    });
  });

  it('takes a member set to null as absent: an optional one is left out, a required one is missing', async () => {
    const stateMachineArn = await createMachine();
    const started = await post(JSON.stringify({ stateMachineArn, name: null, input: null }), {
      'x-amz-target': 'AWSStepFunctions.StartExecution',
    });
    expect(started.status).toBe(200);
    expect(started.json).toMatchObject({ executionArn: expect.stringContaining(':execution:') });
    const missing = await post('{"stateMachineArn": null}', {
      'x-amz-target': 'AWSStepFunctions.StartExecution',
    });
    expect(missing.json).toEqual({
      __type: 'ValidationException',
      message:
        "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null",
    });
  });

  it('refuses a body over the size limit and keeps serving', async () => {
    // Prepare
    const huge = Buffer.alloc(5 * 1024 * 1024, 'a');
    // Act
    const answer = await post(huge, { 'x-amz-target': 'AWSStepFunctions.ListStateMachines' });
    const after = await local.client.send(new ListStateMachinesCommand({}));
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json.__type).toBe('ValidationException');
    expect(answer.json.message).toContain('exceeds the limit of 4194304 bytes');
    expect(after.stateMachines).toBeDefined();
  });

  it('survives a client that disconnects mid-body', async () => {
    // Act
    await new Promise<void>((resolve) => {
      const url = new URL(local.endpoint);
      const partial = request({ host: url.hostname, port: url.port, method: 'POST', path: '/' }, () => {});
      partial.on('error', () => resolve());
      partial.setHeader('x-amz-target', 'AWSStepFunctions.ListStateMachines');
      partial.setHeader('content-length', '1000');
      partial.write('{"maxRes', () => {
        partial.destroy();
        resolve();
      });
    });
    // Assess
    expect((await local.client.send(new ListStateMachinesCommand({}))).stateMachines).toBeDefined();
  });

  it('serves added routes with their parameters and 404s other paths', async () => {
    const found = await fetch(`${local.endpoint}/releases/r-42`);
    const missing = await fetch(`${local.endpoint}/nowhere`);
    expect(await found.json()).toEqual({ id: 'r-42' });
    expect(missing.status).toBe(404);
  });

  it('reads a path that starts with // as a path, not as another host, and never answers 500', async () => {
    // Prepare: what a base URL with a trailing slash sends, and paths whose first segment looks like a host
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(local.endpoint);
        const call = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (response) => {
          let body = '';
          response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        call.on('error', reject).end();
      });
    // Act
    const [root, doubled, root2] = await Promise.all(['/', '//', '///'].map(get));
    const trailingSlashBase = await get('//releases/r-42');
    const hostLike = await Promise.all(['//r-42/releases/r-42', '//a:b@/x'].map(get));
    // Assess: empty segments are skipped, as in /releases//r-42
    expect([doubled!.status, root2!.status]).toEqual([root!.status, root!.status]);
    expect(trailingSlashBase).toEqual({ status: 200, body: '{"id":"r-42"}' });
    expect(hostLike.map(({ status }) => status)).toEqual([404, 404]);
    expect(JSON.parse(hostLike[0]!.body)).toEqual({ message: 'No route for GET //r-42/releases/r-42' });
  });

  it('answers HEAD on a GET route with its status and headers and no body', async () => {
    // Act
    const head = await fetch(`${local.endpoint}/releases/r-42`, { method: 'HEAD' });
    const get = await fetch(`${local.endpoint}/releases/r-42`);
    // Assess
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect(await head.text()).toBe('');
  });

  it('sends timestamps as epoch seconds', async () => {
    const arn = await createMachine();
    const answer = await post(JSON.stringify({ stateMachineArn: arn }), {
      'x-amz-target': 'AWSStepFunctions.DescribeStateMachine',
    });
    expect(typeof answer.json.creationDate).toBe('number');
    expect(Math.abs(answer.json.creationDate! - Date.now() / 1000)).toBeLessThan(3600);
  });
});

describe('LocalApiServer: operations through @aws-sdk/client-sfn', () => {
  it('CreateStateMachine with identical parameters is idempotent', async () => {
    const name = `idempotent-${++machines}`;
    const input = { name, definition: passMachine('x'), roleArn: ROLE };
    const first = await local.client.send(new CreateStateMachineCommand(input));
    const second = await local.client.send(new CreateStateMachineCommand(input));
    expect(second.stateMachineArn).toBe(first.stateMachineArn);
  });

  it('UpdateStateMachine changes what new executions run, and DescribeStateMachineForExecution tells which', async () => {
    // Prepare
    const stateMachineArn = await createMachine(passMachine('v1'));
    const before = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    await waitForExecution(local.client, before.executionArn!);
    // Act
    await local.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, definition: passMachine('v2') }),
    );
    const after = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    const execution = await waitForExecution(local.client, after.executionArn!);
    const used = await local.client.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: before.executionArn }),
    );
    // Assess
    expect(JSON.parse(execution.output!)).toBe('v2');
    expect(JSON.parse(used.definition!).States.P.Result).toBe('v1');
    const described = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    expect(JSON.parse(described.definition!).States.P.Result).toBe('v2');
  });

  it('ListExecutions filters by status; GetExecutionHistory pages and reverses', async () => {
    // Prepare
    const stateMachineArn = await createMachine();
    const { executionArn } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'paged' }),
    );
    await waitForExecution(local.client, executionArn!);
    // Act
    const succeeded = await local.client.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );
    const running = await local.client.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING' }),
    );
    const page1 = await local.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 2 }));
    const page2 = await local.client.send(
      new GetExecutionHistoryCommand({ executionArn, maxResults: 2, nextToken: page1.nextToken }),
    );
    const reversed = await local.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }),
    );
    // Assess
    expect(succeeded.executions!.map((e) => e.name)).toEqual(['paged']);
    expect(running.executions).toEqual([]);
    expect([...page1.events!, ...page2.events!].map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(reversed.events![0]!.type).toBe('ExecutionSucceeded');
    expect(page1.events![0]!.timestamp).toBeInstanceOf(Date);
  });

  it('ValidateStateMachineDefinition reports OK and FAIL with diagnostics', async () => {
    const ok = await local.client.send(
      new ValidateStateMachineDefinitionCommand({ definition: passMachine('x') }),
    );
    const fail = await local.client.send(
      new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt":"Nowhere","States":{}}' }),
    );
    expect(ok.result).toBe('OK');
    expect(fail.result).toBe('FAIL');
    expect(fail.diagnostics!.length).toBeGreaterThan(0);
  });

  it('words a value over its maximum with the value, as AWS does', async () => {
    // Act
    const refused = local.client.send(new ListStateMachinesCommand({ maxResults: 1001 }));
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    });
  });

  it('DeleteStateMachine removes it from ListStateMachines', async () => {
    const stateMachineArn = await createMachine();
    await local.client.send(new DeleteStateMachineCommand({ stateMachineArn }));
    const listed = await local.client.send(new ListStateMachinesCommand({ maxResults: 1000 }));
    expect(listed.stateMachines!.map((m) => m.stateMachineArn)).not.toContain(stateMachineArn);
  });

  it('DeleteStateMachine with a RUNNING execution: DELETING, StateMachineDeleting, gone once it is stopped', async () => {
    // Prepare
    const hang = { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:hang', End: true };
    const definition = JSON.stringify({ StartAt: 'T', States: { T: hang } });
    const stateMachineArn = await createMachine(definition);
    const name = stateMachineArn.split(':').pop()!;
    const { executionArn } = await local.client.send(new StartExecutionCommand({ stateMachineArn }));
    // Act
    await local.client.send(new DeleteStateMachineCommand({ stateMachineArn }));
    const described = await local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    const refused = (sent: Promise<unknown>) =>
      sent.then(
        () => undefined,
        (error: Error) => error,
      );
    const refusals = await Promise.all([
      refused(local.client.send(new StartExecutionCommand({ stateMachineArn }))),
      refused(local.client.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE }))),
      refused(
        local.client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: passMachine('x') })),
      ),
    ]);
    await local.client.send(new StopExecutionCommand({ executionArn }));
    const afterStop = local.client.send(new DescribeStateMachineCommand({ stateMachineArn }));
    // Assess
    expect(described.status).toBe('DELETING');
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(StateMachineDeleting);
      expect(refusal?.message).toBe(`State Machine is being deleted: '${stateMachineArn}'`);
    }
    await expect(afterStop).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });

  it('DescribeExecution reports the input, output and dates', async () => {
    const stateMachineArn = await createMachine();
    const { executionArn, startDate } = await local.client.send(
      new StartExecutionCommand({ stateMachineArn, input: '{"k":1}' }),
    );
    await waitForExecution(local.client, executionArn!);
    const execution = await local.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(execution).toMatchObject({
      status: 'SUCCEEDED',
      input: '{"k":1}',
      output: '"done"',
      stateMachineArn,
    });
    expect(startDate).toBeInstanceOf(Date);
    expect(execution.stopDate!.getTime()).toBeGreaterThanOrEqual(execution.startDate!.getTime());
  });
});
