/**
 * Fills `{{name}}` placeholders of a user-defined query; an unknown placeholder is left as written so the
 * backend's error names it.
 *
 * @example
 * fillPlaceholders('rate(http_requests_total{app="{{service}}"}[{{window}}])', { service: 'checkout', window: '60s' });
 */
export function fillPlaceholders(query: string, values: Readonly<Record<string, string>>): string {
  return query.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}
