import { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
import { TransientAdapterError } from '#core/errors.ts';

/** The Kubernetes API refused a request for a reason retrying will not fix (403, 404, 409, 422, ...). */
export class KubernetesApiError extends Error {
  constructor(
    message: string,
    readonly code: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KubernetesApiError';
  }
}

/**
 * The cluster does not serve the API group version (or the kind in it) Cutover reads and writes a kind as:
 * a custom resource definition not installed, or an older one (a 404 of the discovery document, not of an
 * object).
 */
export class KubernetesApiNotServedError extends KubernetesApiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 404, options);
    this.name = 'KubernetesApiNotServedError';
  }
}

/** A Kubernetes client configuration is missing or unusable (no current context, no cluster server). */
export class KubernetesConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KubernetesConfigError';
  }
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/**
 * Classifies a failed Kubernetes API call: 5xx, 429, write conflicts (409 `Conflict`: someone else changed
 * the object since it was read), timeouts and dropped connections become
 * `TransientAdapterError` (the state machines retry it); everything else a `KubernetesApiError`
 * carrying the API server's reason.
 */
export function toAdapterError(error: unknown, action: string): Error {
  if (error instanceof ApiException) {
    const reason = statusMessage(error.body) ?? `HTTP ${error.code}`;
    const message = `${action}: ${reason} (HTTP ${error.code})`;
    const conflict = error.code === 409 && statusReason(error.body) === 'Conflict';
    if (error.code >= 500 || error.code === 429 || conflict)
      return new TransientAdapterError(message, { cause: error });
    return new KubernetesApiError(message, error.code, { cause: error });
  }
  const name = (error as { name?: string })?.name;
  const code = (error as { code?: string; cause?: { code?: string } })?.code;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new TransientAdapterError(`${action}: the Kubernetes API did not answer in time`, {
      cause: error,
    });
  }
  if (code && TRANSIENT_NETWORK_CODES.has(code)) {
    return new TransientAdapterError(`${action}: cannot reach the Kubernetes API (${code})`, {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(`${action}: ${String(error)}`);
}

function statusMessage(body: unknown): string | undefined {
  const parsed = typeof body === 'string' ? safeParse(body) : body;
  const message = (parsed as { message?: unknown })?.message;
  return typeof message === 'string' ? message : typeof body === 'string' && body ? body : undefined;
}

function statusReason(body: unknown): unknown {
  return (
    typeof body === 'string' ? (safeParse(body) as { reason?: unknown }) : (body as { reason?: unknown })
  )?.reason;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
