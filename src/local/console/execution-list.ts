/**
 * The console's list of executions across every state machine: the running ones first, each with the state
 * it is in, whether it waits for an approval and how far its copy is, then the ended ones, newest first, a
 * page at a time.
 */
import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { executionArnIn, executionNameOf } from '#core/api-routes.ts';
import { ValidationError } from '#core/errors.ts';
import { copiedText } from '../../cli/progress.ts';
import { whereItIs } from '../../cli/where-it-is.ts';
import type { LocalStepFunctions } from '../service.ts';

/** The Step Functions calls the list makes. */
export type ExecutionLister = Pick<
  LocalStepFunctions,
  'listStateMachines' | 'listExecutions' | 'getExecutionHistory'
>;

/** How many running executions the list shows, and how many ended ones a page of it holds. */
export const CONSOLE_LIST_LIMIT = 100;

/**
 * An execution as the console's list shows it: ListExecutions' item, with the console's id for it, and of a
 * running one where it is, as its history says (nothing when that could not be read).
 */
export type ListedExecution = ExecutionListItem & {
  readonly executionId: string;
  /** A running one's current state. */
  readonly state?: string;
  /** Set when a running one waits for an approval. */
  readonly awaitingApproval?: true;
  /** A running database migration's copy, by its last slice: `public.orders: 50,000 of about 150,000 rows so far`. */
  readonly copy?: string;
};

/** A page of the list. */
export interface ExecutionListPage {
  /** The running executions, newest first (at most {@link CONSOLE_LIST_LIMIT}): on the first page only. */
  readonly running: ListedExecution[];
  /** Set when more executions run than `running` holds. */
  readonly moreRunning?: true;
  /** The ended executions of this page, newest first. */
  readonly executions: ListedExecution[];
  /** Asks for the next page, of older ended executions; absent on the last page. */
  readonly nextToken?: string;
}

/**
 * Where the next page starts: after the last ended execution shown, by its start (epoch ms) and ARN, in the
 * list's order (see {@link byListOrder}). Executions started since are newer: they move no row to it.
 */
interface Cursor {
  readonly startDate: number;
  readonly executionArn: string;
}

/**
 * The page of the list `nextToken` names (the first without one). The ended executions of all STANDARD
 * state machines are merged in the list's order, each machine's pages read only as far as the page needs; the
 * token names the last one shown, and the next page starts after it.
 *
 * @example
 * const first = await listExecutionsPage(service);
 * const older = first.nextToken ? await listExecutionsPage(service, first.nextToken) : undefined;
 */
export async function listExecutionsPage(
  service: ExecutionLister,
  nextToken?: string,
): Promise<ExecutionListPage> {
  const { stateMachines = [] } = await service.listStateMachines({ maxResults: 1000 });
  // As on AWS, Express executions are not listed (their record is in logs).
  const arns = stateMachines
    .filter((machine) => machine.type !== 'EXPRESS')
    .map((machine) => machine.stateMachineArn!);
  const after = nextToken === undefined ? undefined : cursorOf(nextToken, arns);
  const listings = arns.map((arn) => new Listing(service, arn, after));
  const executions: ListedExecution[] = [];
  let next = await nextEnded(listings);
  while (next !== undefined && executions.length < CONSOLE_LIST_LIMIT) {
    executions.push(listed(next));
    next = await nextEnded(listings);
  }
  return {
    ...(after === undefined ? await runningIn(service, arns) : { running: [] }),
    executions,
    // `next`: the first execution of the following page
    ...(next === undefined ? {} : { nextToken: tokenOf(keyOf(executions.at(-1)!)) }),
  };
}

/** The running executions of the state machines, in the list's order, each with where it is. */
async function runningIn(service: ExecutionLister, arns: readonly string[]) {
  const pages = await Promise.all(
    arns.map((stateMachineArn) =>
      service.listExecutions({ stateMachineArn, statusFilter: 'RUNNING', maxResults: CONSOLE_LIST_LIMIT }),
    ),
  );
  const running = pages.flatMap((page) => page.executions ?? []).sort(byListOrder);
  const more = running.length > CONSOLE_LIST_LIMIT || pages.some((page) => page.nextToken);
  return {
    running: await Promise.all(running.slice(0, CONSOLE_LIST_LIMIT).map((item) => positioned(service, item))),
    ...(more ? { moreRunning: true as const } : {}),
  };
}

/**
 * A running execution as listed, with the state it is in, whether it waits for an approval and how far its
 * copy is; without them when its history could not be read, which leaves the rest of the list as it is.
 */
async function positioned(service: ExecutionLister, item: ExecutionListItem): Promise<ListedExecution> {
  try {
    const { state, awaitingApproval, copy } = await whereItIs(
      (input) => service.getExecutionHistory(input),
      item.executionArn!,
      { weights: false },
    );
    return {
      ...listed(item),
      ...(state ? { state } : {}),
      ...(awaitingApproval ? { awaitingApproval } : {}),
      ...(copy ? { copy: `${copy.table}: ${copiedText(copy)}` } : {}),
    };
  } catch {
    return listed(item);
  }
}

