import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const directory = join(import.meta.dirname, '../../../statemachines');
const RELEASE_MACHINES = ['canary', 'blue-green', 'rolling'];

type State = Record<string, unknown> & { Type: string };
const definitionOf = (name: string) =>
  JSON.parse(readFileSync(join(directory, `${name}.asl.json`), 'utf8')) as { States: Record<string, State> };

describe('release state machines', () => {
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

  it.each(RELEASE_MACHINES)("%s tells RunHooks its retry count, for the webhooks' attempt header", (name) => {
    const runHooks = Object.entries(definitionOf(name).States).filter(([, state]) =>
      String(state.Resource).endsWith('{RunHooksFunctionArn}'),
    );
    expect(runHooks.map(([stateName]) => stateName)).toEqual(['RunHooks', 'RunAfterTrafficHooks']);
    for (const [stateName, state] of runHooks) {
      expect(state.Parameters, stateName).toMatchObject({ 'retryCount.$': '$$.State.RetryCount' });
    }
  });

  it.each([...RELEASE_MACHINES, 'rollback'])(
    '%s stops its rollback before moving traffic on RollbackStopped, through the rollback-failed path, ending with it',
    (name) => {
      // Prepare
      const states = definitionOf(name).States;
      const notify = name === 'rollback' ? 'NotifyFailed' : 'NotifyRollbackFailed';
      const stopped = { ErrorEquals: ['RollbackStopped'], ResultPath: '$.rollbackError', Next: notify };
      // Act
      const catches = ['RestoreCapacity', 'CheckCapacity'].map((state) => states[state]!.Catch);
      let path = [notify];
      while (states[path.at(-1)!]!.Type !== 'Fail') {
        const state = states[path.at(-1)!]!;
        const choice = (state.Choices as { Next: string }[] | undefined)?.[0]?.Next;
        path = [...path, choice ?? String(state.Next)];
      }
      // Assess: before the States.ALL that goes on to RollbackTraffic; the end reads $.rollbackError
      for (const caught of catches) expect((caught as unknown[])[0]).toEqual(stopped);
      expect(states[path.at(-1)!]).toMatchObject({
        ErrorPath: '$.rollbackError.Error',
        CausePath: '$.rollbackError.Cause',
      });
      expect(path).toContain('UnlockAfterFailure');
    },
  );

  it.each(RELEASE_MACHINES)(
    '%s fails ExecutionStopped at its capacity checks through NotifyFailed, before any rollback step',
    (name) => {
      // Prepare
      const states = definitionOf(name).States;
      const stopped = { ErrorEquals: ['ExecutionStopped'], ResultPath: '$.error', Next: 'NotifyFailed' };
      // Act
      const catches = ['RestoreCapacity', 'CheckCapacity'].map((state) => states[state]!.Catch as unknown[]);
      // Assess: before the States.ALL that goes on to RollbackTraffic; the end reads $.error
      for (const caught of catches)
        expect(caught.slice(1)).toEqual([
          stopped,
          expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'RollbackTraffic' }),
        ]);
      expect(states.NotifyFailed).toMatchObject({ Next: 'UnlockAfterFailure' });
      expect(states.Failed).toMatchObject({ ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    },
  );

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
