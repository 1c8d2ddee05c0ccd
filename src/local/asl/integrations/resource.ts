import { STATES_ERRORS, StatesError } from '../errors.ts';

/** How Step Functions waits on a service integration. */
export type IntegrationPattern = 'request-response' | 'sync' | 'sync:2' | 'waitForTaskToken';

/** A Task `Resource`, parsed. */
export type TaskResource =
  | { kind: 'lambda-function'; functionArn: string }
  | { kind: 'activity'; activityArn: string }
  | { kind: 'service'; service: string; action: string; pattern: IntegrationPattern; resource: string };

// The account is not checked beyond its place, as definition validation does not check it (see resource-checks.ts).
const SERVICE_RESOURCE =
  /^arn:aws[a-z-]*:states:[a-z0-9-]*:[^:]*:([a-zA-Z0-9-]+):([a-zA-Z0-9]+)(?:\.(sync(?::2)?|waitForTaskToken))?$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[^:]+:function:[a-zA-Z0-9-_]+(:[a-zA-Z0-9-_$]+)?$/;
const ACTIVITY_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]*:[^:]*:activity:/;
const AWS_SDK_RESOURCE = /^arn:aws[a-z-]*:states:[a-z0-9-]*:[^:]*:aws-sdk:/;

/** The service integrations this runtime serves, as `service:action`. */
export const SUPPORTED_INTEGRATIONS = [
  'lambda:invoke',
  'sns:publish',
  'events:putEvents',
  'states:startExecution',
];

/**
 * Parses a Task `Resource`: a Lambda function ARN, an activity ARN, or
 * `arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`.
 *
 * @throws StatesError `States.Runtime` for any other resource, an AWS SDK integration included, so such a
 * task fails before it is scheduled.
 * @example
 * parseTaskResource('arn:aws:states:::lambda:invoke.waitForTaskToken');
 * // { kind: 'service', service: 'lambda', action: 'invoke', pattern: 'waitForTaskToken', resource: 'invoke.waitForTaskToken' }
 */
export function parseTaskResource(resource: string): TaskResource {
  if (LAMBDA_ARN.test(resource)) return { kind: 'lambda-function', functionArn: resource };
  if (ACTIVITY_ARN.test(resource)) return { kind: 'activity', activityArn: resource };
  if (AWS_SDK_RESOURCE.test(resource)) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `AWS SDK integrations are not served by the local runtime: '${resource}' (supported: a Lambda function ARN, or arn:aws:states::: with ${SUPPORTED_INTEGRATIONS.join(', ')})`,
    );
  }
  const match = SERVICE_RESOURCE.exec(resource);
  if (!match) {
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Unsupported Task Resource '${resource}': use a Lambda function ARN or arn:aws:states:::<service>:<action>`,
    );
  }
  const [, service, action, suffix] = match as unknown as [string, string, string, string | undefined];
  const pattern: IntegrationPattern =
    suffix === undefined ? 'request-response' : (suffix as IntegrationPattern);
  return {
    kind: 'service',
    service,
    action,
    pattern,
    resource: suffix === undefined ? action : `${action}.${suffix}`,
  };
}
