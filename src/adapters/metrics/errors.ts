/** A metric backend refused a query for a reason retrying will not fix (bad PromQL, bad expression, ...). */
export class MetricQueryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricQueryError';
  }
}
