import { ServiceError } from '../errors';
import type { ArmResponse } from './ArmRequest';

/**
 * The one place where error codes become HTTP status codes. Stores, the verifier and the
 * handlers throw `ServiceError`s with these codes; nothing else picks a status for an error.
 */
export const ARM_ERROR_STATUS: Readonly<Record<string, number>> = {
  InvalidJson: 400,
  InvalidRequestBody: 400,
  InvalidParameter: 400,
  InvalidReference: 400,
  FailbackNotSupported: 400,
  StorageMappingNotSupported: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  RouteNotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  ResourceInUse: 409,
  PreconditionFailed: 412,
  Throttled: 429,
  MetadataUnavailable: 503,
  AuthUnavailable: 503,
};

/** The ARM error answer for any thrown value: `{error:{code,message,target?,details?}}`. */
export function toArmErrorResponse(err: unknown): ArmResponse {
  if (err instanceof ServiceError) {
    const status = ARM_ERROR_STATUS[err.code] ?? 500;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 401) headers['www-authenticate'] = 'Bearer error="invalid_token"';
    if (err.retryable) headers['retry-after'] = '5';
    const target = typeof err.details?.target === 'string' ? err.details.target : undefined;
    return {
      status,
      headers,
      body: { error: { code: err.code, message: err.message, ...(target ? { target } : {}) } },
    };
  }
  return {
    status: 500,
    headers: { 'content-type': 'application/json' },
    body: { error: { code: 'InternalError', message: 'the service failed unexpectedly; retry, and report it if it persists' } },
  };
}
