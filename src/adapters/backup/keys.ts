import { ValidationError } from '#core/errors.ts';

const META_KEY = /^[a-z0-9][a-z0-9-]*$/;

const KEY_RULES = "1-900 characters of '/'-separated segments, none empty or starting with '.', without '\\'";

/** The key prefix of the backups in the CDK stack's bucket unless its `backupPrefix` says otherwise. */
export const DEFAULT_BACKUP_PREFIX = 'backups/';

/**
 * Checks a backup key: non-empty, `/`-separated, no empty or dot-led segment, no backslash. Both stores
 * apply the same rules, so a key valid in one is valid in the other.
 */
export function assertBackupKey(key: string, field = 'key'): void {
  if (!isBackupKey(key))
    throw new ValidationError(`${field} must be ${KEY_RULES} (got ${JSON.stringify(key)})`);
}

/** Checks a listing prefix (named `field` in the error): empty (everything) or a key, a trailing '/' allowed. */
export function assertBackupPrefix(prefix: string, field = 'prefix'): void {
  if (prefix === '' || isBackupKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix)) return;
  throw new ValidationError(
    `${field} must be empty or ${KEY_RULES}, a trailing '/' allowed (got ${JSON.stringify(prefix)})`,
  );
}

function isBackupKey(key: string): boolean {
  const segments = key.split('/');
  const bad = segments.find((segment) => segment === '' || segment.startsWith('.'));
  return key.length > 0 && key.length <= 900 && !key.includes('\\') && bad === undefined;
}

/**
 * A prefix naming a folder of keys: `shop/orders` is `shop/orders/` (never `shop/orders-abort/...`); the
 * empty prefix stays everything.
 *
 * @example
 * folderPrefix('migrations/orders'); // 'migrations/orders/'
 */
export function folderPrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
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
