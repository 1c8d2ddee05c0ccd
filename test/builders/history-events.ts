import type { HistoryEvent } from '@aws-sdk/client-sfn';

/**
 * A Lambda task's TaskSucceeded event with `payload` as its result, wrapped as `arn:aws:states:::lambda:invoke`
 * wraps it (`{ Payload }`).
 */
export function lambdaTaskSucceeded(id: number, payload: object, timestamp = new Date()): HistoryEvent {
  return {
    id,
    timestamp,
    type: 'TaskSucceeded',
    taskSucceededEventDetails: {
      resource: 'invoke',
      resourceType: 'lambda',
      output: JSON.stringify({ Payload: payload }),
    },
  };
}
