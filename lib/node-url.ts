import { URL } from 'node:url';

/**
 * Stands in for the `whatwg-url` package in the task bundles (an esbuild alias, see `./bundling.ts`). Its
 * only importer, node-fetch 2 (under `@kubernetes/client-node`), reads it as `Url.URL || whatwgUrl.URL`, so
 * Node's own `URL` always wins and the package (with tr46's Unicode tables, ~280 KiB minified) was bundled
 * and evaluated for nothing. This module gives node-fetch Node's `URL` on both paths.
 */
export default { URL };
export { URL };
