import { ServiceError, ServiceErrorOptions } from '../../errors';

/** Codes of {@link CallbackTokenError}. The callback endpoint maps them to 401 / 409 / 400. */
export type CallbackTokenErrorCode =
  /** Not a token we issue (not a compact JWS, wrong algorithm, missing claims). */
  | 'CallbackTokenMalformed'
  /** The signature does not verify with the configured key: tampered, or signed with another key. */
  | 'CallbackTokenBadSignature'
  /** Past its expiry: the action has timed out on our side. */
  | 'CallbackTokenExpired'
  /** Already redeemed once: callbacks are single use. */
  | 'CallbackTokenAlreadyUsed';

export class CallbackTokenError extends ServiceError {
  declare readonly code: CallbackTokenErrorCode;
  constructor(code: CallbackTokenErrorCode, message: string, options: ServiceErrorOptions = {}) {
    super(code, message, options);
  }
}
