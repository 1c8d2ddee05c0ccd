/**
 * The values a Map state's numeric fields may take, as a literal (checked by validation) or selected by
 * their `...Path` form (checked when the Map state starts).
 */
import { PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { JAVA_INT_MAX } from './java-int.ts';

/** The range of a numeric field; `integer` when it takes whole numbers only. */
export interface FieldBounds {
  readonly integer: boolean;
  readonly minimum: number;
  readonly maximum?: number;
}

/** The bounded numeric fields of a Map state (Distributed Map thresholds, MaxConcurrency), of its `ItemBatcher` and `ItemReader`. */
export const MAP_FIELD_BOUNDS = {
  MaxConcurrency: { integer: true, minimum: 0, maximum: JAVA_INT_MAX },
  ToleratedFailureCount: { integer: true, minimum: 0 },
  ToleratedFailurePercentage: { integer: false, minimum: 0, maximum: 100 },
  MaxItemsPerBatch: { integer: true, minimum: 1, maximum: JAVA_INT_MAX },
  MaxInputBytesPerBatch: { integer: true, minimum: 1, maximum: PAYLOAD_LIMIT_BYTES },
  /** An `ItemReader`'s `ReaderConfig.MaxItems` (0: all items). */
  MaxItems: { integer: true, minimum: 0, maximum: 100_000_000 },
} as const satisfies Record<string, FieldBounds>;

/** A field of {@link MAP_FIELD_BOUNDS}. */
export type BoundedMapField = keyof typeof MAP_FIELD_BOUNDS;

/** Whether `value` is a number within `bounds`. */
export function isWithinBounds(value: unknown, bounds: FieldBounds): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (bounds.integer && !Number.isInteger(value)) return false;
  return value >= bounds.minimum && (bounds.maximum === undefined || value <= bounds.maximum);
}

/**
 * What a value within `bounds` is, for a message.
 *
 * @example
 * describeBounds(MAP_FIELD_BOUNDS.MaxInputBytesPerBatch); // 'an integer from 1 to 262144'
 */
export function describeBounds(bounds: FieldBounds): string {
  const kind = bounds.integer ? 'an integer' : 'a number';
  return bounds.maximum === undefined
    ? `${kind} greater than or equal to ${bounds.minimum}`
    : `${kind} from ${bounds.minimum} to ${bounds.maximum}`;
}

/**
 * How a value its `...Path` selected is below its minimum or, for a percentage, above 100: AWS's words where
 * recorded (a negative MaxConcurrency, for which AWS's execution stalls, worded as the count); Cutover's own
 * for the batch limits and any other value out of range.
 */
const OUT_OF_RANGE: Partial<Record<BoundedMapField, string>> = {
  MaxConcurrency: 'MaxConcurrency cannot be negative.',
  ToleratedFailureCount: 'ToleratedFailureCount cannot be negative.',
  ToleratedFailurePercentage: 'ToleratedFailurePercentage must be between 0 and 100.',
};
/** The text of a value AWS reads as an integer or a float (as Java parses them). */
const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A bounded field's value, given literally or selected by its `...Path` form with `read`; undefined when
 * neither is set. A path selecting no number (or string of one, as AWS reads `"5"`) within the bounds is a
 * `States.Runtime` error, in AWS's words.
 */
export function boundedFieldValue(
  object: object,
  field: BoundedMapField,
  read: (path: string) => unknown,
): number | undefined {
  const fields = object as Record<string, unknown>;
  const pathField = `${field}Path`;
  const path = fields[pathField];
  if (typeof path !== 'string') return fields[field] as number | undefined;
  const bounds = MAP_FIELD_BOUNDS[field];
  const value = numberAtPath(pathField, path, read(path), bounds.integer);
  if (!isWithinBounds(value, bounds)) {
    const recorded = field === 'ToleratedFailurePercentage' || value < bounds.minimum;
    throw new StatesError(
      STATES_ERRORS.Runtime,
      (recorded && OUT_OF_RANGE[field]) || `${field} must be ${describeBounds(bounds)}.`,
    );
  }
  return value;
}

/**
 * The number a `...Path` field's `path` selected: a number, or a string of one (as AWS reads `"5"`).
 *
 * @throws StatesError `States.Runtime`, in AWS's words, for any other value, or a fraction where `integer`.
 */
export function numberAtPath(pathField: string, path: string, selected: unknown, integer: boolean): number {
  const text = typeof selected === 'string' ? selected : JSON.stringify(selected ?? null);
  if (!(integer ? INTEGER_TEXT : FLOAT_TEXT).test(text)) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `The ${pathField} field refers to value "${text.slice(0, 200)}" which is not a valid ${integer ? 'integer' : 'float'}: ${path}`,
    );
  }
  return Number(text);
}
