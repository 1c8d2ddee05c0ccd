import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUTOVER_ERROR_NAMES, LAMBDA_SERVICE_ERROR_NAMES } from '#core/errors.ts';

const directory = join(import.meta.dirname, '../../../statemachines');
const RELEASE_MACHINES = ['canary', 'blue-green', 'rolling'];
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

type State = Record<string, unknown> & { Type: string };
const definitionOf = (name: string) =>
  JSON.parse(readFileSync(join(directory, `${name}.asl.json`), 'utf8')) as { States: Record<string, State> };

describe('release state machines', () => {
  it.each(RELEASE_MACHINES)('%s passes asl-validator', (name) => {
    // Act
    const { isValid, errorsText } = aslValidator(definitionOf(name));
    // Assess
    expect(isValid, errorsText('\n')).toBe(true);
  });

  it.each(RELEASE_MACHINES)('%s catches every task error', (name) => {
    const tasks = Object.entries(definitionOf(name).States).filter(([, state]) => state.Type === 'Task');
    for (const [stateName, state] of tasks) {
      const catches = (state.Catch ?? []) as { ErrorEquals: string[] }[];
      expect(
        catches.some((c) => c.ErrorEquals.includes('States.ALL')),
        stateName,
      ).toBe(true);
    }
  });

  it.each(RELEASE_MACHINES)('%s uses only known functions of lambdas/', (name) => {
    const functions = new Set(
      readdirSync(join(directory, '../lambdas')).filter((entry) => entry !== 'shared'),
    );
    const text = readFileSync(join(directory, `${name}.asl.json`), 'utf8');
    for (const [, pascal] of text.matchAll(/\$\{(\w+)FunctionArn\}/g)) {
      const kebab = pascal!.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();
      expect(functions.has(kebab), kebab).toBe(true);
    }
  });
});

describe('ErrorEquals contract', () => {
  const files = readdirSync(directory).filter((file) => file.endsWith('.asl.json'));

  it.each(files)('%s names only Cutover errors, States.* and Lambda service errors', (file) => {
    // Prepare
    const names = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, inner] of Object.entries(value)) {
          if (key === 'ErrorEquals') for (const name of inner as string[]) names.add(name);
          else collect(inner);
        }
      }
    };
    // Act
    collect(JSON.parse(readFileSync(join(directory, file), 'utf8')));
    // Assess
    const unknown = [...names].filter(
      (name) =>
        !name.startsWith('States.') &&
        !CUTOVER_ERROR_NAMES.has(name) &&
        !LAMBDA_SERVICE_ERROR_NAMES.has(name),
    );
    expect(unknown).toEqual([]);
  });
});
