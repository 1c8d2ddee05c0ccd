import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { readContext } from '#lib/context.ts';
import type { CutoverProps } from '#lib/cutover.ts';
import { ACCOUNT, projectCutover, type Statement } from './project-cutover.ts';

/** A CI role of another account, which needs the resource policy's Allow to call the API at all. */
const CI_ROLE = 'arn:aws:iam::210987654321:role/ci';
const APPROVER = `arn:aws:iam::${ACCOUNT}:role/release-approvers/Approver`;
/** The routes only the releaseApiPrincipals may call: a start per strategy, and the abort. */
const STARTS = [
  ...['blue-green', 'canary', 'rolling'].map((strategy) => `execute-api:/*/POST/releases/${strategy}`),
  'execute-api:/*/POST/releases/*/abort',
].sort();
const ANSWERS = ['approve', 'reject'].map((answer) => `execute-api:/*/POST/releases/*/${answer}`);
const READS = ['execute-api:/*/GET/releases/*', 'execute-api:/*/GET/releases/*/approval'];

/** The project's Cutover with `props`: its RestApi's resource policy, its Deployment's id, its warnings. */
function synth(props: Partial<CutoverProps>) {
  const { stack } = projectCutover(props);
  const template = Template.fromStack(stack);
  const [api] = Object.values(template.findResources('AWS::ApiGateway::RestApi'));
  const warnings = Annotations.fromStack(stack)
    .findWarning('*', Match.stringLikeRegexp('^no (releaseApi|approver)Principals'))
    .map((warning) => warning.entry.data as string);
  return {
    statements: api?.Properties.Policy?.Statement as Statement[] | undefined,
    deploymentId: Object.keys(template.findResources('AWS::ApiGateway::Deployment'))[0],
    warnings,
  };
}

/** The resources of the statement `sid`, as a sorted list. */
const resourcesOf = (statements: readonly Statement[] | undefined, sid: string) =>
  [statements?.find((statement) => statement.Sid === sid)?.Resource].flat().sort();

/** The principals an Allow names, or an ArnNotEquals Deny spares. */
const principalsOf = (statements: readonly Statement[] | undefined, sid: string) => {
  const statement = statements?.find((candidate) => candidate.Sid === sid);
  return [statement?.Condition?.ArnNotEquals?.['aws:PrincipalArn'] ?? statement?.Principal?.AWS].flat();
};

