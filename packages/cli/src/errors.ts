import { DataLedgerError } from '@dataledger/core';

/** Error codes raised by `@dataledger/cli`. Codes are API: never rename one. */
export const CLI_ERROR_CODES = [
  /** Arguments that cannot be acted on (a missing option, two that exclude each other). */
  'CLI_USAGE',
  /** A file named on the command line cannot be read. */
  'CLI_FILE_UNREADABLE',
  /** A file (or its directory) the command must write cannot be written. */
  'CLI_FILE_UNWRITABLE',
  /** A file the command would write already exists (and `--force` was not given). */
  'CLI_FILE_EXISTS',
  /** A key file that does not hold an Ed25519 secret key. */
  'CLI_KEYFILE_INVALID',
  /** A JSON file that does not parse. */
  'CLI_JSON_INVALID',
  /** The data directory is held by another process (a running server). */
  'CLI_DATA_DIR_LOCKED',
  /** The data directory does not exist or holds no ledger. */
  'CLI_DATA_DIR_MISSING',
  /** A remote service answered with an error or could not be reached. */
  'CLI_HTTP_ERROR',
  /** A remote service refused a write or a read (its own code is in the message and `details.serverCode`). */
  'CLI_REQUEST_REFUSED',
  /** Split views reported by `checkpoint watch`: two signed roots for one size. */
  'CLI_WATCH_ROOT_MISMATCH',
  /** `checkpoint watch`: no valid consistency proof between successive checkpoints. */
  'CLI_WATCH_INCONSISTENT',
  /** `checkpoint watch`: a checkpoint smaller than one seen before. */
  'CLI_WATCH_LOG_SHRANK',
  /** `checkpoint watch`: the checkpoint names another origin. */
  'CLI_WATCH_ORIGIN_CHANGED',
] as const;

/** A code raised by `@dataledger/cli`. */
export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

/** The coded error of `@dataledger/cli`: a {@link DataLedgerError} over {@link CliErrorCode}. */
export class CliError extends DataLedgerError<CliErrorCode> {}

/**
 * Shorthand for a {@link CliError}.
 * @param code - one of {@link CLI_ERROR_CODES}
 * @param message - what went wrong, for the operator
 * @param cause - the underlying error, if any
 * @returns the error (to be thrown)
 */
export function cliError(code: CliErrorCode, message: string, cause?: unknown): CliError {
  return new CliError(code, message, cause === undefined ? {} : { cause });
}
