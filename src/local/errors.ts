/** A Lambda function name or ARN did not resolve to a registered handler; matched as `Lambda.ResourceNotFoundException`. */
export class LambdaResourceNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Lambda.ResourceNotFoundException';
  }
}

/**
 * The embedded PostgreSQL server cannot start here (as root: a data directory the `postgres` user cannot
 * reach; a server that exits at once, with its last log lines).
 */
export class LocalPostgresError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalPostgresError';
  }
}

/** Another runtime holds the data directory: two runtimes on one store would both run its executions. */
export class DataDirectoryInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holderPid: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `the data directory ${dataDir} is in use by another Cutover runtime` +
        `${holderPid === undefined ? '' : ` (process ${holderPid})`}: stop it, or use another data directory (--data-dir)`,
      options,
    );
    this.name = 'DataDirectoryInUseError';
  }
}

/**
 * A write to the runtime's store failed (a full disk, an I/O error): what the engine had not committed is
 * lost, so it stops running executions; a restart resumes them from their last commit.
 */
export class StoreFailedError extends Error {
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      `the runtime's store failed (${reason}): its executions stopped; start it again once the store is fixed, and they resume from their last commit`,
      { cause },
    );
    this.name = 'StoreFailedError';
  }
}

/** A call on a runtime that was closed: it runs nothing more until a new one opens its store. */
export class RuntimeClosedError extends Error {
  constructor() {
    super('the runtime is closed: open a new one on its data directory to run executions');
    this.name = 'RuntimeClosedError';
  }
}
