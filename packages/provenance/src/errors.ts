/**
 * Error codes of `@dataledger/provenance`. Codes are API (tests, HTTP mappings and
 * bundle reports use them); messages are not.
 */
import { DataLedgerError, type DataLedgerErrorOptions } from '@dataledger/core';

/** Every code raised or reported by `@dataledger/provenance`. Never rename one. */
export const PROVENANCE_ERROR_CODES = [
  // Records and appends.
  'LEDGER_RECORD_MALFORMED',
  'LEDGER_PAYLOAD_TOO_LARGE',
  'LEDGER_SIGNATURE_INVALID',
  'LEDGER_INDEX_MISMATCH',
  'LEDGER_CHAIN_BROKEN',
  'LEDGER_TIME_ORDER',
  'LEDGER_INDEX_OUT_OF_RANGE',
  'LEDGER_ORIGIN_MISMATCH',
  'LEDGER_CLOSED',
  'LEDGER_TIME_AHEAD',
  'LEDGER_BATCH_TOO_LARGE',
  'LEDGER_READ_ONLY',
  'LEDGER_ENTRY_TOO_LARGE',
  // Checkpoints and signed notes.
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_NOTE_MALFORMED',
  'CHECKPOINT_KEY_INVALID',
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_UNVERIFIED',
  // Bundles (reported by verifyBundle, thrown by importBundle).
  'BUNDLE_MALFORMED',
  'BUNDLE_LINE_TOO_LONG',
  'BUNDLE_HEADER_INVALID',
  'BUNDLE_RECORD_MALFORMED',
  'BUNDLE_PAYLOAD_TOO_LARGE',
  'BUNDLE_SIGNATURE_INVALID',
  'BUNDLE_INDEX_MISMATCH',
  'BUNDLE_CHAIN_BROKEN',
  'BUNDLE_TIME_ORDER',
  'BUNDLE_TRUNCATED',
  'BUNDLE_SIZE_MISMATCH',
  'BUNDLE_ROOT_MISMATCH',
  'BUNDLE_ORIGIN_MISMATCH',
  'BUNDLE_CHECKPOINT_INVALID',
  'BUNDLE_CHECKPOINT_UNTRUSTED',
  'BUNDLE_TOO_LARGE',
  'BUNDLE_NOT_CANONICAL',
  'BUNDLE_ROLLBACK',
  'BUNDLE_INCONSISTENT',
  // Tiles client (C2SP tlog-tiles).
  'TILES_HTTP',
  'TILES_MALFORMED',
  'TILES_PROOF_INVALID',
  // Storage.
  'STORE_IO',
  'STORE_CORRUPT',
  'STORE_CLOSED',
  // A batch refused because another writer moved the log's head (a deposed sequencer).
  'STORE_FENCED',
  // Disclosure vaults (I/O failures and closed vaults are STORE_IO and STORE_CLOSED).
  'VAULT_ENTRY_INVALID',
  'VAULT_ENTRY_TOO_LARGE',
  // The state several instances share (certificates, cosignatures, nonces): a value refused before it is stored.
  'STORE_VALUE_INVALID',
] as const;

/** A code raised or reported by `@dataledger/provenance`. */
export type ProvenanceErrorCode = (typeof PROVENANCE_ERROR_CODES)[number];

