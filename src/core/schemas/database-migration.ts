import { z } from 'zod';
import { serviceSchema } from './common.ts';
import { arn, integer, text } from './fields.ts';

/** A database: a Secrets Manager secret (AWS) or, for local runs, a URL. Never a password in the input. */
export const databaseRefSchema = z
  .strictObject({
    secretArn: arn('secretsmanager')
      .optional()
      .describe('secret holding url or the RDS username/password/host'),
    url: text()
      .refine(isLocalUrlWithoutPassword, {
        error:
          'must be a postgres:// URL on 127.0.0.1 or localhost without a password (local runs: the password ' +
          'comes from PGPASSWORD or a pgpass file); use secretArn in AWS',
      })
      .optional()
      .describe('postgres:// URL of a local database'),
  })
  .refine((ref) => (ref.secretArn === undefined) !== (ref.url === undefined), {
    error: 'give exactly one of secretArn or url',
  });

/** A local database URL: postgres(ql)://, a loopback host, no password (it would land in the history). */
function isLocalUrlWithoutPassword(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  const loopback = url.hostname === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  return /^postgres(ql)?:$/.test(url.protocol) && loopback && url.password === '';
}

/** A database migration request: migrate the target's schema, optionally copy a source into it, prove it. */
export const databaseMigrationRequestSchema = z.strictObject({
  service: serviceSchema,
  database: z.strictObject({
    target: databaseRefSchema.describe('the database migrated (and backed up first)'),
    source: databaseRefSchema.optional().describe('copied into the target when given'),
    schemas: z.array(text()).min(1).default(['public']).describe('schemas copied, validated and backed up'),
  }),
  migrations: z
    .strictObject({
      directory: text().optional().describe('directory of V<n>__<name>.sql files (local runs)'),
      s3Prefix: text().optional().describe('prefix in the backup bucket holding the migration files'),
      phase: z.enum(['expand', 'contract', 'all']).default('all'),
    })
    .refine((m) => (m.directory === undefined) !== (m.s3Prefix === undefined), {
      error: 'give exactly one of directory or s3Prefix',
    })
    .optional(),
  backup: z
    .strictObject({ enabled: z.boolean().default(true), restoreOnFailure: z.boolean().default(true) })
    .prefault({}),
  copy: z
    .strictObject({
      batchRows: integer(100, 1_000_000).default(50_000),
      budgetSeconds: integer(1, 840)
        .default(600)
        .describe('time per copy task, under the 15-minute Lambda limit'),
      maxBytesWithoutKey: integer(0).default(512 * 1024 * 1024),
    })
    .prefault({}),
  sequences: z
    .enum(['source', 'max'])
    .default('source')
    .describe('set target sequences to source positions or max(id)'),
});

export type DatabaseMigrationRequest = z.output<typeof databaseMigrationRequestSchema>;

/** JSON Schema of a database migration request (the input form, before defaults). */
export const databaseMigrationRequestJsonSchema = z.toJSONSchema(databaseMigrationRequestSchema, {
  io: 'input',
});
