import { Annotations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { ApiOperation } from '#core/api-routes.ts';
import { pascalCase } from './discovery.ts';

/** Who may call the release API, by IAM role or user ARN, of any account. */
export interface ReleaseApiCallers {
  /**
   * May start releases (`POST /releases/<strategy>`), abort them (`POST /releases/{executionId}/abort`) and
   * read them (the GET routes); no other principal may start or abort one. @default none: IAM identity policies decide who starts releases, and synth warns
   */
  readonly releaseApiPrincipals?: readonly string[];
  /**
   * May approve and reject releases (`POST /releases/{executionId}/approve` and `.../reject`) and read them;
   * no other principal may answer one. @default none: IAM identity policies decide who answers, and synth warns
   */
  readonly approverPrincipals?: readonly string[];
}

/** A method of the release API: its operation, HTTP method and resource path (`/releases/{executionId}`). */
export interface ApiMethod {
  readonly operation: ApiOperation;
  readonly httpMethod: string;
  readonly path: string;
}

/** One list of {@link ReleaseApiCallers}, the routes only it may call, and what they do. */
interface CallerGroup {
  readonly key: keyof ReleaseApiCallers;
  readonly principals: readonly string[];
  readonly methods: readonly ApiMethod[];
  readonly what: string;
}

const STARTS: ReadonlySet<ApiOperation> = new Set(['StartExecution', 'StopExecution']);
const ANSWERS: ReadonlySet<ApiOperation> = new Set(['SendTaskSuccess', 'SendTaskFailure']);

/**
 * A method as the API's own resource policy names it, on every stage, a path parameter matching anything:
 * `execute-api:/*\/POST/releases/*\/approve`.
 */
const resourceOf = (method: ApiMethod) =>
  `execute-api:/*/${method.httpMethod}${method.path.replace(/\{[^}]+\}/g, '*')}`;

/**
 * Sets the resource policy of `api` from `callers`: each list is allowed `execute-api:Invoke` on its routes
 * and the GET routes (which other accounts need), and every other principal is denied its routes (which the
 * API's own account needs: its identity policies may allow `execute-api:Invoke` on `*`); the GET routes are
 * denied to the others once every list with routes is given. A list not given leaves its routes to IAM
 * identity policies, as before, and synth warns. The stage is redeployed when the policy changes.
 *
 * @example
 * restrictCallers(api, methods, { releaseApiPrincipals: ['arn:aws:iam::210987654321:role/ci'] });
 */
export function restrictCallers(
  api: apigw.RestApi,
  methods: readonly ApiMethod[],
  callers: ReleaseApiCallers,
): void {
  const reads = methods.filter((method) => method.httpMethod === 'GET');
  const groups: CallerGroup[] = [
    {
      key: 'releaseApiPrincipals',
      principals: callers.releaseApiPrincipals ?? [],
      methods: methods.filter((method) => STARTS.has(method.operation)),
      what: 'start and abort releases',
    },
    {
      key: 'approverPrincipals',
      principals: callers.approverPrincipals ?? [],
      methods: methods.filter((method) => ANSWERS.has(method.operation)),
      what: 'approve and reject releases',
    },
  ];
  const statements: iam.PolicyStatement[] = [];
  for (const { key, principals, methods: own, what } of groups) {
    if (principals.length > 0) {
      statements.push(allow(key, principals, [...own, ...reads]));
      if (own.length > 0) statements.push(denyOthers(key, principals, own));
    } else if (own.length > 0) {
      Annotations.of(api).addWarningV2(
        `cutover:ReleaseApi.no${pascalCase(key)}`,
        unrestricted(key, own, what),
      );
    }
  }
  const readers = [...new Set(groups.flatMap((group) => group.principals))];
  if (
    readers.length > 0 &&
    groups.every((group) => group.principals.length > 0 || group.methods.length === 0)
  ) {
    statements.push(denyOthers('Readers', readers, reads));
  }
  for (const statement of statements) api.addToResourcePolicy(statement);
  // API Gateway applies a changed resource policy with the next deployment of the stage.
  if (statements.length > 0) {
    api.latestDeployment?.addToLogicalId({ resourcePolicy: statements.map((s) => s.toStatementJson()) });
  }
}

function allow(
  key: string,
  principals: readonly string[],
  methods: readonly ApiMethod[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: `Allow${pascalCase(key)}`,
    principals: principals.map((arn) => new iam.ArnPrincipal(arn)),
    actions: ['execute-api:Invoke'],
    resources: methods.map(resourceOf),
  });
}

function denyOthers(
  key: string,
  principals: readonly string[],
  methods: readonly ApiMethod[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: `DenyOtherThan${pascalCase(key)}`,
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['execute-api:Invoke'],
    resources: methods.map(resourceOf),
    conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...principals] } },
  });
}

/** The warning of a list not given: who may call its routes is left to IAM identity policies. */
function unrestricted(key: string, methods: readonly ApiMethod[], what: string): string {
  const routes = methods.map((method) => `${method.httpMethod} ${method.path}`).join(', ');
  return (
    `no ${key}: who may ${what} on the release API (${routes}) is left to IAM identity policies: any principal ` +
    'of this account allowed execute-api:Invoke on it (PowerUserAccess is) may, and no principal of another ' +
    `account; deploy with -c ${key}=<IAM role ARN>,<IAM role ARN> (docs/aws.md, "Release API (IAM / SigV4)")`
  );
}
