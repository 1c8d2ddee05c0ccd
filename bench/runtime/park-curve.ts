/**
 * How scenario (c)'s cost moves as a process warms up: parks 20,000 executions on one engine in blocks of
 * 2,000 (bursts of 200, as scenario (c) does) and prints each block's wall time and garbage collection
 * time in µs per execution.
 *
 *   node --import tsx bench/runtime/park-curve.ts [peer|memory|durable]
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { benchOptions, refuseUsage } from '../options.ts';
import { type EngineKind, openEngine } from './engines.ts';
import { PARK_DEFINITION } from './scenarios.ts';

const BLOCKS = 10;
const BLOCK = 2_000;
const BURST = 200;

const USAGE = 'node --import tsx bench/runtime/park-curve.ts [peer|memory|durable]';
const { positionals } = benchOptions({ options: {}, allowPositionals: true }, USAGE);
const kind = (positionals[0] ?? 'memory') as EngineKind;
if (positionals.length > 1 || !['peer', 'memory', 'durable'].includes(kind)) {
  refuseUsage(`engine must be peer, memory or durable (got ${JSON.stringify(positionals.join(' '))})`, USAGE);
}
let gcMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
});
observer.observe({ entryTypes: ['gc'] });
const engine = await openEngine(kind);
try {
  const machine = await engine.machine('park', PARK_DEFINITION);
  const rows: string[] = [];
  for (let block = 0; block < BLOCKS; block++) {
    const started = performance.now();
    const gcBefore = gcMs;
    for (let first = 0; first < BLOCK; first += BURST) {
      const ids = Array.from({ length: BURST }, (_, index) => block * BLOCK + first + index);
      await Promise.all(ids.map((id) => machine.start({ id })));
    }
    await new Promise((resolve) => setImmediate(resolve));
    const perExecution = (ms: number) => ((ms * 1000) / BLOCK).toFixed(1);
    const range = `${(block * BLOCK) / 1000}-${((block + 1) * BLOCK) / 1000}k`;
    rows.push(
      `${range.padEnd(7)} ${perExecution(performance.now() - started).padStart(6)} ${perExecution(gcMs - gcBefore).padStart(6)}`,
    );
  }
  console.log(`${kind}: µs per parked execution\nblock     wall     gc\n${rows.join('\n')}`);
} finally {
  observer.disconnect();
  await engine.close();
}
