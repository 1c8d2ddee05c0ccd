/**
 * A webhook's URL: as errors show it, and whether it lies under a URL prefix, as the secrets of a
 * deployment's `hookSecrets` are bound to theirs (`secret-destinations.ts`).
 */

/**
 * An encoded `.`, `/` or `\` in a path: a server may decode it into a path other than the one a prefix
 * matched (`/hooks/..%2Fadmin` is `/admin` to some).
 */
const ENCODED_PATH_PART = /%2e|%2f|%5c/i;

/**
 * What is wrong with a URL prefix, or undefined for a good one: an http:// or https:// URL without
 * credentials, query or fragment.
 *
 * @example
 * urlPrefixProblem('https://ci.example.com/hooks/'); // undefined
 */
export function urlPrefixProblem(prefix: string): string | undefined {
  const parsed = URL.canParse(prefix) ? new URL(prefix) : undefined;
  const good =
    parsed !== undefined &&
    /^https?:$/.test(parsed.protocol) &&
    parsed.hostname !== '' &&
    parsed.username + parsed.password === '' &&
    !/[?#]/.test(prefix);
  return good
    ? undefined
    : `"${prefix}" is not a URL prefix: an http:// or https:// URL without credentials, query or fragment, ` +
        'e.g. https://ci.example.com/hooks/';
}

/**
 * Whether `url` lies under `prefix`, both parsed as URLs: the same scheme, host and port, no credentials,
 * and a path that is the prefix's or goes on from it at a `/` (`/hooks` covers `/hooks` and `/hooks/smoke`,
 * not `/hooksevil`). A path holding an encoded `.`, `/` or `\` lies under no prefix but a host's root.
 * Text that only looks alike never matches: `https://ci.example.com.evil.net/` and
 * `https://ci.example.com@evil.net/` are not under `https://ci.example.com/`.
 *
 * @example
 * isUnderPrefix('https://ci.example.com/hooks/smoke?suite=shop', 'https://ci.example.com/hooks'); // true
 */
export function isUnderPrefix(url: string, prefix: string): boolean {
  if (!URL.canParse(url) || urlPrefixProblem(prefix) !== undefined) return false;
  const target = new URL(url);
  const base = new URL(prefix);
  if (target.protocol !== base.protocol || target.host !== base.host) return false;
  if (target.username + target.password !== '') return false;
  if (base.pathname === '/') return true;
  if (ENCODED_PATH_PART.test(target.pathname)) return false;
  const directory = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  return target.pathname === base.pathname || target.pathname.startsWith(directory);
}

/**
 * A URL without what may hold a credential: its `user:password@`, dropped (a hook's own URL has none),
 * and its query string and fragment, shown as `?…`: `https://ci.example/hook?…`.
 *
 * @example
 * withoutSecrets(new URL('https://ci.example/hook?token=x')); // 'https://ci.example/hook?…'
 */
export function withoutSecrets(url: URL): string {
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  bare.search = '';
  bare.hash = '';
  return url.search === '' && url.hash === '' ? bare.href : `${bare.href}?…`;
}
