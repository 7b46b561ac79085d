/**
 * Operational errors. Programmer mistakes (a wrong argument type, an impossible
 * option) are `TypeError`/`RangeError` naming the parameter; everything an
 * operator or a remote party can cause is a {@link DataLedgerError} whose `code`
 * is stable API (messages are not).
 */

/** Error codes raised by `@dataledger/core`. Codes are API: never rename one. */
export const CORE_ERROR_CODES = [
  'CORE_ENCODING_INVALID',
  'CORE_JSON_INVALID',
  'CORE_KEY_INVALID',
  'CORE_DID_INVALID',
  'CORE_SIGNATURE_INVALID',
  'CORE_HASH_LENGTH',
  'CORE_INPUT_TOO_LARGE',
] as const;

/** A code raised by `@dataledger/core`. */
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number];

/** Options accepted by {@link DataLedgerError}. */
export interface DataLedgerErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Machine-readable context (an index, a field name); must be JSON-safe. */
  details?: Record<string, unknown>;
}

/**
 * The one operational error type of every dataledger package.
 *
 * @example
 * ```ts
 * throw new DataLedgerError('LEDGER_CHAIN_BROKEN', 'prev does not match', { details: { index: 17 } });
 * ```
 */
export class DataLedgerError<C extends string = string> extends Error {
  /** Stable, documented code; tests and HTTP mappings use this, never the message. */
  readonly code: C;
  /** Machine-readable context. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: C, message: string, options: DataLedgerErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    // Every package's subclass keeps this name: `isDataLedgerError` checks the shape, not the
    // prototype, so errors from another copy of a package (or rebuilt by a client) still match.
    this.name = 'DataLedgerError';
    this.code = code;
    this.details = options.details;
  }
}

/**
 * The coded error of `@dataledger/core`: a {@link DataLedgerError} over {@link CoreErrorCode}.
 * Every package has one such class over its own union of codes, with the same constructor.
 */
export class CoreError extends DataLedgerError<CoreErrorCode> {}

/**
 * True when `err` is a {@link DataLedgerError}, optionally with the given code.
 * Works across package copies (checks the shape, not the prototype).
 * @param err - anything caught
 * @param code - the code to match, if any
 */
export function isDataLedgerError(err: unknown, code?: string): err is DataLedgerError {
  if (err === null || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'DataLedgerError' && typeof e.code === 'string' && (code === undefined || e.code === code);
}
