/**
 * The service's own error codes and the one table that maps every package's codes to
 * an HTTP status. Errors leave the service as RFC 9457 `application/problem+json`
 * documents carrying the stable `code`; clients branch on the code, never the message.
 */
import type { CORE_ERROR_CODES } from '@dataledger/core';
import type { CERTIFICATES_ERROR_CODES } from '@dataledger/certificates';
import type { PROVENANCE_ERROR_CODES } from '@dataledger/provenance';
import type { AGGREGATION_ERROR_CODES } from '@dataledger/aggregation';

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
  /** A cosignature by a witness this log was not configured to accept (`--witness-key`). */
  'HTTP_WITNESS_UNKNOWN',
  /** A signed read without a `nonce` signature parameter (RFC 9421 §2.3): it could be replayed. */
  'HTTP_NONCE_MISSING',
  /** A signed read whose nonce was already used within its lifetime: a replay. */
  'HTTP_NONCE_REPLAYED',
  /** An unexpected failure inside the service (a bug); never a client's mistake. */
  'HTTP_INTERNAL',
  /** Client side: the service could not be reached (connection refused, reset, timed out). */
  'HTTP_UNREACHABLE',
  /** Client side: the service answered something that is not the documented answer. */
  'HTTP_RESPONSE_INVALID',
  /** No instance sequences the log just now, or the sequencer did not answer in time (several `serve` on one PostgreSQL log). */
  'HTTP_SEQUENCER_UNAVAILABLE',
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
  HTTP_WITNESS_UNKNOWN: 403,
  HTTP_NONCE_MISSING: 401,
  HTTP_NONCE_REPLAYED: 401,
  HTTP_INTERNAL: 500,
  HTTP_UNREACHABLE: 503,
  HTTP_RESPONSE_INVALID: 502,
  HTTP_SEQUENCER_UNAVAILABLE: 503,
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

const PROVENANCE_STATUS: Record<(typeof PROVENANCE_ERROR_CODES)[number], number> = {
  LEDGER_RECORD_MALFORMED: 400,
  LEDGER_PAYLOAD_TOO_LARGE: 413,
  LEDGER_SIGNATURE_INVALID: 400,
  // The actor signed a stale position: 409 with the current head, re-sign and retry.
  LEDGER_INDEX_MISMATCH: 409,
  LEDGER_CHAIN_BROKEN: 409,
  LEDGER_TIME_ORDER: 409,
  LEDGER_INDEX_OUT_OF_RANGE: 404,
  LEDGER_ORIGIN_MISMATCH: 500,
  LEDGER_CLOSED: 503,
  // A record dated in the future (beyond the clock skew) would freeze every later time rule.
  LEDGER_TIME_AHEAD: 422,
  LEDGER_BATCH_TOO_LARGE: 413,
  // A read-only log (opened without its key) asked to append or sign: this instance cannot.
  LEDGER_READ_ONLY: 503,
  LEDGER_ENTRY_TOO_LARGE: 413,
  CHECKPOINT_MALFORMED: 400,
  CHECKPOINT_NOTE_MALFORMED: 400,
  CHECKPOINT_KEY_INVALID: 400,
  CHECKPOINT_SIGNATURE_INVALID: 400,
  CHECKPOINT_UNVERIFIED: 422,
  BUNDLE_MALFORMED: 422,
  BUNDLE_LINE_TOO_LONG: 413,
  BUNDLE_HEADER_INVALID: 422,
  BUNDLE_RECORD_MALFORMED: 422,
  BUNDLE_PAYLOAD_TOO_LARGE: 413,
  BUNDLE_SIGNATURE_INVALID: 422,
  BUNDLE_INDEX_MISMATCH: 422,
  BUNDLE_CHAIN_BROKEN: 422,
  BUNDLE_TIME_ORDER: 422,
  BUNDLE_TRUNCATED: 422,
  BUNDLE_SIZE_MISMATCH: 422,
  BUNDLE_ROOT_MISMATCH: 422,
  BUNDLE_ORIGIN_MISMATCH: 422,
  BUNDLE_CHECKPOINT_INVALID: 422,
  BUNDLE_CHECKPOINT_UNTRUSTED: 422,
  BUNDLE_TOO_LARGE: 413,
  BUNDLE_NOT_CANONICAL: 422,
  BUNDLE_ROLLBACK: 422,
  BUNDLE_INCONSISTENT: 422,
  // The store failed under us: not the client's fault.
  // Raised by the tiles client against another log: an upstream that answered wrongly.
  TILES_HTTP: 502,
  TILES_MALFORMED: 502,
  TILES_PROOF_INVALID: 502,
  STORE_IO: 503,
  STORE_FENCED: 503,
  STORE_CORRUPT: 500,
  STORE_CLOSED: 503,
  VAULT_ENTRY_INVALID: 400,
  VAULT_ENTRY_TOO_LARGE: 413,
  STORE_VALUE_INVALID: 400,
};

