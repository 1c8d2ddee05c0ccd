/**
 * The activity operations of the local Step Functions API: CreateActivity, DescribeActivity,
 * ListActivities, DeleteActivity and GetActivityTask (a worker's long poll for the tasks that activity
 * states schedule). Workers answer with SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat.
 */
import type * as Sfn from '@aws-sdk/client-sfn';
import type { ActivityQueue } from './asl/activity-queue.ts';
import type { Clock } from './clock.ts';
import { StepFunctionsApiError } from './service-errors.ts';
import { encryptionConfigurationJson, pageByArn, parseArn, validateName } from './service-validation.ts';
import type { ActivityRow, Store } from './store.ts';
import { NO_TAGS, withTags } from './tags.ts';

type Out<T> = Omit<T, '$metadata'>;

/** How long GetActivityTask holds a poll with no task, as AWS does at most. */
export const ACTIVITY_POLL_SECONDS = 60;
/** The most workers polling one activity at once (AWS's quota); one more is `ActivityWorkerLimitExceeded`. */
export const POLLERS_PER_ACTIVITY = 1000;

/** What the activity operations work with. */
export interface ActivityApiOptions {
  store: Store;
  clock: Clock;
  queue: ActivityQueue;
  region: string;
  account: string;
  /** How long a poll with no task is held, in real seconds. */
  pollSeconds: number;
}

/** What the HTTP layer gives an operation besides its input. */
export interface CallContext {
  /** Aborts when the caller went away or the server is closing. */
  signal?: AbortSignal;
}

/**
 * @example
 * const activities = new ActivityApi({ store, clock, queue: engine.activities, region, account, pollSeconds: 60 });
 * const { activityArn } = await activities.createActivity({ name: 'approve' });
 * const { taskToken, input } = await activities.getActivityTask({ activityArn, workerName: 'w1' });
 */
export class ActivityApi {
  constructor(private readonly options: ActivityApiOptions) {}

  /** Creates the activity; one that exists is answered as it is (its tags unchanged), as on AWS. */
  async createActivity(input: Sfn.CreateActivityCommandInput): Promise<Out<Sfn.CreateActivityCommandOutput>> {
    const { store, clock, region, account } = this.options;
    const name = validateName(input.name, 'name');
    const encryptionConfiguration = encryptionConfigurationJson(input.encryptionConfiguration);
    const arn = `arn:aws:states:${region}:${account}:activity:${name}`;
    const tags = withTags(NO_TAGS, input.tags ?? [], arn);
    const existing = store.getActivity(arn);
    if (existing) return { activityArn: arn, creationDate: new Date(existing.creationDate) };
    const creationDate = clock.now();
    store.transaction(() => store.putActivity({ arn, name, creationDate, tags, encryptionConfiguration }));
    return { activityArn: arn, creationDate: new Date(creationDate) };
  }

  async describeActivity(
    input: Sfn.DescribeActivityCommandInput,
  ): Promise<Out<Sfn.DescribeActivityCommandOutput>> {
    const activity = this.#activity(input.activityArn);
    return {
      activityArn: activity.arn,
      name: activity.name,
      creationDate: new Date(activity.creationDate),
      encryptionConfiguration: JSON.parse(activity.encryptionConfiguration) as Sfn.EncryptionConfiguration,
    };
  }

  async listActivities(
    input: Sfn.ListActivitiesCommandInput = {},
  ): Promise<Out<Sfn.ListActivitiesCommandOutput>> {
    const { store, clock } = this.options;
    const { page, nextToken } = pageByArn('ListActivities', input, clock.now(), (after, limit) =>
      store.listActivities(after, limit),
    );
    return {
      activities: page.map((row) => ({
        activityArn: row.arn,
        name: row.name,
        creationDate: new Date(row.creationDate),
      })),
      ...(nextToken === undefined ? {} : { nextToken }),
    };
  }

  /**
   * Deletes the activity (one that does not exist is no error, as on AWS). Its tasks already scheduled
   * wait on until they time out; an activity state reaching it from now on fails (`States.Runtime`).
   */
  async deleteActivity(input: Sfn.DeleteActivityCommandInput): Promise<Out<Sfn.DeleteActivityCommandOutput>> {
    const { store } = this.options;
    const arn = parseArn(input.activityArn, 'activityArn', 'activity');
    store.transaction(() => store.deleteActivity(arn));
    return {};
  }

  /**
   * Hands the worker the oldest task scheduled for the activity, waiting up to {@link ActivityApiOptions.pollSeconds}
   * for one; `{}` (no taskToken) when none came, the worker went away or the runtime is closing.
   */
  async getActivityTask(
    input: Sfn.GetActivityTaskCommandInput,
    context: CallContext = {},
  ): Promise<Out<Sfn.GetActivityTaskCommandOutput>> {
    const { queue, pollSeconds } = this.options;
    const activity = this.#activity(input.activityArn);
    if (queue.pollerCount(activity.arn) >= POLLERS_PER_ACTIVITY) {
      throw new StepFunctionsApiError(
        'ActivityWorkerLimitExceeded',
        `Activity Worker Limit Exceeded: at most ${POLLERS_PER_ACTIVITY} workers may poll '${activity.arn}' at once`,
      );
    }
    const signal = context.signal ?? new AbortController().signal;
    const handout = await queue.poll(activity.arn, input.workerName, pollSeconds * 1000, signal);
    return handout ?? {};
  }

  /** The activity `arn` names; `ActivityDoesNotExist` when there is none. */
  #activity(arn: unknown): ActivityRow {
    const checked = parseArn(arn, 'activityArn', 'activity');
    const activity = this.options.store.getActivity(checked);
    if (!activity) {
      throw new StepFunctionsApiError('ActivityDoesNotExist', `Activity Does Not Exist: '${checked}'`);
    }
    return activity;
  }
}
