/**
 * The version and alias operations of the local Step Functions API: PublishStateMachineVersion,
 * ListStateMachineVersions, DeleteStateMachineVersion and Create/Describe/Update/Delete/ListStateMachineAlias(es),
 * with AWS's rules and messages (recorded against AWS where they could be found). A version is a published
 * revision; an alias routes executions to one version, or to two by weight. Both are kept in their state
 * machine's row and go with it.
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import type { Clock } from './clock.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { encodePageToken, pagePosition, pageSize, parseArn } from './service-validation.ts';
import {
  type AliasRoute,
  aliasArn,
  type Publications,
  type PublishedVersion,
  parsePublications,
  publishedVersion,
  routesTo,
  type StateMachineAlias,
  splitQualifiedArn,
  versionArn,
} from './state-machine-versions.ts';
import type { StateMachineRow, Store } from './store.ts';

type Out<T> = Omit<T, '$metadata'>;

/** AWS's quotas: versions and aliases one state machine may have. */
export const MAX_VERSIONS = 1000;
export const MAX_ALIASES = 100;

/** AWS's pattern for an alias name, as its errors print it. */
const ALIAS_NAME_PATTERN = '^(?=.*[a-zA-Z_\\-\\.])[a-zA-Z0-9_\\-\\.]+$';
const ALIAS_NAME = new RegExp(ALIAS_NAME_PATTERN);
const ALIAS_NAME_MAX_LENGTH = 80;

/**
 * What the version and alias operations work with: `machine` finds a state machine (StateMachineDoesNotExist
 * otherwise), `activeMachine` refuses a DELETING one too (StateMachineDeleting).
 */
export interface VersionsApiOptions {
  store: Store;
  clock: Clock;
  machine(arn: unknown): StateMachineRow;
  activeMachine(arn: unknown): StateMachineRow;
}

/**
 * @example
 * const versions = new VersionsApi({ store, clock, machine: findMachine, activeMachine: findActiveMachine });
 * const { stateMachineVersionArn } = await versions.publishStateMachineVersion({ stateMachineArn });
 * await versions.createStateMachineAlias({ name: 'prod', routingConfiguration: [{ stateMachineVersionArn, weight: 100 }] });
 */
export class VersionsApi {
  constructor(private readonly options: VersionsApiOptions) {}

  /**
   * Publishes the state machine's current revision as a version. A revision already published answers its
   * version, as on AWS; a `revisionId` other than the current one is a ConflictException.
   */
  async publishStateMachineVersion(
    input: Sfn.PublishStateMachineVersionCommandInput,
  ): Promise<Out<Sfn.PublishStateMachineVersionCommandOutput>> {
    const machine = this.options.activeMachine(input.stateMachineArn);
    const current = machine.revisionId ?? 'INITIAL';
    if (input.revisionId !== undefined && input.revisionId !== current) {
      throw new StepFunctionsApiError(
        'ConflictException',
        `Failed to publish the State Machine version for revision ${input.revisionId}. The current State Machine revision is ${current}.`,
      );
    }
    const version = this.publish(machine, input.description);
    return {
      stateMachineVersionArn: versionArn(machine.arn, version.version),
      creationDate: new Date(version.creationDate),
    };
  }

