import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CreateStateMachineCommandInput,
  CreateStateMachineCommandOutput,
  DescribeStateMachineCommandInput,
  DescribeStateMachineCommandOutput,
  ListStateMachinesCommandInput,
  ListStateMachinesCommandOutput,
  UpdateStateMachineCommandInput,
  UpdateStateMachineCommandOutput,
} from '@aws-sdk/client-sfn';
import { MissingSubstitutionError, StateMachineFileError } from './errors.ts';
import { LOCAL_ACCOUNT } from './functions.ts';

type Output<T> = Omit<T, '$metadata'>;

/** The service operations that registering the project's state machines needs (`LocalStepFunctions` has them). */
export interface StateMachineRegistrar {
  listStateMachines(input: ListStateMachinesCommandInput): Promise<Output<ListStateMachinesCommandOutput>>;
  describeStateMachine(
    input: DescribeStateMachineCommandInput,
  ): Promise<Output<DescribeStateMachineCommandOutput>>;
  createStateMachine(input: CreateStateMachineCommandInput): Promise<Output<CreateStateMachineCommandOutput>>;
  updateStateMachine(input: UpdateStateMachineCommandInput): Promise<Output<UpdateStateMachineCommandOutput>>;
}

/** One `statemachines/<name>.asl.json`, substituted. */
export interface ProjectStateMachine {
  /** The file name without `.asl.json`: `canary`. */
  readonly name: string;
  readonly file: string;
  readonly definition: string;
}

/** What registering one state machine did. */
export interface RegisteredStateMachine {
  readonly name: string;
  readonly stateMachineArn: string;
  /** `deleting`: DeleteStateMachine waits for its RUNNING executions; it is left as it is, not updated. */
  readonly action: 'created' | 'updated' | 'unchanged' | 'deleting';
}

/** The role ARN given to locally registered state machines (the local runtime assumes no role). */
export const LOCAL_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/cutover-local`;

const SUBSTITUTION = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * Replaces every `${Name}` of `text` with its value; throws `MissingSubstitutionError` naming the file and
 * every name without a value.
 */
export function substituteDefinition(
  file: string,
  text: string,
  values: Readonly<Record<string, string>>,
): string {
  const missing = new Set<string>();
  const result = text.replace(SUBSTITUTION, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) missing.add(name);
    return value ?? whole;
  });
  if (missing.size > 0) throw new MissingSubstitutionError(file, [...missing].sort());
  return result;
}

/**
 * Reads `statemachines/*.asl.json` under `projectRoot` and substitutes their `${Name}` placeholders.
 *
 * @example
 * loadProjectStateMachines(process.cwd(), { CheckRolloutFunctionArn: localFunctionArn('check-rollout') });
 * // [{ name: 'canary', file: '/repo/statemachines/canary.asl.json', definition: '{"StartAt": ...}' }]
 */
export function loadProjectStateMachines(
  projectRoot: string,
  substitutions: Readonly<Record<string, string>>,
): ProjectStateMachine[] {
  const directory = join(projectRoot, 'statemachines');
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((entry) => entry.endsWith('.asl.json'))
    .sort()
    .map((entry) => {
      const file = join(directory, entry);
      const definition = substituteDefinition(file, readFileSync(file, 'utf8'), substitutions);
      try {
        JSON.parse(definition);
      } catch (error) {
        throw new StateMachineFileError(file, `not valid JSON: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return { name: entry.slice(0, -'.asl.json'.length), file, definition };
    });
}

async function existingArns(service: StateMachineRegistrar): Promise<Map<string, string>> {
  const arns = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await service.listStateMachines({ maxResults: 1000, nextToken });
    for (const machine of page.stateMachines ?? []) arns.set(machine.name!, machine.stateMachineArn!);
    nextToken = page.nextToken;
  } while (nextToken);
  return arns;
}

/**
 * Creates each state machine that does not exist yet and updates each whose definition changed (one
 * being deleted is left as it is); a refused definition is reported with its file name.
 */
export async function registerStateMachines(
  service: StateMachineRegistrar,
  machines: readonly ProjectStateMachine[],
): Promise<RegisteredStateMachine[]> {
  const arns = await existingArns(service);
  const registered: RegisteredStateMachine[] = [];
  for (const machine of machines) {
    try {
      registered.push(await registerOne(service, machine, arns.get(machine.name)));
    } catch (error) {
      throw new StateMachineFileError(machine.file, (error as Error).message, { cause: error });
    }
  }
  return registered;
}

async function registerOne(
  service: StateMachineRegistrar,
  machine: ProjectStateMachine,
  existingArn: string | undefined,
): Promise<RegisteredStateMachine> {
  const { name, definition } = machine;
  if (existingArn === undefined) {
    const created = await service.createStateMachine({ name, definition, roleArn: LOCAL_ROLE_ARN });
    return { name, stateMachineArn: created.stateMachineArn!, action: 'created' };
  }
  const current = await service.describeStateMachine({ stateMachineArn: existingArn });
  if (current.status === 'DELETING') return { name, stateMachineArn: existingArn, action: 'deleting' };
  if (current.definition === definition) return { name, stateMachineArn: existingArn, action: 'unchanged' };
  await service.updateStateMachine({ stateMachineArn: existingArn, definition });
  return { name, stateMachineArn: existingArn, action: 'updated' };
}
