import * as z from 'zod';
import { BACKUP_KEY_RULES, isBackupPrefix } from '../backup-keys.ts';
import { EVENTS_PER_POLL_CHECK, HISTORY_LIMIT_REASON, MAX_POLL_CHECKS } from '../history-limit.ts';
import { maxPollChecks, switchoverWaitSeconds } from '../polling.ts';
import { serviceSchema } from './common.ts';
import { arn, EVEN_WITH_ISSUES, integer, RDS_INSTANCE_IDENTIFIER, secretArn, text } from './fields.ts';

/** A database: a Secrets Manager secret (AWS) or, for local runs, a URL. Never a password in the input. */
export const databaseRefSchema = z
  .strictObject({
    secretArn: secretArn().optional().describe('secret holding url or the RDS username/password/host'),
    url: text()
      .superRefine((value, ctx) => {
        const problem = localUrlProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: `${LOCAL_URL_RULE} (got ${problem})` });
      })
      .optional()
      .describe('postgres:// URL of a local database'),
  })
  .refine((ref) => (ref.secretArn === undefined) !== (ref.url === undefined), {
    error: 'give exactly one of secretArn or url',
  });

/** What a request's database URL must be. */
const LOCAL_URL_RULE =
  'must be a postgres:// URL on 127.0.0.1 or localhost without a password (local runs: the password comes ' +
  "from PGPASSWORD, a pgpass file or cutover local's embedded server); use secretArn in AWS";

/**
 * Why `value` is not a local database URL (postgres(ql)://, a loopback host, no password: it would land in
 * the history), or undefined when it is one.
 */
function localUrlProblem(value: string): string | undefined {
  if (!URL.canParse(value)) {
    const port = /^[a-z][a-z\d+.-]*:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(value)?.[1];
    return port !== undefined && Number(port) > 65_535
      ? `port ${port}, over 65535`
      : 'text that is not a URL';
  }
  const url = new URL(value);
  if (!/^postgres(ql)?:$/.test(url.protocol)) return `protocol ${url.protocol}`;
  if (url.hostname !== 'localhost' && !/^127\.\d+\.\d+\.\d+$/.test(url.hostname))
    return `host ${url.hostname}`;
  return url.password === '' ? undefined : 'a password';
}

/**
 * The query parameters a request's URL may carry. The driver reads others past the URL's own parts (`host`,
 * `port`, `user`, `password`, `passfile`, key and certificate files) and would connect elsewhere than the
 * host checked, or put a password in the request; `options` and `application_name` would replace the
 * session settings Cutover connects with.
 */
const URL_PARAMETERS: readonly string[] = ['sslmode'];

/** The `sslmode` values the driver (node-postgres) knows; it would read any other as `verify-full`. */
const SSL_MODES: readonly string[] = [
  'disable',
  'no-verify',
  'prefer',
  'require',
  'verify-ca',
  'verify-full',
];

/** Why a database URL without a database name is refused. */
export const NO_DATABASE_NAME =
  'must name a database in its path, as in postgres://postgres@127.0.0.1:5432/shop: without one the ' +
  "connection goes to the user's default database (postgres, the maintenance database, for user postgres)";

/** Why a local database URL with query parameters other than {@link URL_PARAMETERS} is refused. */
function refusedParameters(names: readonly string[]): string {
  return (
    `must not have the query parameter${names.length > 1 ? 's' : ''} ${names.join(', ')} ` +
    `(allowed: ${URL_PARAMETERS.join(', ')}): the server and the user are those the URL names before its ` +
    "path, and the password comes from PGPASSWORD, a pgpass file or cutover local's embedded server, never " +
    'the request'
  );
}

/** True when a database URL names its database (in its path); see {@link NO_DATABASE_NAME}. */
export function namesDatabase(url: URL): boolean {
  return url.pathname.length > 1;
}

