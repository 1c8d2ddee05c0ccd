import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createStepFunctionsClient } from '../../../src/cli/endpoint.ts';
import { describeFailedCall, withFailedCalls } from '../../../src/cli/failed-call.ts';

const servers: Server[] = [];

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A server on 127.0.0.1 (a free port) answering every request with `answer`; its URL. */
async function aServer(answer: RequestListener): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    answer(request, response);
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A URL nothing listens on: a server's, closed. */
async function aClosedPort(): Promise<string> {
  const url = await aServer(() => {});
  const server = servers.pop()!;
  await new Promise((done) => server.close(done));
  return url;
}

/** What `client`'s ListExecutions call fails with. */
async function failureOf(client: SFNClient): Promise<unknown> {
  return client.send(new ListExecutionsCommand({ stateMachineArn: 'arn:aws:states:::stateMachine:x' })).then(
    () => expect.fail('the call succeeded'),
    (error: unknown) => error,
  );
}

describe('describeFailedCall', () => {
  it("names a Step Functions error with its HTTP status and message, and the call's region with --aws", async () => {
    // Prepare
    const endpoint = await aServer((_, response) => {
      response
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
        .end('{"__type":"InvalidArn","message":"Invalid Arn: \'x\'"}');
    });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
    vi.stubEnv('AWS_PROFILE', '');
    const sfn = createStepFunctionsClient({ aws: true, region: 'eu-west-1', endpoint });
    // Act
    const said = describeFailedCall(await failureOf(sfn));
    // Assess
    expect(said).toBe(
      `ListExecutions at ${endpoint} (eu-west-1) failed: InvalidArn (HTTP 400): Invalid Arn: 'x'`,
    );
  });

  it('asks whether CUTOVER_ENDPOINT is right when what answers there is not Step Functions', async () => {
    // Prepare
    const endpoint = await aServer((_, response) => response.writeHead(404).end());
    const sfn = createStepFunctionsClient({}, { CUTOVER_ENDPOINT: endpoint });
    // Act
    const said = describeFailedCall(await failureOf(sfn));
    // Assess
    expect(said).toBe(
      `ListExecutions at ${endpoint} failed: HTTP 404 Not Found ` +
        '(not a Step Functions answer: is a proxy in the way, or is CUTOVER_ENDPOINT right?)',
    );
  });

  it('asks whether `cutover local` runs when the local endpoint the user did not name refuses', async () => {
    // Prepare
    const endpoint = await aClosedPort();
    const sfn = withFailedCalls(
      new SFNClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      }),
      { aws: false },
    );
    // Act
    const said = describeFailedCall(await failureOf(sfn));
    // Assess
    expect(said).toBe(
      `ListExecutions at ${endpoint} failed: connect ECONNREFUSED ${endpoint.replace('http://', '')} ` +
        '(is `cutover local` running? or pass --endpoint <url>, or --aws)',
    );
  });

  it('says nothing of an error no client threw', () => {
    // Act + Assess
    expect(describeFailedCall(new Error('no execution named "checkout-v9"'))).toBeUndefined();
  });
});
