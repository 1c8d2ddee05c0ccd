import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it, vi } from 'vitest';
import { lambdaTaskSucceeded } from '#test/builders/history-events.ts';
import {
  failureOf,
  formatProgress,
  type ProgressLine,
  ProgressReader,
  progressOf,
  rollbackShortfallText,
  taskReportsOf,
} from '../../../src/cli/progress.ts';

type Approval = Extract<ProgressLine, { kind: 'approval' }>;

const taskSucceeded = (id: number, payload: object): HistoryEvent => lambdaTaskSucceeded(id, payload);

/** The lines a fresh {@link ProgressReader} reads from `history` that `keep` keeps, as `watch` prints them. */
function formattedLines(history: readonly HistoryEvent[], keep: (line: ProgressLine) => boolean): string[] {
  const reader = new ProgressReader();
  return history
    .flatMap((event) => reader.linesOf(event))
    .filter(keep)
    .map((line) => formatProgress(line));
}

/** The cause a Lambda task's error carries, as AWS and the local runtime record it. */
function lambdaCause(errorType: string, errorMessage: string): string {
  return JSON.stringify({
    errorMessage,
    errorType,
    stackTrace: ['at decide (src/core/analysis/decide.ts:53:9)'],
  });
}

describe('failureOf', () => {
  it('keeps only the message of a Lambda error cause', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 63,
      timestamp: new Date(),
      type: 'LambdaFunctionFailed',
      lambdaFunctionFailedEventDetails: {
        error: 'AnalysisFailed',
        cause: lambdaCause('AnalysisFailed', 'errorRate 0.3 > 0.05'),
      },
    };
    // Act
    const failure = failureOf(event);
    // Assess
    expect(failure).toEqual({ error: 'AnalysisFailed', cause: 'errorRate 0.3 > 0.05' });
  });

  it('keeps a plain cause as it is, and gives nothing for an event that is no failure', () => {
    // Prepare
    const aborted: HistoryEvent = {
      id: 40,
      timestamp: new Date(),
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Aborted', cause: '{not json: wrong image' },
    };
    const entered: HistoryEvent = {
      id: 2,
      timestamp: new Date(),
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name: 'ValidateRequest' },
    };
    // Act & Assess
    expect(failureOf(aborted)).toEqual({ error: 'Aborted', cause: '{not json: wrong image' });
    expect(failureOf(entered)).toBeUndefined();
  });

  it("reads a rejection's body as who rejected it and why", () => {
    // Prepare
    const rejected = (cause: string): HistoryEvent => ({
      id: 90,
      timestamp: new Date(),
      type: 'ExecutionFailed',
      executionFailedEventDetails: { error: 'ApprovalRejected', cause },
    });
    // Act & Assess
    expect(failureOf(rejected('{"reason":"p99 is creeping up","approver":"ana"}'))?.cause).toBe(
      'rejected by ana: p99 is creeping up',
    );
    expect(failureOf(rejected('{"approver":"ana"}'))?.cause).toBe('rejected by ana (no reason given)');
    expect(failureOf(rejected('{}'))?.cause).toBe('rejected (no reason given)');
    expect(failureOf(rejected('p99 is creeping up'))?.cause).toBe('p99 is creeping up');
  });
});