/** What is wrong with a local database URL past its host and password; none for one that does not parse. */
function urlProblems(value: string): string[] {
  if (!URL.canParse(value)) return [];
  const url = new URL(value);
  const refused = [...new Set(url.searchParams.keys())].filter((name) => !URL_PARAMETERS.includes(name));
  const sslModes = url.searchParams.getAll('sslmode').filter((mode) => !SSL_MODES.includes(mode));
  return [
    ...(namesDatabase(url) ? [] : [NO_DATABASE_NAME]),
    ...(refused.length > 0 ? [refusedParameters(refused)] : []),
    ...sslModes.map(
      (mode) => `sslmode must be one of: ${SSL_MODES.join(', ')} (got ${JSON.stringify(mode)})`,
    ),
  ];
}

/**
 * The request's database URLs name their database and carry no query parameter but {@link URL_PARAMETERS}:
 * the host checked is the one connected to, and no password rides in the request.
 */
function checkDatabaseUrls(request: DatabaseMigrationRequest, ctx: z.RefinementCtx) {
  const { target, source } = request.database;
  for (const [side, ref] of Object.entries({ target, source })) {
    for (const message of urlProblems(ref?.url ?? '')) {
      ctx.addIssue({ code: 'custom', path: ['database', side, 'url'], message });
    }
  }
}

/** How long a migration waits for another session's migration lock unless `migrations.lockWaitSeconds` says. */
export const DEFAULT_MIGRATION_LOCK_WAIT_SECONDS = 300;

/**
 * How long a migration's statement waits for a lock unless `migrations.lockTimeoutSeconds` says: the
 * application's queries on the table queue behind the wait, so it is short and retried.
 */
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_SECONDS = 10;

/** The table recording applied migrations unless `migrations.historyTable` names another. */
export const DEFAULT_MIGRATION_HISTORY_TABLE = 'cutover_schema_history';

/** The table of a copy's progress, which a history table must not be. */
export const COPY_PROGRESS_TABLE = 'cutover_copy_progress';

