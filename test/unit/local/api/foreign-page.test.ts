import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fromForeignPage } from '#local/api/http-io.ts';

/** A request as the server sees it: its headers, and the local address it came in on. */
function arriving(headers: Record<string, string>, localAddress: string): IncomingMessage {
  return { headers, socket: { localAddress } } as unknown as IncomingMessage;
}

describe('fromForeignPage', () => {
  it('lets the console answer on the address it is served on, loopback or not', () => {
    // Act
    const verdicts = [
      fromForeignPage(arriving({ host: '127.0.0.1:8083', origin: 'http://127.0.0.1:8083' }, '127.0.0.1')),
      fromForeignPage(arriving({ host: 'localhost:8083', origin: 'http://localhost:8083' }, '::1')),
      // cutover local --host 0.0.0.0, opened from another machine on the LAN
      fromForeignPage(
        arriving({ host: '192.168.1.20:8083', origin: 'http://192.168.1.20:8083' }, '192.168.1.20'),
      ),
      fromForeignPage(arriving({ host: '127.0.0.1:8083' }, '127.0.0.1')), // curl, the CLI, an SDK
    ];
    // Assess
    expect(verdicts).toEqual([false, false, false, false]);
  });

  it("refuses another site's page, a null origin, and a rebound name on a loopback address", () => {
    // Act
    const verdicts = [
      fromForeignPage(arriving({ host: '127.0.0.1:8083', origin: 'https://attacker.example' }, '127.0.0.1')),
      fromForeignPage(arriving({ host: '127.0.0.1:8083', origin: 'null' }, '127.0.0.1')),
      fromForeignPage(arriving({ host: 'evil.test:8083', origin: 'http://evil.test:8083' }, '127.0.0.1')),
      fromForeignPage(
        arriving({ host: 'evil.test:8083', origin: 'http://evil.test:8083' }, '::ffff:127.0.0.1'),
      ),
    ];
    // Assess
    expect(verdicts).toEqual([true, true, true, true]);
  });
});
