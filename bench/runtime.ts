/**
 * Runtime benchmark: state transitions per second (states entered) of Cutover's embedded Step Functions
 * runtime, in memory and on a SQLite file, against aws-local-stepfunctions 3.0.0 measured in the same run:
 *   (a) one long Pass/Choice loop, (b) 200 concurrent short executions (in batches),
 *   (c) 10,000 executions parked in a one-hour Wait, each engine in its own child process, with RSS.
 * Every execution's output is checked, and each engine's own records (history, event log) must show the
 * number of states entered that the rates are computed from. Prints a table and PASS/MISS per target.
 *
 *   node --import tsx bench/runtime.ts [--quick]
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { benchOptions } from './options.ts';
import { ENGINE_LABELS, type EngineKind, openEngine } from './runtime/engines.ts';
import { type ParkResult, parkExecutions } from './runtime/park.ts';
import {
  expectOutput,
  LOOP_DEFINITION,
  loopTransitions,
  SHORT_DEFINITION,
  SHORT_TRANSITIONS,
} from './runtime/scenarios.ts';

const { values } = benchOptions(
  { options: { quick: { type: 'boolean', default: false }, park: { type: 'string' } } },
  'node --import tsx bench/runtime.ts [--quick]',
);
const KINDS: EngineKind[] = ['peer', 'memory', 'durable'];
const SCALE = values.quick ? 0.1 : 1;
const LOOP_ITERATIONS = Math.round(50_000 * SCALE);
const CONCURRENT = 200;
const BATCHES = Math.max(1, Math.round(100 * SCALE));
/** Timed runs per engine and scenario (child processes for (c)); the median is reported. */
const REPEATS = 5;
const PARKED = values.quick ? 1_000 : 10_000;
const TARGETS = { memoryRatio: 3, durableRatio: 1, parkedRssMb: 300 };

interface Measurement {
  scenario: string;
  kind: EngineKind;
  transitions: number;
  /** The median run's duration. */
  seconds: number;
  /** Every timed run's duration, in seconds. */
  runs: number[];
  rss?: ParkResult;
}

const rate = (m: Measurement): number => m.transitions / m.seconds;

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** The durations in seconds of {@link REPEATS} runs of `run`, and their median. */
async function timed(run: () => Promise<void>): Promise<{ seconds: number; runs: number[] }> {
  const runs: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    await run();
    runs.push((performance.now() - started) / 1000);
  }
  return { seconds: median(runs), runs };
}

/** Untimed: outputs and states entered, from each engine's own records, match what the rates assume. */
async function verifyCounting(kind: EngineKind): Promise<void> {
  const engine = await openEngine(kind);
  try {
    const loop = await engine.machine('verify-loop', LOOP_DEFINITION);
    const loopEntered = await loop.countStatesEntered({ i: 0, n: 50 });
    if (loopEntered !== loopTransitions(50)) throw new Error(`${kind}: loop entered ${loopEntered} states`);
    const short = await engine.machine('verify-short', SHORT_DEFINITION);
    const shortEntered = await short.countStatesEntered({ id: 1 });
    if (shortEntered !== SHORT_TRANSITIONS) throw new Error(`${kind}: short entered ${shortEntered} states`);
  } finally {
    await engine.close();
  }
}

async function measureLoop(kind: EngineKind): Promise<Measurement> {
  const engine = await openEngine(kind);
  try {
    const machine = await engine.machine('loop', LOOP_DEFINITION);
    expectOutput(`${kind} loop warm-up`, await machine.run({ i: 0, n: 1_000 }), { i: 1_000, n: 1_000 });
    const n = LOOP_ITERATIONS;
    const times = await timed(async () => {
      expectOutput(`${kind} loop`, await machine.run({ i: 0, n }), { i: n, n });
    });
    return { scenario: '(a) long Pass/Choice loop', kind, transitions: loopTransitions(n), ...times };
  } finally {
    await engine.close();
  }
}

async function measureConcurrent(kind: EngineKind): Promise<Measurement> {
  const engine = await openEngine(kind);
  try {
    const machine = await engine.machine('short', SHORT_DEFINITION);
    const batch = async (offset: number) => {
      const ids = Array.from({ length: CONCURRENT }, (_, i) => offset + i);
      const outputs = await Promise.all(ids.map((id) => machine.run({ id })));
      outputs.forEach((output, i) => {
        const id = ids[i]!;
        expectOutput(`${kind} short ${id}`, output, { id, kind: 'short', sum: 2 * id });
      });
    };
    await batch(0);
    let offset = CONCURRENT;
    const times = await timed(async () => {
      for (let b = 0; b < BATCHES; b++, offset += CONCURRENT) await batch(offset);
    });
    const transitions = BATCHES * CONCURRENT * SHORT_TRANSITIONS;
    return { scenario: `(b) ${CONCURRENT} concurrent short executions`, kind, transitions, ...times };
  } finally {
    await engine.close();
  }
}