/** Takes the executions of the listings in the list's order up to the next ended one: that one, if any is left. */
async function nextEnded(listings: readonly Listing[]): Promise<ExecutionListItem | undefined> {
  for (;;) {
    const heads = await Promise.all(listings.map((listing) => listing.head()));
    const first = firstOf(heads);
    if (first === undefined) return undefined;
    const execution = listings[first]!.take();
    if (execution.status !== 'RUNNING') return execution;
  }
}

/** The index of the head that comes first in the list's order, if any is left. */
function firstOf(heads: readonly (ExecutionListItem | undefined)[]): number | undefined {
  let first: number | undefined;
  heads.forEach((head, index) => {
    if (head && (first === undefined || byListOrder(head, heads[first]!) < 0)) first = index;
  });
  return first;
}

/** The list's order: newest first, executions started in the same millisecond by ARN. */
function byListOrder(a: ExecutionListItem | Cursor, b: ExecutionListItem | Cursor): number {
  const [keyA, keyB] = [keyOf(a), keyOf(b)];
  if (keyA.startDate !== keyB.startDate) return keyB.startDate - keyA.startDate;
  if (keyA.executionArn === keyB.executionArn) return 0;
  return keyA.executionArn < keyB.executionArn ? -1 : 1;
}

/** Where the execution stands in the list's order. */
function keyOf(execution: ExecutionListItem | Cursor): Cursor {
  const { startDate, executionArn } = execution;
  return {
    startDate: startDate instanceof Date ? startDate.getTime() : (startDate ?? 0),
    executionArn: executionArn ?? '',
  };
}

function startOf(execution: ExecutionListItem): number {
  return keyOf(execution).startDate;
}

function listed(item: ExecutionListItem): ListedExecution {
  return { ...item, executionId: item.executionArn!.split(':execution:')[1]! };
}

function tokenOf({ startDate, executionArn }: Cursor): string {
  return Buffer.from(JSON.stringify({ startDate, executionArn })).toString('base64url');
}

/** The cursor of a token the list gave; anything else is refused, saying why. */
function cursorOf(token: string, stateMachineArns: readonly string[]): Cursor {
  const refused = (why: string) =>
    new ValidationError(`nextToken ${JSON.stringify(token)} is not one the list gave: ${why}`);
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(token, 'base64url').toString());
  } catch {
    throw refused('it is not base64url JSON');
  }
  if (!isCursor(cursor) || tokenOf(cursor) !== token) {
    throw refused(
      'it is not {"startDate": <epoch ms>, "executionArn": "<execution ARN>"} as the list writes it',
    );
  }
  if (!stateMachineArns.some((arn) => isExecutionOf(cursor.executionArn, arn))) {
    throw refused(`${cursor.executionArn} is no execution of a state machine of this runtime`);
  }
  return cursor;
}

function isCursor(value: unknown): value is Cursor {
  if (!value || typeof value !== 'object') return false;
  const { startDate, executionArn } = value as Record<string, unknown>;
  return Number.isSafeInteger(startDate) && (startDate as number) >= 0 && typeof executionArn === 'string';
}

/** Whether `executionArn` names an execution of the state machine `stateMachineArn`. */
function isExecutionOf(executionArn: string, stateMachineArn: string): boolean {
  const name = executionNameOf(executionArn);
  return name !== '' && executionArnIn(stateMachineArn, name) === executionArn;
}

/**
 * One state machine's executions after the cursor (all without one), in the list's order, read a page at a
 * time as they are taken. ListExecutions lists newest first, those started in the same millisecond in an
 * order of its own: while every execution read and left started when the first did, the next page may hold
 * one that comes before it, so that page is read first.
 */
class Listing {
  readonly #service: ExecutionLister;
  readonly #stateMachineArn: string;
  readonly #after: Cursor | undefined;
  /** The executions read and not taken yet, in the list's order. */
  #left: ExecutionListItem[] = [];
  /** The token of the page to read next (none for the first); `null` once the last was read. */
  #nextToken: string | null | undefined;

  constructor(service: ExecutionLister, stateMachineArn: string, after?: Cursor) {
    this.#service = service;
    this.#stateMachineArn = stateMachineArn;
    this.#after = after;
  }

  /** The next execution not taken yet, if any is left. */
  async head(): Promise<ExecutionListItem | undefined> {
    while (this.#nextToken !== null && (this.#left.length === 0 || this.#allStartedAsFirst())) {
      await this.#read();
    }
    return this.#left[0];
  }

  /** Takes the head (read with {@link Listing.head} just before). */
  take(): ExecutionListItem {
    return this.#left.shift()!;
  }

  #allStartedAsFirst(): boolean {
    return startOf(this.#left.at(-1)!) === startOf(this.#left[0]!);
  }

  async #read(): Promise<void> {
    const { executions = [], nextToken } = await this.#service.listExecutions({
      stateMachineArn: this.#stateMachineArn,
      maxResults: CONSOLE_LIST_LIMIT,
      ...(typeof this.#nextToken === 'string' ? { nextToken: this.#nextToken } : {}),
    });
    const after = this.#after;
    const read = after ? executions.filter((execution) => byListOrder(execution, after) > 0) : executions;
    this.#left = [...this.#left, ...read].sort(byListOrder);
    this.#nextToken = nextToken ?? null;
  }
}
