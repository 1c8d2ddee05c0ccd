import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const created: string[] = [];

/**
 * Builds a throw-away project directory: `files` maps relative paths (`lambdas/x/handler.ts`,
 * `statemachines/y.asl.json`) to contents. {@link removeProjectFixtures} deletes them all.
 *
 * @example
 * const root = createProjectFixture({ 'lambdas/add-numbers/handler.ts': handlerSource('({ sum: event.a + event.b })') });
 */
export function createProjectFixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cutover-project-'));
  created.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

/** The source of a `handler.ts` whose handler returns `expression` (it may use `event` and `context`). */
export function handlerSource(expression: string): string {
  return `export const handler = async (event, context) => ${expression};\n`;
}

/** Deletes every directory made by {@link createProjectFixture}. */
export function removeProjectFixtures(): void {
  for (const root of created.splice(0)) rmSync(root, { recursive: true, force: true });
}
