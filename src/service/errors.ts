/**
 * Errors the API reports with a status code. Every error response has the body
 * `{ "error": { "code", "message", "details"? } }`.
 *
 * @module
 */

/** An error with its HTTP status, a stable code and optional details (e.g. the offending ids). */
export class ServiceError extends Error {
  override name = 'ServiceError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** 404 for an unknown resource. */
export function notFound(what: string, id: string): ServiceError {
  return new ServiceError(404, 'not_found', `unknown ${what} '${id}'`);
}

/** 409 for an action the resource's state does not allow. */
export function conflict(message: string, details?: Record<string, unknown>): ServiceError {
  return new ServiceError(409, 'conflict', message, details);
}

/** 422 for a well-formed request with unacceptable content. */
export function unprocessable(message: string, details?: Record<string, unknown>): ServiceError {
  return new ServiceError(422, 'unprocessable', message, details);
}

/** 400 for a malformed request. */
export function badRequest(message: string, details?: Record<string, unknown>): ServiceError {
  return new ServiceError(400, 'bad_request', message, details);
}
