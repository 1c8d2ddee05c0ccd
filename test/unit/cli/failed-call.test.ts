import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AnsweringServers } from '#test/support/answering-servers.ts';
import { createStepFunctionsClient } from '../../../src/cli/endpoint.ts';
import { describeFailedCall, withFailedCalls } from '../../../src/cli/failed-call.ts';

const servers = new AnsweringServers();

afterEach(async () => {
  vi.unstubAllEnvs();
  await servers.stopAll();
});

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
    const endpoint = await servers.start((_, response) => {
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
    const endpoint = await servers.start((_, response) => response.writeHead(404).end());
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
    const endpoint = await servers.closedPort();
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

  it('says in one line that an https:// endpoint serving http:// fails the TLS handshake, not the OpenSSL trace', async () => {
    // Prepare: the local runtime serves plain http
    const plain = await servers.start((_, response) => response.writeHead(200).end('{}'));
    const endpoint = plain.replace('http://', 'https://');
    const sfn = createStepFunctionsClient({ endpoint });
    // Act
    const said = describeFailedCall(await failureOf(sfn));
    // Assess
    expect(said).toBe(
      `ListExecutions at ${endpoint} failed: TLS handshake failed (EPROTO: wrong version number): ` +
        'does it serve http:// rather than https://?',
    );
  });

  it("puts a Step Functions message that spans lines on the error's one line", async () => {
    // Prepare
    const endpoint = await servers.start((_, response) => {
      response
        .writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
        .end('{"__type":"InvalidArn","message":"Invalid Arn:\\n  \'x\'\\r\\n\\tno resource "}');
    });
    const sfn = createStepFunctionsClient({ endpoint });
    // Act
    const said = describeFailedCall(await failureOf(sfn));
    // Assess
    expect(said).toBe(
      `ListExecutions at ${endpoint} failed: InvalidArn (HTTP 400): Invalid Arn: 'x' no resource`,
    );
  });

  it('says nothing of an error no client threw', () => {
    // Act + Assess
    expect(describeFailedCall(new Error('no execution named "checkout-v9"'))).toBeUndefined();
  });
});
