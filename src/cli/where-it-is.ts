/**
 * Where a running execution is, read from the newest end of its history: the same against AWS and the
 * local runtime, through an `SFNClient` or the local runtime's service.
 */
import { endsTaskTokenWait, type HistoryPages, schedulesApproval } from './history.ts';
import {
  type CopyReport,
  progressOf,
  type RolloutCheck,
  rolloutCheckOf,
  type WaitingApproval,
} from './progress.ts';

/** Where a running execution is: each field absent when its history does not say. */
export interface ExecutionPosition {
  /** The state it is in. */
  readonly state?: string;
  /** The canary step or rolling batch it last selected, of how many (`step 2 of 3`), when read (see {@link PositionReading}). */
  readonly step?: string;
  /** The traffic weights it last set, unless it set them before an abort it was redriven after. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Set when it waits for an approval. */
  readonly awaitingApproval?: true;
  /** That approval's timeout (its task's `TimeoutSeconds` and when it was scheduled), and what it is for. */
  readonly approval?: WaitingApproval;
  /** The track its latest rollout check found not ready, and why (`0/4 ready, ...`). */
  readonly rollout?: { readonly track: string; readonly reason: string };
  /** A database migration in its copy: the last slice a copy task reported. */
  readonly copy?: CopyReport;
}

/** The states of a database migration's copy (`CopyTables` and its iterations'). */
const COPY_STATES: ReadonlySet<string> = new Set(['CopyTables', 'CopySlice', 'TableDone', 'TableCopied']);

/** How far back {@link whereItIs} reads. */
export interface PositionReading {
  /** Read back to the weights last set, past the state (the default); `false` stops at the state. */
  readonly weights?: boolean;
  /** Read back to the canary step or rolling batch last selected too, within {@link FAR_PAGES} pages. */
  readonly step?: boolean;
}

/**
 * Pages read back at most to find whether an approval is waited for, or the step last selected, past the state
 * and the weights: a paused canary step's checks record about 9 events each beside the approval task, so 5
 * pages cover 55 checks.
 */
const FAR_PAGES = 5;

/**
 * The states the checks of a pause go through while its approval waits (a canary step with `pause`, and an
 * inconclusive analysis's pause: `statemachines/*.asl.json`): an execution in one of them waits for the
 * approval, however far back the approval's task was scheduled.
 */
const PAUSED_STEP_CHECKS: ReadonlySet<string> = new Set([
  'StartPauseChecks',
  'WaitToCheckPausedStep',
  'CheckPausedStep',
  'MoreChecksWhilePaused',
  'StartInconclusivePauseChecks',
  'WaitToCheckInconclusivePause',
  'CheckInconclusivePause',
  'MoreInconclusivePauseChecks',
]);

/**
 * Every state of a pause's branches (its checks and its approval's answer): an execution in one is in the
 * pause, named by its Parallel state (PauseAfterStep, PauseBatch, ...).
 */
const PAUSE_BRANCH_STATES: ReadonlySet<string> = new Set([
  ...PAUSED_STEP_CHECKS,
  'PauseChecksDone',
  'InconclusivePauseChecksDone',
  'WaitForAnswer',
  'NoAnswerToPause',
  'CheckUnansweredPause',
  'NotifyPauseUnanswered',
  'PauseAnswered',
  'PauseTimedOut',
  'WaitForInconclusiveAnswer',
  'InconclusivePauseAnswered',
  'InconclusivePauseTimedOut',
]);

/** Whether the state `name` runs in a pause's branches, where the pause's Parallel state names the position. */
export function inPauseBranch(name: string): boolean {
  return PAUSE_BRANCH_STATES.has(name);
}

/** Events that end a task: the newest says whether the execution still waits on a track (a rollout check). */
const TASK_ENDED = new Set([
  'TaskSucceeded',
  'TaskFailed',
  'TaskTimedOut',
  'LambdaFunctionSucceeded',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
]);

