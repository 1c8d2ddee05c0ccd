// A tiny HTTP app to rehearse rollouts with: it answers with its VERSION, fails a fraction ERROR_RATE of
// requests with 500, waits LATENCY_MS before answering, and serves /healthz for readiness probes.
//
//   PORT=8080 VERSION=v2 ERROR_RATE=0.1 LATENCY_MS=20 node examples/app/server.js
//
// Failures are spread evenly rather than drawn at random: request n fails when floor(n * ERROR_RATE)
// grows, so N requests to one replica fail exactly floor(N * ERROR_RATE) times.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);
const version = process.env.VERSION ?? 'dev';
const track = process.env.TRACK ?? '';
const errorRate = Number(process.env.ERROR_RATE ?? 0);
const latencyMs = Number(process.env.LATENCY_MS ?? 0);

if (!Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) {
  console.error(
    `ERROR_RATE must be a number between 0 and 1 (got ${JSON.stringify(process.env.ERROR_RATE)})`,
  );
  process.exit(2);
}
if (!Number.isFinite(latencyMs) || latencyMs < 0) {
  console.error(`LATENCY_MS must be a number >= 0 (got ${JSON.stringify(process.env.LATENCY_MS)})`);
  process.exit(2);
}

let served = 0;

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'x-app-version': version });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  if (req.url === '/healthz') return send(res, 200, { status: 'ok', version });
  served += 1;
  const fails = Math.floor(served * errorRate) > Math.floor((served - 1) * errorRate);
  setTimeout(() => {
    if (fails) send(res, 500, { error: 'injected failure', version, track });
    else send(res, 200, { version, track });
  }, latencyMs);
});

server.listen(port, '127.0.0.1', () => console.log(`app ${version} listening on 127.0.0.1:${port}`));

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}

// Exit when the process that started this one is gone, so a killed supervisor leaves no orphan behind.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();
