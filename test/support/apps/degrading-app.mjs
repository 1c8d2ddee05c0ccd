// An app that is healthy at first, then fails: it answers 200 with its VERSION for FAIL_AFTER_MS
// milliseconds after it started, then 500 to every request (GET /healthz stays 200, so it stays ready), as
// a release that degrades after it passed its first analysis would.
//
//   PORT=8080 VERSION=v2 FAIL_AFTER_MS=4000 node test/support/apps/degrading-app.mjs
import { createServer } from 'node:http';

const version = process.env.VERSION ?? 'dev';
const failsAt = Date.now() + Number(process.env.FAIL_AFTER_MS ?? 0);

const server = createServer((req, res) => {
  const status = req.url === '/healthz' || Date.now() < failsAt ? 200 : 500;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ version, status }));
});
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1');

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
