import { BACKUP_KEY_RULES, isBackupKey, isBackupPrefix } from '#core/backup-keys.ts';
import { ValidationError } from '#core/errors.ts';

const META_KEY = /^[a-z0-9][a-z0-9-]*$/;

/** The key prefix of the backups in the CDK stack's bucket unless its `backupPrefix` says otherwise. */
export const DEFAULT_BACKUP_PREFIX = 'backups/';

/**
 * Checks a backup key: non-empty, `/`-separated, no empty or dot-led segment, no backslash. Both stores
 * apply the same rules, so a key valid in one is valid in the other.
 */
export function assertBackupKey(key: string, field = 'key'): void {
  if (!isBackupKey(key))
    throw new ValidationError(`${field} must be ${BACKUP_KEY_RULES} (got ${JSON.stringify(key)})`);
}

/** Checks a listing prefix (named `field` in the error): empty (everything) or a key, a trailing '/' allowed. */
export function assertBackupPrefix(prefix: string, field = 'prefix'): void {
  if (isBackupPrefix(prefix)) return;
  throw new ValidationError(
    `${field} must be empty or ${BACKUP_KEY_RULES}, a trailing '/' allowed (got ${JSON.stringify(prefix)})`,
  );
}

/** Checks metadata keys: lowercase letters, digits and '-', as S3 user metadata keeps them. */
export function assertBackupMeta(meta: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(meta)) {
    if (!META_KEY.test(name) || typeof value !== 'string') {
      throw new ValidationError(
        `meta.${name} must have a name of lowercase letters, digits and '-' and a string value`,
      );
    }
  }
}
