import { PLACEHOLDER_PATTERN } from '#core/schemas/metrics.ts';

/**
 * Fills `{{name}}` placeholders of a user-defined query. Admission refuses a placeholder its provider does
 * not fill; one left here stays as written.
 *
 * @example
 * fillPlaceholders('rate(http_requests_total{app="{{service}}"}[{{window}}])', { service: 'checkout', window: '60s' });
 */
export function fillPlaceholders(query: string, values: Readonly<Record<string, string>>): string {
  return query.replace(PLACEHOLDER_PATTERN, (whole, name: string) => values[name] ?? whole);
}