/** One scenario (c) run of `kind` in a child process. */
async function parkInChild(kind: EngineKind): Promise<ParkResult> {
  const script = fileURLToPath(import.meta.url);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', script, '--park', kind, ...(values.quick ? ['--quick'] : [])],
    { maxBuffer: 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ParkResult;
}

/**
 * Scenario (c), {@link REPEATS} child processes per engine, the engines taking turns (so a noisy moment
 * of the machine does not fall on one engine only): the median time, and the largest RSS of the runs.
 */
async function measureParked(): Promise<Measurement[]> {
  const runs = new Map<EngineKind, ParkResult[]>(KINDS.map((kind) => [kind, []]));
  for (let i = 0; i < REPEATS; i++) for (const kind of KINDS) runs.get(kind)!.push(await parkInChild(kind));
  return KINDS.map((kind) => {
    const results = runs.get(kind)!;
    const largest = results.reduce((max, result) => (result.rssAfterMb > max.rssAfterMb ? result : max));
    const seconds = results.map((result) => result.seconds);
    return {
      scenario: `(c) ${PARKED.toLocaleString('en-US')} parked in Wait`,
      kind,
      transitions: results[0]!.transitions,
      seconds: median(seconds),
      runs: seconds,
      rss: largest,
    };
  });
}

function printTable(measurements: Measurement[]): void {
  const peerRate = (scenario: string) =>
    rate(measurements.find((m) => m.scenario === scenario && m.kind === 'peer')!);
  const rows = measurements.map((m) => [
    m.scenario,
    ENGINE_LABELS[m.kind],
    m.transitions.toLocaleString('en-US'),
    m.seconds.toFixed(2),
    `${Math.min(...m.runs).toFixed(2)}-${Math.max(...m.runs).toFixed(2)}`,
    Math.round(rate(m)).toLocaleString('en-US'),
    `${(rate(m) / peerRate(m.scenario)).toFixed(2)}x`,
    m.rss ? `${m.rss.rssAfterMb.toFixed(0)} MB (+${(m.rss.rssAfterMb - m.rss.rssBeforeMb).toFixed(0)})` : '',
  ]);
  const header = [
    'scenario',
    'engine',
    'transitions',
    'seconds',
    'runs, s',
    'transitions/s',
    'vs peer',
    'RSS parked',
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

function printTargets(measurements: Measurement[]): boolean {
  let allPass = true;
  const verdict = (label: string, pass: boolean, detail: string) => {
    allPass &&= pass;
    console.log(`${pass ? 'PASS' : 'MISS'}  ${label}: ${detail}`);
  };
  for (const scenario of [...new Set(measurements.map((m) => m.scenario))]) {
    const of = (kind: EngineKind) => measurements.find((m) => m.scenario === scenario && m.kind === kind)!;
    const memoryRatio = rate(of('memory')) / rate(of('peer'));
    const durableRatio = rate(of('durable')) / rate(of('peer'));
    verdict(
      `${scenario}, in-memory >= ${TARGETS.memoryRatio}x peer`,
      memoryRatio >= TARGETS.memoryRatio,
      `${memoryRatio.toFixed(2)}x`,
    );
    verdict(
      `${scenario}, durable >= ${TARGETS.durableRatio}x peer`,
      durableRatio >= TARGETS.durableRatio,
      `${durableRatio.toFixed(2)}x`,
    );
  }
  for (const m of measurements.filter((m) => m.rss && m.kind !== 'peer')) {
    const rss = m.rss!.rssAfterMb;
    verdict(
      `${ENGINE_LABELS[m.kind]}, ${m.rss!.count.toLocaleString('en-US')} parked < ${TARGETS.parkedRssMb} MB RSS`,
      rss < TARGETS.parkedRssMb,
      `${rss.toFixed(0)} MB`,
    );
  }
  return allPass;
}

if (values.park !== undefined) {
  const kind = values.park as EngineKind;
  if (!KINDS.includes(kind)) throw new Error(`--park must be one of: ${KINDS.join(', ')} (got ${kind})`);
  console.log(JSON.stringify(await parkExecutions(kind, PARKED)));
} else {
  const started = performance.now();
  for (const kind of KINDS) await verifyCounting(kind);
  const measurements: Measurement[] = [];
  for (const measure of [measureLoop, measureConcurrent]) {
    for (const kind of KINDS) measurements.push(await measure(kind));
  }
  measurements.push(...(await measureParked()));
  console.log(`Runtime benchmark, Node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
  printTable(measurements);
  console.log(
    `\nTargets: in-memory >= ${TARGETS.memoryRatio}x and durable >= ${TARGETS.durableRatio}x the peer's transitions/s; parked executions < ${TARGETS.parkedRssMb} MB RSS (child process)`,
  );
  const allPass = printTargets(measurements);
  console.log(
    `\n${allPass ? 'all targets met' : 'some targets missed'} in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}
