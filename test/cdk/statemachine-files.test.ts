import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CUTOVER_ERROR_NAMES, LAMBDA_SERVICE_ERROR_NAMES } from '#core/errors.ts';
import { LOCAL_SUBSTITUTIONS } from '#core/substitutions.ts';
import { discoverStateMachines } from '#lib/discovery.ts';

const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const ROOT = join(import.meta.dirname, '..', '..');
const FILES = [
  ...discoverStateMachines(join(ROOT, 'statemachines')),
  ...discoverStateMachines(join(ROOT, 'test/cdk/fixtures/statemachines')),
];

/** The definition with its substitutions filled the way the local runtime fills them. */
function substituted(file: string): unknown {
  const text = readFileSync(file, 'utf8');
  return JSON.parse(
    text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) =>
      name.endsWith('FunctionArn')
        ? `arn:aws:lambda:us-east-1:000000000000:function:cutover-${name.replace(/FunctionArn$/, '').replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`
        : (LOCAL_SUBSTITUTIONS[name] ?? name),
    ),
  );
}

/** A state of a definition, as far as its retries go. */
interface State {
  readonly Resource?: string;
  readonly Next?: string;
  readonly Catch?: readonly {
    readonly ErrorEquals: readonly string[];
    readonly ResultPath?: string | null;
    readonly Next: string;
  }[];
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[]; readonly MaxAttempts?: number }[];
  readonly Iterator?: { readonly States: Record<string, State> };
  readonly ItemProcessor?: { readonly States: Record<string, State> };
  readonly Branches?: readonly { readonly States: Record<string, State> }[];
}

/** Every state of a definition with its name, however deep (Parallel branches, Map item processors). */
function statesOf(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, State],
    ...[state.Iterator, state.ItemProcessor, ...(state.Branches ?? [])].flatMap((inner) =>
      inner ? statesOf(inner.States) : [],
    ),
  ]);
}

/** Every `ErrorEquals` name in a definition, however deep (Parallel branches, Map item processors). */
function errorNames(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(errorNames);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === 'ErrorEquals' && Array.isArray(value) ? (value as string[]) : errorNames(value),
  );
}

describe('statemachines/*.asl.json', () => {
  it.each(FILES.map((file) => [file.strategy, file.file]))('%s passes asl-validator', (_, file) => {
    // Act
    const { isValid, errors } = aslValidator(substituted(file));
    // Assess
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  it.each(FILES.map((file) => [file.strategy, file.file]))(
    '%s matches only Cutover error names or States.*',
    (_, file) => {
      // Act
      const unknown = errorNames(substituted(file)).filter(
        (name) =>
          !name.startsWith('States.') &&
          !CUTOVER_ERROR_NAMES.has(name) &&
          !LAMBDA_SERVICE_ERROR_NAMES.has(name),
      );
      // Assess
      expect(unknown).toEqual([]);
    },
  );

  it.each(
    FILES.filter((file) => file.file.includes('/statemachines/') && !file.file.includes('/fixtures/')).map(
      (file) => [file.strategy, file.file],
    ),
  )(
    '%s retries every Lambda task on service errors and, twice, on a function that timed out or crashed',
    (_, file) => {
      // Act
      const lambdaTasks = statesOf((substituted(file) as { States: Record<string, State> }).States).filter(
        ([, state]) => String(state.Resource).startsWith('arn:aws:lambda:'),
      );
      const missing = lambdaTasks.flatMap(([name, state]) => {
        const retried = (error: string) => state.Retry?.find((retry) => retry.ErrorEquals.includes(error));
        const unknown = retried('Lambda.Unknown');
        return [...LAMBDA_SERVICE_ERROR_NAMES].every(retried) && unknown?.MaxAttempts === 2 ? [] : [name];
      });
      // Assess
      expect(lambdaTasks.length).toBeGreaterThan(0);
      expect(missing).toEqual([]);
    },
  );

  it.each(
    FILES.filter((file) => file.file.includes('/statemachines/') && !file.file.includes('/fixtures/')).map(
      (file) => [file.strategy, file.file],
    ),
  )(
    '%s retries a throttled Lambda task for minutes, with jitter, so a rollback outlasts a burst of throttling',
    (_, file) => {
      // Act
      const lambdaTasks = statesOf((substituted(file) as { States: Record<string, State> }).States).filter(
        ([, state]) => String(state.Resource).startsWith('arn:aws:lambda:'),
      );
      const throttled = new Set(
        lambdaTasks.map(([, state]) =>
          JSON.stringify(
            state.Retry?.find((retry) => retry.ErrorEquals.includes('Lambda.TooManyRequestsException')),
          ),
        ),
      );
      // Assess: 2, 4, 8, 16, 32 s, then up to 60 s each, 12 attempts: about 8 minutes at most
      expect([...throttled]).toEqual([
        JSON.stringify({
          ErrorEquals: ['Lambda.TooManyRequestsException'],
          IntervalSeconds: 2,
          MaxAttempts: 12,
          BackoffRate: 2,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        }),
      ]);
    },
  );

  it.each(['canary', 'blue-green', 'rolling', 'database-migration'])(
    '%s goes on after a Notify state that failed, where success goes, keeping the error as $.notifyError',
    (strategy) => {
      // Prepare
      const file = join(ROOT, 'statemachines', `${strategy}.asl.json`);
      // Act
      const notifyStates = statesOf((substituted(file) as { States: Record<string, State> }).States).filter(
        ([name]) => name.startsWith('Notify'),
      );
      const catches = notifyStates.map(([name, state]) => [name, state.Catch?.at(-1)]);
      // Assess
      expect(notifyStates.length).toBeGreaterThan(0);
      expect(catches).toEqual(
        notifyStates.map(([name, state]) => [
          name,
          { ErrorEquals: ['States.ALL'], ResultPath: '$.notifyError', Next: state.Next },
        ]),
      );
    },
  );

  it.each(FILES.map((file) => [file.strategy, file.file]))(
    '%s sets no top-level TimeoutSeconds: no execution ends TIMED_OUT, so no alarm watches ExecutionsTimedOut',
    (_, file) => {
      // Act
      const definition = substituted(file) as Record<string, unknown>;
      // Assess
      expect(definition).not.toHaveProperty('TimeoutSeconds');
    },
  );

  it('asl-validator rejects a broken definition (the check can fail)', () => {
    // Act
    const { isValid } = aslValidator({ StartAt: 'Missing', States: { A: { Type: 'Pass', End: true } } });
    // Assess
    expect(isValid).toBe(false);
  });
});
