import { resolve } from 'node:path';
import { SingleBar } from 'cli-progress';
import { isDataLedgerError, type DataLedgerError } from '@dataledger/core';
import { parseVerifierKey, verifyBundle } from '@dataledger/provenance';
import type { UncheckedSummary } from '@dataledger/certificates';
import { formatUnchecked, readDisclosuresFile, RuleReplay, type RulesOutcome } from '../disclosures.ts';
import { cliError } from '../errors.ts';
import type { OpenedSource } from '../source.ts';
import { EXIT, type CliIo, type ExitStatus } from '../io.ts';
import { openSource } from '../source.ts';
import { readCheckpointState, writeCheckpointState } from '../state.ts';
import { httpFailure, openTiles } from '../tiles.ts';

/** Options of `dataledger verify`. */
export interface VerifyOptions {
  /** Trusted C2SP verifier keys; when given, the bundle's checkpoint must be signed by one. */
  logKey?: string[] | undefined;
  /**
   * Without `logKey`, check the bundle against the log key its own header names. That proves
   * only self-consistency (anyone can write a bundle with their own key), so the result says
   * `trusted: false`. Without either, the replay refuses to run.
   */
  trustBundleKey?: boolean | undefined;
  /** Print {@link VerifySummary} as JSON. */
  json?: boolean | undefined;
  /**
   * State file of the last verified checkpoint (the `checkpoint watch --state` format): a
   * bundle older than it or not extending it is invalid (rollback); a valid bundle's
   * checkpoint replaces it. Needs `logKey`.
   */
  state?: string | undefined;
  /** Replay a live log from its C2SP tlog-tiles at `<url>/tlog` instead of a bundle file (needs `logKey`). */
  url?: string | undefined;
  /**
   * A disclosures file (`export --disclosures`): each disclosure is checked against its digest
   * and the registry's rules run on the revealed members too.
   */
  disclosures?: string | undefined;
}

/**
 * The result `verify --json` prints: these six fields, and on a registry ledger (or with
 * `--disclosures`) the outcome of its rules: `complete`, `unchecked`, `violations` and, with
 * `--disclosures`, `disclosures`.
 */
export interface VerifySummary {
  valid: boolean;
  size: number;
  /** The first record that breaks the chain or, the chain being intact, a rule. */
  firstBadIndex: number | null;
  /** Its code (`BUNDLE_…`, `REGISTRY_…`, `DISCLOSURE_FOREIGN`). */
  code: string | null;
  logKey: string | null;
  /** True when the checkpoint was checked against a key given with `--log-key`; false when against the bundle's own. */
  trusted: boolean;
  /** With rules: true when every rule of every record was checked (false: some needed disclosures not given). */
  complete?: boolean;
  /** With rules: the rules not checked for want of disclosures; never counted as passed. */
  unchecked?: UncheckedSummary[];
  /** With rules: how many records break one. */
  violations?: number;
  /** With `--disclosures`: how many were given and how many matched a digest of the ledger. */
  disclosures?: { given: number; used: number };
}

/** Integrity as `verifyBundle` reports it. */
interface IntegrityOutcome {
  valid: boolean;
  size: number;
  firstBadIndex: number | null;
  code: string | null;
  logKey: string | null;
  reason: string | null;
}

/**
 * One verdict from integrity and rules: the chain first (nothing after a break can be relied
 * on), then the first rule violation; the rules' fields are added when they were replayed.
 */
function verdict(i: IntegrityOutcome, rules: RulesOutcome | null, trusted: boolean, withDisclosures: boolean): VerifySummary & { reason: string | null } {
  const base = { valid: i.valid, size: i.size, firstBadIndex: i.firstBadIndex, code: i.code, logKey: i.logKey, trusted, reason: i.reason };
  if (rules === null) return base;
  const first = rules.violations[0];
  const out: VerifySummary & { reason: string | null } = {
    ...base,
    valid: i.valid && first === undefined,
    complete: rules.complete,
    unchecked: rules.unchecked,
    violations: rules.violations.length,
  };
  if (i.valid && first !== undefined) {
    out.firstBadIndex = first.index;
    out.code = first.code;
    out.reason = first.message;
  }
  if (withDisclosures) out.disclosures = rules.disclosures;
  return out;
}

