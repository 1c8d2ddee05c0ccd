#!/usr/bin/env -S node --import tsx
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { awsSetupError } from '../src/cli/aws-errors.ts';
import { abortCommand } from '../src/cli/commands/abort.ts';
import { approvalCommands } from '../src/cli/commands/approve.ts';
import { backupsCommand } from '../src/cli/commands/backups.ts';
import { historyCommand } from '../src/cli/commands/history.ts';
import { listCommand } from '../src/cli/commands/list.ts';
import { localCommand } from '../src/cli/commands/local.ts';
import { planCommand } from '../src/cli/commands/plan.ts';
import { runCommand } from '../src/cli/commands/run.ts';
import { statusCommand } from '../src/cli/commands/status.ts';
import { trafficCommand } from '../src/cli/commands/traffic.ts';
import { watchCommand } from '../src/cli/commands/watch.ts';
import { CliError, ExitCode } from '../src/cli/exit-codes.ts';
import { describeFailedCall } from '../src/cli/failed-call.ts';
import { ValidationError } from '../src/core/errors.ts';

// The SDK warns on every call that its 2027 releases need Node 22; that is for the maintainers, not the user.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// A reader that stops early (`cutover list | head`) closes the pipe: the rest of the output is dropped
// and the command ends as it would have, as Unix tools do (no EPIPE stack trace).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
});

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('cutover')
  .description('Deployment migrations on AWS Step Functions, and their local rehearsal')
  .version(version, '-V, --version', 'print the version of cutover')
  .showHelpAfterError()
  .exitOverride();

const commands = [
  localCommand(),
  runCommand(),
  planCommand(),
  watchCommand(),
  ...approvalCommands(),
  abortCommand(),
  listCommand(),
  statusCommand(),
  historyCommand(),
  trafficCommand(),
  backupsCommand(),
];
for (const command of commands) program.addCommand(command);
exitOverrideAll(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end with code 0; every other parse error is a usage error.
    process.exitCode = error.exitCode === 0 ? ExitCode.Succeeded : ExitCode.Usage;
  } else {
    const shown = awsSetupError(error) ?? error;
    console.error(`cutover: ${describeError(shown)}`);
    process.exitCode =
      shown instanceof CliError
        ? shown.exitCode
        : shown instanceof ValidationError
          ? ExitCode.Usage
          : ExitCode.Failed;
  }
}

/** The message to print; a failed SDK call names the call, its endpoint and what to check. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return describeFailedCall(error) ?? error.message;
}

/** Parse errors of every command and subcommand throw, so they end with exit code 2 (not commander's 1). */
function exitOverrideAll(command: Command): void {
  command.exitOverride();
  for (const subcommand of command.commands) exitOverrideAll(subcommand);
}
