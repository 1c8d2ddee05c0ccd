import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { ValidationError } from '#core/errors.ts';

/**
 * Where a database is: a Secrets Manager secret ARN (AWS), or a URL (local runs only). The secret holds
 * `{"url": ...}` or the RDS shape `{"username","password","host","port","dbname"}`.
 */
export interface DatabaseRef {
  readonly secretArn?: string;
  readonly url?: string;
}

/** The part of the Secrets Manager client used here, so tests can pass a mocked one. */
export type SecretsClient = Pick<SecretsManagerClient, 'send'>;

/**
 * Session settings every Cutover connection uses, so text output (and so checksums) is the same on
 * both sides of a copy: UTC timestamps, ISO dates, shortest exact floats, literal backslashes.
 */
const SESSION_OPTIONS =
  '-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres -c extra_float_digits=1 ' +
  '-c standard_conforming_strings=on -c bytea_output=hex -c client_encoding=UTF8';

/**
 * Resolves a {@link DatabaseRef} to a connection URL, reading the secret when one is given.
 *
 * @example
 * const url = await resolveDatabaseUrl({ secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db' });
 */
export async function resolveDatabaseUrl(
  ref: DatabaseRef,
  secrets: SecretsClient = new SecretsManagerClient({}),
): Promise<string> {
  if (ref.url && !ref.secretArn) return ref.url;
  if (!ref.secretArn || ref.url) {
    throw new ValidationError('database must have exactly one of secretArn (AWS) or url (local runs)');
  }
  const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: ref.secretArn }));
  const secret = JSON.parse(SecretString ?? '{}') as Record<string, unknown>;
  if (typeof secret.url === 'string') return secret.url;
  const { username, password, host, port, dbname } = secret;
  if (typeof username !== 'string' || typeof password !== 'string' || typeof host !== 'string') {
    throw new ValidationError(
      `secret ${ref.secretArn} must hold url, or username, password, host (+ port, dbname)`,
    );
  }
  const url = new URL(`postgres://${host}`);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  url.port = String(port ?? 5432);
  url.pathname = `/${encodeURIComponent(String(dbname ?? 'postgres'))}`;
  return url.toString();
}

/**
 * Opens a client on the database with Cutover's session settings. The caller ends it.
 *
 * @example
 * const client = await connectDatabase({ url: 'postgres://postgres:postgres@127.0.0.1:5432/shop' });
 * try { await client.query('SELECT 1'); } finally { await client.end(); }
 */
export async function connectDatabase(ref: DatabaseRef, secrets?: SecretsClient): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: await resolveDatabaseUrl(ref, secrets),
    options: SESSION_OPTIONS,
  });
  await client.connect();
  return client;
}

/** Runs `work` with a connected client and always ends it. */
export async function withDatabase<T>(
  ref: DatabaseRef,
  work: (client: pg.Client) => Promise<T>,
  secrets?: SecretsClient,
): Promise<T> {
  const client = await connectDatabase(ref, secrets);
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
