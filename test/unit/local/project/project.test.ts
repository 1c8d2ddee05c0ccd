// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL definitions use ${Name} substitutions
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MissingSubstitutionError, StateMachineFileError } from '#local/project/errors.ts';
import {
  discoverProjectFunctions,
  functionSubstitutionName,
  projectSubstitutions,
} from '#local/project/functions.ts';
import { ProjectLambdaRegistry } from '#local/project/project-lambdas.ts';
import {
  loadProjectStateMachines,
  registerStateMachines,
  substituteDefinition,
} from '#local/project/state-machines.ts';
import { createProjectFixture, handlerSource, removeProjectFixtures } from '#test/support/project-fixture.ts';
import { harness } from '../engine/harness.ts';

const project = createProjectFixture;
const handler = handlerSource;

afterEach(removeProjectFixtures);

describe('discoverProjectFunctions', () => {
  it('lists lambdas/<verb-noun>/handler.ts with their substitution and local ARN', () => {
    // Prepare
    const root = project({
      'lambdas/check-rollout/handler.ts': handler('({})'),
      'lambdas/notify/handler.ts': handler('({})'),
      'lambdas/shared/middy.ts': 'export {};',
    });
    // Act
    const functions = discoverProjectFunctions(root);
    // Assess
    expect(functions.map(({ id, substitution, arn }) => ({ id, substitution, arn }))).toEqual([
      {
        id: 'check-rollout',
        substitution: 'CheckRolloutFunctionArn',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:cutover-check-rollout',
      },
      {
        id: 'notify',
        substitution: 'NotifyFunctionArn',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:cutover-notify',
      },
    ]);
  });

  it('finds nothing in a project without lambdas/', () => {
    expect(discoverProjectFunctions(project({}))).toEqual([]);
  });

  it('names multi-word functions in PascalCase', () => {
    expect(functionSubstitutionName('restore-db-backup')).toBe('RestoreDbBackupFunctionArn');
  });
});

describe('substituteDefinition', () => {
  it('replaces every ${Name}', () => {
    const text = '{"Resource": "${AFunctionArn}", "Other": "${Bucket}", "Again": "${AFunctionArn}"}';
    expect(substituteDefinition('x.asl.json', text, { AFunctionArn: 'arn:a', Bucket: 'b' })).toBe(
      '{"Resource": "arn:a", "Other": "b", "Again": "arn:a"}',
    );
  });

  it('names the file and every missing name', () => {
    // Act
    const act = () =>
      substituteDefinition('statemachines/canary.asl.json', '"${Zeta}" "${Alpha}" "${Ok}"', { Ok: '1' });
    // Assess
    expect(act).toThrow(MissingSubstitutionError);
    expect(act).toThrow(/statemachines\/canary\.asl\.json: no value for \$\{Alpha\}, \$\{Zeta\}/);
  });
});

describe('loadProjectStateMachines', () => {
  it('names each machine after its file and binds the function ARNs', () => {
    // Prepare
    const root = project({
      'lambdas/check-rollout/handler.ts': handler('({})'),
      'statemachines/canary.asl.json':
        '{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${CheckRolloutFunctionArn}","End":true}}}',
      'statemachines/README.md': 'not a state machine',
    });
    const values = projectSubstitutions(discoverProjectFunctions(root), { Extra: 'x' });
    // Act
    const machines = loadProjectStateMachines(root, values);
    // Assess
    expect(machines).toHaveLength(1);
    expect(machines[0]!.name).toBe('canary');
    expect(JSON.parse(machines[0]!.definition).States.T.Resource).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:cutover-check-rollout',
    );
  });

  it('reports a file that is not JSON with its path', () => {
    const root = project({ 'statemachines/broken.asl.json': '{"StartAt": ' });
    expect(() => loadProjectStateMachines(root, {})).toThrow(StateMachineFileError);
    expect(() => loadProjectStateMachines(root, {})).toThrow(/broken\.asl\.json: not valid JSON/);
  });
});

describe('registerStateMachines', () => {
  const waits = (seconds: number) =>
    JSON.stringify({ StartAt: 'W', States: { W: { Type: 'Wait', Seconds: seconds, End: true } } });

  it('creates, updates and leaves unchanged; a state machine being deleted is left as it is', async () => {
    // Prepare
    const { sfn } = harness();
    const [first] = await registerStateMachines(sfn, [
      { name: 'deleting', file: 'd.asl.json', definition: waits(60) },
    ]);
    await sfn.startExecution({ stateMachineArn: first!.stateMachineArn });
    await sfn.deleteStateMachine({ stateMachineArn: first!.stateMachineArn });
    await registerStateMachines(sfn, [{ name: 'changed', file: 'c.asl.json', definition: waits(1) }]);
    // Act
    const registered = await registerStateMachines(sfn, [
      { name: 'deleting', file: 'd.asl.json', definition: waits(5) },
      { name: 'changed', file: 'c.asl.json', definition: waits(2) },
      { name: 'new', file: 'n.asl.json', definition: waits(1) },
    ]);
    // Assess
    expect(registered.map(({ name, action }) => `${name}: ${action}`)).toEqual([
      'deleting: deleting',
      'changed: updated',
      'new: created',
    ]);
    const kept = await sfn.describeStateMachine({ stateMachineArn: first!.stateMachineArn });
    expect(JSON.parse(kept.definition!).States.W.Seconds).toBe(60);
  });
});

