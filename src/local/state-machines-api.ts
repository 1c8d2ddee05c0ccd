/**
 * The state machine operations of the local Step Functions API: Create/Update/Describe/List/DeleteStateMachine
 * and ValidateStateMachineDefinition, with the lookups the other operations make of a state machine, its
 * versions and aliases. A state machine's definition and configuration are kept by revision: each change is
 * a new one, which the executions started from then on run.
 */
import { randomUUID } from 'node:crypto';
import type * as Sfn from '@aws-sdk/client-sfn';
import { variableReferences } from './asl/expressions/variable-references.ts';
import type { DefinitionDiagnostic } from './asl/validate.ts';
import { validateDefinition } from './asl/validate.ts';
import type { Clock } from './clock.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import {
  arnQualifier,
  DIAGNOSTIC_SEVERITIES,
  encryptionConfigurationJson,
  INCLUDED_DATA,
  invalidDefinition,
  loggingConfigurationJson,
  pageByArn,
  parseArn,
  STATE_MACHINE_TYPES,
  tracingConfigurationJson,
  validateName,
  validateOneOf,
} from './service-validation.ts';
import {
  type ArnQualifier,
  NO_PUBLICATIONS,
  type PublishedVersion,
  parsePublications,
  publishedVersion,
  qualifierOf,
  routedVersion,
  type StateMachineAlias,
  splitQualifiedArn,
  versionArn,
} from './state-machine-versions.ts';
import type { RevisionRow, StateMachineRow, Store } from './store.ts';
import { NO_TAGS, withTags } from './tags.ts';

type Out<T> = Omit<T, '$metadata'>;

/**
 * What DescribeStateMachine answers of an ARN: the state machine, the revision whose definition and
 * configuration it answers, and its creation date and description (a version's own).
 */
interface Described {
  arn: string;
  machine: StateMachineRow;
  revision: RevisionRow | StateMachineRow;
  creationDate: number;
  description: string | null;
}

/** What the state machine operations work with, besides the store and the clock. */
export interface StateMachinesApiOptions {
  store: Store;
  clock: Clock;
  region: string;
  account: string;
  /** Publishes `machine`'s current revision as a version (see VersionsApi.publish). */
  publish(machine: StateMachineRow, description: string | undefined): PublishedVersion;
  /** Commits the execution starts and ends waiting for the group commit. */
  flush(): void;
  /** Fails each RUNNING execution of the state machine `arn` at its next state transition. */
  markDeleting(arn: string): void;
}

/**
 * @example
 * const machines = new StateMachinesApi({ store, clock, region, account, publish, flush, markDeleting });
 * const { stateMachineArn } = await machines.createStateMachine({ name: 'deploy', definition, roleArn });
 * const described = await machines.describeStateMachine({ stateMachineArn });
 */
export class StateMachinesApi {
  constructor(private readonly options: StateMachinesApiOptions) {}

