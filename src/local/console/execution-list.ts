/**
 * The console's list of executions across every state machine: the running ones first (an execution that
 * waits for an approval is one of them), then the ended ones, newest first, a page at a time.
 */
import type { ExecutionListItem } from '@aws-sdk/client-sfn';
import { ValidationError } from '#core/errors.ts';
import type { LocalStepFunctions } from '../service.ts';

/** The Step Functions calls the list makes. */
export type ExecutionLister = Pick<LocalStepFunctions, 'listStateMachines' | 'listExecutions'>;

/** How many running executions the list shows, and how many ended ones a page of it holds. */
export const CONSOLE_LIST_LIMIT = 100;

/** An execution as the console's list shows it: ListExecutions' item, with the console's id for it. */
export type ListedExecution = ExecutionListItem & { readonly executionId: string };

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

/** Where each state machine's listing goes on: the page (its token, none for the first) and how far into it. */
type Cursor = Record<string, { readonly token?: string; readonly skip: number }>;

/**
 * The page of the list `nextToken` names (the first without one). The ended executions of all state
 * machines are merged newest first, each machine's pages read only as far as the page needs; the token
 * says where each machine's listing goes on.
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
  const arns = stateMachines.map((machine) => machine.stateMachineArn!);
  const cursor = nextToken === undefined ? undefined : cursorOf(nextToken);
  const listings = arns
    .filter((arn) => cursor === undefined || cursor[arn] !== undefined)
    .map((arn) => new Listing(service, arn, cursor?.[arn]));
  const executions: ListedExecution[] = [];
  while (executions.length < CONSOLE_LIST_LIMIT) {
    const heads = await Promise.all(listings.map((listing) => listing.head()));
    const newest = newestOf(heads);
    if (newest === undefined) break;
    const execution = listings[newest]!.take();
    if (execution.status !== 'RUNNING') executions.push(listed(execution));
  }
  const next = Object.fromEntries(listings.flatMap((listing) => listing.position()));
  return {
    ...(cursor === undefined ? await runningIn(service, arns) : { running: [] }),
    executions,
    ...(Object.keys(next).length > 0 ? { nextToken: tokenOf(next) } : {}),
  };
}

/** The running executions of the state machines, newest first. */
async function runningIn(service: ExecutionLister, arns: readonly string[]) {
  const pages = await Promise.all(
    arns.map((stateMachineArn) =>
      service.listExecutions({ stateMachineArn, statusFilter: 'RUNNING', maxResults: CONSOLE_LIST_LIMIT }),
    ),
  );
  const running = pages.flatMap((page) => page.executions ?? []).sort((a, b) => startOf(b) - startOf(a));
  const more = running.length > CONSOLE_LIST_LIMIT || pages.some((page) => page.nextToken);
  return {
    running: running.slice(0, CONSOLE_LIST_LIMIT).map(listed),
    ...(more ? { moreRunning: true as const } : {}),
  };
}

/** The index of the newest of the heads, if any is left. */
function newestOf(heads: readonly (ExecutionListItem | undefined)[]): number | undefined {
  let newest: number | undefined;
  heads.forEach((head, index) => {
    if (head && (newest === undefined || startOf(head) > startOf(heads[newest]!))) newest = index;
  });
  return newest;
}

function startOf(execution: ExecutionListItem): number {
  return execution.startDate?.getTime() ?? 0;
}

function listed(item: ExecutionListItem): ListedExecution {
  return { ...item, executionId: item.executionArn!.split(':execution:')[1]! };
}

function tokenOf(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function cursorOf(token: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString()) as unknown;
    if (cursor && typeof cursor === 'object' && !Array.isArray(cursor)) return cursor as Cursor;
  } catch {}
  throw new ValidationError(`nextToken ${JSON.stringify(token)} is not one the list gave`);
}

/** One state machine's executions, newest first, read a page at a time as they are taken. */
class Listing {
  readonly #service: ExecutionLister;
  readonly #stateMachineArn: string;
  /** The token of the page read last (none for the first), and that page once read. */
  #token: string | undefined;
  #page: { readonly executions: ExecutionListItem[]; readonly nextToken?: string } | undefined;
  #index: number;

  constructor(service: ExecutionLister, stateMachineArn: string, from?: Cursor[string]) {
    this.#service = service;
    this.#stateMachineArn = stateMachineArn;
    this.#token = from?.token;
    this.#index = from?.skip ?? 0;
  }

  /** The next execution not taken yet, if any is left. */
  async head(): Promise<ExecutionListItem | undefined> {
    while (this.#page === undefined || this.#index >= this.#page.executions.length) {
      if (this.#page !== undefined) {
        if (this.#page.nextToken === undefined) return undefined;
        this.#token = this.#page.nextToken;
        this.#index = 0;
      }
      const { executions = [], nextToken } = await this.#service.listExecutions({
        stateMachineArn: this.#stateMachineArn,
        maxResults: CONSOLE_LIST_LIMIT,
        ...(this.#token === undefined ? {} : { nextToken: this.#token }),
      });
      this.#page = { executions, ...(nextToken === undefined ? {} : { nextToken }) };
    }
    return this.#page.executions[this.#index];
  }

  /** Takes the head (read with {@link Listing.head} just before). */
  take(): ExecutionListItem {
    return this.#page!.executions[this.#index++]!;
  }

  /** Where the listing goes on, as a cursor entry; none once every execution was taken. */
  position(): [string, Cursor[string]][] {
    const page = this.#page;
    if (page === undefined) return [[this.#stateMachineArn, { token: this.#token, skip: this.#index }]];
    if (this.#index < page.executions.length) {
      return [[this.#stateMachineArn, { token: this.#token, skip: this.#index }]];
    }
    return page.nextToken === undefined ? [] : [[this.#stateMachineArn, { token: page.nextToken, skip: 0 }]];
  }
}