/** A database migration request: migrate the target's schema, optionally copy a source into it, prove it. */
export const databaseMigrationRequestSchema = z
  .strictObject({
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
        transaction: z
          .enum(['each', 'all'])
          .default('each')
          .describe(
            'each: a transaction per migration (a failure keeps the ones before it); all: one for the run (a failure changes nothing)',
          ),
        lockWaitSeconds: integer(1, 600)
          .default(DEFAULT_MIGRATION_LOCK_WAIT_SECONDS)
          .describe(
            "how long to wait while another session holds the database's migration lock (then MigrationLocked, nothing applied)",
          ),
        lockTimeoutSeconds: integer(0, 600)
          .default(DEFAULT_MIGRATION_LOCK_TIMEOUT_SECONDS)
          .describe(
            "how long a migration's statement waits for a table lock other sessions hold, while the application's queries on that table queue behind it (lock_timeout; 0: no limit); then its transaction is rolled back and tried again, 3 times in all",
          ),
        historyTable: text()
          .regex(/^cutover_[a-z0-9_]{1,55}$/, {
            error:
              'must be a table name of cutover_ then 1-55 lower-case letters, digits or _ (cutover_orders_history): ' +
              "tables named cutover_... are Cutover's own and never copied, validated or backed up",
          })
          .refine((name) => name !== COPY_PROGRESS_TABLE, {
            error: `must not be ${COPY_PROGRESS_TABLE}, where Cutover keeps the progress of copies`,
          })
          .default(DEFAULT_MIGRATION_HISTORY_TABLE)
          .describe(
            'the table recording applied migrations; services sharing a database each give their own to number their migrations independently',
          ),
      })
      .refine((m) => (m.directory === undefined) !== (m.s3Prefix === undefined), {
        error: 'give exactly one of directory or s3Prefix',
      })
      .optional(),
    backup: z
      .strictObject({
        enabled: z.boolean().default(true),
        restoreOnFailure: z
          .boolean()
          .optional()
          .describe(
            'ignored: a failure never loads the backup back (requests and running executions of earlier versions still parse)',
          ),
        method: z
          .enum(['logical', 'rds-snapshot'])
          .default('logical')
          .describe(
            'logical: COPY to the backup store; rds-snapshot: CreateDBSnapshot of rds.instanceIdentifier',
          ),
      })
      .prefault({}),
    rds: z
      .strictObject({
        instanceIdentifier: text()
          // RDS takes either case in requests and stores the identifier lower-cased: `Orders` is `orders`.
          .toLowerCase()
          .regex(RDS_INSTANCE_IDENTIFIER[0], { error: `must be ${RDS_INSTANCE_IDENTIFIER[1]}` })
          .optional()
          .describe('the target DB instance (snapshots); read lower-cased, as RDS stores it'),
        region: text()
          .optional()
          .describe(
            "region of the RDS calls (default: blueGreen.sourceArn's region, else the SDK region chain)",
          ),
        pollSeconds: integer(1, 3600).default(30).describe('wait between status checks'),
        snapshotTimeoutSeconds: integer(60, 86_400).default(7200),
      })
      .optional()
      .describe('RDS snapshots and Blue/Green deployments'),
    blueGreen: z
      .strictObject({
        sourceArn: arn('rds')
          .regex(/^arn:[a-z-]+:rds:[a-z0-9-]+:\d{12}:db:[A-Za-z][A-Za-z0-9-]*$/, {
            error:
              'must be an RDS DB instance ARN (arn:aws:rds:<region>:<account>:db:<id>); Aurora clusters (:cluster:) are not supported',
          })
          .describe('the blue DB instance'),
        targetEngineVersion: text().optional(),
        targetDBParameterGroupName: text().optional(),
        availableTimeoutSeconds: integer(60, 172_800)
          .default(7200)
          .describe('time for the green environment to become AVAILABLE'),
        switchoverTimeoutSeconds: integer(30, 3600).default(300).describe('SwitchoverTimeout of RDS'),
      })
      .optional()
      .describe('switch to a green RDS environment (Blue/Green deployment) before the migrations'),
    copy: z
      .strictObject({
        batchRows: integer(100, 1_000_000).default(50_000),
        // A slice's end is when status, watch and the console learn how far the copy is: once a minute.
        budgetSeconds: integer(1, 840)
          .default(60)
          .describe(
            'time per copy task, under the 15-minute Lambda limit: how often the copy reports its progress',
          ),
        // The upper bound is the one `.int()` holds anyway (a safe integer), named so a refusal states it.
        maxBytesWithoutKey: integer(0, Number.MAX_SAFE_INTEGER).default(512 * 1024 * 1024),
      })
      .prefault({}),
    sequences: z
      .enum(['source', 'max'])
      .default('source')
      .describe('set target sequences to source positions or max(id)'),
  })
  .refine((r) => r.backup?.method !== 'rds-snapshot' || r.rds?.instanceIdentifier !== undefined, {
    error: 'backup.method rds-snapshot needs rds.instanceIdentifier',
    path: ['rds', 'instanceIdentifier'],
    ...EVEN_WITH_ISSUES,
  })
  .refine((r) => r.blueGreen === undefined || r.rds !== undefined, {
    error: 'blueGreen needs rds (region, pollSeconds): give rds: {} for the defaults',
    path: ['rds'],
    ...EVEN_WITH_ISSUES,
  })
  .superRefine(checkPollChecks)
  .transform(withBlueGreenRegion);

/**
 * A database migration request as it is admitted (`cutover plan` and `run`, the Prepare task): the request
 * as its tasks read it, and the rules added since migrations began to run, which a migration already
 * running must not fail on at its next task: a Blue/Green request names one instance and one region, a
 * database URL names its database and carries no query parameter but `sslmode`, and the source is another
 * database than the target.
 */
export const databaseMigrationAdmissionSchema = databaseMigrationRequestSchema
  .superRefine(checkBlueGreenSource)
  .superRefine(checkDatabaseUrls)
  .superRefine(checkMigrationsPrefix)
  .superRefine(checkSchemas)
  .superRefine(checkTwoDatabases);

