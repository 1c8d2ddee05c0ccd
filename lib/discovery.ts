import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { CutoverConfigError } from './errors.ts';

/** One task function found on disk: `lambdas/check-rollout/handler.ts`. */
export interface DiscoveredFunction {
  /** The directory name, `check-rollout`. */
  readonly name: string;
  /** The ASL substitution that carries its ARN, `CheckRolloutFunctionArn`. */
  readonly substitution: string;
  readonly entry: string;
}

/** One state machine found on disk: `statemachines/blue-green.asl.json`. */
export interface DiscoveredStateMachine {
  /** The strategy, `blue-green`. */
  readonly strategy: string;
  readonly file: string;
  /** The `${Name}` substitutions the file uses, sorted. */
  readonly substitutions: readonly string[];
  /** Whether a task of it waits for a task token (`.waitForTaskToken`): an approval someone answers. */
  readonly waitsForTaskToken: boolean;
}

/** Directories under `lambdas/` that are not task functions. */
const NOT_FUNCTIONS = new Set(['shared']);

/** `check-rollout` -> `CheckRollout`, `blue-green` -> `BlueGreen`. */
export function pascalCase(kebab: string): string {
  return kebab
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The ASL substitution of a task function directory: `check-rollout` -> `CheckRolloutFunctionArn`. */
export function functionSubstitution(name: string): string {
  return `${pascalCase(name)}FunctionArn`;
}

/**
 * One entry per `lambdasDir/<verb-noun>/handler.ts` (except `shared`), sorted by name.
 *
 * @example
 * discoverFunctions('lambdas'); // [{ name: 'check-rollout', substitution: 'CheckRolloutFunctionArn', entry: 'lambdas/check-rollout/handler.ts' }]
 */
export function discoverFunctions(lambdasDir: string): DiscoveredFunction[] {
  if (!existsSync(lambdasDir)) throw new CutoverConfigError(`lambdasDir ${lambdasDir} does not exist`);
  return readdirSync(lambdasDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_FUNCTIONS.has(entry.name))
    .map((entry) => ({ name: entry.name, entry: join(lambdasDir, entry.name, 'handler.ts') }))
    .filter(({ entry }) => existsSync(entry))
    .map(({ name, entry }) => ({ name, entry, substitution: functionSubstitution(name) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One entry per `stateMachinesDir/<strategy>.asl.json`, with the substitutions it uses and whether it waits
 * for a task token, sorted by strategy.
 *
 * @example
 * discoverStateMachines('statemachines'); // [{ strategy: 'canary', file: 'statemachines/canary.asl.json', substitutions: [...], waitsForTaskToken: true }]
 */
export function discoverStateMachines(stateMachinesDir: string): DiscoveredStateMachine[] {
  if (!existsSync(stateMachinesDir)) {
    throw new CutoverConfigError(`stateMachinesDir ${stateMachinesDir} does not exist`);
  }
  return readdirSync(stateMachinesDir)
    .filter((file) => file.endsWith('.asl.json'))
    .sort()
    .map((file) => {
      const path = join(stateMachinesDir, file);
      const text = readDefinition(path);
      return {
        strategy: basename(file, '.asl.json'),
        file: path,
        substitutions: [
          ...new Set([...text.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1]!)),
        ].sort(),
        waitsForTaskToken: TASK_TOKEN_RESOURCE.test(text),
      };
    });
}

/** A task `Resource` that waits for a task token: `arn:aws:states:::lambda:invoke.waitForTaskToken`. */
const TASK_TOKEN_RESOURCE = /"Resource"\s*:\s*"[^"]*\.waitForTaskToken"/;

/** The text of an ASL file, which must be JSON. */
function readDefinition(file: string): string {
  const text = readFileSync(file, 'utf8');
  try {
    JSON.parse(text);
  } catch (error) {
    throw new CutoverConfigError(`${relative(process.cwd(), file)} is not valid JSON`, { cause: error });
  }
  return text;
}

/**
 * The synth-time substitution check: every `${Name}` in an ASL file has a value, and every value is used by
 * some file. Throws one error listing every problem, each with what to do about it.
 *
 * @example
 * checkSubstitutions(machines, ['CheckRolloutFunctionArn', 'BackupBucket']);
 */
export function checkSubstitutions(
  machines: readonly DiscoveredStateMachine[],
  available: readonly string[],
): void {
  const known = new Set(available);
  const used = new Set(machines.flatMap((machine) => machine.substitutions));
  const problems = [
    ...machines.flatMap((machine) =>
      machine.substitutions
        .filter((name) => !known.has(name))
        .map(
          (name) =>
            `${relative(process.cwd(), machine.file)} uses \${${name}}, which has no substitution ` +
            '(a FunctionArn needs lambdas/<verb-noun>/handler.ts; other names belong in src/core/substitutions.ts)',
        ),
    ),
    ...available
      .filter((name) => !used.has(name))
      .map((name) => `substitution \${${name}} is used by no statemachines/*.asl.json file`),
  ];
  if (problems.length > 0)
    throw new CutoverConfigError(`State machine substitutions:\n- ${problems.join('\n- ')}`);
}
