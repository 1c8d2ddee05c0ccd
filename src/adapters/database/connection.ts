import pg from 'pg';
import { parse } from 'pg-connection-string';
import {
  CutoverError,
  DatabaseConnectionError,
  TransientAdapterError,
  ValidationError,
} from '#core/errors.ts';
import { asAdapterError } from '../aws-errors.ts';
import { UNREACHABLE_CODES } from '../network-errors.ts';
import { readSecretString, type SecretsClient } from '../secrets.ts';

export type { SecretsClient } from '../secrets.ts';

/**
 * Where a database is: a Secrets Manager secret ARN (AWS), or a URL (local runs only). The secret holds
 * `{"url": ...}` or the RDS shape `{"username","password","host","port","dbname"}`.
 */
export interface DatabaseRef {
  readonly secretArn?: string;
  readonly url?: string;
}

/**
 * Session settings every Cutover connection uses, so text output (and so checksums) is the same on
 * both sides of a copy: UTC timestamps, ISO dates, shortest exact floats, literal backslashes. With
 * `row_security=off` a query that a row-level security policy would filter fails instead of silently
 * returning fewer rows to a backup, copy or validation.
 */
const SESSION_OPTIONS =
  '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 ' +
  '-c standard_conforming_strings=on -c bytea_output=hex -c client_encoding=UTF8 -c row_security=off';

/**
 * Resolves a {@link DatabaseRef} to a connection URL, reading the secret when one is given, in the region
 * its ARN names (a throttled or failing Secrets Manager is `TransientAdapterError`; a secret that is
 * missing, not readable or not of a shape above, `ValidationError`). A secret of the RDS shape connects
 * with TLS and verifies the server's certificate and host name (`sslmode=verify-full`): the password never
 * travels in the clear, and only a server with a certificate Node trusts gets it (on Lambda, the task
 * functions set `NODE_EXTRA_CA_CERTS` to the runtime's bundle of Amazon CAs, RDS's included). A `url` is
 * used as given.
 *
 * @example
 * const url = await resolveDatabaseUrl({ secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' });
 */
export async function resolveDatabaseUrl(ref: DatabaseRef, secrets?: SecretsClient): Promise<string> {
  if (ref.url && !ref.secretArn) return ref.url;
  if (!ref.secretArn || ref.url) {
    throw new ValidationError('database must have exactly one of secretArn (AWS) or url (local runs)');
  }
  const { secretArn } = ref;
  const text = await readSecretString(secretArn, {
    client: secrets,
    unreadable: (error) => unreadableSecret(error, secretArn),
  });
  const secret = secretObject(text, secretArn);
  if (typeof secret.url === 'string') return secret.url;
  const { username, password, host, port, dbname } = secret;
  if (typeof username !== 'string' || typeof password !== 'string' || typeof host !== 'string') {
    throw badSecret(secretArn, 'lacks url and username, password or host');
  }
  const url = new URL(`postgres://${host}`);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  url.port = String(port ?? 5432);
  url.pathname = `/${encodeURIComponent(String(dbname ?? 'postgres'))}`;
  url.searchParams.set('sslmode', 'verify-full');
  return url.toString();
}

/** The request fields that name a database secret, for errors about one. */
const SECRET_FIELDS = 'database.target.secretArn or database.source.secretArn';

/**
 * A secret that could not be read: `TransientAdapterError` when Secrets Manager throttles or fails (the
 * state machine retries it), else (a missing secret, access denied) `DatabaseConnectionError` naming the secret,
 * the request fields that name one and who may read it.
 */
function unreadableSecret(error: unknown, secretArn: string): unknown {
  const transient = asAdapterError(error, 'secretsmanager:GetSecretValue');
  if (transient !== error) return transient;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DatabaseConnectionError(
    `cannot read database secret ${secretArn} (${SECRET_FIELDS}): ${reason.replace(/\.$/, '')}. ` +
      'On AWS, the database tasks may read the secrets of the databaseSecretArns context key; locally, the ' +
      'tasks read Secrets Manager with the default AWS credential chain',
    { cause: error },
  );
}

/**
 * The secret's JSON object, or `ValidationError` (without its text, which the parser's message would quote);
 * a binary secret (no `SecretString`) is no JSON object either.
 */