/** The request's databases, as far as {@link checkTwoDatabases} reads them. */
interface DatabaseRefs {
  database?: { target?: { secretArn?: string; url?: string }; source?: { secretArn?: string; url?: string } };
}

/**
 * `database.source` is not `database.target`: the same secret, or URLs naming the same host (in any case),
 * port (5432 when not given) and database. Copying a database into itself would only fail later, on
 * `TargetNotEmpty` or on a source without tables.
 */
function checkTwoDatabases(request: DatabaseRefs, ctx: z.RefinementCtx) {
  const { source, target } = request.database ?? {};
  if (!source || !target) return;
  const same =
    source.secretArn !== undefined && source.secretArn === target.secretArn
      ? `secret ${source.secretArn}`
      : sameUrlDatabase(source.url, target.url);
  if (same === undefined) return;
  ctx.addIssue({
    code: 'custom',
    path: ['database', 'source'],
    message:
      `is the same database as database.target (${same}): a copy needs two databases (name another one ` +
      'in database.source, or leave database.source out to back up and migrate database.target only)',
  });
}

/**
 * The database both URLs name, as `postgres://<host>:<port>/<database>` (no user, no password), or
 * undefined when they name different ones or either names none.
 */
function sameUrlDatabase(source: string | undefined, target: string | undefined): string | undefined {
  const [one, other] = [source, target].map(urlDatabase);
  return one !== undefined && one === other ? one : undefined;
}

