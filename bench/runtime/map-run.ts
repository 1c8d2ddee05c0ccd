/**
 * What a Distributed Map's Map Run costs: the same items through a Map of one Pass state, run inline
 * (iterations of the execution, the baseline) and distributed (one child execution per item), in memory and
 * on a SQLite file, in one process. Prints items per second, the median of 5 runs after a warm-up, and the
 * distributed Map's ratio to the inline one.
 *
 *   node --import tsx bench/runtime/map-run.ts [--items 2000]
 */
import { benchOptions, positiveNumber } from '../options.ts';
import { ENGINE_LABELS, type EngineKind, openEngine } from './engines.ts';

const USAGE = 'node --import tsx bench/runtime/map-run.ts [--items 2000]';
const { values } = benchOptions({ options: { items: { type: 'string', default: '2000' } } }, USAGE);
const ITEMS = positiveNumber('items', values.items, USAGE, true);
const RUNS = 5;

/** A Map of one Pass state over the input array, inline or distributed (each item a child execution). */
function mapDefinition(distributed: boolean): object {
  const processorConfig = distributed
    ? { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } }
    : {};
  return {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemProcessor: {
          ...processorConfig,
          StartAt: 'Tag',
          States: { Tag: { Type: 'Pass', Parameters: { 'id.$': '$' }, End: true } },
        },
        End: true,
      },
    },
  };
}

/** Median seconds of {@link RUNS} runs of `definition` over `items`, after one run not timed. */
async function timeMap(kind: EngineKind, name: string, definition: object, items: number[]): Promise<number> {
  const engine = await openEngine(kind);
  try {
    const machine = await engine.machine(name, definition);
    const check = (output: unknown) => {
      if (!Array.isArray(output) || output.length !== items.length) throw new Error(`${name}: wrong output`);
    };
    check(await machine.run(items));
    const seconds: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      check(await machine.run(items));
      seconds.push((performance.now() - started) / 1000);
    }
    return seconds.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
  } finally {
    await engine.close();
  }
}

const items = Array.from({ length: ITEMS }, (_, index) => index);
console.log(`| engine | Map | items | seconds | items/s | vs inline |`);
console.log(`|---|---|---|---|---|---|`);
for (const kind of ['memory', 'durable'] as const) {
  const inline = await timeMap(kind, 'inline', mapDefinition(false), items);
  const distributed = await timeMap(kind, 'distributed', mapDefinition(true), items);
  const rate = (seconds: number) => Math.round(ITEMS / seconds).toLocaleString('en-US');
  console.log(
    `| ${ENGINE_LABELS[kind]} | inline | ${ITEMS} | ${inline.toFixed(3)} | ${rate(inline)} | 1.00x |`,
  );
  console.log(
    `| ${ENGINE_LABELS[kind]} | distributed (Map Run) | ${ITEMS} | ${distributed.toFixed(3)} | ${rate(distributed)} | ${(inline / distributed).toFixed(2)}x |`,
  );
}