/**
 * The state a running execution is in (the Parallel state of a pause, while its checks run beside its
 * approval), the weights it last set, whether it waits for an approval (the newest
 * `.waitForTaskToken` task it scheduled has not ended, whatever its other branches record), the track its rollout checks
 * still wait for, with why (the newest task to end is a rollout check that found it not ready), and while a
 * database migration copies, the last slice reported: its history
 * read newest first in pages of 100, only as far back as it takes to find them.
 *
 * @example
 * const position = await whereItIs((input) => sfn.send(new GetExecutionHistoryCommand(input)), executionArn);
 * const { state, awaitingApproval } = await whereItIs(pages, executionArn, { weights: false });
 * const { step } = await whereItIs(pages, executionArn, { step: true }); // 'step 2 of 3'
 */
export async function whereItIs(
  pages: HistoryPages,
  executionArn: string,
  reading: PositionReading = {},
): Promise<ExecutionPosition> {
  const readsWeights = reading.weights ?? true;
  const readsStep = reading.step ?? false;
  let state: string | undefined;
  let step: string | undefined;
  let weights: Record<string, number> | undefined;
  let awaitingApproval: boolean | undefined;
  let approval: WaitingApproval | undefined;
  let rollout: RolloutCheck | undefined | null;
  let copy: CopyReport | undefined;
  // The Parallel state a pause's branches run in (PauseAfterStep, PauseBatch, ...), named in their place.
  let pause: string | undefined;
  // Read past an abort (the execution was redriven since): its rollback, another execution, has changed the
  // weights since those set before it.
  let pastAbort = false;
  const inPause = () => state !== undefined && inPauseBranch(state);
  let nextToken: string | undefined;
  let pagesRead = 0;
  do {
    const page = await pages({ executionArn, reverseOrder: true, maxResults: 100, nextToken });
    pagesRead += 1;
    for (const event of page.events ?? []) {
      // The newest approval task scheduled, unless a task's or the execution's end came after it (as
      // `pendingTaskToken` reads it): other branches' events (a paused step's checks) decide nothing.
      if (schedulesApproval(event)) awaitingApproval ??= true;
      else if (endsTaskTokenWait(event)) awaitingApproval ??= false;
      if (rollout === undefined && TASK_ENDED.has(event.type ?? '')) rollout = rolloutCheckOf(event) ?? null;
      if (event.type === 'ParallelStateEntered' && inPause()) pause ??= event.stateEnteredEventDetails?.name;
      if (event.type === 'ExecutionAborted') pastAbort = true;
      for (const line of progressOf(event)) {
        if (line.kind === 'state') {
          state ??= line.name;
          if (readsStep && line.position) step ??= line.position;
        } else if (line.kind === 'weights' && !pastAbort) weights ??= line.weights;
        else if (line.kind === 'copy') {
          const { kind: _kind, ...report } = line;
          copy ??= report;
        } else if (line.kind === 'approval' && awaitingApproval) {
          const { kind: _kind, ...waiting } = line;
          approval ??= waiting;
        }
      }
    }
    nextToken = page.nextToken;
  } while (
    nextToken &&
    (state === undefined ||
      (readsWeights && weights === undefined && !pastAbort) ||
      ((awaitingApproval === undefined || (readsStep && step === undefined) || (inPause() && !pause)) &&
        pagesRead < FAR_PAGES))
  );
  // A long pause records more checks than FAR_PAGES hold: its checks' states still say it waits.
  if (awaitingApproval === undefined && state !== undefined && PAUSED_STEP_CHECKS.has(state))
    awaitingApproval = true;
  const shown = pause ?? state;
  return {
    ...(shown ? { state: shown } : {}),
    ...(step ? { step } : {}),
    ...(weights ? { weights } : {}),
    ...(awaitingApproval ? { awaitingApproval: true as const, ...(approval ? { approval } : {}) } : {}),
    ...(rollout && !rollout.ready ? { rollout: { track: rollout.track, reason: rollout.reason } } : {}),
    ...(copy && state && COPY_STATES.has(state) ? { copy } : {}),
  };
}
