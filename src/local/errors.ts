/** A Lambda function name or ARN did not resolve to a registered handler; matched as `Lambda.ResourceNotFoundException`. */
export class LambdaResourceNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Lambda.ResourceNotFoundException';
  }
}

/** The embedded PostgreSQL server cannot start here (as root: a data directory the `postgres` user cannot reach). */
export class LocalPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalPostgresError';
  }
}
