/** `metav1.Status` failures, as the API server returns them. */

export interface StatusCause {
  readonly field: string;
  readonly message: string;
  readonly reason?: string;
}

/** An error the emulator answers with: HTTP code + a `Status` body. */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: { name?: string; kind?: string; causes?: StatusCause[] } = {},
  ) {
    super(message);
    this.name = 'ApiStatusError';
  }

  /** The JSON body of the response. */
  toStatus(): object {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      details: this.details,
      code: this.code,
    };
  }
}

export function notFound(kind: string, name: string): ApiStatusError {
  return new ApiStatusError(404, 'NotFound', `${kind.toLowerCase()}s "${name}" not found`, { name, kind });
}

export function alreadyExists(kind: string, name: string): ApiStatusError {
  return new ApiStatusError(409, 'AlreadyExists', `${kind.toLowerCase()}s "${name}" already exists`, {
    name,
    kind,
  });
}

export function conflict(kind: string, name: string): ApiStatusError {
  return new ApiStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${kind.toLowerCase()}s "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind },
  );
}

export function invalid(kind: string, name: string, causes: StatusCause[]): ApiStatusError {
  const summary = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new ApiStatusError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
    name,
    kind,
    causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', ...c })),
  });
}
