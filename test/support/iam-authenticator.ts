/**
 * The checks aws-iam-authenticator (the EKS token webhook) makes on a bearer token before it calls STS:
 * prefix, unpadded base64url, an https STS endpoint at `/`, only the allowed query parameters, each once,
 * Action=GetCallerIdentity, `x-k8s-aws-id` among the signed headers, and an age and expiry within 15 minutes.
 * Returns the problems found (none = accepted) and the decoded URL.
 */
export function verifyEksToken(
  token: string,
  clusterName: string,
  now: Date,
): { problems: string[]; url?: URL } {
  const prefix = 'k8s-aws-v1.';
  if (!token.startsWith(prefix)) return { problems: ['token is missing the k8s-aws-v1. prefix'] };
  const encoded = token.slice(prefix.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { problems: ['token is not unpadded base64url'] };
  const url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  const problems: string[] = [];
  if (url.protocol !== 'https:') problems.push(`scheme ${url.protocol} is not https`);
  if (!/^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(url.hostname))
    problems.push(`host ${url.hostname} is not STS`);
  if (url.pathname !== '/') problems.push(`path ${url.pathname} is not /`);
  const allowed = new Set([
    'action',
    'version',
    'x-amz-algorithm',
    'x-amz-credential',
    'x-amz-date',
    'x-amz-expires',
    'x-amz-security-token',
    'x-amz-signature',
    'x-amz-signedheaders',
  ]);
  for (const key of new Set(url.searchParams.keys())) {
    if (!allowed.has(key.toLowerCase())) problems.push(`query parameter ${key} is not allowed`);
    if (url.searchParams.getAll(key).length > 1)
      problems.push(`query parameter ${key} appears more than once`);
  }
  if (url.searchParams.get('Action') !== 'GetCallerIdentity')
    problems.push('Action is not GetCallerIdentity');
  const signed = (url.searchParams.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signed.includes('x-k8s-aws-id')) problems.push('x-k8s-aws-id is not a signed header');
  const expires = Number(url.searchParams.get('X-Amz-Expires'));
  if (!(expires > 0 && expires <= 900)) problems.push(`X-Amz-Expires ${expires} is not within 1..900`);
  const date = parseAmzDate(url.searchParams.get('X-Amz-Date') ?? '');
  if (!date) problems.push('X-Amz-Date is missing or malformed');
  else if (now.getTime() - date.getTime() > 15 * 60 * 1000) problems.push('token is older than 15 minutes');
  if (!url.searchParams.get('X-Amz-Signature')) problems.push('X-Amz-Signature is missing');
  if (clusterName === '') problems.push('cluster name is empty');
  return { problems, url };
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}
