import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { withoutRetryAfterTimeout } from '../../../src/cli/call-timeouts.ts';

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A server on 127.0.0.1 (a free port) that counts the requests it gets and treats each with `answer`. */
async function aServer(answer: RequestListener): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    answer(request, response);
  });
  servers.push(server);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

/** A client of `endpoint` trying each call 3 times, giving an attempt up after 200 ms. */
function aClientOf(endpoint: string): SFNClient {
  return withoutRetryAfterTimeout(
    new SFNClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 3,
      requestHandler: { requestTimeout: 200, throwOnRequestTimeout: true },
    }),
  );
}

describe('withoutRetryAfterTimeout', () => {
  it('fails a call that timed out after one attempt, with the TimeoutError watch waits through', async () => {
    // Prepare
    const server = await aServer((request) => request.resume());
    // Act
    const failed = aClientOf(server.url).send(new ListStateMachinesCommand({}));
    // Assess
    await expect(failed).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(server.requests()).toBe(1);
  });

  it("keeps the SDK's retries of other failures: a 503 is tried 3 times", async () => {
    // Prepare
    const server = await aServer((request, response) => {
      request.resume();
      response.writeHead(503).end();
    });
    // Act
    const failed = aClientOf(server.url).send(new ListStateMachinesCommand({}));
    // Assess
    await expect(failed).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(server.requests()).toBe(3);
  });

  it('tries again a call whose kept-alive connection the endpoint reset: a reset is not a timeout', async () => {
    // Prepare: the endpoint closes the connection of the first call as the second comes in on it
    const server = await aServer((request, response) => {
      request.resume();
      if (server.requests() === 2) response.socket?.resetAndDestroy();
      else
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"stateMachines":[]}');
    });
    const client = aClientOf(server.url);
    await client.send(new ListStateMachinesCommand({}));
    // Act
    const listed = await client.send(new ListStateMachinesCommand({}));
    // Assess
    expect(listed.stateMachines).toEqual([]);
    expect(server.requests()).toBe(3);
  });

  it('lets the next call of the client try again', async () => {
    // Prepare: the first request is never answered, the next ones are
    const server = await aServer((request, response) => {
      request.resume();
      if (server.requests() > 1) {
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"stateMachines":[]}');
      }
    });
    const client = aClientOf(server.url);
    await expect(client.send(new ListStateMachinesCommand({}))).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    // Act
    const listed = await client.send(new ListStateMachinesCommand({}));
    // Assess
    expect(listed.stateMachines).toEqual([]);
  });
});