/** What each code means (one line each; the service and CLI may show these). */
export const PROVENANCE_ERROR_DESCRIPTIONS: Readonly<Record<ProvenanceErrorCode, string>> = {
  LEDGER_RECORD_MALFORMED: 'The record is not a well-formed ledger record.',
  LEDGER_PAYLOAD_TOO_LARGE: 'The record payload exceeds the configured size limit.',
  LEDGER_SIGNATURE_INVALID: "The record is not signed by its actor's key.",
  LEDGER_INDEX_MISMATCH: 'The record index is not the current log size (stale or out of order).',
  LEDGER_CHAIN_BROKEN: "The record's prev does not name the previous record's leaf hash.",
  LEDGER_TIME_ORDER: "The record's time is before the previous record's time.",
  LEDGER_INDEX_OUT_OF_RANGE: 'The requested index, size or range is outside the log.',
  LEDGER_ORIGIN_MISMATCH: 'The store holds a log with another origin.',
  LEDGER_CLOSED: 'The log is closed.',
  LEDGER_TIME_AHEAD: "The record's time is further ahead of the log's clock than the allowed skew.",
  LEDGER_BATCH_TOO_LARGE: 'The batch has more records than the configured limit.',
  LEDGER_READ_ONLY: 'The log was opened read-only (without its secret key): it neither appends nor signs.',
  LEDGER_ENTRY_TOO_LARGE: 'The canonical record exceeds 65,535 bytes, the most a C2SP tlog-tiles entry bundle holds.',
  CHECKPOINT_MALFORMED: 'The checkpoint body is not a C2SP tlog-checkpoint.',
  CHECKPOINT_NOTE_MALFORMED: 'The text is not a C2SP signed note.',
  CHECKPOINT_KEY_INVALID: 'The verifier key is not a valid C2SP Ed25519 vkey.',
  CHECKPOINT_SIGNATURE_INVALID: 'A signature by a known key does not verify.',
  CHECKPOINT_UNVERIFIED: 'The note is not signed by any trusted key.',
  BUNDLE_MALFORMED: 'A bundle line is not valid UTF-8 JSON, or data follows the checkpoint.',
  BUNDLE_LINE_TOO_LONG: 'A bundle line exceeds the line size limit.',
  BUNDLE_HEADER_INVALID: 'The first bundle line is not a valid bundle header.',
  BUNDLE_RECORD_MALFORMED: 'A bundle line is not a well-formed ledger record.',
  BUNDLE_PAYLOAD_TOO_LARGE: 'A bundle record payload exceeds the size limit.',
  BUNDLE_SIGNATURE_INVALID: "A bundle record is not signed by its actor's key.",
  BUNDLE_INDEX_MISMATCH: 'A bundle record is missing, repeated or out of order.',
  BUNDLE_CHAIN_BROKEN: "A bundle record's prev does not name the previous record.",
  BUNDLE_TIME_ORDER: "A bundle record's time goes backwards.",
  BUNDLE_TRUNCATED: 'The bundle ends before its checkpoint, or has fewer records than it.',
  BUNDLE_SIZE_MISMATCH: 'The bundle has more records than its checkpoint.',
  BUNDLE_ROOT_MISMATCH: 'The rebuilt Merkle root differs from the checkpoint root.',
  BUNDLE_ORIGIN_MISMATCH: 'The checkpoint (or target log) origin differs from the bundle.',
  BUNDLE_CHECKPOINT_INVALID: 'The checkpoint line is not a valid signed checkpoint.',
  BUNDLE_CHECKPOINT_UNTRUSTED: 'The checkpoint is not signed by a trusted log key.',
  BUNDLE_TOO_LARGE: 'The bundle has more records than the import limit.',
  BUNDLE_NOT_CANONICAL: "A bundle record line is not the record's RFC 8785 canonical form.",
  BUNDLE_ROLLBACK: 'The bundle is older than a checkpoint the verifier already trusts.',
  BUNDLE_INCONSISTENT: 'The bundle does not extend a checkpoint the verifier already trusts (a split view).',
  TILES_HTTP: 'A tile, entry bundle or checkpoint could not be fetched (network failure or an unexpected HTTP status).',
  TILES_MALFORMED: 'A fetched tile or entry bundle does not have the size or encoding its path promises.',
  TILES_PROOF_INVALID: 'The fetched tiles or entries do not match the signed checkpoint (inclusion, consistency or root).',
  STORE_IO: 'The store failed to read or write.',
  STORE_CORRUPT: 'The store contents are inconsistent.',
  STORE_CLOSED: 'The store is closed.',
  STORE_FENCED: 'Another writer moved the head; the batch was refused and nothing was written.',
  VAULT_ENTRY_INVALID: 'A vault digest is not 43 base64url characters, or not the SHA-256 of its disclosure (RFC 9901 §4.2.3).',
  VAULT_ENTRY_TOO_LARGE: 'A disclosure exceeds the vault size limit.',
  STORE_VALUE_INVALID: 'A value is refused by the shared store (empty, too long, or not storable text); nothing was written.',
};

/** The coded error of `@dataledger/provenance`: a {@link DataLedgerError} over {@link ProvenanceErrorCode}. */
export class ProvenanceError extends DataLedgerError<ProvenanceErrorCode> {}

/**
 * Shorthand for a {@link ProvenanceError}.
 * @param code - one of {@link PROVENANCE_ERROR_CODES}
 * @param message - what went wrong
 * @param details - machine-readable context
 * @param cause - the underlying error, if any
 * @returns the error (to be thrown)
 */
export function provenanceError(code: ProvenanceErrorCode, message: string, details?: Record<string, unknown>, cause?: unknown): ProvenanceError {
  return new ProvenanceError(code, message, options(details, cause));
}

function options(details: Record<string, unknown> | undefined, cause: unknown): DataLedgerErrorOptions {
  const opts: DataLedgerErrorOptions = {};
  if (details !== undefined) opts.details = details;
  if (cause !== undefined) opts.cause = cause;
  return opts;
}