function secretObject(text: string | undefined, secretArn: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = text === undefined ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badSecret(secretArn, 'is not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** A database secret of the wrong shape: what is wrong and what it must hold, never its value. */
function badSecret(secretArn: string, problem: string): ValidationError {
  return new ValidationError(
    `database secret ${secretArn} (${SECRET_FIELDS}) ${problem}: it must hold a JSON object with url ` +
      '({"url": "postgres://..."}) or the RDS shape username, password, host (+ port, dbname)',
  );
}

/**
 * The environment variable in which `cutover local` names its embedded PostgreSQL, password included
 * (`postgres://postgres:<password>@127.0.0.1:<port>/postgres`). A URL without a password naming that server
 * (a loopback host, its port and user, as the driver reads them: query parameters such as `host` and `port`
 * included) connects with it; any other server gets its password as libpq would give it (`PGPASSWORD`, a
 * pgpass file), so the user's own credentials keep reaching their servers.
 */
export const LOCAL_POSTGRES_VARIABLE = 'CUTOVER_LOCAL_POSTGRES';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

/**
 * Gives `client` the local server's password when it connects to that server (a loopback host, its port)
 * as its user, and `connectionString` holds no password. It decides on the host, port and user the client
 * was made with, which the driver read from the connection string (its query parameters override the
 * URL's parts) and the environment: the password goes nowhere else.
 */
function useLocalServerPassword(client: pg.Client, connectionString: string, env = process.env): void {
  const server = localServerOf(client, env);
  const asItsUser = server !== undefined && client.user === server.user;
  if (asItsUser && !parse(connectionString).password && server.password) client.password = server.password;
}

/**
 * `cutover local`'s embedded server, as {@link LOCAL_POSTGRES_VARIABLE} names it, when `client` connects to
 * it (a loopback host, its port).
 */
function localServerOf(client: pg.Client, env = process.env): ReturnType<typeof parse> | undefined {
  const local = env[LOCAL_POSTGRES_VARIABLE];
  if (!local || !URL.canParse(local)) return undefined;
  const server = parse(local);
  return LOOPBACK_HOSTS.has(client.host) && client.port === Number(server.port) ? server : undefined;
}

/** How long a connection may take to be established. */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * How often PostgreSQL (14 and later) checks, during a statement, that the client is still there: a
 * task killed mid-migration has its statement cancelled and its locks released within this, instead of
 * when the statement would have ended.
 */
export const CLIENT_CHECK_INTERVAL_MS = 5_000;

/**
 * Opens a client on the database with Cutover's session settings, within {@link CONNECT_TIMEOUT_MS}. The
 * caller ends it.
 *
 * @example
 * const client = await connectDatabase({ url: 'postgres://postgres:postgres@127.0.0.1:5432/shop' });
 * try { await client.query('SELECT 1'); } finally { await client.end(); }
 */
export async function connectDatabase(ref: DatabaseRef, secrets?: SecretsClient): Promise<pg.Client> {
  const connectionString = await resolveDatabaseUrl(ref, secrets);
  const client = newClient({ connectionString });
  useLocalServerPassword(client, connectionString);
  return connectClient(client, databaseLabel(ref));
}

/**
 * Opens a second session beside `client`: the same server and database, the same role and Cutover's
 * session settings, for work alongside a statement of `client` (watching it, cancelling it). The caller
 * ends it.
 *
 * @example
 * const watcher = await connectBeside(client);
 * try { await watcher.query('SELECT pg_cancel_backend($1)', [pid]); } finally { await watcher.end(); }
 */
export function connectBeside(client: pg.Client): Promise<pg.Client> {
  const { host, port, user, database, password, ssl } = client;
  const beside = newClient({ host, port, user, database, password, ssl });
  return connectClient(beside, `${user}@${host}:${port}/${database}`);
}

/** A client of `server` with Cutover's session settings, not yet connected. */
function newClient(server: pg.ClientConfig): pg.Client {
  return new pg.Client({
    ...server,
    options: SESSION_OPTIONS,
    // Names Cutover's sessions in pg_stat_activity (and in a waiting migration's MigrationLocked).
    application_name: 'cutover',
    // A server that accepts and never answers fails the connection (retried) instead of holding the task.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A peer gone mid-query (a failover, a dropped network) is noticed instead of waited on forever.
    keepAlive: true,
  });
}

/** Connects `client` (named `where` in errors) and sets the session checks. */
async function connectClient(client: pg.Client, where: string): Promise<pg.Client> {
  // A connection the server drops is also emitted as 'error': without a listener it would end the
  // process. The query in flight fails with it (and later ones with "not queryable").
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    // A server that refused the login may keep the socket open (waiting for a password): close it.
    await client.end().catch(() => undefined);
    throw connectionError(where, error, client);
  }
  try {
    await setSessionChecks(client);
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/**
 * Sets the session settings that the startup options cannot hold: `client_connection_check_interval`
 * (see {@link CLIENT_CHECK_INTERVAL_MS}) is a setting of PostgreSQL 14 and later, which an older server
 * would refuse the connection for, so it is set only where the server has it.
 */
async function setSessionChecks(client: pg.Client): Promise<void> {
  await client.query(
    `SELECT set_config(name, $1, false) FROM pg_settings WHERE name = 'client_connection_check_interval'`,
    [String(CLIENT_CHECK_INTERVAL_MS)],
  );
}

/**
 * Puts a session's settings back as {@link connectDatabase} opened them, whatever `SET`, `set_config`,
 * `SET ROLE` or `SET SESSION AUTHORIZATION` ran on it since: its role, the settings of its startup
 * options, role and database, and Cutover's checks. Inside a transaction, this holds once it commits.
 */
export async function resetSession(client: pg.Client): Promise<void> {
  await client.query('SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; RESET ALL');
  await setSessionChecks(client);
}

/**
 * Runs `work` with a connected client and always ends it. A lost connection is rethrown as
 * `TransientAdapterError`, a PostgreSQL error as `DatabaseError` (see {@link databaseError}).
 */
export async function withDatabase<T>(
  ref: DatabaseRef,
  work: (client: pg.Client) => Promise<T>,
  secrets?: SecretsClient,
): Promise<T> {
  const client = await connectDatabase(ref, secrets);
  try {
    return await work(client);
  } catch (error) {
    throw databaseError(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * SQLSTATEs of a server that is not available for now: connection exceptions (class 08), shutting down
 * or starting up (57P01-57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;

/** True when the failure says the server cannot be reached now, but may be on a later attempt. */
function isUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  return (
    typeof message === 'string' &&
    (message.startsWith('Connection terminated') ||
      message.includes('connection error and is not queryable') ||
      message === 'timeout expired') // pg's connectionTimeoutMillis
  );
}

/** Node's codes for a TLS certificate that does not verify (its chain, its dates or its host name). */
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** What to do about a connection that TLS refused, or undefined when TLS is not why it failed. */
function tlsAdvice(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (message === 'The server does not support SSL connections') {
    return 'the server does not offer TLS, and Cutover sends no password in the clear: turn on ssl on the server';
  }
  if (typeof code === 'string' && CERTIFICATE_CODES.has(code)) {
    return (
      "the server's certificate does not verify: it must name the host connected to and chain to a CA " +
      'Node trusts (on Lambda, NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem holds the Amazon RDS CAs)'
    );
  }
  return undefined;
}

/**
 * Names a failed connection: `TransientAdapterError` when the server is unreachable (the state machine
 * retries it), else `DatabaseConnectionError`, a `ValidationError` (no such database, role or host; no
 * password or a wrong one; a server without TLS or with a certificate that does not verify, said so). The message names the database (`where`) without
 * its password.
 */
function connectionError(where: string, error: unknown, client: pg.Client): Error {
  const message = error instanceof Error ? error.message : String(error);
  const advice = tlsAdvice(error);
  if (advice) {
    return new DatabaseConnectionError(`cannot connect to database ${where}: ${message}: ${advice}`, {
      cause: error,
    });
  }
  if (isUnavailable(error)) {
    return new TransientAdapterError(`database ${where} is not reachable: ${message}`, { cause: error });
  }
  if (message.includes('password must be a string')) {
    const server = localServerOf(client);
    const whose =
      server && server.user !== client.user
        ? `; cutover local's embedded server on port ${client.port} gives its password to user ${server.user} only (this URL's user: ${client.user})`
        : '';
    return new DatabaseConnectionError(
      `no password for database ${where}: set PGPASSWORD or a pgpass file for the process that connects ` +
        "(cutover local's, for the migrations it runs; the CLI's, for `cutover backups restore`, whose " +
        `--database-url may hold it too), or give the request's database a secretArn${whose} (cutover local's ` +
        'embedded PostgreSQL keeps its password in <data dir>/postgres.password)',
      { cause: error },
    );
  }
  return new DatabaseConnectionError(`cannot connect to database ${where}: ${message}`, { cause: error });
}

/**
 * Names a failure of work on a connection: a lost connection becomes `TransientAdapterError`, a
 * PostgreSQL error (named `error` by pg) `DatabaseError` (one of row-level security says what to do);
 * Cutover errors and others are unchanged.
 */
export function databaseError(error: unknown): unknown {
  if (error instanceof CutoverError) return error;
  if (isUnavailable(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new TransientAdapterError(`database connection lost: ${message}`, { cause: error });
  }
  if (error instanceof pg.DatabaseError) {
    (error as Error).name = 'DatabaseError';
    if (error.code === '42501' && error.message.includes('row-level security')) {
      error.message += '; Cutover must see every row (row_security is off): connect as a role with BYPASSRLS';
    }
  }
  return error;
}

/** The database's URL without its password (nor a `password` parameter), or its secret's ARN. */
function databaseLabel(ref: DatabaseRef): string {
  if (!ref.url) return ref.secretArn ?? '(none)';
  if (!URL.canParse(ref.url)) return '(unparsable URL)';
  const url = new URL(ref.url);
  url.password = '';
  if (url.searchParams.has('password')) url.searchParams.delete('password');
  return url.toString();
}
