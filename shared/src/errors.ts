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

// Network-level failures, and Postgres saying it cannot take connections right now (57P01
// admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now: "the database system is
// starting up"), and the connection exceptions of class 08.
const unavailableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE',
  'CONNECTION_REFUSED', 'TIMEOUT', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006',
]);
const unavailableMessage = /ECONNREFUSED|ECONNRESET|connection (terminated|refused|error|timeout|closed|is closed)|connect(ion)? timed? ?out|could not connect|cannot reach|timeout acquiring a connection|not queryable|starting up|shutting down|disconnected|\bTIMEOUT\b|timed out/i;

/**
 * True for errors that mean a dependency (Postgres, NATS) cannot be reached or cannot serve yet:
 * waiting and trying again is the answer. A wrong password or a missing database is not one of
 * them: those stop a process at once, with the server's own message.
 */
export function isUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (unavailableCodes.has(e?.code ?? '')) return true;
  if (/^(28|3D)/.test(e?.code ?? '')) return false; // invalid authorization, invalid catalog name
  return unavailableMessage.test(e?.message ?? '') || (e?.cause !== undefined && e.cause !== e && isUnavailable(e.cause));
}
