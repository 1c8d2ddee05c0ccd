import { expect } from 'vitest';
import { ValidationError } from '#core/errors.ts';

/** The message of the `ValidationError` `act` throws; fails the test when it throws none or another error. */
export function validationMessageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}