// Typed per package as Record<Code, number>: a code added to a package without a status
// here fails the type check, and the completeness test fails at run time as well.
const CERTIFICATES_STATUS: Record<(typeof CERTIFICATES_ERROR_CODES)[number], number> = {
  // Malformed credentials and proofs: the client sent something unusable.
  VC_CREDENTIAL_MALFORMED: 400,
  VC_PROOF_MISSING: 400,
  VC_PROOF_MALFORMED: 400,
  VC_CRYPTOSUITE_UNSUPPORTED: 400,
  VC_PROOF_PURPOSE_MISMATCH: 422,
  VC_VERIFICATION_METHOD_INVALID: 400,
  VC_ISSUER_MISMATCH: 422,
  VC_CONTEXT_MISMATCH: 400,
  VC_PROOF_EXPIRED: 422,
  VC_SIGNATURE_INVALID: 422,
  VC_PROOF_GENERATION: 422,
  VC_KEY_MISMATCH: 422,
  STATUS_LIST_LENGTH: 400,
  STATUS_LIST_MALFORMED: 400,
  STATUS_RANGE: 400,
  STATUS_PURPOSE_MISMATCH: 422,
  STATUS_VERIFICATION: 422,
  STATUS_LIST_STALE: 422,
  CERT_ASSET_NOT_CERTIFIABLE: 422,
  CERT_EVIDENCE_MISSING: 422,
  CERT_EVIDENCE_MISMATCH: 422,
  CERT_MALFORMED: 400,
  CERT_PROOF_INVALID: 422,
  CERT_ISSUER_UNTRUSTED: 422,
  CERT_NOT_YET_VALID: 422,
  CERT_EXPIRED: 422,
  CERT_STATUS_REVOKED: 422,
  CERT_STATUS_SUSPENDED: 422,
  CERT_STATUS_UNAVAILABLE: 422,
  CERT_RECORD_INVALID: 422,
  CERT_RECORD_NOT_IN_LEDGER: 422,
  CERT_CHECKPOINT_UNTRUSTED: 422,
  CERT_INCLUSION_INVALID: 422,
  // Another certificate is already published under this id: the first upload stands.
  CERT_CONFLICT: 409,
  // The registry: malformed → 400, stale position → 409 (re-read the head), not allowed
  // for this actor → 403, names something unknown → 404, conflicts → 409, rules → 422.
  REGISTRY_RECORD_MALFORMED: 400,
  REGISTRY_PAYLOAD_INVALID: 400,
  REGISTRY_MONEY_NOT_DECIMAL: 400,
  REGISTRY_UNKNOWN_TYPE: 400,
  REGISTRY_INDEX_MISMATCH: 409,
  REGISTRY_TIME_ORDER: 409,
  REGISTRY_GENESIS_REQUIRED: 422,
  REGISTRY_GENESIS_DUPLICATE: 409,
  REGISTRY_UNAUTHORISED: 403,
  REGISTRY_ROLE_ALREADY_HELD: 409,
  REGISTRY_ROLE_NOT_HELD: 422,
  REGISTRY_ASSET_UNKNOWN: 404,
  REGISTRY_REGISTRATION_DUPLICATE: 409,
  REGISTRY_FINGERPRINT_CONFLICT: 409,
  REGISTRY_NOT_HOLDER: 403,
  REGISTRY_ASSET_UNREVIEWED: 422,
  REGISTRY_ASSET_REJECTED: 422,
  REGISTRY_ASSET_FROZEN: 422,
  REGISTRY_ASSET_NOT_FROZEN: 422,
  REGISTRY_ASSET_CANCELLED: 422,
  REGISTRY_ASSET_EXPIRED: 422,
  REGISTRY_CORE_NOT_CIRCULABLE: 422,
  REGISTRY_CROSSBORDER_NOT_APPROVED: 422,
  REGISTRY_CONSENT_MISSING: 422,
  REGISTRY_CONSENT_UNKNOWN: 404,
  REGISTRY_CONSENT_DUPLICATE: 409,
  REGISTRY_NOT_SUBJECT: 403,
  REGISTRY_LICENCE_DUPLICATE: 409,
  REGISTRY_LICENCE_UNKNOWN: 404,
  REGISTRY_LICENCE_INACTIVE: 422,
  REGISTRY_SUBLICENCE_NOT_ALLOWED: 422,
  REGISTRY_SUBLICENCE_EXCEEDS: 422,
  REGISTRY_TERM_INVALID: 422,
  REGISTRY_SELF_DEALING: 422,
  REGISTRY_CERTIFICATE_DUPLICATE: 409,
  REGISTRY_CERTIFICATE_UNKNOWN: 404,
  REGISTRY_CERTIFICATE_STATUS: 422,
  REGISTRY_STATUS_INDEX_IN_USE: 409,
  REGISTRY_SUBJECT_MISMATCH: 422,
  REGISTRY_AGG_DUPLICATE: 409,
  REGISTRY_AGG_UNKNOWN: 404,
  REGISTRY_AGG_CLOSED: 422,
  REGISTRY_AGG_DUPLICATE_CONTRIBUTION: 409,
  REGISTRY_AGG_FULL: 422,
  REGISTRY_AGG_TOO_FEW_CONTRIBUTORS: 422,
  // A rule needs a member whose disclosure was erased: the record cannot be checked.
  REGISTRY_DISCLOSURE_REQUIRED: 422,
  REGISTRY_ERASURE_INVALID: 422,
  // Digests and disclosures sent with a record: the client's mistake.
  DISCLOSURE_MALFORMED: 400,
  DISCLOSURE_MISSING: 400,
  DISCLOSURE_FOREIGN: 400,
  DISCLOSURE_MISMATCH: 400,
  DISCLOSURE_NOT_CONCEALED: 400,
  DISCLOSURE_UNEXPECTED: 400,
  DISCLOSURE_POLICY_INVALID: 400,
  // Personal identifiers in clear on the public log: the content breaks a rule.
  REGISTRY_PUBLIC_PII: 422,
};

