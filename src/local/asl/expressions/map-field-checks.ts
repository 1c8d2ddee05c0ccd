/**
 * Static checks shared by the fields of a Map state and of its `ItemBatcher` and `ItemReader`: a value out
 * of a fixed list, and a bounded number with its `...Path` form. Used by `map-mode-checks.ts` and
 * `item-reader-checks.ts`.
 */
import { isJsonataExpression } from '../jsonata.ts';
import type { QueryLanguage } from '../types.ts';
import { checkOneOf, checkPath, type Report } from './expression-checks.ts';
import {
  type BoundedMapField,
  describeBounds,
  isWithinBounds,
  MAP_FIELD_BOUNDS,
} from './map-field-bounds.ts';

const SCHEMA = 'SCHEMA_VALIDATION_FAILED';

/** Reports `object[field]` if it is there and not one of `allowed`. */
export function checkAllowedValue(
  report: Report,
  object: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
  at: string,
): void {
  if (field in object && !allowed.includes(object[field] as string)) {
    report(SCHEMA, `The field '${field}' must be one of: ${allowed.join(', ')}`, `${at}/${field}`);
  }
}

/**
 * Checks `field` and its `...Path` form: at most one of them, the value within its bounds (or in a JSONata
 * state a `{% %}` expression), a ReferencePath.
 */
export function checkBoundedField(
  report: Report,
  object: Record<string, unknown>,
  field: BoundedMapField,
  location: string,
  language: QueryLanguage,
): void {
  const pathField = `${field}Path`;
  checkOneOf(report, object, [field, pathField], location, false);
  if (pathField in object) checkPath(report, object[pathField], pathField, location, 'ReferencePath');
  const bounds = MAP_FIELD_BOUNDS[field];
  const value = object[field];
  if (language === 'JSONata' && isJsonataExpression(value)) return;
  if (field in object && !isWithinBounds(value, bounds)) {
    const orExpression = language === 'JSONata' ? ', or a JSONata expression' : '';
    report(
      SCHEMA,
      `The field '${field}' must be ${describeBounds(bounds)}${orExpression}`,
      `${location}/${field}`,
    );
  }
}
