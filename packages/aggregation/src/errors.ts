/**
 * Error codes of `@dataledger/aggregation`. Codes are API: never rename one.
 */
import { DataLedgerError, type DataLedgerErrorOptions } from '@dataledger/core';

/** Every code raised by `@dataledger/aggregation`. */
export const AGGREGATION_ERROR_CODES = [
  /** The job description is malformed (missing field, wrong type, impossible bounds). */
  'AGG_JOB_INVALID',
  /** No plain modulus of the preset can hold `maxAbsValue × maxContributors` without wrapping. */
  'AGG_BOUNDS_OVERFLOW',
  /** A value is outside `±maxAbsValue` (or not an integer for BFV, not finite for CKKS). */
  'AGG_VALUE_OUT_OF_RANGE',
  /** The value vector does not have the job's `length`. */
  'AGG_LENGTH_MISMATCH',
  /** A serialized public or secret key is malformed or belongs to other parameters. */
  'AGG_KEY_INVALID',
  /** The contribution or result was encrypted under another public key than this aggregator's. */
  'AGG_KEY_MISMATCH',
  /** The contribution envelope is malformed (not an object, missing or mistyped fields). */
  'AGG_CONTRIBUTION_MALFORMED',
  /** The holder signature is missing, malformed or does not verify. */
  'AGG_SIGNATURE_INVALID',
  /** The contribution or result names another job (id or job parameter hash). */
  'AGG_JOB_MISMATCH',
  /** A ciphertext was made for other encryption parameters (parms id, scheme, sizes, scale). */
  'AGG_PARAMS_MISMATCH',
  /** A ciphertext (or its base64 text) is larger than the job's exact ciphertext size. */
  'AGG_CIPHERTEXT_TOO_LARGE',
  /** A ciphertext is not a loadable SEAL ciphertext (garbage, truncated, bad header, out-of-range data). */
  'AGG_CIPHERTEXT_MALFORMED',
  /** The ciphertext bytes do not hash to the signed `ciphertextHash`. */
  'AGG_CIPHERTEXT_HASH_MISMATCH',
  /** The same contribution was already folded. */
  'AGG_REPLAY',
  /** The holder already contributed to this job (one contribution per holder). */
  'AGG_DUPLICATE_HOLDER',
  /** The same ciphertext was already folded under another holder (with `rejectCopiedCiphertexts`). */
  'AGG_DUPLICATE_CIPHERTEXT',
  /** Folding would exceed `maxContributors`, which the no-wrap bound depends on. */
  'AGG_CAPACITY_EXCEEDED',
  /** An aggregate result is malformed, or does not match its recomputation. */
  'AGG_RESULT_INVALID',
  /** Two partial aggregates share a contribution and cannot be merged. */
  'AGG_MERGE_OVERLAP',
  /** Fewer than `minContributors` contributions: the aggregate is not released. */
  'AGG_TOO_FEW_CONTRIBUTORS',
  /** The job's differential-privacy budget cannot pay for this release. */
  'AGG_BUDGET_EXHAUSTED',
  /** The SEAL runtime failed unexpectedly (a WebAssembly exception or abort was caught). */
  'AGG_SEAL_FAILURE',
  /** A folding worker thread failed or exited. */
  'AGG_WORKER_FAILED',
] as const;

/** A code raised by `@dataledger/aggregation`. */
export type AggregationErrorCode = (typeof AGGREGATION_ERROR_CODES)[number];

/** The coded error of `@dataledger/aggregation`: a {@link DataLedgerError} over {@link AggregationErrorCode}. */
export class AggregationError extends DataLedgerError<AggregationErrorCode> {}

/**
 * Shorthand for an {@link AggregationError}.
 * @param code - one of {@link AGGREGATION_ERROR_CODES}
 * @param message - what went wrong
 * @param details - machine-readable context
 * @param cause - the underlying error, if any
 * @returns the error (to be thrown)
 */
export function aggError(code: AggregationErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): AggregationError {
  const opts: DataLedgerErrorOptions = {};
  if (details !== undefined) opts.details = details;
  if (cause !== undefined) opts.cause = cause;
  return new AggregationError(code, message, opts);
}