describe('ReleaseApi resource policy', () => {
  let both: ReturnType<typeof synth>;
  beforeAll(() => {
    both = synth({ releaseApiPrincipals: [CI_ROLE], approverPrincipals: [APPROVER] });
  });

  it('allows exactly the releaseApiPrincipals to start, abort and read releases, the approverPrincipals to answer and read them, and denies every other principal each of those routes', () => {
    // Act
    const { statements } = both;
    // Assess
    expect(statements?.map((statement) => [statement.Sid, statement.Effect, statement.Action])).toEqual([
      ['AllowReleaseApiPrincipals', 'Allow', 'execute-api:Invoke'],
      ['DenyOtherThanReleaseApiPrincipals', 'Deny', 'execute-api:Invoke'],
      ['AllowApproverPrincipals', 'Allow', 'execute-api:Invoke'],
      ['DenyOtherThanApproverPrincipals', 'Deny', 'execute-api:Invoke'],
      ['DenyOtherThanReaders', 'Deny', 'execute-api:Invoke'],
    ]);
    expect(resourcesOf(statements, 'AllowReleaseApiPrincipals')).toEqual([...READS, ...STARTS].sort());
    expect(principalsOf(statements, 'AllowReleaseApiPrincipals')).toEqual([CI_ROLE]);
    expect(resourcesOf(statements, 'DenyOtherThanReleaseApiPrincipals')).toEqual(STARTS);
    expect(principalsOf(statements, 'DenyOtherThanReleaseApiPrincipals')).toEqual([CI_ROLE]);
    expect(resourcesOf(statements, 'AllowApproverPrincipals')).toEqual([...READS, ...ANSWERS].sort());
    expect(principalsOf(statements, 'AllowApproverPrincipals')).toEqual([APPROVER]);
    expect(resourcesOf(statements, 'DenyOtherThanApproverPrincipals')).toEqual(ANSWERS);
    expect(principalsOf(statements, 'DenyOtherThanApproverPrincipals')).toEqual([APPROVER]);
    expect(resourcesOf(statements, 'DenyOtherThanReaders')).toEqual(READS);
    expect(principalsOf(statements, 'DenyOtherThanReaders')).toEqual([CI_ROLE, APPROVER]);
    for (const statement of statements!.filter((candidate) => candidate.Effect === 'Deny')) {
      expect(statement.Principal).toEqual({ AWS: '*' });
    }
    expect(both.warnings).toEqual([]);
  });

  it('lets approverPrincipals start no release: with releaseApiPrincipals they are denied the start routes, and alone they are allowed none', () => {
    // Act
    const alone = synth({ approverPrincipals: [APPROVER] });
    // Assess
    expect(principalsOf(both.statements, 'DenyOtherThanReleaseApiPrincipals')).not.toContain(APPROVER);
    expect(resourcesOf(both.statements, 'AllowApproverPrincipals')).not.toEqual(
      expect.arrayContaining([expect.stringContaining('POST/releases/canary')]),
    );
    expect(alone.statements?.map((statement) => statement.Sid)).toEqual([
      'AllowApproverPrincipals',
      'DenyOtherThanApproverPrincipals',
    ]);
    expect(resourcesOf(alone.statements, 'AllowApproverPrincipals')).toEqual([...READS, ...ANSWERS].sort());
    expect(alone.warnings).toEqual([
      expect.stringMatching(/^no releaseApiPrincipals: who may start and abort releases/),
    ]);
  });

  it('sets no resource policy and warns of each key when neither is given: IAM identity policies decide, as before', () => {
    // Act
    const { statements, warnings } = synth({});
    // Assess
    expect(statements).toBeUndefined();
    expect(warnings).toEqual([
      expect.stringMatching(
        /^no releaseApiPrincipals: .*\(POST \/releases\/blue-green, POST \/releases\/canary, POST \/releases\/rolling, POST \/releases\/\{executionId\}\/abort\) is left to IAM identity policies/,
      ),
      expect.stringMatching(
        /^no approverPrincipals: .*\(POST \/releases\/\{executionId\}\/approve, POST \/releases\/\{executionId\}\/reject\)/,
      ),
    ]);
  });

  it('redeploys the stage when the resource policy changes, since API Gateway applies it with a deployment', () => {
    // Act
    const other = synth({ releaseApiPrincipals: [CI_ROLE, APPROVER], approverPrincipals: [APPROVER] });
    // Assess
    expect(other.deploymentId).toMatch(/Deployment/);
    expect(other.deploymentId).not.toEqual(both.deploymentId);
  });

  it('refuses principals that are not IAM role or user ARNs, as props and as context, naming the key and what is allowed', () => {
    // Prepare
    const bad = [
      '123456789012',
      'arn:aws:iam::123456789012:role/*',
      'arn:aws:sts::123456789012:assumed-role/ci/session',
    ];
    const form = 'is not an IAM role or user ARN without wildcards';
    // Act
    const fromProps = messageOf(() =>
      projectCutover({ releaseApiPrincipals: bad, approverPrincipals: ['ci'] }),
    );
    const fromContext = messageOf(() =>
      readContext(
        (key) =>
          ({ clusterName: 'prod', allowedNamespaces: 'shop', releaseApiPrincipals: bad.join(',') })[key],
      ),
    );
    // Assess
    bad.forEach((principal, index) => {
      expect(fromProps).toContain(`releaseApiPrincipals: "${principal}" ${form}`);
      expect(fromContext).toContain(`releaseApiPrincipals.${index}: "${principal}" ${form}`);
    });
    expect(fromProps).toContain(`approverPrincipals: "ci" ${form} (arn:aws:iam::123456789012:role/ci`);
  });

  it('reads both keys from context, comma-separated or as JSON arrays', () => {
    // Act
    const context = readContext(
      (key) =>
        ({
          clusterName: 'prod',
          allowedNamespaces: 'shop',
          releaseApiPrincipals: `${CI_ROLE},${APPROVER}`,
          approverPrincipals: `["${APPROVER}"]`,
        })[key],
    );
    // Assess
    expect(context).toMatchObject({
      releaseApiPrincipals: [CI_ROLE, APPROVER],
      approverPrincipals: [APPROVER],
    });
  });

  it('passes the cdk-nag AwsSolutions checks with the resource policy', () => {
    // Prepare
    const { app } = projectCutover({ releaseApiPrincipals: [CI_ROLE], approverPrincipals: [APPROVER] });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act + Assess
    expect(() => app.synth()).not.toThrow();
  });
});

/** The message of the error `act` throws. */
function messageOf(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('did not throw');
}
