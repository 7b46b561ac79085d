import { isDataLedgerError } from '@dataledger/core';
import { parseVerifierKey, verifyBundle } from '@dataledger/provenance';
import { cliError } from '../errors.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { openSource } from '../source.ts';
import { withProgress } from '../progress.ts';

/** Options of `dataledger verify`. */
export interface VerifyOptions {
  /** Trusted C2SP verifier keys; the bundle's checkpoint must be signed by one. */
  logKey?: string[] | undefined;
  /**
   * Without `logKey`, check the bundle against the log key its own header names. That proves
   * only self-consistency (anyone can write a bundle with their own key), so the result says
   * `trusted: false`.
   */
  trustBundleKey?: boolean | undefined;
  /** Print {@link VerifySummary} as JSON. */
  json?: boolean | undefined;
}

/** The result `verify --json` prints: exactly these six fields. */
export interface VerifySummary {
  valid: boolean;
  size: number;
  firstBadIndex: number | null;
  code: string | null;
  logKey: string | null;
  /** True when the checkpoint was checked against a key given with `--log-key`; false when against the bundle's own. */
  trusted: boolean;
}

/**
 * Checks that each string is a C2SP verifier key.
 * @param keys - candidate keys
 * @returns the keys
 * @throws DataLedgerError `CLI_USAGE` naming the bad key
 */
export function checkVerifierKeys(keys: readonly string[]): string[] {
  for (const key of keys) {
    try {
      parseVerifierKey(key);
    } catch (cause) {
      throw cliError('CLI_USAGE', `--log-key ${JSON.stringify(key)} is not a C2SP verifier key (name+keyid+base64)`, cause);
    }
  }
  return [...keys];
}

/**
 * The trust anchors of a replay: the `--log-key` keys, or, only when the caller opted in
 * with `--trust-bundle-key`, none (the bundle's own key, reported as untrusted). A replay
 * that trusts nothing must not report "valid" by default (a forger signs their own bundle).
 * @param options - `logKey` and `trustBundleKey`
 * @returns the checked keys and whether they make the result trusted
 * @throws DataLedgerError `CLI_USAGE` when neither is given, or a key is malformed
 */
export function trustAnchors(options: { logKey?: string[] | undefined; trustBundleKey?: boolean | undefined }): { keys: string[]; trusted: boolean } {
  const keys = checkVerifierKeys(options.logKey ?? []);
  if (keys.length > 0) return { keys, trusted: true };
  if (options.trustBundleKey === true) return { keys, trusted: false };
  throw cliError(
    'CLI_USAGE',
    "give the log's published verifier key with --log-key VKEY (e.g. --log-key \"$(cat DATA/log.vkey)\"), " +
      "or --trust-bundle-key to check the bundle only against the key it names itself (reported as trusted: false)",
  );
}

/**
 * Replays a bundle file through `verifyBundle` (every actor signature, `prev`, index, and
 * the rebuilt Merkle root against the signed checkpoint), with a progress bar on a TTY.
 * @param file - bundle path or "-"
 * @param options - trusted log keys
 * @param io - streams
 * @returns the five-field summary
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE`
 */
export async function verifyBundleFile(
  file: string,
  options: VerifyOptions,
  io: CliIo,
): Promise<VerifySummary & { reason: string | null }> {
  const anchors = trustAnchors(options);
  const trusted = anchors.keys;
  const source = await openSource(file, io);
  const progress = withProgress(source, io, 'verifying');
  try {
    const result = await verifyBundle(progress.chunks, {
      ...(trusted.length > 0 ? { trustedLogKeys: trusted } : {}),
      onRecord: progress.record,
    });
    return {
      valid: result.valid,
      size: result.size,
      firstBadIndex: result.firstBadIndex,
      code: result.code,
      logKey: result.logKey,
      trusted: anchors.trusted,
      reason: result.reason,
    };
  } catch (err) {
    // verifyBundle reports what is wrong with a bundle in its result; should a malformed
    // stream still surface as a thrown coded error, it is the bundle's fault, not a crash.
    if (isDataLedgerError(err) && !err.code.startsWith('CLI_')) {
      return { valid: false, size: progress.records, firstBadIndex: null, code: err.code, logKey: null, trusted: anchors.trusted, reason: err.message };
    }
    throw err;
  } finally {
    progress.stop();
  }
}

/**
 * `dataledger verify BUNDLE (--log-key VKEY | --trust-bundle-key) [--json]`.
 * @param file - bundle path or "-"
 * @param options - see {@link VerifyOptions}
 * @param io - streams
 * @returns 0 when valid, 1 when not
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE` (exit 2)
 */
export async function verifyCommand(file: string, options: VerifyOptions, io: CliIo): Promise<ExitStatus> {
  const { reason, ...summary } = await verifyBundleFile(file, options, io);
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else if (summary.valid) {
    io.stdout.write(`valid: ${summary.size} records; checkpoint signed by ${summary.logKey ?? '(unknown)'}\n`);
    io.stdout.write(`trusted: ${summary.trusted}${summary.trusted ? '' : " (checked against the bundle's own key, not a --log-key)"}\n`);
    if (!summary.trusted) {
      io.stderr.write("warning: UNTRUSTED: pass the log's published key with --log-key to rule out a self-consistent forgery.\n");
    }
  } else {
    const where = summary.firstBadIndex === null ? '' : ` at record ${summary.firstBadIndex}`;
    io.stdout.write(`INVALID: ${summary.code ?? 'unknown'}${where}: ${reason ?? ''} (${summary.size} records verified)\n`);
    io.stdout.write(`trusted: ${summary.trusted}\n`);
  }
  return summary.valid ? EXIT.OK : EXIT.INVALID;
}
