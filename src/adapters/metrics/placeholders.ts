import { replacePlaceholders } from '#core/schemas/metrics.ts';

/**
 * Fills `{{name}}` placeholders of a user-defined query. Admission refuses a placeholder its provider does
 * not fill; one left here stays as written.
 *
 * @example
 * fillPlaceholders('rate(http_requests_total{app="{{service}}"}[{{window}}])', { service: 'checkout', window: '60s' });
 */
export function fillPlaceholders(query: string, values: Readonly<Record<string, string>>): string {
  return replacePlaceholders(query, (name, whole) => values[name] ?? whole);
}
