import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTraffic } from '#local/adapters/traffic-generator.ts';

describe('startTraffic', () => {
  it('refuses a URL off this machine, naming the field', () => {
    // Act + Assess
    expect(() => startTraffic({ url: 'http://example.com/', ratePerSecond: 10 })).toThrowError(
      'url must point at 127.0.0.1, localhost or [::1] (got http://example.com/)',
    );
  });

  it('counts a refused connection as failed, by why, and stops after the total', async () => {
    // Act
    const stats = await startTraffic({ url: 'http://127.0.0.1:1/', ratePerSecond: 1_000, total: 3 }).done;
    // Assess
    expect({ sent: stats.sent, failed: stats.failed, answered: stats.answered }).toEqual({
      sent: 3,
      failed: 3,
      answered: 0,
    });
    expect(stats.byFailure).toEqual({ ECONNREFUSED: 3 });
  });

  it('counts an answer broken off mid-body as failed, and still stops after the total', async () => {
    // Prepare: a server that sends its headers and part of the body, then drops the connection
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      response.write('part', () => response.socket?.destroy());
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      // Act
      const stats = await startTraffic({ url, ratePerSecond: 1_000, total: 3 }).done;
      // Assess
      expect({ sent: stats.sent, failed: stats.failed, answered: stats.answered }).toEqual({
        sent: 3,
        failed: 3,
        answered: 0,
      });
      expect(stats.byFailure).toEqual({ ECONNRESET: 3 });
    } finally {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    }
  });

  it('names the track every request is for when given one, as a preview needs', async () => {
    // Prepare: a server that answers as the track each request names
    const named: unknown[] = [];
    const server = createServer((request, response) => {
      named.push(request.headers['x-cutover-track']);
      response.setHeader('x-cutover-track', String(request.headers['x-cutover-track']));
      response.end('ok');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      // Act
      const stats = await startTraffic({ url, ratePerSecond: 1_000, total: 4, track: 'green' }).done;
      // Assess
      expect(named).toEqual(['green', 'green', 'green', 'green']);
      expect(stats.byTrack).toEqual({ green: 4 });
    } finally {
      server.close();
    }
  });
});