/** A URL's server and database as `postgres://<host>:<port>/<database>`, or undefined without a database. */
function urlDatabase(value: string | undefined): string | undefined {
  if (value === undefined || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (!namesDatabase(url)) return undefined;
  return `postgres://${url.hostname.toLowerCase()}:${url.port || 5432}${url.pathname}`;
}

/** `database.schemas` names no system schema: PostgreSQL reserves `pg_` names and `information_schema`. */
function checkSchemas(request: { database?: { schemas?: string[] } }, ctx: z.RefinementCtx) {
  for (const [index, schema] of (request.database?.schemas ?? []).entries()) {
    if (!schema.startsWith('pg_') && schema !== 'information_schema') continue;
    ctx.addIssue({
      code: 'custom',
      path: ['database', 'schemas', index],
      message: `must not be a system schema (pg_catalog, information_schema or another pg_ one): PostgreSQL keeps its own catalog there, which is never migrated, copied or backed up; got ${JSON.stringify(schema)}`,
    });
  }
}

/**
 * `migrations.s3Prefix` must be a prefix the backup store takes: it is read only at Migrate, after the
 * backup, so a bad one is refused before anything starts.
 */
function checkMigrationsPrefix(request: { migrations?: { s3Prefix?: string } }, ctx: z.RefinementCtx) {
  const prefix = request.migrations?.s3Prefix;
  if (prefix === undefined || (prefix !== '' && isBackupPrefix(prefix))) return;
  ctx.addIssue({
    code: 'custom',
    path: ['migrations', 's3Prefix'],
    message: `must be ${BACKUP_KEY_RULES}, a trailing '/' allowed (got ${JSON.stringify(prefix)})`,
  });
}

/** The request's fields that decide its RDS waits. */
interface RdsWaits {
  backup?: { method?: string };
  rds?: { pollSeconds?: number; snapshotTimeoutSeconds?: number };
  blueGreen?: { availableTimeoutSeconds?: number; switchoverTimeoutSeconds?: number };
}

/** The most status checks of the request's RDS waits polled every `poll` seconds: snapshot, green, switchover. */
export function rdsChecks(request: RdsWaits, poll: number): number {
  let checks = 0;
  if (request.backup?.method === 'rds-snapshot') {
    checks += maxPollChecks(request.rds?.snapshotTimeoutSeconds ?? 0, poll);
  }
  if (request.blueGreen) {
    const { availableTimeoutSeconds = 0, switchoverTimeoutSeconds = 0 } = request.blueGreen;
    checks += maxPollChecks(availableTimeoutSeconds, poll);
    checks += maxPollChecks(switchoverWaitSeconds(switchoverTimeoutSeconds, poll), poll);
  }
  return checks;
}

/**
 * The RDS waits' checks must stay within {@link MAX_POLL_CHECKS} (an execution's history is bounded):
 * a short `rds.pollSeconds` with long timeouts is refused, naming the shortest that fits.
 */
function checkPollChecks(request: RdsWaits, ctx: z.RefinementCtx) {
  const poll = request.rds?.pollSeconds;
  if (typeof poll !== 'number' || poll < 1) return;
  const checks = rdsChecks(request, poll);
  if (checks <= MAX_POLL_CHECKS) return;
  let fits = poll;
  while (rdsChecks(request, fits) > MAX_POLL_CHECKS) fits++;
  ctx.addIssue({
    code: 'custom',
    path: ['rds', 'pollSeconds'],
    message: `${poll} allows up to ${checks.toLocaleString('en-US')} RDS status checks of ${EVENTS_PER_POLL_CHECK} events each, over ${MAX_POLL_CHECKS.toLocaleString('en-US')}, ${HISTORY_LIMIT_REASON}: at least ${fits}`,
  });
}

/** The fields of an RDS DB instance ARN: `arn:<partition>:rds:<region>:<account>:db:<identifier>`. */
function instanceArnParts(sourceArn: string): { region: string; instanceIdentifier: string } {
  const parts = sourceArn.split(':');
  return { region: parts[3]!, instanceIdentifier: parts[6]!.toLowerCase() };
}

/** The request's fields that name the RDS instance and region. */
interface RdsInstanceFields {
  rds?: { instanceIdentifier?: string; region?: string };
  blueGreen?: { sourceArn?: string };
}

/**
 * A Blue/Green request names one instance and one region: `rds.region`, when given, is the region of
 * `blueGreen.sourceArn` (RDS takes a source only in its own region), and `rds.instanceIdentifier`, when
 * given, is the source instance (the snapshot backs up the instance the migration runs on).
 */
function checkBlueGreenSource(request: RdsInstanceFields, ctx: z.RefinementCtx) {
  const sourceArn = request.blueGreen?.sourceArn;
  if (typeof sourceArn !== 'string' || !sourceArn.includes(':db:')) return;
  const source = instanceArnParts(sourceArn);
  const { region, instanceIdentifier } = request.rds ?? {};
  if (typeof region === 'string' && region !== source.region) {
    ctx.addIssue({
      code: 'custom',
      path: ['rds', 'region'],
      message: `must be the region of blueGreen.sourceArn (${source.region}), where RDS takes the source instance; got "${region}"`,
    });
  }
  if (typeof instanceIdentifier === 'string' && instanceIdentifier !== source.instanceIdentifier) {
    ctx.addIssue({
      code: 'custom',
      path: ['rds', 'instanceIdentifier'],
      message: `must be the instance of blueGreen.sourceArn (${source.instanceIdentifier}), the one the migration runs on; got "${instanceIdentifier}"`,
    });
  }
}

/** A Blue/Green request's RDS calls go to its source instance's region unless `rds.region` says. */
function withBlueGreenRegion<Request extends RdsInstanceFields>(request: Request): Request {
  if (!request.blueGreen?.sourceArn || !request.rds || request.rds.region) return request;
  return {
    ...request,
    rds: { ...request.rds, region: instanceArnParts(request.blueGreen.sourceArn).region },
  };
}

export type DatabaseMigrationRequest = z.output<typeof databaseMigrationRequestSchema>;

/** JSON Schema of a database migration request (the input form, before defaults). */
export const databaseMigrationRequestJsonSchema = z.toJSONSchema(databaseMigrationRequestSchema, {
  io: 'input',
});
