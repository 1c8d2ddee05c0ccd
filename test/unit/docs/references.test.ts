import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');
const DOCUMENTS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** Top-level directories whose files the documents name. */
const PROJECT_DIRECTORIES = [
  'bench',
  'bin',
  'docs',
  'examples',
  'lambdas',
  'lib',
  'src',
  'statemachines',
  'test',
];
const PATH = new RegExp(`(?<![\\w./-])(?:${PROJECT_DIRECTORIES.join('|')})/[\\w./<>*{}$-]*`, 'g');
const LINK = /\]\((?!https?:|#)([^)#\s]+)/g;

/** The project paths a document names: in links, and as `dir/...` words without a placeholder (`<name>`, `*`). */
function pathsIn(document: string): string[] {
  const text = readFileSync(join(ROOT, document), 'utf8');
  const base = document.includes('/') ? document.slice(0, document.lastIndexOf('/')) : '.';
  const links = [...text.matchAll(LINK)].map((m) => join(base, m[1]!));
  const words = [...text.matchAll(PATH)]
    .map((m) => m[0].replace(/[./-]+$/, ''))
    .filter((word) => !/[<>*{}$]/.test(word));
  return [...new Set([...links, ...words])];
}

describe('documentation', () => {
  it.each(DOCUMENTS)('%s names only files and directories that exist', (document) => {
    // Act
    const missing = pathsIn(document).filter((path) => !existsSync(join(ROOT, path)));
    // Assess
    expect(missing).toEqual([]);
  });

  it.each(DOCUMENTS)('%s runs only npm scripts that package.json defines', (document) => {
    // Prepare
    const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const named = [...readFileSync(join(ROOT, document), 'utf8').matchAll(/npm run ([\w:-]+)/g)].map(
      (m) => m[1]!,
    );
    // Act
    const missing = named.filter((script) => !(script in scripts));
    // Assess
    expect(missing).toEqual([]);
  });
});