/** Bundles at least this large get a progress bar (on a TTY only). */
const PROGRESS_MIN_BYTES = 1024 * 1024;

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
 * Whether a replay's verdict is trusted, refusing to run when the caller named no trust
 * anchor: a bundle checked only against the key it names itself proves nothing about who
 * wrote it (a forger signs their own), so that needs the explicit `--trust-bundle-key`.
 * DESIGN.md: "Verifiers trust only the log keys they are given".
 * @param options - `logKey` and `trustBundleKey`
 * @returns true with `--log-key`, false with `--trust-bundle-key` alone
 * @throws DataLedgerError `CLI_USAGE` naming `--log-key` when neither is given
 */
export function requireTrustAnchor(options: { logKey?: string[] | undefined; trustBundleKey?: boolean | undefined }): boolean {
  if ((options.logKey ?? []).length > 0) return true;
  if (options.trustBundleKey === true) return false;
  throw cliError(
    'CLI_USAGE',
    'give the log\'s published verifier key with --log-key VKEY (e.g. --log-key "$(cat DATA/log.vkey)"), ' +
      'or --trust-bundle-key to check the bundle only against the key it names itself (reported as trusted: false)',
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
export async function verifyBundleFile(file: string, options: VerifyOptions, io: CliIo): Promise<VerifySummary & { reason: string | null }> {
  const anchored = requireTrustAnchor(options);
  const trusted = checkVerifierKeys(options.logKey ?? []);
  // A remembered checkpoint only anchors the log its own key signs.
  if (options.state !== undefined && trusted.length === 0) throw cliError('CLI_USAGE', '--state needs --log-key (the key its checkpoint is signed by)');
  const statePath = options.state === undefined ? undefined : resolve(io.cwd, options.state);
  const previous = statePath === undefined ? undefined : await readCheckpointState(statePath, trusted);
  const disclosures = options.disclosures === undefined ? undefined : await readDisclosuresFile(options.disclosures, io);
  const rules = new RuleReplay(disclosures);
  const source = await openSource(file, io);
  const progress = withProgress(source, io, 'verifying', true);
  const counted = (): AsyncIterable<Uint8Array | string> => progress.chunks;
  let records = 0;
  try {
    const result = await verifyBundle(counted(), {
      ...(trusted.length > 0 ? { trustedLogKeys: trusted } : {}),
      ...(previous === undefined ? {} : { trustedCheckpoint: previous.checkpoint }),
      onRecord: (record) => {
        records += 1;
        rules.push(record);
      },
    });
    if (result.valid && statePath !== undefined && result.checkpointNote !== undefined) await writeCheckpointState(statePath, result.checkpointNote);
    return verdict(result, rules.outcome(), anchored, disclosures !== undefined);
  } catch (err) {
    // verifyBundle reports what is wrong with a bundle in its result; should a malformed
    // stream still surface as a thrown coded error, it is the bundle's fault, not a crash.
    if (isDataLedgerError(err) && !err.code.startsWith('CLI_')) {
      return { valid: false, size: records, firstBadIndex: null, code: err.code, logKey: null, trusted: anchored, reason: err.message };
    }
    throw err;
  } finally {
    progress.stop();
  }
}

/**
 * Replays a live log from its C2SP tlog-tiles (`<url>/tlog`): the checkpoint must be signed by
 * one of the given log keys, then every entry bundle goes through the bundle verifier's record
 * checks and the rebuilt root is compared with the checkpoint's.
 * @param url - the service's base URL
 * @param options - trusted log keys (required), disclosures file
 * @param io - working directory (the disclosures file)
 * @returns the summary and the reason
 * @throws DataLedgerError `CLI_USAGE` without `--log-key`, `CLI_HTTP_ERROR` when the log cannot be read
 */
export async function verifyLiveLog(url: string, options: VerifyOptions, io: CliIo): Promise<VerifySummary & { reason: string | null }> {
  const trusted = checkVerifierKeys(options.logKey ?? []);
  if (trusted.length === 0) throw cliError('CLI_USAGE', '--url needs --log-key: a live log is only worth replaying against its published key');
  const invalid = (err: DataLedgerError): VerifySummary & { reason: string } => ({
    valid: false,
    size: 0,
    firstBadIndex: null,
    code: err.code,
    logKey: null,
    trusted: true,
    reason: err.message,
  });
  const disclosures = options.disclosures === undefined ? undefined : await readDisclosuresFile(options.disclosures, io);
  const rules = new RuleReplay(disclosures);
  let opened;
  try {
    opened = await openTiles(url, trusted);
  } catch (err) {
    // A checkpoint no trusted key signed, or one that does not parse, is an invalid log (exit 1).
    if (isDataLedgerError(err) && err.code.startsWith('CHECKPOINT_')) return invalid(err);
    throw err;
  }
  try {
    const result = await opened.client.replay(opened.checkpoint, { onRecord: rules.push });
    return verdict(result, rules.outcome(), true, disclosures !== undefined);
  } catch (err) {
    const e = httpFailure(err, url);
    if (isDataLedgerError(e) && e.code === 'TILES_MALFORMED') return invalid(e);
    throw e;
  }
}

/**
 * `dataledger verify BUNDLE [--log-key VKEY] [--state FILE] [--json]`, or
 * `dataledger verify --url BASE --log-key VKEY`.
 * @param file - bundle path or "-"; undefined with `options.url`
 * @param options - see {@link VerifyOptions}
 * @param io - streams
 * @returns 0 when valid, 1 when not
 * @throws DataLedgerError `CLI_FILE_UNREADABLE` or `CLI_USAGE` (exit 2)
 */
export async function verifyCommand(file: string | undefined, options: VerifyOptions, io: CliIo): Promise<ExitStatus> {
  if ((file === undefined) === (options.url === undefined)) throw cliError('CLI_USAGE', 'give a bundle file or --url BASE (not both)');
  const { reason, ...summary } = file === undefined ? await verifyLiveLog(options.url!, options, io) : await verifyBundleFile(file, options, io);
  if (options.json === true) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
  } else if (summary.valid) {
    io.stdout.write(`valid: ${summary.size} records; checkpoint signed by ${summary.logKey ?? '(unknown)'}\n`);
    if (summary.complete !== undefined)
      io.stdout.write(summary.complete ? 'rules: every rule checked, no violation\n' : `rules: no violation; ${formatUnchecked(summary.unchecked ?? [])}`);
    io.stdout.write(`trusted: ${summary.trusted}${summary.trusted ? '' : " (checked against the bundle's own key, not a --log-key)"}\n`);
    if (!summary.trusted) {
      io.stderr.write("warning: UNTRUSTED: pass the log's published key with --log-key to rule out a self-consistent forgery.\n");
    }
  } else {
    const where = summary.firstBadIndex === null ? '' : ` at record ${summary.firstBadIndex}`;
    io.stdout.write(`INVALID: ${summary.code ?? 'unknown'}${where}: ${reason ?? ''} (${summary.size} records verified)\n`);
    if (summary.complete === false) io.stdout.write(formatUnchecked(summary.unchecked ?? []));
    io.stdout.write(`trusted: ${summary.trusted}\n`);
  }
  return summary.valid ? EXIT.OK : EXIT.INVALID;
}

/** A source whose bytes are counted as they are read, with a bar drawn on a TTY. */
export interface ProgressSource {
  /** The source's chunks, passed through unchanged. */
  chunks: AsyncGenerator<Uint8Array | string>;
  /** Call once per record seen (shown beside the bar). */
  record(): void;
  /** Records counted so far. */
  readonly records: number;
  /** Removes the bar (call in `finally`). */
  stop(): void;
}

/**
 * Wraps a source so a long replay shows its progress on stderr: a bar by bytes read, only
 * when stderr is a terminal and the size is known and large (pipes and logs stay clean).
 * @param source - the opened source
 * @param io - where the bar is drawn
 * @param label - the verb shown before the bar (`verifying`, `auditing`)
 * @param countLines - count records as the lines read (for a consumer that reports none)
 * @returns the counted source
 */
export function withProgress(source: OpenedSource, io: CliIo, label: string, countLines: boolean = false): ProgressSource {
  const total = source.totalBytes;
  const bar =
    io.stderr.isTTY === true && total !== undefined && total >= PROGRESS_MIN_BYTES
      ? new SingleBar({
          stream: io.stderr as NodeJS.WritableStream,
          format: `${label} [{bar}] {percentage}% | {records} records | {eta_formatted}`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        })
      : undefined;
  let records = 0;
  let bytes = 0;
  async function* counted(): AsyncGenerator<Uint8Array | string> {
    for await (const chunk of source.chunks) {
      bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (countLines && bar !== undefined) records += countNewlines(chunk);
      bar?.update(bytes, { records });
      yield chunk;
    }
  }
  bar?.start(total ?? 0, 0, { records: 0 });
  return {
    chunks: counted(),
    record: () => {
      records += 1;
    },
    get records(): number {
      return records;
    },
    stop: () => bar?.stop(),
  };
}

function countNewlines(chunk: Uint8Array | string): number {
  let n = 0;
  if (typeof chunk === 'string') {
    for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) n++;
  } else {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  }
  return n;
}
