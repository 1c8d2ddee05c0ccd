import type { IncomingMessage } from 'node:http';
import * as z from 'zod';
import type { JsonSchema } from '#core/api-routes.ts';
import { parseWith } from '#core/schemas/index.ts';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './http-io.ts';

/**
 * Reads request bodies as JSON checked against `schema` (a JSON Schema, as API Gateway checks a route's
 * model): a body that does not match throws a `ValidationError` naming every bad field, and for an unknown
 * one the fields allowed (`invalid abort body:\n  - (request): unknown field reson (allowed: reason)`); a
 * body that is not an object, a field of the wrong type or too long, likewise. An empty body is `{}`.
 *
 * @example
 * const readApproval = jsonBodyReader(APPROVE_BODY_SCHEMA, 'approve body');
 * const { comment } = await readApproval(request);
 */
export function jsonBodyReader<T extends object = Record<string, unknown>>(
  schema: JsonSchema,
  what: string,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): (request: IncomingMessage) => Promise<T> {
  const parser = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  return async (request) => parseWith(parser, await readJsonBody(request, maxBytes), what) as T;
}
