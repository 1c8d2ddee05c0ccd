import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnsweringServers, ISOLATED_AWS } from '#test/support/answering-servers.ts';
import { startCli, stopStartedClis } from '#test/support/cli-process.ts';

const REGION = 'eu-west-1';

interface Outcome {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

const servers = new AnsweringServers();

afterEach(async () => {
  await stopStartedClis();
  await servers.stopAll();
});

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

describe('cutover --endpoint of the local runtime that is not Step Functions', () => {
  it("refuses a server answering 200 JSON to anything (a service's proxy), in list, status and plan alike", async () => {
    // Prepare
    const endpoint = await servers.start((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"v1"}');
    });
    const commands = [
      ['list'],
      ['status', 'shop/checkout'],
      ['plan', 'canary', '-f', 'examples/requests/canary.json'],
    ];
    // Act
    const outcomes = await Promise.all(
      commands.map(async (command) => {
        const cli = startCli([...command, '--endpoint', endpoint]);
        return { code: await cli.exited, stdout: cli.stdout(), stderr: cli.stderr() };
      }),
    );
    // Assess: plan does not call the next release a first one
    for (const outcome of outcomes) {
      expect(outcome).toEqual({
        code: 1,
        stdout: '',
        stderr:
          `cutover: ListStateMachines at ${endpoint} failed: HTTP 200 OK ` +
          '(not a Step Functions answer: is a proxy in the way, or is --endpoint right?)\n',
      });
    }
  });
});

describe('cutover --aws --endpoint that is not Step Functions', () => {
  it('names the call, the endpoint, the region and the HTTP status of an empty 404, exit 1', async () => {
    // Prepare
    const endpoint = await servers.start((request, response) => {
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

  it('says a server answering 200 JSON to anything is not Step Functions, rather than listing nothing', async () => {
    // Prepare: a service's own app, as behind the proxy `cutover local` prints
    const endpoint = await servers.start((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"v1"}');
    });
    // Act
    const list = await listAt(endpoint);
    // Assess
    expect(list).toMatchObject({ code: 1, stdout: '' });
    expect(list.stderr).toBe(
      `cutover: ListStateMachines at ${endpoint} (${REGION}) failed: HTTP 200 OK ` +
        '(not a Step Functions answer: is a proxy in the way, or is --endpoint right?)\n',
    );
  });

  it("says a proxy's HTML 502 page is not a Step Functions answer, not how the SDK failed to read it", async () => {
    // Prepare
    const endpoint = await servers.start((request, response) => {
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
    const endpoint = await servers.start((request) => request.resume());
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
    const endpoint = await servers.closedPort();
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
    const endpoint = await servers.start((_, response) => response.writeHead(500).end());
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
