import { describe, expect, it } from 'vitest';
import { abortOnFailurePathText, failureBeingHandled, type NewestFirstPage } from '#core/failure-path.ts';

const ANALYSIS_FAILED = { Error: 'AnalysisFailed', Cause: '{"errorMessage":"errorRate 0.3 > 0.05"}' };

/** A state's entry with `input` (as JSON) in a history, newest event first. */
const enteredWith = (input: object) => ({
  type: 'TaskStateEntered',
  stateEnteredEventDetails: { name: 'Rollback', input: JSON.stringify(input) },
});

/** Reads `pages` in turn, each linked to the next by a token, as GetExecutionHistory pages them. */
function pagesOf(...pages: object[][]) {
  const read: (string | undefined)[] = [];
  const readPage = async (nextToken: string | undefined): Promise<NewestFirstPage> => {
    read.push(nextToken);
    const index = nextToken === undefined ? 0 : Number(nextToken);
    return { events: pages[index], ...(index + 1 < pages.length ? { nextToken: String(index + 1) } : {}) };
  };
  return { readPage, read };
}

describe('failureBeingHandled', () => {
  it('is the error the last state entered was given: a release on its rollback path', async () => {
    // Prepare
    const { readPage } = pagesOf([
      { type: 'LambdaFunctionScheduled' },
      enteredWith({ request: {}, error: ANALYSIS_FAILED }),
      enteredWith({ request: {} }),
    ]);
    // Act
    const failure = await failureBeingHandled(readPage);
    // Assess
    expect(failure).toEqual(ANALYSIS_FAILED);
  });

  it('is undefined on the way to success, even when an earlier state had an error', async () => {
    // Prepare
    const { readPage } = pagesOf([enteredWith({ request: {} }), enteredWith({ error: ANALYSIS_FAILED })]);
    // Act
    const failure = await failureBeingHandled(readPage);
    // Assess
    expect(failure).toBeUndefined();
  });

  it('reads further pages until a state entry, and no more', async () => {
    // Prepare: a task retried for a whole page
    const retries = Array.from({ length: 3 }, () => ({ type: 'LambdaFunctionFailed' }));
    const { readPage, read } = pagesOf(retries, [enteredWith({ error: { Error: 'ApprovalTimedOut' } })], []);
    // Act
    const failure = await failureBeingHandled(readPage);
    // Assess
    expect(failure).toEqual({ Error: 'ApprovalTimedOut' });
    expect(read).toEqual([undefined, '1']);
  });

  it('is undefined for an execution that entered no state, or whose input holds no Step Functions error', async () => {
    // Prepare
    const empty = pagesOf([{ type: 'ExecutionStarted' }]);
    const notAnError = pagesOf([enteredWith({ error: 'text' })]);
    const notJson = pagesOf([{ type: 'PassStateEntered', stateEnteredEventDetails: { input: '{' } }]);
    // Act
    const failures = await Promise.all(
      [empty, notAnError, notJson].map(({ readPage }) => failureBeingHandled(readPage)),
    );
    // Assess
    expect(failures).toEqual([undefined, undefined, undefined]);
  });
});

describe('abortOnFailurePathText', () => {
  it('says a release is rolling back, and a database migration cleaning up, after which error', () => {
    // Act
    const release = abortOnFailurePathText(
      'arn:aws:states:eu-west-1:111122223333:execution:Cutover-canary:checkout-v2',
      ANALYSIS_FAILED,
    );
    const migration = abortOnFailurePathText(
      'arn:aws:states:us-east-1:000000000000:execution:database-migration:m1',
      {
        Error: 'MigrationFailed',
      },
    );
    // Assess
    expect(release).toBe(
      'checkout-v2 is already rolling back after AnalysisFailed (errorRate 0.3 > 0.05): an abort would stop that rollback part-way',
    );
    expect(migration).toBe(
      'm1 is already cleaning up after MigrationFailed: an abort would stop that clean-up part-way',
    );
  });
});
