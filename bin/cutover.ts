#!/usr/bin/env -S node --import tsx
import { Command, CommanderError } from 'commander';
import { abortCommand } from '../src/cli/commands/abort.ts';
import { approvalCommands } from '../src/cli/commands/approve.ts';
import { backupsCommand } from '../src/cli/commands/backups.ts';
import { historyCommand } from '../src/cli/commands/history.ts';
import { listCommand } from '../src/cli/commands/list.ts';
import { localCommand } from '../src/cli/commands/local.ts';
import { planCommand } from '../src/cli/commands/plan.ts';
import { runCommand } from '../src/cli/commands/run.ts';
import { watchCommand } from '../src/cli/commands/watch.ts';
import { CliError, ExitCode } from '../src/cli/exit-codes.ts';

const program = new Command('cutover')
  .description('Deployment migrations on AWS Step Functions, and their local rehearsal')
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
  historyCommand(),
  backupsCommand(),
];
for (const command of commands) program.addCommand(command.exitOverride());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version end with code 0; every other parse error is a usage error.
    process.exitCode = error.exitCode === 0 ? ExitCode.Succeeded : ExitCode.Usage;
  } else {
    console.error(`cutover: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = error instanceof CliError ? error.exitCode : ExitCode.Failed;
  }
}
