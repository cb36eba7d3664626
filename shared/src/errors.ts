/**
 * One error class for the whole platform. The `kind` decides the policy in one place per
 * process: the HTTP error middleware maps it to a status, the consumer runner maps it to
 * ack / nak / dead-letter. Anything that is not an AppError is treated as unexpected.
 */
export type ErrorKind =
  | 'bad_request' // malformed or schema-invalid input                -> 400 / dead-letter
  | 'unauthorized' // no credentials, or bad ones                      -> 401
  | 'forbidden' // authenticated, but not allowed                     -> 403
  | 'not_found' //                                                    -> 404 / dead-letter
  | 'conflict' // the resource is in a state that forbids the action  -> 409 / dead-letter
  | 'unprocessable' // well-formed but refused by business rules      -> 422 / dead-letter
  | 'payload_too_large' //                                            -> 413
  | 'unsupported_media_type' //                                       -> 415
  | 'too_many_requests' // over a rate limit or a cap                 -> 429
  | 'transient' // try again later: a dependency is briefly unavailable -> 503 / nak with delay
  | 'permanent'; // will never succeed, whatever the retries           -> 500 / dead-letter

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly kind: ErrorKind;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: ErrorKind, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.details = options.details;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Kinds that retrying cannot fix: consumers dead-letter them at once. */
export function isPermanent(error: unknown): boolean {
  return isAppError(error) && error.kind !== 'transient';
}