describe('progressOf', () => {
  it('ends a failed execution with its error and the readable cause', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 81,
      timestamp: new Date(),
      type: 'ExecutionFailed',
      executionFailedEventDetails: {
        error: 'AnalysisInconclusive',
        cause: lambdaCause('AnalysisInconclusive', 'requestCount 0 < minRequests 20'),
      },
    };
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual(['FAILED: AnalysisInconclusive — requestCount 0 < minRequests 20']);
  });

  it('ends a timed-out execution with its error alone: AWS records no cause for it', () => {
    // Prepare: the ExecutionTimedOut event as AWS records it
    const event: HistoryEvent = {
      id: 12,
      previousEventId: 0,
      timestamp: new Date(),
      type: 'ExecutionTimedOut',
      executionTimedOutEventDetails: { error: 'States.Timeout' },
    };
    // Act
    const [line] = progressOf(event);
    // Assess
    expect(line).toEqual({ kind: 'end', status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(formatProgress(line!)).toBe('TIMED_OUT: States.Timeout');
  });

  /** The TaskScheduled event of an approval (of `stage`) waiting `timeoutSeconds` for its token, scheduled at `at`. */
  const approvalScheduled = (
    at: Date,
    timeoutSeconds?: number,
    stage?: string,
    onTimeout?: string,
  ): HistoryEvent => ({
    id: 40,
    timestamp: at,
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      parameters: JSON.stringify({
        Payload: { taskToken: 'token-1', ...(stage ? { stage } : {}), ...(onTimeout ? { onTimeout } : {}) },
      }),
      ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
    },
  });

  it('says which step or batch of how many a release selects, when the history holds its input', () => {
    // Prepare
    const entered = (name: string, input?: object): HistoryEvent => ({
      id: 12,
      timestamp: new Date(),
      type: 'PassStateEntered',
      stateEnteredEventDetails: { name, ...(input ? { input: JSON.stringify(input) } : {}) },
    });
    const state = { cursor: { index: 1 }, plan: { stepCount: 3 }, request: {} };
    // Act
    const lines = [
      entered('SelectBatch', state),
      entered('SelectStep', { ...state, cursor: { index: 0 } }),
      entered('SelectStep'),
      entered('SetStepWeights', state),
    ].flatMap((event) => progressOf(event).map((line) => formatProgress(line)));
    // Assess
    expect(lines).toEqual([
      '→ SelectBatch (batch 2 of 3)',
      '→ SelectStep (step 1 of 3)',
      '→ SelectStep',
      '→ SetStepWeights',
    ]);
  });

  it('says an approval is waiting, until when, and the commands that answer it', () => {
    // Prepare: the approval's instant is not known (a runtime that says nothing of its clock)
    vi.useFakeTimers({ now: new Date(2026, 10, 29, 20, 22, 28) });
    const event = approvalScheduled(new Date(), 3600);
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line, 'checkout-v4 --aws'));
    const reports = taskReportsOf(event);
    // Assess
    vi.useRealTimers();
    expect(lines).toEqual([
      '  approval waiting (times out after 3,600 s): `cutover approve checkout-v4 --aws` goes on, `cutover reject checkout-v4 --aws --reason <why>` rolls back',
    ]);
    expect(reports).toEqual([]);
  });

  it("states an approval's deadline as the runtime's clock runs it, and how long is left", () => {
    // Prepare: 60 s at WAIT_TIME_SCALE=0.1 time out 6 s after the approval was scheduled
    vi.useFakeTimers({ now: new Date(2026, 10, 29, 20, 22, 28) });
    const [line] = progressOf(approvalScheduled(new Date(), 60)) as [Approval];
    // Act
    const text = formatProgress({ ...line, timesOutAt: Date.now() + 6_000 }, 'ck-v8');
    const afterwards = formatProgress({ ...line, timesOutAt: Date.now() - 1_000 }, 'ck-v8');
    const tomorrow = formatProgress({ ...line, timesOutAt: Date.now() + 86_400_000 }, 'ck-v8');
    // Assess
    vi.useRealTimers();
    expect(text).toBe(
      '  approval waiting (times out at 20:22:34 UTC, in 6s): `cutover approve ck-v8` goes on, `cutover reject ck-v8 --reason <why>` rolls back',
    );
    expect(afterwards).toMatch(/^ {2}approval waiting \(times out at 20:22:27 UTC\): /);
    expect(tomorrow).toMatch(
      /^ {2}approval waiting \(times out at 20:22:28 UTC on 2026-11-30, in 24h 0m 0s\): /,
    );
  });

  it('says what an approval waits for: the promotion, the end of a paused step, an inconclusive analysis', () => {
    // Act
    const lines = ['promote', 'after step 1 of 3', 'inconclusive-analysis'].map((stage) =>
      progressOf(approvalScheduled(new Date(), undefined, stage)).map((line) =>
        formatProgress(line, 'ck-v8'),
      ),
    );
    // Assess
    expect(lines.flat().map((line) => line.split(':')[0])).toEqual([
      '  approval waiting before the promotion',
      '  approval waiting after step 1 of 3',
      '  approval waiting after an inconclusive analysis',
    ]);
  });

  it('says what follows an approval unanswered when its task says: the release goes on, or rolls back', () => {
    // Act
    const lines = ['continue', 'rollback'].map((onTimeout) =>
      progressOf(approvalScheduled(new Date(), 600, 'after step 1 of 3', onTimeout)).map((line) =>
        formatProgress(line, 'ck-v8'),
      ),
    );
    // Assess
    expect(lines.flat().map((line) => line.split(':')[0])).toEqual([
      '  approval waiting after step 1 of 3 (times out after 600 s, then the release goes on)',
      '  approval waiting after step 1 of 3 (times out after 600 s, then the release rolls back)',
    ]);
  });

  it('says nothing of a timeout an approval does not have', () => {
    // Act
    const lines = progressOf(approvalScheduled(new Date())).map((line) => formatProgress(line, 'ck-v8'));
    // Assess
    expect(lines).toEqual([
      '  approval waiting: `cutover approve ck-v8` goes on, `cutover reject ck-v8 --reason <why>` rolls back',
    ]);
  });

  it('says who answered an approval and what they said, read in order with the wait', () => {
    // Prepare: a wait answered by the release API's body, then a task that is no approval, then a task-token
    // wait that is none either (an SNS message carries its token)
    const scheduled = (
      id: number,
      resourceType: string,
      resource: string,
      parameters: object,
    ): HistoryEvent => ({
      id,
      timestamp: new Date(),
      type: 'TaskScheduled',
      taskScheduledEventDetails: {
        resourceType,
        resource,
        region: 'us-east-1',
        parameters: JSON.stringify(parameters),
      },
    });
    const waits = (id: number) =>
      scheduled(id, 'lambda', 'invoke.waitForTaskToken', {
        FunctionName: 'approve',
        Payload: { taskToken: `t${id}` },
      });
    const succeeds = (id: number, output: object): HistoryEvent => ({
      id,
      timestamp: new Date(),
      type: 'TaskSucceeded',
      taskSucceededEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        output: JSON.stringify(output),
      },
    });
    const history = [
      waits(1),
      { id: 2, timestamp: new Date(), type: 'TaskStarted' } as HistoryEvent,
      { id: 3, timestamp: new Date(), type: 'TaskSubmitted' } as HistoryEvent,
      succeeds(4, { comment: 'p99 looks fine', approver: 'alice' }),
      succeeds(5, { comment: 'not an approval' }),
      waits(6),
      succeeds(7, {}),
      scheduled(8, 'sns', 'publish.waitForTaskToken', {
        TopicArn: 'arn:aws:sns:us-east-1:1:ops',
        Message: 't8',
      }),
      succeeds(9, { ok: 1 }),
    ];
    // Act
    const lines = formattedLines(history, (line) => line.kind === 'approved');
    // Assess
    expect(lines).toEqual(['  approval approved by alice: p99 looks fine', '  approval approved']);
  });

  it('says who rejected an approval and why, read in order with the wait, also without a reason', () => {
    // Prepare: two waits, each rejected with the body cutover reject sends as the cause
    const waits = approvalScheduled(new Date(), 600, 'promote', 'rollback');
    const rejected = (cause: string): HistoryEvent => ({
      id: 50,
      timestamp: new Date(),
      type: 'TaskFailed',
      taskFailedEventDetails: {
        resourceType: 'lambda',
        resource: 'invoke',
        error: 'ApprovalRejected',
        cause,
      },
    });
    const history = [
      waits,
      rejected('{"reason":"p99 up","approver":"bob"}'),
      waits,
      rejected('{"reason":"  ","approver":"bob"}'),
    ];
    // Act
    const lines = formattedLines(history, (line) => line.kind !== 'approval');
    // Assess
    expect(lines).toEqual([
      '  approval rejected by bob: p99 up',
      '  approval rejected by bob (no reason given)',
    ]);
  });

  it('says when an approval got no answer in time, and what followed: the release went on, or rolls back', () => {
    // Prepare: a paused step that went on unanswered, then an approval before promotion that rolled back
    const timedOut = (id: number): HistoryEvent => ({ id, timestamp: new Date(), type: 'TaskTimedOut' });
    const history = [
      approvalScheduled(new Date(), 600, 'after step 1 of 2', 'continue'),
      timedOut(41),
      approvalScheduled(new Date(), 60, 'promote', 'rollback'),
      timedOut(43),
    ];
    // Act
    const lines = formattedLines(history, (line) => line.kind === 'unanswered');
    // Assess
    expect(lines).toEqual([
      '  approval not answered within 600 s: the release goes on',
      '  approval not answered within 60 s: the release rolls back',
    ]);
  });

  it('ends an execution stopped through the API with a cause alone by that cause', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 12,
      timestamp: new Date(),
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: 'wrong image' },
    };
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual(['ABORTED: wrong image']);
  });

  it('shows the weights and the verdict a task returned', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 30,
      timestamp: new Date(),
      type: 'LambdaFunctionSucceeded',
      lambdaFunctionSucceededEventDetails: {
        output: JSON.stringify({
          weights: { stable: 90, canary: 10 },
          verdict: 'pass',
          reason: 'all metrics within thresholds',
          measurements: { requestCount: 42, errorRate: 0 },
        }),
      },
    };
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual([
      `  weights  stable ${'█'.repeat(36)}${'░'.repeat(4)} canary 90/10`,
      '  analysis PASS: all metrics within thresholds (requestCount=42 errorRate=0)',
    ]);
  });

  it('prints measurements rounded as they are read: latencies to 0.1 ms, rates to 4 decimals, counts whole', () => {
    // Prepare
    const event = taskSucceeded(31, {
      verdict: 'pass',
      reason: 'all metrics within thresholds',
      measurements: { requestCount: 412, errorRate: 0.045_371_2, latencyP99Ms: 5.618_93 },
    });
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual([
      '  analysis PASS: all metrics within thresholds (requestCount=412 errorRate=0.0454 latencyP99Ms=5.6)',
    ]);
  });

  it('tells a check during a bake from the analysis at its end', () => {
    // Prepare
    const outputOf = (action: string) => ({
      id: 40,
      timestamp: new Date(),
      type: 'LambdaFunctionSucceeded' as const,
      lambdaFunctionSucceededEventDetails: {
        output: JSON.stringify({
          verdict: 'pass',
          reason: 'all metrics within thresholds',
          measurements: {},
          action,
        }),
      },
    });
    // Act
    const lines = [outputOf('bake'), outputOf('continue')].flatMap((event) =>
      progressOf(event).map((line) => formatProgress(line)),
    );
    // Assess
    expect(lines).toEqual([
      '  check    PASS: all metrics within thresholds',
      '  analysis PASS: all metrics within thresholds',
    ]);
  });

  it('says a rollback put the tracks back, besides the weights it set', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 31,
      timestamp: new Date(),
      type: 'LambdaFunctionSucceeded',
      lambdaFunctionSucceededEventDetails: {
        output: JSON.stringify({
          backupKey: 'releases/shop/checkout/run-1.json',
          weights: { stable: 100 },
          tracks: 1,
          objects: 1,
        }),
      },
    };
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual(['  weights  stable 100%', '  rollback 1 track put back as the backup had them']);
  });

  it('says which split BackupState found when the release started, as no weights set, and none of a first release', () => {
    // Prepare: a blue-green's backup, whose live colour serves everything, and a first release's
    const backup = (foundWeights: object) =>
      taskSucceeded(12, { key: 'releases/shop/checkout/checkout-v2.json', foundWeights });
    // Act
    const lines = [backup({ green: 100, blue: 0 }), backup({})].flatMap(progressOf);
    // Assess
    expect(lines.map((line) => line.kind)).toEqual(['foundWeights']);
    expect(lines.map((line) => formatProgress(line))).toEqual([
      '  traffic  found green 100% blue 0% when the release started',
    ]);
  });

  it('says a first release goes straight to 100% without steps, analysis or approval, and nothing of a later one', () => {
    // Prepare: ValidateRequest's output of a first release of a mistyped service, and of a later release
    const validated = (firstRelease: boolean) =>
      taskSucceeded(3, {
        request: { service: { name: 'checkuot', namespace: 'shop' } },
        plan: { strategy: 'canary', firstRelease },
        cursor: { index: 0 },
      });
    // Act
    const lines = [validated(true), validated(false)].flatMap(progressOf);
    // Assess
    expect(lines.map((line) => formatProgress(line))).toEqual([
      '  first release of shop/checkuot: no track serves it yet, so it goes straight to 100% without steps, analysis or approval',
    ]);
  });

  it('shows only the track a first release runs in its weights, and both tracks of a later one', () => {
    // Prepare: a first blue-green release switches to green; blue never ran
    const validated = (id: number, firstRelease: boolean) =>
      taskSucceeded(id, {
        request: { service: { name: 'checkout', namespace: 'shop' } },
        plan: { strategy: 'blue-green', firstRelease },
      });
    const switched = (id: number) => taskSucceeded(id, { weights: { blue: 0, green: 100 } });
    const weights = (line: ProgressLine) => line.kind === 'weights';
    // Act
    const first = formattedLines([validated(3, true), switched(20)], weights);
    const later = formattedLines([validated(3, false), switched(20)], weights);
    // Assess
    expect(first).toEqual(['  weights  green 100%']);
    expect(later).toEqual([`  weights  blue ${'░'.repeat(40)} green 0/100`]);
  });

  it("counts a rollback's tracks apart from the other cluster objects it re-applied", () => {
    // Prepare: one track Deployment, two Services and an HTTPRoute; then a rollback that counted objects only
    const rolledBack = (output: object) =>
      taskSucceeded(31, { backupKey: 'releases/shop/api/run-1.json', weights: null, ...output });
    // Act
    const lines = [rolledBack({ tracks: 1, objects: 4 }), rolledBack({ tracks: 6 })]
      .flatMap(progressOf)
      .map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual([
      '  rollback 1 track put back as the backup had them (4 objects re-applied)',
      '  rollback 6 objects put back as the backup had them',
    ]);
  });

  it('says which tracks a rollback did not restore in full, each with its ready replicas and why', () => {
    // Prepare: Rollback, then CheckRolledBack's checks (RestoreCapacity's outputs): green does not come back
    const rollback = taskSucceeded(31, { backupKey: 'releases/shop/api/run-1.json', tracks: 1, objects: 1 });
    const check = (output: object) =>
      taskSucceeded(40, { waiting: [], attempt: 60, maxAttempts: 60, ...output });
    const events = [
      rollback,
      check({ ready: false, waiting: ['blue 1/2 ready'], shortfall: ['green 2/4 ready: ImagePullBackOff'] }),
      check({ ready: true, shortfall: ['green 2/4 ready: not back after 120s of checks'] }),
      check({
        ready: true,
        shortfall: ['green 2/4 ready: ImagePullBackOff', 'blue 1/2 ready: not back after 120s of checks'],
      }),
    ];
    // Act
    const reader = new ProgressReader();
    const lines = events.flatMap((event) => reader.linesOf(event)).map((line) => formatProgress(line));
    const reports = events.flatMap(taskReportsOf);
    // Assess: a check still waiting says nothing yet; the last one names what the rollback left short
    expect(lines).toEqual([
      '  rollback 1 track put back as the backup had them',
      '  rollback not restored in full: green 2/4 ready (not back after 120s of checks)',
      '  rollback not restored in full: green 2/4 ready (ImagePullBackOff), blue 1/2 ready (not back after 120s of checks)',
    ]);
    expect(reports[1]).toBe('rollback not restored in full: green 2/4 ready (not back after 120s of checks)');
  });

  it('reads the shortfall of the last check only: tracks short before the traffic went back but back after it', () => {
    // Prepare, newest first: CheckRolledBack's last check (all back: no shortfall), RestoreCapacity's (green short)
    const check = (output: object) =>
      taskSucceeded(40, { ready: true, waiting: [], attempt: 60, maxAttempts: 60, ...output });
    const newestFirst = [check({}), check({ shortfall: ['green 2/4 ready: not back after 120s of checks'] })];
    // Act
    const notRestored = rollbackShortfallText(newestFirst);
    // Assess
    expect(notRestored).toBeUndefined();
  });

  it('ends a failed execution that rolled back saying so, and whether it restored every track', () => {
    // Prepare: Rollback, CheckRolledBack's last check (all back, or green short), then the failure
    const rollback = taskSucceeded(31, { backupKey: 'releases/shop/api/run-1.json', tracks: 1, objects: 1 });
    const check = (output: object) =>
      taskSucceeded(40, { ready: true, waiting: [], attempt: 3, maxAttempts: 60, ...output });
    const failed: HistoryEvent = {
      id: 45,
      timestamp: new Date(),
      type: 'ExecutionFailed',
      executionFailedEventDetails: {
        error: 'AnalysisFailed',
        cause: lambdaCause('AnalysisFailed', 'errorRate 0.3 > 0.05'),
      },
    };
    const short = check({ shortfall: ['green 2/4 ready: ImagePullBackOff'] });
    const ends = (history: HistoryEvent[]) => formattedLines(history, (line) => line.kind === 'end');
    // Act & Assess
    expect(ends([rollback, check({}), failed])).toEqual([
      'FAILED (rolled back): AnalysisFailed — errorRate 0.3 > 0.05',
    ]);
    expect(ends([rollback, short, failed])).toEqual([
      'FAILED (rolled back, not in full): AnalysisFailed — errorRate 0.3 > 0.05',
    ]);
    expect(ends([failed])).toEqual(['FAILED: AnalysisFailed — errorRate 0.3 > 0.05']);
  });

  it('says nothing more of a rollback whose tracks all came back', () => {
    // Prepare: Rollback, then CheckRolledBack's last check, with no shortfall
    const rollback = taskSucceeded(31, { backupKey: 'releases/shop/api/run-1.json', tracks: 1, objects: 1 });
    const check = taskSucceeded(40, { ready: true, waiting: [], attempt: 3, maxAttempts: 60 });
    // Act
    const lines = [rollback, check].flatMap(progressOf).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual(['  rollback 1 track put back as the backup had them']);
  });

  it('says which lifecycle event Notify published, and nothing when the request left it out', () => {
    // Prepare
    const notify = (published: boolean) => taskSucceeded(9, { type: 'RolledBack', published });
    // Act
    const lines = [notify(true), notify(false)].flatMap(progressOf).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual(['  notify   RolledBack published']);
  });

  describe('a Notify state that did not publish', () => {
    const denied = { Error: 'AccessDeniedException', Cause: 'not authorized to perform: events:PutEvents' };
    const throttled = { Error: 'TransientAdapterError', Cause: 'Rate exceeded' };
    let nextId = 0;
    const at = (event: Omit<HistoryEvent, 'id' | 'timestamp'>): HistoryEvent => ({
      id: ++nextId,
      timestamp: new Date(),
      ...event,
    });
    const entered = (name: string, input: object = {}): HistoryEvent =>
      at({ type: 'TaskStateEntered', stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
    const scheduled = (type: string): HistoryEvent =>
      at({
        type: 'LambdaFunctionScheduled',
        lambdaFunctionScheduledEventDetails: {
          resource: 'arn:aws:lambda:eu-west-1:111122223333:function:cutover-notify',
          input: JSON.stringify({ executionArn: 'arn:...', type }),
        },
      });
    const failed = (error: { Error: string; Cause: string }): HistoryEvent =>
      at({
        type: 'LambdaFunctionFailed',
        lambdaFunctionFailedEventDetails: {
          error: error.Error,
          cause: lambdaCause(error.Error, error.Cause),
        },
      });
    const succeeded = (type: string): HistoryEvent =>
      at({
        type: 'LambdaFunctionSucceeded',
        lambdaFunctionSucceededEventDetails: { output: JSON.stringify({ type, published: true }) },
      });
    const exited = (name: string, output: object): HistoryEvent =>
      at({ type: 'TaskStateExited', stateExitedEventDetails: { name, output: JSON.stringify(output) } });
    const caughtAs = (error: { Error: string; Cause: string }) => ({
      notifyError: { Error: error.Error, Cause: lambdaCause(error.Error, error.Cause) },
    });
    const notifyLines = (history: HistoryEvent[]): string[] =>
      formattedLines(history, (line) => line.kind === 'notifyFailed');

    it('says which event a task (Promote) could not publish, and why', () => {
      // Prepare: Promote's result, which names the event and its error
      const promote = taskSucceeded(1, {
        weights: { blue: 0, green: 100 },
        type: 'Promoted',
        published: false,
        notifyError: denied,
      });
      // Act
      const lines = notifyLines([promote]);
      // Assess
      expect(lines).toEqual([
        '  notify   Promoted not published (which does not stop the execution): AccessDeniedException — not authorized to perform: events:PutEvents',
      ]);
    });

    it('says nothing of an attempt its Retry tries again and that then publishes', () => {
      // Prepare: NotifyStarted's first attempt fails with Lambda.ServiceException, the retry publishes
      const history = [
        entered('NotifyStarted'),
        scheduled('Started'),
        failed({ Error: 'Lambda.ServiceException', Cause: 'Service unavailable' }),
        scheduled('Started'),
        succeeded('Started'),
        exited('NotifyStarted', {}),
      ];
      // Act
      const lines = notifyLines(history);
      // Assess
      expect(lines).toEqual([]);
    });

    it('says once, at the state exit, that a throttled event retried and then caught did not go out', () => {
      // Prepare: NotifySucceeded throttled (TransientAdapterError) on each attempt, then its Catch
      const history = [
        entered('NotifySucceeded'),
        scheduled('Succeeded'),
        failed(throttled),
        scheduled('Succeeded'),
        failed(throttled),
        exited('NotifySucceeded', caughtAs(throttled)),
        entered('Unlock', caughtAs(throttled)),
      ];
      // Act
      const lines = notifyLines(history);
      // Assess
      expect(lines).toEqual([
        '  notify   Succeeded not published (which does not stop the execution): TransientAdapterError — Rate exceeded',
      ]);
    });

    it("names the event type the task was given, and a Catch's error even when it kept no notifyError", () => {
      // Prepare: the rollback machine's NotifyMigrationAborted sends Failed; its Catch's ResultPath is null
      const history = [
        entered('NotifyMigrationAborted'),
        scheduled('Failed'),
        failed(denied),
        exited('NotifyMigrationAborted', {}),
      ];
      // Act
      const lines = notifyLines(history);
      // Assess
      expect(lines).toEqual([
        '  notify   Failed not published (which does not stop the execution): AccessDeniedException — not authorized to perform: events:PutEvents',
      ]);
    });

    it('says nothing of a Notify state that published after an earlier one was caught', () => {
      // Prepare: NotifyStarted caught ($.notifyError stays in the input), NotifyFailed then publishes
      const history = [
        entered('NotifyStarted'),
        scheduled('Started'),
        failed(denied),
        exited('NotifyStarted', caughtAs(denied)),
        entered('NotifyFailed', caughtAs(denied)),
        scheduled('Failed'),
        succeeded('Failed'),
        exited('NotifyFailed', caughtAs(denied)),
      ];
      // Act
      const lines = notifyLines(history);
      // Assess
      expect(lines).toEqual([
        '  notify   Started not published (which does not stop the execution): AccessDeniedException — not authorized to perform: events:PutEvents',
      ]);
    });
  });

  it('says when a rollback found the clean-up claimed by another rollback of the same stop, naming it', () => {
    // Prepare
    const other = 'arn:aws:states:eu-west-1:111122223333:execution:Cutover-rollback:6c1f2b0e';
    const claim = taskSucceeded(7, { claimed: false, by: other });
    // Act
    const lines = progressOf(claim).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual([
      `  rollback another rollback cleans up after this stop, this one changes nothing: ${other}`,
    ]);
  });

  it('says why a rollout check found its track not ready, and nothing of a ready one or of DeployTrack', () => {
    // Prepare: CheckRollout's outputs (not ready, then ready) and DeployTrack's
    const reason =
      '0/4 ready, 4 updated; pod api-canary-7d9f-x2x not scheduled: Unschedulable: 0/3 nodes are available: 3 Insufficient cpu.';
    const outputs = [
      { track: 'canary', ready: false, reason: 'applied', attempt: 0 },
      { track: 'canary', ready: false, reason, attempt: 3 },
      {
        track: 'canary',
        ready: true,
        reason: '4/4 ready, 4 updated',
        attempt: 4,
        readyAt: '2026-11-29T10:00:00Z',
      },
    ];
    const events = outputs.map((output, index) => taskSucceeded(index + 1, output));
    // Act
    const lines = events.flatMap(progressOf).map((line) => formatProgress(line));
    const reports = events.flatMap(taskReportsOf);
    // Assess
    expect(lines).toEqual([`  rollout  canary: ${reason}`]);
    expect(reports).toEqual([`rollout canary: ${reason}`]);
  });

  it('shows no validation for a task that compared no table (ListTables, a migration without a source)', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 20,
      timestamp: new Date(),
      type: 'LambdaFunctionSucceeded',
      lambdaFunctionSucceededEventDetails: { output: JSON.stringify({ tables: [] }) },
    };
    // Act
    const lines = progressOf(event);
    // Assess
    expect(lines).toEqual([]);
  });

  it('shows a task attempt failing with an error the state machine retries, by its message', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 14,
      timestamp: new Date(),
      type: 'LambdaFunctionFailed',
      lambdaFunctionFailedEventDetails: {
        error: 'TransientAdapterError',
        cause: lambdaCause(
          'TransientAdapterError',
          'hook smoke (http://127.0.0.1:9/smoke) cannot be reached: ECONNREFUSED',
        ),
      },
    };
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual([
      '  attempt failed: hook smoke (http://127.0.0.1:9/smoke) cannot be reached: ECONNREFUSED',
    ]);
  });

  it('numbers the failed attempts of each state entered, branches of a Parallel apart, from 1 again on a new entry', () => {
    // Prepare: two branches' tasks failing in turns (a retry's scheduling follows the failure it retries),
    // then the first branch's state entered again
    const at = new Date();
    const event = (id: number, previousEventId: number, type: string, details: Partial<HistoryEvent> = {}) =>
      ({ id, previousEventId, timestamp: at, type, ...details }) as HistoryEvent;
    const entered = (id: number, previousEventId: number, name: string) =>
      event(id, previousEventId, 'TaskStateEntered', { stateEnteredEventDetails: { name, input: '{}' } });
    const failed = (id: number, previousEventId: number, message: string) =>
      event(id, previousEventId, 'LambdaFunctionFailed', {
        lambdaFunctionFailedEventDetails: {
          error: 'TransientAdapterError',
          cause: lambdaCause('TransientAdapterError', message),
        },
      });
    const history = [
      entered(3, 2, 'CheckA'),
      entered(4, 2, 'CheckB'),
      event(5, 3, 'LambdaFunctionScheduled'),
      event(6, 4, 'LambdaFunctionScheduled'),
      event(7, 5, 'LambdaFunctionStarted'),
      event(8, 6, 'LambdaFunctionStarted'),
      failed(9, 7, 'a down'),
      event(10, 9, 'LambdaFunctionScheduled'),
      failed(11, 8, 'b down'),
      event(12, 10, 'LambdaFunctionStarted'),
      failed(13, 12, 'a still down'),
      entered(14, 13, 'CheckA'),
      event(15, 14, 'LambdaFunctionScheduled'),
      event(16, 15, 'LambdaFunctionStarted'),
      failed(17, 16, 'a down again'),
    ];
    // Act
    const lines = formattedLines(history, (line) => line.kind === 'attemptFailed');
    // Assess
    expect(lines).toEqual([
      '  attempt 1 failed: a down',
      '  attempt 1 failed: b down',
      '  attempt 2 failed: a still down',
      '  attempt 1 failed: a down again',
    ]);
  });

  it('shows the analysis that ended a release, failing its task, as a verdict', () => {
    // Prepare
    const failed = (error: string, message: string): HistoryEvent => ({
      id: 31,
      timestamp: new Date(),
      type: 'LambdaFunctionFailed',
      lambdaFunctionFailedEventDetails: { error, cause: lambdaCause(error, message) },
    });
    const failure =
      'analysis failed once (failureLimit 1): errorRate 0.3 > 0.01 (requestCount=120 errorRate=0.3)';
    const inconclusive =
      'analysis inconclusive 3 times in a row (inconclusiveLimit 2): requestCount 4 < minRequests 50';
    const atACheck =
      'analysis failed 3 times (failureLimit 3), the last at a check during the bake: errorRate 0.3 > 0.05';
    // Act
    const verdicts = [
      ...progressOf(failed('AnalysisFailed', failure)),
      ...progressOf(failed('AnalysisInconclusive', inconclusive)),
      ...progressOf(failed('AnalysisFailed', atACheck)),
    ];
    // Assess: the same words, and the numbers as measurements (what the console's JSON gives scripts)
    expect(verdicts.map((line) => formatProgress(line))).toEqual([
      `  analysis FAIL: ${failure}`,
      `  analysis INCONCLUSIVE: ${inconclusive}`,
      `  check    FAIL: ${atACheck}`,
    ]);
    expect(verdicts.map((line) => (line as { measurements: object }).measurements)).toEqual([
      { requestCount: 120, errorRate: 0.3 },
      {},
      {},
    ]);
  });

  it('shows each webhook RunHooks called, with its status and time', () => {
    // Prepare
    const event: HistoryEvent = {
      id: 12,
      timestamp: new Date(),
      type: 'LambdaFunctionSucceeded',
      lambdaFunctionSucceededEventDetails: {
        output: JSON.stringify({
          hooks: [
            { name: 'smoke', status: 204, ms: 35 },
            { name: 'load', status: 200, ms: 61250 },
          ],
        }),
      },
    };
    // Act
    const lines = progressOf(event).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual(['  hooks    smoke 204 (35 ms), load 200 (61,250 ms)']);
  });

  it('shows what a database migration did: backup, migrations, each copy slice, validation', () => {
    // Prepare: the outputs of DbBackup, DbMigrate, two DbCopyTable slices and DbValidate, as Lambda results
    const outputs = [
      { manifestKey: 'shop/orders/database/run-1/manifest.json' },
      { applied: [1, 2], pending: [] },
      { applied: [], pending: [], withoutFile: ['V1__items', 'V2__prices'] },
      { applied: [3], appliedEarlier: [2], pending: [] },
      { applied: [], appliedEarlier: [1, 2], pending: [4] },
      { table: 'public.orders', lastKey: ['50000'], rowsCopied: 50_000, done: false },
      { table: 'public.orders', lastKey: ['50000'], rowsCopied: 50_000, done: false, estimatedRows: 148_200 },
      {
        table: 'public.orders',
        lastKey: ['150000'],
        rowsCopied: 150_000,
        done: false,
        estimatedRows: 148_200,
      },
      {
        table: 'public.orders',
        lastKey: ['150000'],
        rowsCopied: 150_000,
        done: true,
        estimatedRows: 148_200,
      },
      {
        tables: [
          { table: 'public.customers', rows: 5_000 },
          { table: 'public.orders', rows: 150_000 },
        ],
      },
      { tables: [{ table: 'public.notes', rows: 1 }] },
      {
        tables: [
          {
            table: 'public.m',
            rows: 2,
            converted: [
              { column: 'id', from: 'integer', to: 'bigint' },
              { column: 'price', from: 'numeric(12,4)', to: 'numeric(14,4)' },
            ],
          },
        ],
      },
      { emptied: ['public.customers', 'public.orders'] },
      { emptied: [] },
    ];
    const events = outputs.map((output, index) => taskSucceeded(index + 1, output));
    // Act
    const lines = events.flatMap(progressOf).map((line) => formatProgress(line));
    // Assess
    expect(lines).toEqual([
      '  backup   shop/orders/database/run-1/manifest.json',
      '  migrate  applied V1, V2',
      "  migrate  nothing to apply; applied before, with no file in the migrations: V1__items, V2__prices (another service's, in a shared history table? or files removed, or the wrong directory?)",
      '  migrate  applied V3, after V2 applied by an attempt of this task that was cut off',
      '  migrate  applied V1, V2 by an attempt of this task that was cut off (pending: V4)',
      '  copy     public.orders: 50,000 rows so far',
      '  copy     public.orders: 50,000 of about 148,200 rows so far',
      '  copy     public.orders: 150,000 rows so far',
      '  copy     public.orders: 150,000 rows, done',
      '  validate 2 tables, 155,000 rows: counts and checksums match',
      '  validate 1 table, 1 row: counts and checksums match',
      '  validate 1 table, 2 rows: counts and checksums match, no value changed by the new types of public.m.id integer → bigint, public.m.price numeric(12,4) → numeric(14,4)',
      '  undo     emptied public.customers, public.orders: the copy can run again',
      '  undo     nothing was copied',
    ]);
  });
});