  /**
   * The version of `machine`'s current revision: the one published, else a new one (numbered after the
   * last ever published) stored in the caller's transaction or its own.
   */
  publish(machine: StateMachineRow, description: string | undefined): PublishedVersion {
    const publications = parsePublications(machine.publications);
    const published = publications.versions.find((version) => version.revision === machine.revision);
    if (published) return published;
    if (publications.versions.length >= MAX_VERSIONS) {
      throw new StepFunctionsApiError(
        'ServiceQuotaExceededException',
        `State machine '${machine.arn}' has ${MAX_VERSIONS} versions, the most it may have: delete one before publishing another`,
      );
    }
    const version: PublishedVersion = {
      version: publications.lastVersion + 1,
      revision: machine.revision,
      description: description ?? null,
      creationDate: this.options.clock.now(),
    };
    this.#save(machine, {
      ...publications,
      lastVersion: version.version,
      versions: [...publications.versions, version],
    });
    return version;
  }

  /** The state machine's versions, newest first. */
  async listStateMachineVersions(
    input: Sfn.ListStateMachineVersionsCommandInput,
  ): Promise<Out<Sfn.ListStateMachineVersionsCommandOutput>> {
    const machine = this.options.machine(input.stateMachineArn);
    const { versions } = parsePublications(machine.publications);
    const limit = pageSize(input.maxResults, 1000);
    const now = this.options.clock.now();
    const request = ['ListStateMachineVersions', machine.arn];
    const below = pagePosition(input.nextToken, request, Number.MAX_SAFE_INTEGER, now);
    const newestFirst = versions.filter((version) => version.version < below).reverse();
    const page = newestFirst.slice(0, limit);
    return {
      stateMachineVersions: page.map((version) => ({
        stateMachineVersionArn: versionArn(machine.arn, version.version),
        creationDate: new Date(version.creationDate),
      })),
      ...(newestFirst.length > limit
        ? { nextToken: encodePageToken(page.at(-1)!.version, request, now) }
        : {}),
    };
  }

  /**
   * Deletes a version (its running executions run on); one that does not exist is no error, as on AWS. A
   * version an alias routes to is a ConflictException.
   */
  async deleteStateMachineVersion(
    input: Sfn.DeleteStateMachineVersionCommandInput,
  ): Promise<Out<Sfn.DeleteStateMachineVersionCommandOutput>> {
    const { machineArn, number } = parseVersionArn(input.stateMachineVersionArn);
    const machine = this.options.store.getStateMachine(machineArn);
    if (!machine) return {};
    const publications = parsePublications(machine.publications);
    const routing = publications.aliases.filter((alias) => routesTo(alias, number));
    if (routing.length > 0) {
      throw new StepFunctionsApiError(
        'ConflictException',
        `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${routing.map((alias) => alias.name).join(', ')}]`,
      );
    }
    const versions = publications.versions.filter((version) => version.version !== number);
    if (versions.length < publications.versions.length) this.#save(machine, { ...publications, versions });
    return {};
  }

  /**
   * Creates an alias routing to one version or two by weight. The same name with the same description and
   * routing answers the alias as it is; with another, a ConflictException, as on AWS.
   */
  async createStateMachineAlias(
    input: Sfn.CreateStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.CreateStateMachineAliasCommandOutput>> {
    const name = validateAliasName(input.name);
    const { machine, routing } = this.#routing(input.routingConfiguration);
    const publications = parsePublications(machine.publications);
    const description = input.description ?? null;
    const arn = aliasArn(machine.arn, name);
    const existing = publications.aliases.find((alias) => alias.name === name);
    if (existing) {
      if (existing.description === description && sameRouting(existing.routing, routing)) {
        return { stateMachineAliasArn: arn, creationDate: new Date(existing.creationDate) };
      }
      throw new StepFunctionsApiError(
        'ConflictException',
        'Failed to create alias because an alias with the same name and a different routing configuration already exists.',
      );
    }
    if (publications.aliases.length >= MAX_ALIASES) {
      throw new StepFunctionsApiError(
        'ServiceQuotaExceededException',
        `State machine '${machine.arn}' has ${MAX_ALIASES} aliases, the most it may have: delete one before creating another`,
      );
    }
    const now = this.options.clock.now();
    const alias: StateMachineAlias = { name, description, routing, creationDate: now, updateDate: now };
    this.#save(machine, { ...publications, aliases: [...publications.aliases, alias] });
    return { stateMachineAliasArn: arn, creationDate: new Date(now) };
  }

  async describeStateMachineAlias(
    input: Sfn.DescribeStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.DescribeStateMachineAliasCommandOutput>> {
    const { machine, alias } = this.#alias(input.stateMachineAliasArn);
    return {
      stateMachineAliasArn: aliasArn(machine.arn, alias.name),
      name: alias.name,
      ...(alias.description === null ? {} : { description: alias.description }),
      routingConfiguration: alias.routing.map((route) => ({
        stateMachineVersionArn: versionArn(machine.arn, route.version),
        weight: route.weight,
      })),
      creationDate: new Date(alias.creationDate),
      updateDate: new Date(alias.updateDate),
    };
  }

  /** Changes an alias's description, its routing, or both; executions started with it from now on follow it. */
  async updateStateMachineAlias(
    input: Sfn.UpdateStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.UpdateStateMachineAliasCommandOutput>> {
    const { machine, alias } = this.#alias(input.stateMachineAliasArn);
    this.options.activeMachine(machine.arn);
    if (input.description === undefined && input.routingConfiguration === undefined) {
      throw new StepFunctionsApiError(
        'ValidationException',
        'Either the description or the routingConfiguration must be specified',
      );
    }
    let routing = alias.routing;
    if (input.routingConfiguration !== undefined) {
      const routed = this.#routing(input.routingConfiguration);
      if (routed.machine.arn !== machine.arn) throw otherMachinesVersions(input.routingConfiguration);
      routing = routed.routing;
    }
    const publications = parsePublications(machine.publications);
    const now = this.options.clock.now();
    const updated: StateMachineAlias = {
      ...alias,
      description: input.description === undefined ? alias.description : input.description,
      routing,
      updateDate: now,
    };
    const aliases = publications.aliases.map((each) => (each.name === alias.name ? updated : each));
    this.#save(machine, { ...publications, aliases });
    return { updateDate: new Date(now) };
  }

  /** Deletes an alias; one that does not exist is no error, as on AWS. */
  async deleteStateMachineAlias(
    input: Sfn.DeleteStateMachineAliasCommandInput,
  ): Promise<Out<Sfn.DeleteStateMachineAliasCommandOutput>> {
    const { machineArn, name } = parseAliasArn(input.stateMachineAliasArn);
    const machine = this.options.store.getStateMachine(machineArn);
    if (!machine) return {};
    const publications = parsePublications(machine.publications);
    const aliases = publications.aliases.filter((alias) => alias.name !== name);
    if (aliases.length < publications.aliases.length) this.#save(machine, { ...publications, aliases });
    return {};
  }

  /**
   * The aliases of a state machine by name, or, given a version ARN, those that route to that version; a
   * page starts after the last name of the one before, so deleting an alias between pages skips no other.
   */
  async listStateMachineAliases(
    input: Sfn.ListStateMachineAliasesCommandInput,
  ): Promise<Out<Sfn.ListStateMachineAliasesCommandOutput>> {
    const arn = parseArn(input.stateMachineArn, 'stateMachineArn', 'stateMachine');
    const { machineArn, qualifier } = splitQualifiedArn(arn);
    if (qualifier && !('version' in qualifier)) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `stateMachineArn must be a state machine or version ARN, not an alias ARN (got ${JSON.stringify(arn)})`,
      );
    }
    const machine = this.options.machine(machineArn);
    const publications = parsePublications(machine.publications);
    if (qualifier && !publishedVersion(publications, qualifier.version)) {
      throw new StepFunctionsApiError(
        'ResourceNotFound',
        `Request references a resource that does not exist: '${arn}'`,
      );
    }
    const limit = pageSize(input.maxResults, 1000);
    const now = this.options.clock.now();
    const request = ['ListStateMachineAliases', arn];
    const after = pagePosition(input.nextToken, request, '', now);
    const listed = publications.aliases
      .filter((alias) => !qualifier || routesTo(alias, qualifier.version))
      .filter((alias) => alias.name > after)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    const page = listed.slice(0, limit);
    return {
      stateMachineAliases: page.map((alias) => ({
        stateMachineAliasArn: aliasArn(machine.arn, alias.name),
        creationDate: new Date(alias.creationDate),
      })),
      ...(listed.length > limit ? { nextToken: encodePageToken(page.at(-1)!.name, request, now) } : {}),
    };
  }

  /** Writes `publications` into `machine`'s row. */
  #save(machine: StateMachineRow, publications: Publications): void {
    const { store } = this.options;
    store.transaction(() =>
      store.updateStateMachine({ ...machine, publications: JSON.stringify(publications) }),
    );
  }

  /** The alias an alias ARN names, with its state machine; ResourceNotFound when there is none. */
  #alias(arn: unknown): { machine: StateMachineRow; alias: StateMachineAlias } {
    const { machineArn, name } = parseAliasArn(arn);
    const machine = this.options.store.getStateMachine(machineArn);
    const alias =
      machine && parsePublications(machine.publications).aliases.find((each) => each.name === name);
    if (!machine || !alias) {
      // AWS's words, recorded for an alias update: they name no ARN.
      throw new StepFunctionsApiError(
        'ResourceNotFound',
        'Request references a resource that does not exist.',
      );
    }
    return { machine, alias };
  }

  /**
   * A routing configuration checked as AWS checks it: one or two routes, to distinct published versions of
   * one ACTIVE state machine, with whole weights of 0 to 100 that add up to 100.
   */
  #routing(configuration: Sfn.RoutingConfigurationListItem[] | undefined): {
    machine: StateMachineRow;
    routing: AliasRoute[];
  } {
    if (!Array.isArray(configuration) || configuration.length < 1 || configuration.length > 2) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `routingConfiguration must have 1 or 2 routes of {stateMachineVersionArn, weight} (got ${JSON.stringify(configuration)})`,
      );
    }
    const arns = configuration.map((route) => route.stateMachineVersionArn);
    const parsed = arns.map((arn) => {
      const checked = parseArn(arn, 'routingConfiguration.stateMachineVersionArn', 'stateMachine');
      const { machineArn, qualifier } = splitQualifiedArn(checked);
      if (!qualifier || !('version' in qualifier)) {
        throw new StepFunctionsApiError(
          'ValidationException',
          `Routing configuration must contain state machine version ARNs. Received: [${arns.join(', ')}]`,
        );
      }
      return { machineArn, number: qualifier.version };
    });
    if (new Set(arns).size < arns.length) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `Routing configuration must contain distinct state machine version ARNs. Received: [${arns.join(', ')}]`,
      );
    }
    if (parsed.some((route) => route.machineArn !== parsed[0]!.machineArn))
      throw otherMachinesVersions(configuration);
    const weights = configuration.map((route) => route.weight);
    weights.forEach((weight, index) => {
      if (!Number.isInteger(weight) || weight! < 0 || weight! > 100) {
        throw new StepFunctionsApiError(
          'ValidationException',
          `routingConfiguration[${index}].weight must be a whole number from 0 to 100 (got ${JSON.stringify(weight)})`,
        );
      }
    });
    if (weights.reduce((sum, weight) => sum! + weight!, 0) !== 100) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `Sum of routing configuration weights must equal 100. Received: [${weights.join(', ')}]`,
      );
    }
    const machine = this.options.activeMachine(parsed[0]!.machineArn);
    const publications = parsePublications(machine.publications);
    const missing = parsed.find((route) => !publishedVersion(publications, route.number));
    if (missing) {
      throw new StepFunctionsApiError(
        'ResourceNotFound',
        `Request references a resource that does not exist: '${versionArn(machine.arn, missing.number)}'`,
      );
    }
    return {
      machine,
      routing: parsed.map((route, index) => ({ version: route.number, weight: weights[index]! })),
    };
  }
}

