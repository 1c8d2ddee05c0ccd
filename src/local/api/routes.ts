import type { IncomingMessage, ServerResponse } from 'node:http';

/** Handles one matched route; `params` holds the `:name` segments (and `*` for a trailing wildcard). */
export type RouteHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  params: Readonly<Record<string, string>>,
) => void | Promise<void>;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

/** A match: the handler and the values of the pattern's parameters. */
export interface RouteMatch {
  readonly handler: RouteHandler;
  readonly params: Record<string, string>;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/**
 * Method + path routes: `/releases/:id/approve` binds `id`; a last segment `*` binds the rest of the
 * path (`/console/*`). Routes match in the order they were added.
 *
 * @example
 * const routes = new RouteTable();
 * routes.add('GET', '/releases/:id', (req, res, { id }) => res.end(id));
 * routes.match('GET', '/releases/r-1'); // { handler, params: { id: 'r-1' } }
 */
export class RouteTable {
  readonly #routes: Route[] = [];

  add(method: string, pathPattern: string, handler: RouteHandler): void {
    if (!pathPattern.startsWith('/'))
      throw new TypeError(`pathPattern must start with "/" (got "${pathPattern}")`);
    const segments = splitPath(pathPattern);
    if (segments.slice(0, -1).includes('*'))
      throw new TypeError(`"*" may only end a pathPattern ("${pathPattern}")`);
    this.#routes.push({ method: method.toUpperCase(), segments, handler });
  }

  /**
   * The first route of `method` whose pattern matches `path`; `path` must decode (see {@link isDecodablePath}).
   * HEAD is answered by the GET route (Node's `ServerResponse` sends no body for HEAD).
   */
  match(method: string, path: string): RouteMatch | undefined {
    const actual = splitPath(path).map(decodeURIComponent);
    const wanted = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
    for (const route of this.#routes) {
      if (route.method !== wanted) continue;
      const params = matchSegments(route.segments, actual);
      if (params) return { handler: route.handler, params };
    }
    return undefined;
  }

  /** The methods of the routes whose pattern matches `path`, sorted, for a 405's `Allow` header. */
  methodsFor(path: string): string[] {
    const actual = splitPath(path).map(decodeURIComponent);
    const methods = this.#routes
      .filter((route) => matchSegments(route.segments, actual))
      .flatMap((route) => (route.method === 'GET' ? ['GET', 'HEAD'] : [route.method]));
    return [...new Set(methods)].sort();
  }
}

/** Whether every `%` escape of `path` decodes (`/releases/%E0%A4%A` does not). */
export function isDecodablePath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function matchSegments(
  pattern: readonly string[],
  actual: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [index, segment] of pattern.entries()) {
    if (segment === '*') {
      params['*'] = actual.slice(index).join('/');
      return params;
    }
    const value = actual[index];
    if (value === undefined) return undefined;
    if (segment.startsWith(':')) params[segment.slice(1)] = value;
    else if (segment !== value) return undefined;
  }
  return pattern.length === actual.length ? params : undefined;
}
