import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli, stopStartedClis } from '#test/support/cli-process.ts';

const REGION = 'eu-west-1';

/** Credentials and files that keep the SDK away from the machine's own AWS setup. */
const ISOLATED_AWS = {
  AWS_ACCESS_KEY_ID: 'AKIDTESTTESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'secret',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_REGION: '',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  CUTOVER_STACK: '',
};

interface Outcome {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

const servers: Server[] = [];

afterEach(async () => {
  await stopStartedClis();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** An HTTP server on 127.0.0.1 (a free port) answering every request with `answer`; its URL. */
async function aServer(answer: RequestListener): Promise<string> {
  const server = createServer(answer);
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

/** Runs `cutover list --aws` against `endpoint`, with test credentials and `env`, to its exit. */
async function listAt(endpoint: string, env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const started = Date.now();
  const cli = startCli(['list', '--aws', '--region', REGION, '--endpoint', endpoint], {
    ...ISOLATED_AWS,
    ...env,
  });
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr(), seconds: (Date.now() - started) / 1000 };
}

describe('cutover --aws --endpoint that is not Step Functions', () => {
  it('names the call, the endpoint, the region and the HTTP status of an empty 404, exit 1', async () => {
    // Prepare
    const endpoint = await aServer((request, response) => {
      request.resume();
      response.writeHead(404).end();
    });
    // Act
    const list = await listAt(endpoint);
    // Assess
    expect(list).toMatchObject({ code: 1, stdout: '' });
    expect(list.stderr).toBe(
      `cutover: ListStateMachines at ${endpoint} (${REGION}) failed: HTTP 404 Not Found ` +
        '(not a Step Functions answer: is a proxy in the way, or is --endpoint right?)\n',
    );
  });

  it("says a proxy's HTML 502 page is not a Step Functions answer, not how the SDK failed to read it", async () => {
    // Prepare
    const endpoint = await aServer((request, response) => {
      request.resume();
      response
        .writeHead(502, { 'content-type': 'text/html' })
        .end('<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>');
    });
    // Act
    const list = await listAt(endpoint);
    // Assess
    expect(list.code).toBe(1);
    expect(list.stderr).toBe(
      `cutover: ListStateMachines at ${endpoint} (${REGION}) failed: HTTP 502 Bad Gateway ` +
        '(not a Step Functions answer: is a proxy in the way, or is --endpoint right?)\n',
    );
  });

  it('gives up on an endpoint that accepts the connection and never answers, naming it', async () => {
    // Prepare
    const endpoint = await aServer((request) => request.resume());
    // Act
    const list = await listAt(endpoint);
    // Assess
    expect(list.code).toBe(1);
    expect(list.stderr).toBe(
      `cutover: ListStateMachines at ${endpoint} (${REGION}) failed: no answer within 10 s ` +
        '(is --endpoint right, and reachable from here?)\n',
    );
    expect(list.seconds).toBeLessThan(25);
  }, 40_000);

  it('asks whether --endpoint is right when it refuses the connection, not whether `cutover local` runs', async () => {
    // Prepare
    const endpoint = await aClosedPort();
    const port = new URL(endpoint).port;
    // Act
    const list = await listAt(endpoint);
    // Assess
    expect(list.code).toBe(1);
    expect(list.stderr).toBe(
      `cutover: ListStateMachines at ${endpoint} (${REGION}) failed: connect ECONNREFUSED 127.0.0.1:${port} ` +
        '(is --endpoint right, and reachable from here?)\n',
    );
  });
});

describe('cutover --aws with an AWS_PROFILE that does not exist', () => {
  let configDir: string;

  beforeAll(() => {
    configDir = mkdtempSync(join(tmpdir(), 'cutover-aws-profile-'));
    writeFileSync(join(configDir, 'config'), '[profile deployer]\nregion = eu-west-1\n');
  });

  afterAll(() => rmSync(configDir, { recursive: true, force: true }));

  it("says the SDK's reason, naming the profile, and how to check it, exit 2", async () => {
    // Prepare
    const endpoint = await aServer((_, response) => response.writeHead(500).end());
    // Act
    const list = await listAt(endpoint, {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: 'nope',
      AWS_CONFIG_FILE: join(configDir, 'config'),
    });
    // Assess
    expect(list.code).toBe(2);
    expect(list.stderr).toBe(
      'cutover: no usable AWS credentials (Could not resolve credentials using profile: [nope] in ' +
        'configuration/credentials file(s)): check AWS_PROFILE=nope (`aws configure list-profiles`) or run ' +
        '`aws sso login`\n',
    );
  });
});
