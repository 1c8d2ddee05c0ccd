/** A state machine file names a `${Name}` substitution that has no value. */
export class MissingSubstitutionError extends Error {
  constructor(
    readonly file: string,
    readonly names: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(
      `${file}: no value for ${names.map((n) => '${' + n + '}').join(', ')} — add a lambdas/<verb-noun>/handler.ts ` +
        `for a <VerbNoun>FunctionArn, or the name to LOCAL_SUBSTITUTIONS in src/core/substitutions.ts`,
      options,
    );
    this.name = 'MissingSubstitutionError';
  }
}

/** A state machine file could not be registered (not JSON after substitution, or an invalid definition). */
export class StateMachineFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'StateMachineFileError';
  }
}

/** A project Lambda handler module does not export a `handler` function. */
export class HandlerNotFoundError extends Error {
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`${file} must export a function named "handler"`, options);
    this.name = 'HandlerNotFoundError';
  }
}
