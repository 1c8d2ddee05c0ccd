import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sendJson } from '#local/api/http-io.ts';
import { startTestRuntime } from '#test/support/local-runtime.ts';

/** GET `path` through `agent`: resolves with the status, or with the socket's error code. */
function get(endpoint: string, path: string, agent: Agent): Promise<number | string> {
  return new Promise((resolve) => {
    const sent = request(`${endpoint}${path}`, { agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    });
    sent.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    sent.end();
  });
}

describe('LocalApiServer: close', () => {
  it('answers every request it acted on, also one sent on a kept-alive connection while it closes', async () => {
    // Prepare: a route that acts, then answers after the request's delay; two kept-alive connections
    const local = await startTestRuntime();
    const acted: string[] = [];
    local.runtime.server.addRoute('GET', '/act/:ms', async (_request, response, { ms }) => {
      acted.push(ms!);
      await delay(Number(ms));
      sendJson(response, 200, { ms }, 'application/json');
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    // Act: close while a slow and a quick request are in flight; a third waits for a free connection,
    // which the quick one's is once answered
    const slow = get(local.endpoint, '/act/300', agent);
    const quick = get(local.endpoint, '/act/100', agent);
    const queued = get(local.endpoint, '/act/500', agent);
    await delay(50);
    const closed = local.close();
    const outcomes = await Promise.all([slow, quick, queued]);
    await closed;
    agent.destroy();
    // Assess: acted on means answered (200); one not acted on may fail, as the server is gone
    expect(outcomes.slice(0, 2)).toEqual([200, 200]);
    expect(outcomes.filter((outcome) => outcome === 200)).toHaveLength(acted.length);
  });
});
