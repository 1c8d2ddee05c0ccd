import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { FaultQueue } from './faults.ts';
import { applyConfiguration, mergePatch } from './merge.ts';
import { apiVersionOf, discoveryDocument, findResourceType, type ResourceType } from './resources.ts';
import { ApiStatusError, notFound } from './status.ts';
import type { KubeObject, ObjectStore } from './store.ts';

/** One request as the emulator received it, for assertions on paths, content types and query options. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly query: Readonly<Record<string, string>>;
  readonly authorization: string | undefined;
}

const OBJECT_PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/;
const DISCOVERY_PATH = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/;

/** The HTTP front of the emulator: the REST paths and verbs of the Kubernetes API over an `ObjectStore`. */
export function createApiServer(
  store: ObjectStore,
  faults: FaultQueue,
  requests: RecordedRequest[],
  tls?: { key: string; cert: string },
  unserved: ReadonlySet<string> = new Set(),
): Server {
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    void handle(store, faults, requests, unserved, req, res).catch((error: unknown) => {
      const status =
        error instanceof ApiStatusError ? error : new ApiStatusError(500, 'InternalError', String(error));
      send(res, status.code, status.toStatus());
    });
  };
  return tls ? createTlsServer(tls, listener) : createServer(listener);
}

/** `v1` or `apps/v1`, as `unserved` names group versions. */
const groupVersion = (group: string, version: string) => (group ? `${group}/${version}` : version);

async function handle(
  store: ObjectStore,
  faults: FaultQueue,
  requests: RecordedRequest[],
  unserved: ReadonlySet<string>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const method = req.method ?? 'GET';
  requests.push({
    method,
    path: url.pathname,
    contentType: req.headers['content-type'],
    query: Object.fromEntries(url.searchParams),
    authorization: req.headers.authorization,
  });
  const fault = faults.take(method);
  if (fault && 'hang' in fault) return;
  if (fault) throw new ApiStatusError(fault.status, 'InternalError', fault.message ?? 'injected fault');

  const discovery = DISCOVERY_PATH.exec(url.pathname);
  if (discovery && method === 'GET') {
    const [group, version] = [discovery[2] ?? '', discovery[1] ?? discovery[3] ?? ''];
    const document = unserved.has(groupVersion(group, version))
      ? undefined
      : discoveryDocument(group, version);
    if (!document)
      throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
    return send(res, 200, document);
  }
  const match = OBJECT_PATH.exec(url.pathname);
  const type =
    match &&
    !unserved.has(groupVersion(match[2] ?? '', match[1] ?? match[3] ?? '')) &&
    findResourceType(match[2] ?? '', match[1] ?? match[3] ?? '', match[5] ?? '');
  if (!match || !type)
    throw new ApiStatusError(404, 'NotFound', 'the server could not find the requested resource');
  const namespace = match[4]!;
  const name = match[6];
  const body = await readBody(req);

  if (!name) {
    if (method === 'GET') {
      const items = store.list(type.plural, namespace, url.searchParams.get('labelSelector') ?? '');
      return send(res, 200, {
        apiVersion: apiVersionOf(type),
        kind: `${type.kind}List`,
        metadata: { resourceVersion: store.resourceVersion },
        items,
      });
    }
    if (method === 'POST') {
      const object = checkedBody(type, body, namespace);
      const manager = url.searchParams.get('fieldManager') ?? undefined;
      return send(res, 201, store.create(type.plural, object, { manager }));
    }
  } else {
    const live = store.get(type.plural, namespace, name);
    if (method === 'GET') {
      if (!live) throw notFound(type.kind, name);
      return send(res, 200, live);
    }
    if (method === 'PUT')
      return send(res, 200, store.update(type.plural, checkedBody(type, body, namespace)));
    if (method === 'PATCH') return send(res, 200, patch(store, type, namespace, name, live, req, url, body));
    if (method === 'DELETE') {
      store.delete(type.plural, namespace, name, type.kind);
      if (type.kind === 'Deployment') deleteOwnedPods(store, namespace, name);
      return send(res, 200, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Success',
        details: { name, kind: type.plural },
      });
    }
  }
  throw new ApiStatusError(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname}`);
}

function patch(
  store: ObjectStore,
  type: ResourceType,
  namespace: string,
  name: string,
  live: KubeObject | undefined,
  req: IncomingMessage,
  url: URL,
  body: unknown,
): KubeObject {
  const contentType = (req.headers['content-type'] ?? '').split(';')[0];
  if (contentType === 'application/apply-patch+yaml') {
    const manager = url.searchParams.get('fieldManager');
    if (!manager) {
      throw new ApiStatusError(
        400,
        'BadRequest',
        'PATCH, application/apply-patch+yaml requires fieldManager',
      );
    }
    const applied = checkedBody(type, body, namespace);
    if (applied.metadata.name !== name) {
      throw new ApiStatusError(
        400,
        'BadRequest',
        'the name of the object does not match the name on the URL',
      );
    }
    const { status: _ignored, ...merged } = applyConfiguration(live ?? {}, applied) as KubeObject;
    const options = { manager, operation: 'Apply' as const };
    return live
      ? store.update(type.plural, merged as KubeObject, options)
      : store.create(type.plural, applied, options);
  }
  if (contentType === 'application/merge-patch+json') {
    if (!live) throw notFound(type.kind, name);
    const merged = mergePatch(live, body) as KubeObject;
    const manager = url.searchParams.get('fieldManager') ?? undefined;
    return store.update(type.plural, merged, { manager });
  }
  throw new ApiStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format: ${contentType}`,
  );
}

function deleteOwnedPods(store: ObjectStore, namespace: string, owner: string): void {
  for (const pod of store.list('pods', namespace)) {
    const references = (pod.metadata as { ownerReferences?: { name: string }[] }).ownerReferences;
    if (references?.[0]?.name === owner) store.delete('pods', namespace, pod.metadata.name, 'Pod');
  }
}

function checkedBody(type: ResourceType, body: unknown, namespace: string): KubeObject {
  const object = body as KubeObject;
  if (
    !object ||
    object.kind !== type.kind ||
    object.apiVersion !== apiVersionOf(type) ||
    !object.metadata?.name
  ) {
    throw new ApiStatusError(
      400,
      'BadRequest',
      `the body must be a ${apiVersionOf(type)} ${type.kind} with metadata.name`,
    );
  }
  if (object.metadata.namespace && object.metadata.namespace !== namespace) {
    throw new ApiStatusError(
      400,
      'BadRequest',
      'the namespace of the object does not match the namespace on the URL',
    );
  }
  return { ...object, metadata: { ...object.metadata, namespace } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiStatusError(400, 'BadRequest', 'the request body is not valid JSON');
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
