import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fromForeignPage, namesThisMachine } from '#local/api/http-io.ts';

/** A request with these headers, as the server sees it. */
function withHeaders(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('namesThisMachine', () => {
  it('takes an IP address or localhost, as the runtime is opened, on any port', () => {
    // Act
    const hosts = ['127.0.0.1:8083', 'localhost:8083', '[::1]:8083', '192.168.1.20:8083', '10.0.0.5'];
    // Assess
    expect(hosts.map((host) => namesThisMachine(withHeaders({ host })))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(namesThisMachine(withHeaders({}))).toBe(true); // HTTP/1.0
  });

  it('refuses a name, which a rebinding page resolves to this machine', () => {
    // Act
    const hosts = ['evil.test:8083', 'devbox:8083', '127.0.0.1.nip.io:8083', 'localhost.evil.test'];
    // Assess
    expect(hosts.map((host) => namesThisMachine(withHeaders({ host })))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('fromForeignPage', () => {
  it('lets the runtime’s own pages through, and tools that name no origin', () => {
    // Act
    const verdicts = [
      fromForeignPage(withHeaders({ host: '127.0.0.1:8083', origin: 'http://127.0.0.1:8083' })),
      fromForeignPage(withHeaders({ host: '192.168.1.20:8083', origin: 'http://192.168.1.20:8083' })),
      fromForeignPage(withHeaders({ host: '127.0.0.1:8083' })), // curl, the CLI, an SDK
    ];
    // Assess
    expect(verdicts).toEqual([false, false, false]);
  });

  it("refuses another site's page and a null origin", () => {
    // Act
    const verdicts = [
      fromForeignPage(withHeaders({ host: '127.0.0.1:8083', origin: 'https://attacker.example' })),
      fromForeignPage(withHeaders({ host: '127.0.0.1:8083', origin: 'http://localhost:8083' })),
      fromForeignPage(withHeaders({ host: '127.0.0.1:8083', origin: 'null' })),
    ];
    // Assess
    expect(verdicts).toEqual([true, true, true]);
  });
});
