import type { DeploymentEvent } from '../types.ts';

/**
 * Tells people and systems what a deployment did (SNS and EventBridge in AWS, local sinks locally).
 *
 * @example
 * await notifier.publish({ type: 'RolledBack', service, message: 'canary v2 failed analysis', at: new Date().toISOString() });
 */
export interface Notifier {
  publish(event: DeploymentEvent): Promise<void>;
}