  async createStateMachine(
    input: Sfn.CreateStateMachineCommandInput,
  ): Promise<Out<Sfn.CreateStateMachineCommandOutput>> {
    const { store, clock, region, account } = this.options;
    const name = validateName(input.name, 'name');
    refuseVersionDescriptionWithoutPublish(input);
    const type = validateOneOf(input.type ?? 'STANDARD', 'type', STATE_MACHINE_TYPES);
    const roleArn = validateRoleArn(input.roleArn);
    const definition = this.#checkDefinition(input.definition, type);
    const loggingConfiguration = loggingConfigurationJson(input.loggingConfiguration);
    const tracingConfiguration = tracingConfigurationJson(input.tracingConfiguration);
    const encryptionConfiguration = encryptionConfigurationJson(input.encryptionConfiguration);
    const arn = `arn:aws:states:${region}:${account}:stateMachine:${name}`;
    const tags = withTags(NO_TAGS, input.tags ?? [], arn);
    const existing = store.getStateMachine(arn);
    if (existing?.status === 'DELETING') throw stateMachineDeleting(arn);
    if (existing) {
      // As on AWS, another roleArn is not a conflict: the request is idempotent and the role stays as it was.
      if (
        existing.type === type &&
        sameConfiguration(existing, {
          definition,
          loggingConfiguration,
          tracingConfiguration,
          encryptionConfiguration,
        })
      ) {
        return {
          stateMachineArn: arn,
          creationDate: new Date(existing.creationDate),
          ...this.#publishedIf(input, existing),
        };
      }
      throw new StepFunctionsApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const now = clock.now();
    const row: StateMachineRow = {
      arn,
      name,
      type,
      roleArn,
      definition,
      // As on AWS, the first revision has no revisionId.
      revisionId: null,
      revision: 0,
      creationDate: now,
      description: null,
      loggingConfiguration,
      tracingConfiguration,
      encryptionConfiguration,
      status: 'ACTIVE',
      tags,
      publications: NO_PUBLICATIONS,
    };
    return store.transaction(() => {
      row.revision = store.insertRevision(row, now);
      store.insertStateMachine(row);
      return { stateMachineArn: arn, creationDate: new Date(now), ...this.#publishedIf(input, row) };
    });
  }

  async updateStateMachine(
    input: Sfn.UpdateStateMachineCommandInput,
  ): Promise<Out<Sfn.UpdateStateMachineCommandOutput>> {
    const { store, clock } = this.options;
    const machine = this.activeMachine(input.stateMachineArn);
    refuseVersionDescriptionWithoutPublish(input);
    const { definition, roleArn, loggingConfiguration, tracingConfiguration, encryptionConfiguration } =
      input;
    const parts = [definition, roleArn, loggingConfiguration, tracingConfiguration, encryptionConfiguration];
    if (parts.every((part) => part === undefined)) {
      // AWS's recorded words, older than encryptionConfiguration (which may also be given alone).
      throw new StepFunctionsApiError(
        'MissingRequiredParameter',
        'Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified',
      );
    }
    const updated = this.#updated(machine, input);
    if (updated.roleArn === machine.roleArn && sameConfiguration(updated, machine)) {
      // Nothing changes: as on AWS, no new revision, and the current revisionId (if any) is answered.
      const current = store.getRevision(machine.revision)!;
      return {
        updateDate: new Date(current.updateDate),
        ...revisionIdOf(machine),
        ...this.#publishedIf(input, machine),
      };
    }
    const now = clock.now();
    // A revision is a snapshot of the definition and configuration: changing any of them makes a new one.
    const revisionId = randomUUID();
    const row: StateMachineRow = { ...updated, revisionId };
    return store.transaction(() => {
      row.revision = store.insertRevision(row, now);
      store.updateStateMachine(row);
      return { updateDate: new Date(now), revisionId, ...this.#publishedIf(input, row) };
    });
  }

  /** With `publish: true`, publishes `machine`'s current revision and answers its version's ARN. */
  #publishedIf(
    input: { publish?: boolean; versionDescription?: string },
    machine: StateMachineRow,
  ): { stateMachineVersionArn?: string } {
    if (input.publish !== true) return {};
    const { version } = this.options.publish(machine, input.versionDescription);
    return { stateMachineVersionArn: versionArn(machine.arn, version) };
  }

  /** A state machine as it is now, or, given a version ARN, as that version was published. */
  async describeStateMachine(
    input: Sfn.DescribeStateMachineCommandInput,
  ): Promise<Out<Sfn.DescribeStateMachineCommandOutput>> {
    const qualifier = qualifierOf(input.stateMachineArn);
    const { arn, machine, revision, creationDate, description } = qualifier
      ? this.#describedVersion(input.stateMachineArn, qualifier)
      : this.#describedMachine(input.stateMachineArn);
    return {
      stateMachineArn: arn,
      name: machine.name,
      status: machine.status,
      ...definitionData(revision.definition, input.includedData),
      roleArn: revision.roleArn,
      type: machine.type,
      creationDate: new Date(creationDate),
      ...configurationOf(revision),
      ...(description === null ? {} : { description }),
    };
  }

  /** What DescribeStateMachine answers of a state machine ARN: the state machine as it is now. */
  #describedMachine(arn: unknown): Described {
    const machine = this.machine(arn);
    const { creationDate, description } = machine;
    return { arn: machine.arn, machine, revision: machine, creationDate, description };
  }

  /**
   * What DescribeStateMachine answers of a version ARN: the version as it was published (an alias ARN names no
   * state machine: StateMachineDoesNotExist).
   */
  #describedVersion(stateMachineArn: unknown, qualifier: ArnQualifier): Described {
    const arn = parseArn(stateMachineArn, 'stateMachineArn', 'stateMachine');
    if ('alias' in qualifier) throw stateMachineDoesNotExist(arn);
    const { machine, version } = this.version(arn, qualifier);
    const revision = this.options.store.getRevision(version.revision)!;
    return { arn, machine, revision, creationDate: version.creationDate, description: version.description };
  }

  /**
   * The state machine and version a version ARN names, or, for an alias ARN, the version it routes this
   * execution to (drawn by weight); StateMachineDoesNotExist when there is none.
   */
  version(
    arn: string,
    qualifier: ArnQualifier,
  ): { machine: StateMachineRow; version: PublishedVersion; alias?: StateMachineAlias } {
    const { machineArn } = splitQualifiedArn(arn);
    const machine = this.options.store.getStateMachine(machineArn);
    const publications = machine && parsePublications(machine.publications);
    const alias =
      'alias' in qualifier ? publications?.aliases.find((each) => each.name === qualifier.alias) : undefined;
    const number = 'version' in qualifier ? qualifier.version : alias && routedVersion(alias);
    const version = publications && publishedVersion(publications, number);
    if (!machine || !version) throw stateMachineDoesNotExist(arn);
    return { machine, version, alias };
  }

