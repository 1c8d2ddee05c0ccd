/**
 * The values a Distributed Map's numeric fields may take, as a literal (checked by validation) or selected
 * by their `...Path` form (checked when the Map state runs).
 */
import { PAYLOAD_LIMIT_BYTES } from '#core/payload-limit.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';

/** The range of a numeric field; `integer` when it takes whole numbers only. */
export interface FieldBounds {
  readonly integer: boolean;
  readonly minimum: number;
  readonly maximum?: number;
}

/** The bounded numeric fields of a Distributed Map state and of its `ItemBatcher`. */
export const MAP_FIELD_BOUNDS = {
  ToleratedFailureCount: { integer: true, minimum: 0 },
  ToleratedFailurePercentage: { integer: false, minimum: 0, maximum: 100 },
  MaxItemsPerBatch: { integer: true, minimum: 1 },
  MaxInputBytesPerBatch: { integer: true, minimum: 1, maximum: PAYLOAD_LIMIT_BYTES },
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
 * A bounded field's value, given literally or selected by its `...Path` form with `read`; undefined when
 * neither is set. A path selecting no value within the bounds is a `States.Runtime` error.
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
  const value = read(path);
  const bounds = MAP_FIELD_BOUNDS[field];
  if (!isWithinBounds(value, bounds)) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `${pathField} '${path}' must select ${describeBounds(bounds)} (got ${JSON.stringify(value ?? null).slice(0, 200)})`,
    );
  }
  return value;
}
