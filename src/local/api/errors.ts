import { StepFunctionsApiError } from '#local/service-errors.ts';

/** A request the server refuses before it reaches the service (protocol-level AWS error codes). */
export class ApiRequestError extends Error {
  constructor(
    readonly code: 'SerializationException' | 'UnknownOperationException' | 'ValidationException',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiRequestError';
  }
}

/** A request body went over the server's size limit. */
export class BodyTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly maxBytes: number,
    options?: { cause?: unknown },
  ) {
    super(`Request body of ${size} bytes exceeds the limit of ${maxBytes} bytes`, options);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * A request body that should be JSON and is not (a 400 of the plain-path routes); `problem` says what is
 * wrong and where (`not valid JSON at line 6, column 19 (...)`).
 */
export class InvalidJsonBodyError extends Error {
  constructor(problem: string, options?: { cause?: unknown }) {
    super(`body: ${problem}`, options);
    this.name = 'InvalidJsonBodyError';
  }
}

/** The body and HTTP status of an AWS JSON 1.0 error answer. */
export interface ApiErrorResponse {
  readonly status: number;
  readonly body: { readonly __type: string; readonly message: string };
}

/** The HTTP status of the error codes AWS's API model does not answer with 400. */
const ERROR_STATUS: Readonly<Record<string, number>> = {
  ConflictException: 409,
  ResourceNotFound: 404,
  ServiceQuotaExceededException: 402,
};

/**
 * Maps an error thrown while serving an API call to the AWS answer: `StepFunctionsApiError` and
 * `ApiRequestError` keep their code (HTTP 400 but for {@link ERROR_STATUS}), an oversized body is a `ValidationException`, one that is not
 * UTF-8 a `SerializationException`, anything else is an `InternalFailure`
 * (HTTP 500) — the server stays up either way.
 */
export function toApiErrorResponse(error: unknown): ApiErrorResponse {
  if (error instanceof StepFunctionsApiError || error instanceof ApiRequestError) {
    return { status: ERROR_STATUS[error.code] ?? 400, body: { __type: error.code, message: error.message } };
  }
  if (error instanceof BodyTooLargeError) {
    return { status: 400, body: { __type: 'ValidationException', message: error.message } };
  }
  if (error instanceof InvalidJsonBodyError) {
    return { status: 400, body: { __type: 'SerializationException', message: error.message } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { __type: 'InternalFailure', message } };
}

/** A release route's refusal: the HTTP status and the `message` of its `{ message }` answer. */
export class ReleaseRouteError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 415 | 500 | 502,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReleaseRouteError';
  }
}

/** A console route's refusal: the HTTP status and the `message` of its `{ message }` answer. */
export class ConsoleRouteError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 413 | 415,
    message: string,
  ) {
    super(message);
    this.name = 'ConsoleRouteError';
  }
}
