/** A Lambda function name or ARN did not resolve to a registered handler; matched as `Lambda.ResourceNotFoundException`. */
export class LambdaResourceNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Lambda.ResourceNotFoundException';
  }
}
