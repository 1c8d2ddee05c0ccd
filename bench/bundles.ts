/**
 * Bundle size and cold-start module load time of each task function, built with the CDK app's esbuild
 * options, against a bare handler bundled the same way. Targets: < 1 MB and < 150 ms each.
 * Run: `npx tsx bench/bundles.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { taskEsbuildOptions } from '#lib/bundling.ts';
import { discoverFunctions } from '#lib/discovery.ts';

const ROOT = join(import.meta.dirname, '..');
// Inside the project, so the external @aws-sdk/* resolve from node_modules as the Lambda runtime provides them.
const OUT = join(ROOT, 'node_modules', '.cache', 'cutover-bundles');
mkdirSync(OUT, { recursive: true });
/** The runtime the `Cutover` construct defaults to. */
const RUNTIME = 'nodejs22.x';

async function bundle(name: string, entry: string): Promise<string> {
  const outfile = join(OUT, name, 'index.mjs');
  await build({ ...taskEsbuildOptions(RUNTIME), entryPoints: [entry], outfile, logLevel: 'error' });
  return outfile;
}

/** Median of 5 fresh-process `import()` times, in ms. */
function loadMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
  const runs = Array.from({ length: 5 }, () =>
    Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT }).toString()),
  ).sort((a, b) => a - b);
  return runs[2]!;
}

const bareEntry = join(OUT, 'bare.ts');
writeFileSync(bareEntry, 'export const handler = async (event: unknown) => event;\n');
const bare = await bundle('bare', bareEntry);
const bareMs = loadMs(bare);
console.log(`bare handler: ${statSync(bare).size} B, load ${bareMs.toFixed(1)} ms (baseline)`);
console.log('function               size (KiB)   load (ms)   x bare   within target');
for (const fn of discoverFunctions(join(ROOT, 'lambdas'))) {
  const file = await bundle(fn.name, fn.entry);
  const size = statSync(file).size;
  const ms = loadMs(file);
  const ok = size < 1024 * 1024 && ms < 150;
  console.log(
    `${fn.name.padEnd(22)} ${(size / 1024).toFixed(0).padStart(10)} ${ms.toFixed(1).padStart(11)} ${(ms / bareMs).toFixed(1).padStart(8)}   ${ok ? 'yes' : 'NO'}`,
  );
}
