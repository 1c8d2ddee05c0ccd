import * as z from 'zod';
import { executionNameOf } from '#core/api-routes.ts';
import type { BackupStore } from '#core/ports/index.ts';
import { parseWith, type Strategy } from '#core/schemas/index.ts';
import type { ClusterSnapshot, ServiceRef, Weights } from '#core/types.ts';
import { weightsSchema } from './task-handler.ts';

/** What BackupState stores and Rollback restores: the router's weights and the cluster snapshot. */
export interface ReleaseBackup {
  readonly strategy: Strategy;
  readonly executionArn: string;
  readonly takenAt: string;
  readonly weights: Weights;
  readonly snapshot: ClusterSnapshot;
  /** Desired replicas of each track that had traffic (absent in backups of earlier versions). */
  readonly replicas?: Readonly<Record<string, number>>;
}

const releaseBackupSchema = z.object({
  strategy: z.string(),
  executionArn: z.string(),
  takenAt: z.string(),
  weights: weightsSchema,
  replicas: z.record(z.string(), z.number().int().min(0)).optional(),
  snapshot: z.object({
    service: z.object({ name: z.string(), namespace: z.string() }),
    takenAt: z.string(),
    objects: z.array(z.unknown()),
  }),
});

/**
 * The backup key of one execution: `releases/<namespace>/<service>/<execution name>.json`.
 *
 * @example
 * releaseBackupKey({ name: 'checkout', namespace: 'shop' }, 'arn:aws:states:eu-west-1:1:execution:canary:r42');
 * // 'releases/shop/checkout/r42.json'
 */
export function releaseBackupKey(service: ServiceRef, executionArn: string): string {
  const executionName = executionNameOf(executionArn) || executionArn;
  return `releases/${service.namespace}/${service.name}/${executionName}.json`;
}

/** True when `key` is already stored (a retried BackupState keeps the first, untouched state). */
export async function backupExists(store: BackupStore, key: string): Promise<boolean> {
  return (await store.list(key)).some((object) => object.key === key);
}

export async function writeReleaseBackup(
  store: BackupStore,
  key: string,
  backup: ReleaseBackup,
): Promise<void> {
  await store.put(key, JSON.stringify(backup), { kind: 'release-state', strategy: backup.strategy });
}

/** Reads a backup; throws `BackupNotFoundError` when absent, `ValidationError` when it is not a release backup. */
export async function readReleaseBackup(store: BackupStore, key: string): Promise<ReleaseBackup> {
  const body = JSON.parse((await store.get(key)).toString('utf8')) as unknown;
  return parseWith(releaseBackupSchema, body, `release backup ${key}`) as ReleaseBackup;
}
