/**
 * Static checks that find likely mistakes rather than invalid definitions, reported with severity WARNING
 * (ValidateStateMachineDefinition returns them when asked for `severity: WARNING`):
 * `NO_DOLLAR`, a payload template field whose value looks like a path or intrinsic function call but whose
 * key does not end with `.$`, and `PASS_RESULT_IS_STATIC`, a `.$` key in a Pass state's `Result`, which
 * is never evaluated.
 */
import { isPathOrIntrinsic, type Report } from './expression-checks.ts';
import { isPlainObject } from './json-values.ts';

/** Reports `NO_DOLLAR` for each field of a payload template (at any depth) that looks dynamic without `.$`. */
export function warnMissingDollar(warn: Report, template: unknown, location: string): void {
  forEachField(template, location, (key, value, at) => {
    if (!key.endsWith('.$') && typeof value === 'string' && isPathOrIntrinsic(value)) {
      warn(
        'NO_DOLLAR',
        `The value of the field '${key}' looks like a path or intrinsic function: name it '${key}.$' to evaluate it`,
        at,
      );
    }
  });
}

/** Reports `PASS_RESULT_IS_STATIC` for each `.$` key in a Pass state's `Result`, at any depth. */
export function warnStaticPassResult(warn: Report, result: unknown, location: string): void {
  forEachField(result, location, (key, _value, at) => {
    if (key.endsWith('.$')) {
      warn(
        'PASS_RESULT_IS_STATIC',
        `The field '${key}' of a Pass state's Result is not evaluated: Result is static`,
        at,
      );
    }
  });
}

/** Calls `visit` with every object field under `value`, however deep, and its JSON pointer. */
function forEachField(
  value: unknown,
  location: string,
  visit: (key: string, value: unknown, at: string) => void,
): void {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) forEachField(item, `${location}[${index}]`, visit);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, inner] of Object.entries(value)) {
    visit(key, inner, `${location}/${key}`);
    forEachField(inner, `${location}/${key}`, visit);
  }
}