  async listStateMachines(
    input: Sfn.ListStateMachinesCommandInput = {},
  ): Promise<Out<Sfn.ListStateMachinesCommandOutput>> {
    const { page, nextToken } = pageByArn(
      'ListStateMachines',
      input,
      this.options.clock.now(),
      (after, limit) => this.options.store.listStateMachines(after, limit),
    );
    return {
      stateMachines: page.map((row) => ({
        stateMachineArn: row.arn,
        name: row.name,
        type: row.type,
        creationDate: new Date(row.creationDate),
      })),
      ...(nextToken === undefined ? {} : { nextToken }),
    };
  }

  /**
   * Deletes the state machine at once when none of its executions is RUNNING. Otherwise, as on AWS, it
   * becomes DELETING: each RUNNING execution fails (States.Runtime) at its next state transition, and the
   * state machine is removed when the last one ends. A missing or DELETING state machine is left as it is.
   */
  async deleteStateMachine(
    input: Sfn.DeleteStateMachineCommandInput,
  ): Promise<Out<Sfn.DeleteStateMachineCommandOutput>> {
    const arn = parseArn(input.stateMachineArn, 'stateMachineArn', 'stateMachine');
    if (arnQualifier(arn) !== undefined) {
      throw new StepFunctionsApiError(
        'ValidationException',
        `stateMachineArn must be unqualified (arn:aws:states:<region>:<account>:stateMachine:<name>), not a Distributed Map, version or alias ARN (got ${JSON.stringify(arn)})`,
      );
    }
    this.options.flush(); // commits the starts and ends waiting for the group commit, which the count below sees
    const machine = this.options.store.getStateMachine(arn);
    if (machine?.status !== 'ACTIVE') return {};
    if (this.options.store.countRunningExecutions(arn) === 0) {
      this.options.store.deleteStateMachine(arn);
    } else {
      this.options.store.updateStateMachine({ ...machine, status: 'DELETING' });
      this.options.markDeleting(arn);
    }
    return {};
  }

  async validateStateMachineDefinition(
    input: Sfn.ValidateStateMachineDefinitionInput,
  ): Promise<Out<Sfn.ValidateStateMachineDefinitionCommandOutput>> {
    if (typeof input.definition !== 'string') {
      throw new StepFunctionsApiError('ValidationException', 'definition must be a string of JSON');
    }
    const limit = input.maxResults && input.maxResults > 0 ? input.maxResults : 100;
    const type = validateOneOf(input.type ?? 'STANDARD', 'type', STATE_MACHINE_TYPES);
    const severity = validateOneOf(input.severity ?? 'ERROR', 'severity', DIAGNOSTIC_SEVERITIES);
    const found = validateDefinition(input.definition, type);
    // As on AWS, ERROR (the default) returns only errors, WARNING errors and warnings.
    const diagnostics = severity === 'WARNING' ? found : found.filter((d) => d.severity === 'ERROR');
    return {
      result: found.some((d) => d.severity === 'ERROR') ? 'FAIL' : 'OK',
      diagnostics: diagnostics.slice(0, limit),
      truncated: diagnostics.length > limit,
    };
  }

  /** `machine` with what an UpdateStateMachine `input` gives instead, each part checked. */
  #updated(machine: StateMachineRow, input: Sfn.UpdateStateMachineCommandInput): StateMachineRow {
    const { definition, roleArn, loggingConfiguration, tracingConfiguration, encryptionConfiguration } =
      input;
    return {
      ...machine,
      definition:
        definition === undefined ? machine.definition : this.#checkDefinition(definition, machine.type),
      roleArn: roleArn === undefined ? machine.roleArn : validateRoleArn(roleArn),
      loggingConfiguration:
        loggingConfiguration === undefined
          ? machine.loggingConfiguration
          : loggingConfigurationJson(loggingConfiguration),
      tracingConfiguration:
        tracingConfiguration === undefined
          ? machine.tracingConfiguration
          : tracingConfigurationJson(tracingConfiguration),
      encryptionConfiguration:
        encryptionConfiguration === undefined
          ? machine.encryptionConfiguration
          : encryptionConfigurationJson(encryptionConfiguration),
    };
  }

  #checkDefinition(definition: unknown, type: 'STANDARD' | 'EXPRESS'): string {
    if (typeof definition !== 'string') {
      throw new StepFunctionsApiError(
        'InvalidDefinition',
        'definition must be a string of JSON (Amazon States Language)',
      );
    }
    const errors = validateDefinition(definition, type).filter(
      (d: DefinitionDiagnostic) => d.severity === 'ERROR',
    );
    if (errors.length > 0) throw invalidDefinition(errors);
    return definition;
  }

  /** The state machine `arn` names (DELETING too); StateMachineDoesNotExist when there is none. */
  machine(arn: unknown): StateMachineRow {
    // A stored machine's ARN is well-formed: the pattern is checked only for an ARN that is not found.
    const machine = typeof arn === 'string' ? this.options.store.getStateMachine(arn) : undefined;
    if (machine) return machine;
    const checked = parseArn(arn, 'stateMachineArn', 'stateMachine');
    if (arnQualifier(checked) === 'label') {
      throw new StepFunctionsApiError(
        'ValidationException',
        `stateMachineArn must not refer to a Distributed Map state (<name>/<label>): this runtime does not serve Map runs (got ${JSON.stringify(checked)})`,
      );
    }
    throw stateMachineDoesNotExist(checked);
  }

  /** {@link machine}, refused with StateMachineDeleting while it is DELETING. */
  activeMachine(arn: unknown): StateMachineRow {
    const machine = this.machine(arn);
    if (machine.status === 'DELETING') throw stateMachineDeleting(machine.arn);
    return machine;
  }
}

