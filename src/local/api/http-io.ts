import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { notValidJson } from '#core/json-syntax.ts';
import { BodyTooLargeError, InvalidJsonBodyError } from './errors.ts';

/** Default request body limit: a 1 MiB definition with every character JSON-escaped still fits. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Reads a request body as UTF-8. A body over `maxBytes` is drained (so the client can read the answer)
 * and rejected with `BodyTooLargeError`; one that is not UTF-8 with `InvalidJsonBodyError`.
 */
export function readBody(request: IncomingMessage, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    request.on('end', () => {
      if (size > maxBytes) reject(new BodyTooLargeError(size, maxBytes));
      else {
        try {
          resolve(decodeUtf8(Buffer.concat(chunks)));
        } catch (error) {
          reject(error);
        }
      }
    });
    request.on('error', reject);
  });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes`; bytes that are not UTF-8 are an `InvalidJsonBodyError` (not replaced by U+FFFD). */
function decodeUtf8(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (error) {
    throw new InvalidJsonBodyError('not valid UTF-8, which JSON text must be', { cause: error });
  }
}

/**
 * The body as JSON; an empty body is `{}` (as API Gateway's `$input.json('$')` reads it), a syntax error an
 * `InvalidJsonBodyError` saying where (`body: not valid JSON at line 6, column 19 (...)`).
 */
export async function readJsonBody(
  request: IncomingMessage,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Promise<unknown> {
  const text = await readBody(request, maxBytes);
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidJsonBodyError(notValidJson(text, error), { cause: error });
  }
}

/**
 * Whether the request names the runtime by an IP address or `localhost`, as its clients do (the SDKs,
 * the CLI, the console opened at the URL `cutover local` prints). A page on a name that merely resolves
 * to this machine (DNS rebinding) names that instead, and is refused everything, reading included.
 */
export function namesThisMachine(request: IncomingMessage): boolean {
  const host = request.headers.host;
  if (host === undefined) return true; // HTTP/1.0 names no host
  if (!URL.canParse(`http://${host}`)) return false;
  const { hostname } = new URL(`http://${host}`);
  return hostname === 'localhost' || isIP(hostname.replace(/^\[|\]$/g, '')) !== 0;
}

/**
 * Whether a browser sent the request from another site's page: a browser names the page's origin on
 * every POST (tools and SDKs send none), and only the runtime's own pages, at the address the request
 * names, may change anything.
 */
export function fromForeignPage(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  if (!URL.canParse(origin)) return true; // `null`: a sandboxed frame or a file
  return new URL(origin).host !== request.headers.host;
}

/**
 * The URL a request asks for, its request target read as a path on this server: one that starts with `//`
 * (`//evil.com/x`, or a base URL with a trailing slash) stays a path rather than naming another host.
 *
 * @example
 * requestUrl(request).pathname; // '//releases/canary' for GET //releases/canary
 */
export function requestUrl(request: IncomingMessage): URL {
  const target = request.url ?? '/';
  return new URL(target.startsWith('/') ? `http://localhost${target}` : target, 'http://localhost');
}

/** The request's media type, lowercased (`application/json` of `Application/JSON; charset=utf-8`). */
export function mediaTypeOf(request: IncomingMessage): string | undefined {
  return request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
}

/** JSON with `Date` values as epoch seconds, the timestamp format of the AWS JSON protocols. */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item) {
    const original = this[key];
    return original instanceof Date ? original.getTime() / 1000 : item;
  });
}

/** Sends a JSON answer (AWS JSON 1.0 content type by default). */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/x-amz-json-1.0',
): void {
  const text = toAwsJson(body ?? {});
  response.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}
