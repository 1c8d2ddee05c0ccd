/** Process exit codes of every `cutover` command. */
export const ExitCode = {
  /** The command did what it was asked; a waited-for execution SUCCEEDED. */
  Succeeded: 0,
  /** A waited-for execution FAILED, TIMED_OUT or was ABORTED, or the endpoint refused the call. */
  Failed: 1,
  /** Bad usage or a request that failed validation: nothing was started. */
  Usage: 2,
  /** Following an execution, the endpoint stopped answering for too long: its outcome is not known. */
  Unknown: 3,
} as const;

/** A command-line failure with the exit code to end with; the CLI prints only its message. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failed,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}
