/**
 * A state machine's published versions and aliases, as its row keeps them (`publications`, JSON): what
 * PublishStateMachineVersion and the alias operations write, and StartExecution reads to run a version.
 */
import { StepFunctionsApiError } from './service-errors.ts';

/** A published version: a revision of the state machine, numbered from 1 (a number is never given twice). */
export interface PublishedVersion {
  version: number;
  /** Id of the row in `revisions` it runs. */
  revision: number;
  description: string | null;
  /** Epoch milliseconds. */
  creationDate: number;
}

/** One route of an alias: the share (0-100) of its executions that run `version`. */
export interface AliasRoute {
  version: number;
  weight: number;
}

/** An alias: a name that routes executions to one version, or between two by weight. */
export interface StateMachineAlias {
  name: string;
  description: string | null;
  routing: AliasRoute[];
  /** Epoch milliseconds. */
  creationDate: number;
  updateDate: number;
}

/** Everything published of one state machine. */
export interface Publications {
  /** The number the last version got (0: none yet); deleted versions keep theirs. */
  lastVersion: number;
  /** Oldest first. */
  versions: PublishedVersion[];
  aliases: StateMachineAlias[];
}

/** The publications (JSON) of a state machine that has none. */
export const NO_PUBLICATIONS = '{"lastVersion":0,"versions":[],"aliases":[]}';

/** A state machine row's `publications` JSON, parsed. */
export function parsePublications(json: string): Publications {
  return JSON.parse(json) as Publications;
}

/** The version numbered `number` of `publications`, if it was published and not deleted. */
export function publishedVersion(
  publications: Publications,
  number: number | undefined,
): PublishedVersion | undefined {
  return publications.versions.find((version) => version.version === number);
}

/** Whether `alias` routes executions (with any weight) to version `number`. */
export function routesTo(alias: StateMachineAlias, number: number): boolean {
  return alias.routing.some((route) => route.version === number);
}

/** What a state machine ARN's qualifier names: a version (`name:3`) or an alias (`name:prod`). */
export type ArnQualifier = { version: number } | { alias: string };

/**
 * The unqualified ARN and the qualifier of a state machine ARN `arn:...:stateMachine:<name>[:<qualifier>]`:
 * a qualifier of digits only is a version number, any other an alias name. A version number is written
 * as AWS writes it, without leading zeros (`InvalidArn` otherwise), so one version has one ARN.
 */
export function splitQualifiedArn(arn: string): { machineArn: string; qualifier?: ArnQualifier } {
  const match = /^(.*:stateMachine:[^:/]+):([^:/]+)$/.exec(arn);
  if (!match) return { machineArn: arn };
  const [, machineArn, qualifier] = match as unknown as [string, string, string];
  if (!/^\d+$/.test(qualifier)) return { machineArn, qualifier: { alias: qualifier } };
  const version = Number(qualifier);
  if (!Number.isSafeInteger(version) || version < 1 || String(version) !== qualifier) {
    throw new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: a version ARN ends with the version number, 1 or more without leading zeros (got ${JSON.stringify(arn)})`,
    );
  }
  return { machineArn, qualifier: { version } };
}

/** What qualifies `arn` when it is a version or alias ARN of a state machine; undefined for anything else. */
export function qualifierOf(arn: unknown): ArnQualifier | undefined {
  return typeof arn === 'string' ? splitQualifiedArn(arn).qualifier : undefined;
}

/** The ARN of version `version` of the state machine `machineArn`. */
export function versionArn(machineArn: string, version: number): string {
  return `${machineArn}:${version}`;
}

/** The ARN of the alias `name` of the state machine `machineArn`. */
export function aliasArn(machineArn: string, name: string): string {
  return `${machineArn}:${name}`;
}

/**
 * The version an execution started with `alias` runs: the routes' weights are the odds, `random()` in
 * [0, 1) draws (a route of weight 0 is never chosen).
 */
export function routedVersion(alias: StateMachineAlias, random: () => number = Math.random): number {
  let draw = random() * 100;
  for (const route of alias.routing) {
    if (draw < route.weight) return route.version;
    draw -= route.weight;
  }
  // Weights add up to 100: only rounding leaves the draw past the last route with weight.
  return alias.routing.findLast((route) => route.weight > 0)!.version;
}
