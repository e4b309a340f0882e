/** Options shared by every typed error of the service. */
export interface ServiceErrorOptions {
  /** True when the same call may succeed if tried again later (a transient fault). */
  retryable?: boolean;
  /** The lower-level error that caused this one. */
  cause?: unknown;
  /** Extra machine-readable facts for logs and API error bodies. */
  details?: Record<string, unknown>;
}

/**
 * Base of every error the service raises on purpose. Callers branch on `code`, never on the
 * message; the message is for a human and says what to do. Stores and libraries throw these;
 * only the HTTP edge turns codes into status codes.
 */
export class ServiceError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: ServiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }
}
