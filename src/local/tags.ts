import type * as Sfn from '@aws-sdk/client-sfn';
import { StepFunctionsApiError } from './service-errors.ts';
import { invalidArnPrefix, isArn, refuseTooManyTags } from './service-validation.ts';

/** A state machine's tag as CreateStateMachine and TagResource take it and ListTagsForResource answers it. */
export interface Tag {
  key: string;
  value?: string;
}

/** The `tags` (JSON) of a state machine created without any. */
export const NO_TAGS = '[]';

/** The tags of a state machine's stored `tags` (JSON), in the order they were first given. */
export function parseTags(stored: string): Tag[] {
  return JSON.parse(stored) as Tag[];
}

/**
 * `stored` (JSON) with `added` set, as JSON: a key it has takes the new value in its place, a new key goes
 * last, a key given twice keeps its last value. Refuses a result of more than 50 tags (`TooManyTags`).
 *
 * @example
 * withTags('[{"key":"team","value":"a"}]', [{ key: 'team', value: 'b' }, { key: 'env', value: 'prod' }], arn);
 * // '[{"key":"team","value":"b"},{"key":"env","value":"prod"}]'
 */
export function withTags(stored: string, added: readonly Sfn.Tag[], resourceArn: string): string {
  const byKey = new Map(parseTags(stored).map((tag) => [tag.key, tag]));
  for (const [index, { key, value }] of added.entries()) {
    if (key === undefined)
      throw new StepFunctionsApiError('ValidationException', `tags.${index}.key is required`);
    byKey.set(key, value === undefined ? { key } : { key, value });
  }
  refuseTooManyTags(resourceArn, byKey.size);
  return JSON.stringify([...byKey.values()]);
}

/** `stored` (JSON) without the tags of `keys`, as JSON; a key it does not have is ignored. */
export function withoutTags(stored: string, keys: readonly string[]): string {
  const removed = new Set(keys);
  return JSON.stringify(parseTags(stored).filter((tag) => !removed.has(tag.key)));
}

/**
 * The error for a tagged resource that is not found: `ResourceNotFound` for a well-formed state machine
 * ARN (a version's or an alias's too: their tags are not served) or activity ARN, as AWS answers;
 * `InvalidArn` for anything else.
 */
export function resourceNotFound(resourceArn: unknown): StepFunctionsApiError {
  if (isArn(resourceArn, 'stateMachine') || isArn(resourceArn, 'activity')) {
    return new StepFunctionsApiError('ResourceNotFound', `Resource not found: '${resourceArn}'`);
  }
  return (
    invalidArnPrefix(resourceArn) ??
    new StepFunctionsApiError(
      'InvalidArn',
      `Invalid Arn: resourceArn must be a state machine or activity ARN like arn:aws:states:us-east-1:000000000000:stateMachine:name (got ${JSON.stringify(resourceArn)})`,
    )
  );
}