/** `roleArn` if it is an IAM role's ARN (`arn:aws:iam::<account>:role/<name>`); otherwise AWS's InvalidArn. */
function validateRoleArn(roleArn: unknown): string {
  if (typeof roleArn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(roleArn)) {
    throw new StepFunctionsApiError('InvalidArn', `Invalid Role Arn: '${String(roleArn)}'`);
  }
  return roleArn;
}

/** What a revision of a state machine is compared by: its definition and its configuration. */
type Configuration = Pick<
  StateMachineRow,
  'definition' | 'loggingConfiguration' | 'tracingConfiguration' | 'encryptionConfiguration'
>;

/** Whether two revisions of a state machine have the same definition, logging, tracing and encryption configuration. */
function sameConfiguration(a: Configuration, b: Configuration): boolean {
  return (
    a.definition === b.definition &&
    a.loggingConfiguration === b.loggingConfiguration &&
    a.tracingConfiguration === b.tracingConfiguration &&
    a.encryptionConfiguration === b.encryptionConfiguration
  );
}

/** `{ revisionId }`, or nothing for a state machine never updated (AWS answers none before the first update). */
function revisionIdOf(revision: Pick<RevisionRow, 'revisionId'>): { revisionId?: string } {
  return revision.revisionId === null ? {} : { revisionId: revision.revisionId };
}

/**
 * A definition and the variables its states read, as DescribeStateMachine and DescribeStateMachineForExecution
 * answer them: with `includedData` METADATA_ONLY, as on AWS, the definition is `{}` (and nothing is said of it).
 */
export function definitionData(
  definition: string,
  includedData: unknown,
): { definition: string; variableReferences?: Record<string, string[]> } {
  if (validateOneOf(includedData ?? 'ALL_DATA', 'includedData', INCLUDED_DATA) === 'METADATA_ONLY') {
    return { definition: '{}' };
  }
  const references = variableReferences(JSON.parse(definition));
  return Object.keys(references).length === 0
    ? { definition }
    : { definition, variableReferences: references };
}

/** The logging, tracing and encryption configuration and revisionId of a revision, as DescribeStateMachine answers them. */
export function configurationOf(revision: RevisionRow | StateMachineRow) {
  return {
    loggingConfiguration: JSON.parse(revision.loggingConfiguration) as Sfn.LoggingConfiguration,
    tracingConfiguration: JSON.parse(revision.tracingConfiguration) as Sfn.TracingConfiguration,
    encryptionConfiguration: JSON.parse(revision.encryptionConfiguration) as Sfn.EncryptionConfiguration,
    ...revisionIdOf(revision),
  };
}

/** As AWS documents: a `versionDescription` describes the version `publish` makes, so it needs `publish: true`. */
function refuseVersionDescriptionWithoutPublish(input: {
  publish?: boolean;
  versionDescription?: string;
}): void {
  if (input.versionDescription === undefined || input.publish === true) return;
  // AWS's words: versionDescription describes the version that `publish: true` makes.
  throw new StepFunctionsApiError(
    'ValidationException',
    'Version description can only be set when publish is true',
  );
}

/** AWS's answer for a state machine, version or alias ARN that names none. */
function stateMachineDoesNotExist(arn: string): StepFunctionsApiError {
  return new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
}

/** AWS's answer to CreateStateMachine, UpdateStateMachine and StartExecution while a state machine is DELETING. */
export function stateMachineDeleting(arn: string): StepFunctionsApiError {
  return new StepFunctionsApiError('StateMachineDeleting', `State Machine is being deleted: '${arn}'`);
}
