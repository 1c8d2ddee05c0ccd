import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { pascalCase } from './discovery.ts';
import { CutoverConfigError } from './errors.ts';

/** An ECR repository whose image pushes start a release. */
export interface EcrReleaseTrigger {
  /** The ECR repository name, `checkout`. */
  readonly repositoryName: string;
  /** The strategy to run, `canary`. */
  readonly strategy: string;
  /**
   * The release request, without `release.version` and `release.image`: those come from the pushed tag
   * (`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`). `release.replicas` is kept.
   */
  readonly request: Readonly<Record<string, unknown>>;
}

/** Props of {@link ReleaseTriggers}. */
export interface ReleaseTriggersProps {
  readonly stateMachines: ReadonlyMap<string, sfn.IStateMachine>;
  readonly ecrTriggers: readonly EcrReleaseTrigger[];
}

/** `source` and `detail-type` of a custom release request event. */
export const RELEASE_REQUESTED = { source: 'cutover', detailType: 'Release Requested' } as const;

/**
 * EventBridge rules that start releases: one per ECR trigger (successful PUSH of a tag to the repository,
 * the tag and image URI filled into the configured request), and one per strategy for custom
 * `cutover` / `Release Requested` events whose `detail` is `{ strategy, request }`.
 *
 * @example
 * new ReleaseTriggers(this, 'Triggers', { stateMachines, ecrTriggers: [{ repositoryName: 'checkout', strategy: 'canary', request }] });
 */
export class ReleaseTriggers extends Construct {
  constructor(scope: Construct, id: string, props: ReleaseTriggersProps) {
    super(scope, id);
    props.ecrTriggers.forEach((trigger, index) => {
      const machine = props.stateMachines.get(trigger.strategy);
      if (!machine) {
        throw new CutoverConfigError(
          `ecrTriggers[${index}].strategy must be one of: ${[...props.stateMachines.keys()].join(', ')} (got "${trigger.strategy}")`,
        );
      }
      const release = (trigger.request.release ?? {}) as Record<string, unknown>;
      const tag = events.EventField.fromPath('$.detail.image-tag');
      const image = `${events.EventField.account}.dkr.ecr.${events.EventField.region}.amazonaws.com/${trigger.repositoryName}:${tag}`;
      new events.Rule(this, `Ecr${pascalCase(trigger.repositoryName.replace(/[^A-Za-z0-9-]/g, '-'))}`, {
        description: `Cutover: ${trigger.strategy} release of every image pushed to ${trigger.repositoryName}`,
        eventPattern: {
          source: ['aws.ecr'],
          detailType: ['ECR Image Action'],
          detail: {
            'action-type': ['PUSH'],
            result: ['SUCCESS'],
            'repository-name': [trigger.repositoryName],
            'image-tag': [{ exists: true }],
          },
        },
        targets: [
          new targets.SfnStateMachine(machine, {
            input: events.RuleTargetInput.fromObject({
              ...trigger.request,
              release: { ...release, version: tag, image },
            }),
          }),
        ],
      });
    });
    for (const [strategy, machine] of props.stateMachines) {
      new events.Rule(this, `Requested${pascalCase(strategy)}`, {
        description: `Cutover: ${strategy} releases requested by "${RELEASE_REQUESTED.detailType}" events`,
        eventPattern: {
          source: [RELEASE_REQUESTED.source],
          detailType: [RELEASE_REQUESTED.detailType],
          detail: { strategy: [strategy] },
        },
        targets: [
          new targets.SfnStateMachine(machine, {
            input: events.RuleTargetInput.fromEventPath('$.detail.request'),
          }),
        ],
      });
    }
  }
}
