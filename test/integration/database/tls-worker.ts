/**
 * Connects as a task does on AWS, through an RDS-shaped secret (argv[2] as its JSON), and prints whether
 * the session is encrypted: the TLS test runs it with `NODE_EXTRA_CA_CERTS` naming the server's CA.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { withDatabase } from '#adapters/database/connection.ts';

const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders';
const secrets = new SecretsManagerClient({ region: 'eu-west-1' });
mockClient(secrets)
  .on(GetSecretValueCommand, { SecretId: secretArn })
  .resolves({ SecretString: process.argv[2] });
const { rows } = await withDatabase(
  { secretArn },
  (client) => client.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'),
  secrets,
);
process.stdout.write(JSON.stringify(rows[0]));