/**
 * An alias name as AWS allows it: 1-80 letters, digits, `_`, `-` and `.`, not digits only (that would be
 * a version number); refused in AWS's words, which name the field and the pattern.
 */
function validateAliasName(name: unknown): string {
  if (typeof name === 'string' && name.length > ALIAS_NAME_MAX_LENGTH) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to ${ALIAS_NAME_MAX_LENGTH}`,
    );
  }
  if (typeof name !== 'string' || !ALIAS_NAME.test(name)) {
    throw new StepFunctionsApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(name)}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ${ALIAS_NAME_PATTERN}`,
    );
  }
  return name;
}

/** A version ARN's state machine ARN and number; InvalidArn for any other ARN. */
function parseVersionArn(arn: unknown): { machineArn: string; number: number } {
  const { machineArn, qualifier } = splitQualifiedArn(
    parseArn(arn, 'stateMachineVersionArn', 'stateMachine'),
  );
  if (!qualifier || !('version' in qualifier)) {
    throw new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: stateMachineVersionArn must be a version ARN like arn:aws:states:us-east-1:000000000000:stateMachine:name:1 (got ${JSON.stringify(arn)})`,
    );
  }
  return { machineArn, number: qualifier.version };
}

/** An alias ARN's state machine ARN and alias name; InvalidArn for any other ARN. */
function parseAliasArn(arn: unknown): { machineArn: string; name: string } {
  const { machineArn, qualifier } = splitQualifiedArn(parseArn(arn, 'stateMachineAliasArn', 'stateMachine'));
  if (!qualifier || !('alias' in qualifier)) {
    throw new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: stateMachineAliasArn must be an alias ARN like arn:aws:states:us-east-1:000000000000:stateMachine:name:prod (got ${JSON.stringify(arn)})`,
    );
  }
  return { machineArn, name: qualifier.alias };
}

function sameRouting(a: readonly AliasRoute[], b: readonly AliasRoute[]): boolean {
  return (
    a.length === b.length &&
    a.every((route, index) => route.version === b[index]!.version && route.weight === b[index]!.weight)
  );
}

function otherMachinesVersions(configuration: Sfn.RoutingConfigurationListItem[]): StepFunctionsApiError {
  return new StepFunctionsApiError(
    'ValidationException',
    `Routing configuration must contain versions of one state machine, the alias's. Received: [${configuration.map((route) => route.stateMachineVersionArn).join(', ')}]`,
  );
}