const AGGREGATION_STATUS: Record<(typeof AGGREGATION_ERROR_CODES)[number], number> = {
  AGG_JOB_INVALID: 400,
  AGG_BOUNDS_OVERFLOW: 422,
  AGG_VALUE_OUT_OF_RANGE: 400,
  AGG_LENGTH_MISMATCH: 400,
  AGG_KEY_INVALID: 400,
  AGG_KEY_MISMATCH: 422,
  AGG_CONTRIBUTION_MALFORMED: 400,
  AGG_SIGNATURE_INVALID: 400,
  AGG_JOB_MISMATCH: 422,
  AGG_PARAMS_MISMATCH: 422,
  AGG_CIPHERTEXT_TOO_LARGE: 413,
  AGG_CIPHERTEXT_MALFORMED: 400,
  AGG_CIPHERTEXT_HASH_MISMATCH: 400,
  AGG_REPLAY: 409,
  AGG_DUPLICATE_HOLDER: 409,
  AGG_DUPLICATE_CIPHERTEXT: 409,
  AGG_CAPACITY_EXCEEDED: 422,
  AGG_RESULT_INVALID: 400,
  AGG_MERGE_OVERLAP: 409,
  AGG_TOO_FEW_CONTRIBUTORS: 409,
  AGG_BUDGET_EXHAUSTED: 422,
  // The homomorphic library failed on input that passed every check: ours to fix.
  AGG_SEAL_FAILURE: 500,
  AGG_WORKER_FAILED: 500,
};

/**
 * Every error code of every package → its one HTTP status. A test checks that every code
 * each package exports is listed here, so a new code cannot silently become a 500.
 */
export const ERROR_STATUS: Readonly<Record<string, number>> = Object.freeze({
  ...CORE_STATUS,
  ...PROVENANCE_STATUS,
  ...CERTIFICATES_STATUS,
  ...AGGREGATION_STATUS,
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
