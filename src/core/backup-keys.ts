/**
 * The rules of a key in a backup store (the S3 bucket or the filesystem store): both stores apply them, so a
 * key valid in one is valid in the other, and a request naming a prefix is checked before anything runs.
 */

/** The rules, in words, for error messages. */
export const BACKUP_KEY_RULES =
  "1-900 characters of '/'-separated segments, none empty or starting with '.', without '\\'";

/** Whether `key` is a backup key: non-empty, `/`-separated, no empty or dot-led segment, no backslash. */
export function isBackupKey(key: string): boolean {
  const segments = key.split('/');
  const bad = segments.find((segment) => segment === '' || segment.startsWith('.'));
  return key.length > 0 && key.length <= 900 && !key.includes('\\') && bad === undefined;
}

/** Whether `prefix` is a listing prefix: empty (everything) or a key, a trailing '/' allowed. */
export function isBackupPrefix(prefix: string): boolean {
  return prefix === '' || isBackupKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
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