describe('ProjectLambdaRegistry', () => {
  it('imports a handler on first invoke and passes a Lambda-like context', async () => {
    // Prepare
    const root = project({
      'lambdas/add-numbers/handler.ts': handler(
        '({ sum: event.a + event.b, name: context.functionName, execution: context.executionArn })',
      ),
    });
    const registry = new ProjectLambdaRegistry(discoverProjectFunctions(root));
    // Act
    const result = await registry.invoke(
      'arn:aws:lambda:us-east-1:000000000000:function:cutover-add-numbers',
      { a: 2, b: 3 },
      { executionArn: 'arn:exec' },
    );
    // Assess
    expect(result).toEqual({ sum: 5, name: 'cutover-add-numbers', execution: 'arn:exec' });
    expect(registry.names()).toEqual(['cutover-add-numbers']);
  });

  it('finds a function added to lambdas/ after it was made, as cutover local runs on', async () => {
    // Prepare
    const root = project({ 'lambdas/add-numbers/handler.ts': handler('({ sum: event.a + event.b })') });
    const registry = new ProjectLambdaRegistry(discoverProjectFunctions(root), () =>
      discoverProjectFunctions(root),
    );
    mkdirSync(join(root, 'lambdas/double-it'));
    writeFileSync(join(root, 'lambdas/double-it/handler.ts'), handler('({ twice: event.n * 2 })'));
    // Act
    const found = registry.has('cutover-double-it');
    const result = await registry.invoke('cutover-double-it', { n: 21 }, { executionArn: 'arn:exec' });
    // Assess
    expect(found).toBe(true);
    expect(result).toEqual({ twice: 42 });
    expect(registry.names()).toEqual(['cutover-add-numbers', 'cutover-double-it']);
    expect(registry.has('cutover-nope')).toBe(false);
  });

  it("says what the SDK's missing credentials mean for a task of cutover local", async () => {
    // Prepare: a task that calls AWS where no credentials can be found, as the SDK throws it
    const root = project({
      'lambdas/describe-cluster/handler.ts': handler(
        "{ throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }); }",
      ),
    });
    const registry = new ProjectLambdaRegistry(discoverProjectFunctions(root));
    // Act
    const invoking = registry.invoke('cutover-describe-cluster', {}, { executionArn: 'arn:exec' });
    // Assess: the same error, which the state machines match by name, says what to do
    await expect(invoking).rejects.toMatchObject({
      name: 'CredentialsProviderError',
      message: expect.stringMatching(
        /^Could not load credentials from any providers: the request names AWS parts .* start cutover local with AWS_PROFILE set/,
      ),
    });
  });

  it('rejects unknown functions as Lambda.ResourceNotFoundException', async () => {
    const registry = new ProjectLambdaRegistry([]);
    await expect(registry.invoke('cutover-nope', {}, { executionArn: 'a' })).rejects.toMatchObject({
      name: 'Lambda.ResourceNotFoundException',
    });
  });

  it("keeps each invocation's log keys apart while tasks run at once", async () => {
    // Prepare: two task functions built on the project's task handler, the slow one logging last
    const taskHandler = pathToFileURL(resolve('lambdas/shared/task-handler.ts')).href;
    const task = (name: string, before: string) =>
      `import { logger, plainTaskHandler } from '${taskHandler}';\n` +
      `export const handler = plainTaskHandler('${name}', {}, async () => {\n` +
      `  ${before}\n  logger.warn('${name} done');\n  return {};\n});\n`;
    const root = project({
      // The slow task logs once the test lets it, after the fast one has run and logged.
      'lambdas/slow-task/handler.ts': task('slow-task', 'await globalThis.fastTaskDone;'),
      'lambdas/fast-task/handler.ts': task('fast-task', ''),
    });
    const registry = new ProjectLambdaRegistry(discoverProjectFunctions(root));
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'WARN');
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    // Act
    try {
      let fastDone = () => {};
      Object.assign(globalThis, { fastTaskDone: new Promise<void>((resolve) => (fastDone = resolve)) });
      const slow = registry.invoke('cutover-slow-task', {}, { executionArn: 'arn:slow' });
      await registry.invoke('cutover-fast-task', {}, { executionArn: 'arn:fast' });
      fastDone();
      await slow;
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    }
    // Assess
    const logged = lines
      .filter((line) => line.includes(' done'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({
        message: 'fast-task done',
        task: 'fast-task',
        function_name: 'cutover-fast-task',
      }),
      expect.objectContaining({
        message: 'slow-task done',
        task: 'slow-task',
        function_name: 'cutover-slow-task',
      }),
    ]);
  });

  it('reports a handler module without a handler export', async () => {
    const root = project({ 'lambdas/no-export/handler.ts': 'export const other = 1;\n' });
    const registry = new ProjectLambdaRegistry(discoverProjectFunctions(root));
    await expect(registry.invoke('cutover-no-export', {}, { executionArn: 'a' })).rejects.toThrow(
      /must export a function named "handler"/,
    );
  });
});
