import { describe, expect, it } from 'vitest';
import {
  MAX_EXECUTION_TIME_MS,
  REDRIVABLE_PERIOD_MS,
  type RedriveFacts,
  redriveStatus,
} from '#local/redrive-status.ts';
import {
  answeredRedrive,
  REDRIVE_TOKEN_LIFETIME_MS,
  REDRIVE_TOKENS_KEPT,
  type RedriveToken,
  withRedriveToken,
} from '#local/redrive-tokens.ts';
import { NO_PUBLICATIONS } from '#local/state-machine-versions.ts';
import {
  DEFAULT_ENCRYPTION_CONFIGURATION,
  DEFAULT_LOGGING_CONFIGURATION,
  DEFAULT_TRACING_CONFIGURATION,
  type ExecutionRow,
  type StateMachineRow,
} from '#local/store.ts';
import { NO_TAGS } from '#local/tags.ts';
import { anExecution } from '#test/support/store-rows.ts';

const NOW = Date.UTC(2026, 11, 6);
const MACHINE: StateMachineRow = {
  arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:deploy',
  name: 'deploy',
  type: 'STANDARD',
  roleArn: 'arn:aws:iam::000000000000:role/deploy',
  definition: '{}',
  revisionId: null,
  revision: 1,
  creationDate: 0,
  description: null,
  loggingConfiguration: DEFAULT_LOGGING_CONFIGURATION,
  tracingConfiguration: DEFAULT_TRACING_CONFIGURATION,
  encryptionConfiguration: DEFAULT_ENCRYPTION_CONFIGURATION,
  status: 'ACTIVE',
  tags: NO_TAGS,
  publications: NO_PUBLICATIONS,
};

function failed(overrides: Partial<ExecutionRow> = {}): ExecutionRow {
  const row = anExecution('e1', {
    stateMachineArn: MACHINE.arn,
    status: 'FAILED',
    error: 'Boom',
    startDate: NOW - 60_000,
    stopDate: NOW - 1_000,
    ...overrides,
  });
  return { id: 1, ...row };
}

const facts =
  (overrides: Partial<RedriveFacts> = {}) =>
  (): RedriveFacts => ({
    machine: MACHINE,
    lastEventId: 12,
    keptFrames: true,
    historyEventLimit: 25_000,
    now: NOW,
    ...overrides,
  });

describe('redriveStatus', () => {
  it('lets an execution that failed, was aborted or timed out be redriven', () => {
    for (const status of ['FAILED', 'ABORTED', 'TIMED_OUT'] as const) {
      expect(redriveStatus(failed({ status }), facts())).toEqual({ redriveStatus: 'REDRIVABLE' });
    }
  });

  it.each([
    [
      'one RUNNING',
      failed({ status: 'RUNNING', stopDate: null }),
      facts(),
      'Execution is RUNNING and cannot be redriven',
    ],
    [
      'one SUCCEEDED',
      failed({ status: 'SUCCEEDED' }),
      facts(),
      'Execution is SUCCEEDED and cannot be redriven',
    ],
    [
      'one of a DELETING state machine',
      failed(),
      facts({ machine: { ...MACHINE, status: 'DELETING' } }),
      'State machine is in DELETING status',
    ],
    [
      'one of a deleted state machine',
      failed(),
      facts({ machine: undefined }),
      'State machine is in DELETING status',
    ],
    [
      'one of an EXPRESS state machine',
      failed(),
      facts({ machine: { ...MACHINE, type: 'EXPRESS' } }),
      'Executions of EXPRESS state machines cannot be redriven',
    ],
    [
      'one with 24,999 events',
      failed(),
      facts({ lastEventId: 24_999 }),
      'Execution history event limit exceeded',
    ],
    [
      'one started over a year ago',
      failed({ startDate: NOW - MAX_EXECUTION_TIME_MS - 1 }),
      facts(),
      'Execution has exceeded the max execution time',
    ],
    [
      'one ended over 14 days ago',
      failed({ stopDate: NOW - REDRIVABLE_PERIOD_MS - 1 }),
      facts(),
      'Execution redrivable period exceeded',
    ],
    [
      'one that ended before redrives were served',
      failed(),
      facts({ keptFrames: false }),
      'Execution was started before the launch of RedriveExecution',
    ],
  ])('refuses %s', (_label, row, given, reason) => {
    expect(redriveStatus(row, given)).toEqual({
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: reason,
    });
  });

  it('reads nothing more of an execution that runs or succeeded', () => {
    const unread = (): RedriveFacts => {
      throw new Error('read');
    };
    expect(redriveStatus(failed({ status: 'SUCCEEDED' }), unread).redriveStatus).toBe('NOT_REDRIVABLE');
    expect(redriveStatus(failed({ status: 'RUNNING' }), unread).redriveStatus).toBe('NOT_REDRIVABLE');
  });

  it('lets one with 24,998 events, or ended 14 days ago to the millisecond, be redriven', () => {
    expect(redriveStatus(failed(), facts({ lastEventId: 24_998 })).redriveStatus).toBe('REDRIVABLE');
    const row = failed({ stopDate: NOW - REDRIVABLE_PERIOD_MS });
    expect(redriveStatus(row, facts()).redriveStatus).toBe('REDRIVABLE');
  });

  it('lets one that failed before its first state, with no frame kept, be redriven from the start', () => {
    expect(redriveStatus(failed(), facts({ keptFrames: false, lastEventId: 2 })).redriveStatus).toBe(
      'REDRIVABLE',
    );
  });
});

describe('redrive tokens', () => {
  it('answers a token again for 15 minutes after its redrive, and no other token', () => {
    const tokens = withRedriveToken([], 'first', NOW);
    expect(answeredRedrive(tokens, 'first', NOW + REDRIVE_TOKEN_LIFETIME_MS)).toBe(NOW);
    expect(answeredRedrive(tokens, 'first', NOW + REDRIVE_TOKEN_LIFETIME_MS + 1)).toBeUndefined();
    expect(answeredRedrive(tokens, 'other', NOW)).toBeUndefined();
  });

  it("keeps an execution's last 10 tokens", () => {
    let tokens: RedriveToken[] = [];
    for (let index = 0; index <= REDRIVE_TOKENS_KEPT; index++) {
      tokens = withRedriveToken(tokens, `t${index}`, NOW + index);
    }
    expect(tokens).toHaveLength(REDRIVE_TOKENS_KEPT);
    expect(answeredRedrive(tokens, 't0', NOW)).toBeUndefined();
    expect(answeredRedrive(tokens, 't1', NOW)).toBe(NOW + 1);
    expect(answeredRedrive(tokens, `t${REDRIVE_TOKENS_KEPT}`, NOW)).toBe(NOW + REDRIVE_TOKENS_KEPT);
  });
});
