/**
 * The service's own error codes and the one table that maps every package's codes to
 * an HTTP status. Errors leave the service as RFC 9457 `application/problem+json`
 * documents carrying the stable `code`; clients branch on the code, never the message.
 */
import { CORE_ERROR_CODES } from '@dataledger/core';

/** Error codes raised by `@dataledger/service`. Codes are API: never rename one. */
export const SERVICE_ERROR_CODES = [
  /** The request body is not JSON, or not the JSON the route accepts (schema). */
  'HTTP_BAD_REQUEST',
  /** A route or resource that does not exist. */
  'HTTP_NOT_FOUND',
  /** The method is not allowed on this route. */
  'HTTP_METHOD_NOT_ALLOWED',
  /** The body exceeds the route's size limit. */
  'HTTP_BODY_TOO_LARGE',
  /** The body's media type is not one the route accepts. */
  'HTTP_UNSUPPORTED_MEDIA_TYPE',
  /** Too many requests from one client on a rate-limited route. */
  'HTTP_RATE_LIMITED',
  /** A read of non-public data without an RFC 9421 signature. */
  'HTTP_SIGNATURE_MISSING',
  /** An RFC 9421 signature that is malformed, expired, does not cover what it must, or does not verify. */
  'HTTP_SIGNATURE_INVALID',
  /** The request body does not match its signed `content-digest` (RFC 9530). */
  'HTTP_DIGEST_MISMATCH',
  /** The signer of a request holds no role that may read this resource. */
  'HTTP_FORBIDDEN',
  /** A record of another type posted to a lifecycle route. */
  'HTTP_RECORD_TYPE_MISMATCH',
  /** The service is shutting down and accepts no more writes. */
  'HTTP_SHUTTING_DOWN',
  /** The encrypted result is not available yet (fewer contributions than the job's minimum). */
  'HTTP_RESULT_NOT_READY',
  /** An unexpected failure inside the service (a bug); never a client's mistake. */
  'HTTP_INTERNAL',
] as const;

/** A code raised by `@dataledger/service`. */
export type ServiceErrorCode = (typeof SERVICE_ERROR_CODES)[number];

const SERVICE_STATUS: Record<ServiceErrorCode, number> = {
  HTTP_BAD_REQUEST: 400,
  HTTP_NOT_FOUND: 404,
  HTTP_METHOD_NOT_ALLOWED: 405,
  HTTP_BODY_TOO_LARGE: 413,
  HTTP_UNSUPPORTED_MEDIA_TYPE: 415,
  HTTP_RATE_LIMITED: 429,
  HTTP_SIGNATURE_MISSING: 401,
  HTTP_SIGNATURE_INVALID: 401,
  HTTP_DIGEST_MISMATCH: 400,
  HTTP_FORBIDDEN: 403,
  HTTP_RECORD_TYPE_MISMATCH: 400,
  HTTP_SHUTTING_DOWN: 503,
  HTTP_RESULT_NOT_READY: 409,
  HTTP_INTERNAL: 500,
};

const CORE_STATUS: Record<(typeof CORE_ERROR_CODES)[number], number> = {
  CORE_ENCODING_INVALID: 400,
  CORE_JSON_INVALID: 400,
  CORE_KEY_INVALID: 400,
  CORE_DID_INVALID: 400,
  CORE_SIGNATURE_INVALID: 400,
  CORE_HASH_LENGTH: 400,
  CORE_INPUT_TOO_LARGE: 413,
};

/**
 * Every error code of every package → its one HTTP status. A test checks that every code
 * each package exports is listed here, so a new code cannot silently become a 500.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = Object.freeze({
  ...CORE_STATUS,
  ...SERVICE_STATUS,
});

/**
 * HTTP status of an error code: the table entry, or 500 for a code the table does not
 * know (which the completeness test prevents for every exported code).
 * @param code - a `DataLedgerError` code
 * @returns the HTTP status
 */
export function httpStatusOf(code: string): number {
  return Object.hasOwn(ERROR_STATUS, code) ? (ERROR_STATUS[code] as number) : 500;
}
