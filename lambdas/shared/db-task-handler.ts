import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import {
  type DatabaseMigrationRequest,
  type databaseMigrationAdmissionSchema,
  databaseMigrationRequestSchema,
} from '#core/schemas/database-migration.ts';
import { parseWith } from '#core/schemas/index.ts';
import { logger, logTaskFailure, toTaskError } from './task-handler.ts';

/** What a database task gets: its own fields plus the normalized request and the execution. */
export type DbTaskInput<Shape extends z.ZodRawShape> = z.output<z.ZodObject<Shape>> & {
  readonly request: DatabaseMigrationRequest;
  readonly executionArn: string;
};

/** What a database task may ask of its invocation. */
export interface DbTaskInvocation {
  /** Milliseconds until the function times out. */
  timeLeftMs(): number;
}

/**
 * Parses a database task's payload: its own fields and the execution (`invalid <task> input`), then the
 * request with its own reader, so a bad request reads as the CLI and the release tasks say it
 * (`invalid database-migration request:\n  - migrations.directory: ...`), its fields named from the request.
 */
function parseDbTaskInput(envelope: z.ZodType, event: unknown, name: string, requestSchema: RequestSchema) {
  const parsed = parseWith(envelope, event, `${name} input`) as { request: unknown };
  const request = parseWith(requestSchema, parsed.request, 'database-migration request');
  return { ...parsed, request };
}

/** How a database task reads its request: as admitted (every task) or admitting it (Prepare). */
type RequestSchema = typeof databaseMigrationRequestSchema | typeof databaseMigrationAdmissionSchema;

/**
 * Builds a task function of the database-migration state machine: the shared logger, the payload
 * checked (`ValidationError` naming every bad field) and errors keeping their names for `Catch`. The
 * request is read with `requestSchema`: as admitted by default; Prepare, which admits it, passes
 * `databaseMigrationAdmissionSchema`.
 *
 * @example
 * export const handler = dbTaskHandler('db-validate', {}, async ({ request }) => validate(request));
 */
export function dbTaskHandler<Shape extends z.ZodRawShape, Result>(
  name: string,
  shape: Shape,
  task: (input: DbTaskInput<Shape>, invocation: DbTaskInvocation) => Promise<Result>,
  requestSchema: RequestSchema = databaseMigrationRequestSchema,
) {
  const envelope = z.object({ ...shape, request: z.unknown(), executionArn: z.string().min(1) });
  return middy<unknown, Result>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event: unknown, context: { getRemainingTimeInMillis(): number }) => {
      try {
        const input = parseDbTaskInput(envelope, event, name, requestSchema) as DbTaskInput<Shape>;
        logger.appendKeys({
          task: name,
          target: `${input.request.service.namespace}/${input.request.service.name}`,
        });
        return await task(input, { timeLeftMs: () => context.getRemainingTimeInMillis() });
      } catch (error) {
        const named = toTaskError(error);
        logTaskFailure(named);
        throw named;
      }
    });
}
