import { RemovalPolicy } from 'aws-cdk-lib';

/**
 * The removal policy of the resources that exist only for the stack (log groups, state machines), some of
 * them named: `policy`, but a RETAIN keeps them on update and delete only
 * (`RETAIN_ON_UPDATE_OR_DELETE`, CloudFormation's `RetainExceptOnCreate`). A failed first deploy then
 * deletes what it created, and its retry does not fail on names that "already exist".
 *
 * @example
 * retainExceptOnCreate(RemovalPolicy.RETAIN); // RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
 * retainExceptOnCreate(RemovalPolicy.DESTROY); // RemovalPolicy.DESTROY
 */
export function retainExceptOnCreate(policy: RemovalPolicy): RemovalPolicy {
  return policy === RemovalPolicy.RETAIN ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : policy;
}
