import type { ApprovalTimeoutAction } from './schemas/common.ts';

/** When an approval of each stage the state machines name comes; a stage not named here reads as it is. */
const STAGE_TEXT: Readonly<Record<string, string>> = {
  promote: 'before the promotion',
  'inconclusive-analysis': 'after an inconclusive analysis',
  'inconclusive-preview': 'after an inconclusive preview analysis',
  'inconclusive-post-switch': 'after an inconclusive post-switch analysis',
};

/**
 * When an approval of `stage` comes, as a person reads it.
 *
 * @example
 * approvalStageText('promote'); // 'before the promotion'
 * approvalStageText('after step 1 of 3'); // 'after step 1 of 3'
 */
export function approvalStageText(stage: string): string {
  return STAGE_TEXT[stage] ?? stage;
}

/** What the release does when an approval gets no answer in time (`approval.onTimeout`), as a verb. */
export const UNANSWERED_RELEASE: Readonly<Record<ApprovalTimeoutAction, string>> = {
  rollback: 'rolls back',
  continue: 'goes on',
};
