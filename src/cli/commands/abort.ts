import { Command } from 'commander';
import { executionNameOf } from '#core/api-routes.ts';
import { DATABASE_MIGRATION } from '#core/rollback.ts';
import { abortRelease } from '../abort-release.ts';
import {
  createStepFunctionsClient,
  type EndpointOptions,
  endpointFlags,
  machineNamingFor,
  withEndpointOptions,
} from '../endpoint.ts';
import { CliError } from '../exit-codes.ts';
import { resolveExecutionArn } from '../resolve.ts';

/**
 * `cutover abort <execution>`: stops an execution, then finds (or, when the platform starts none, starts)
 * the rollback state machine's execution that restores a release's traffic and tracks from the backup and
 * unlocks the service, or only unlocks the service of a database migration. A rollback is not stopped (exit
 * 2); a release whose rollback ended without cleaning up gets a new one, or is told why it cannot (exit 1).
 */
export function abortCommand(): Command {
  return withEndpointOptions(
    new Command('abort')
      .description('abort a running release and roll it back, or a database migration and unlock its service')
      .argument('<execution>', 'execution ARN or name')
      .option('--reason <text>', 'why, recorded in the history', 'aborted from the CLI')
      .addHelpText(
        'after',
        '\nExample:\n  $ cutover abort checkout-v2 --reason "wrong image"\n  $ cutover watch <the rollback ARN it prints>',
      ),
  ).action(async (ref: string, options: EndpointOptions & { reason: string }) => {
    const sfn = createStepFunctionsClient(options);
    const executionArn = await resolveExecutionArn(sfn, ref, machineNamingFor(options));
    const { rollbackExecutionArn, strategy, alreadyStopped, notRolledBack, rollbackStatus } =
      await abortRelease(sfn, executionArn, options.reason, undefined, endpointFlags(options));
    console.log(`${alreadyStopped ? 'already aborted' : 'aborted'} ${executionArn}`);
    if (notRolledBack) {
      throw new CliError(notRolledBack);
    } else if (!rollbackExecutionArn) {
      console.log(
        'nothing to roll back (it stopped before changing anything, or is neither a release nor a database migration)',
      );
    } else {
      const done = rollbackStatus === 'SUCCEEDED';
      const rollback = `${rollbackExecutionArn}${done ? ' (SUCCEEDED)' : ''}`;
      console.log(
        strategy === DATABASE_MIGRATION
          ? `${done ? 'unlocked' : 'unlocking'} the service: ${rollback} (the database is not restored: a migration ` +
              'running at the stop may still commit, and the rollback names the migrations that stay applied once ' +
              `it ended (\`cutover watch ${executionNameOf(executionArn)}${endpointFlags(options)}\`); rows copied so far stay, which the next ` +
              'run refuses naming the statements that empty them; `cutover backups list` lists its backup, if one was taken)'
          : `${done ? 'rolled back' : 'rolling back'}: ${rollback}`,
      );
    }
  });
}
