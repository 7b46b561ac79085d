/**
 * Bundle replay: a regulator's offline check of an exported ledger.
 *
 * Bundle format (JSON Lines, UTF-8, one JSON value per line, `\n` separated):
 * 1. header: `{"format":"dataledger-bundle/v1","origin":"<origin>","logKey":"<C2SP vkey>"}`
 * 2. one record per line, index 0, 1, 2, …, each exactly the record's RFC 8785 form (the leaf
 *    data): any other spelling is refused (`BUNDLE_NOT_CANONICAL`), so a bundle has one text
 *    and two readers can never disagree on what a line says
 * 3. last line: the signed checkpoint note (C2SP signed note text) as a JSON string.
 *
 * Every line is read with core's `parseJson` (immune to nodejs/node#63785, duplicate member
 * names refused per RFC 7493 §2.3).
 *
 * {@link verifyBundle} streams it in O(log n) memory — only the right frontier of complete
 * subtree roots, the last leaf hash and time are kept — and rechecks every record's shape,
 * index, `prev`, time order and actor signature, then the rebuilt root and size against the
 * signed checkpoint. Given a checkpoint it already trusts, it also refuses a bundle older than
 * it (rollback) or not an extension of it: the root of the bundle's first `size` leaves must be
 * the trusted root — what an RFC 9162 §2.1.4 consistency proof between the two proves, here
 * computed from the bundle's own leaves.
 */
import { equalBytes, isDataLedgerError, parseJson as parseIJson } from '@dataledger/core';
import { NOTE_TYPE_ED25519, openCheckpoint, parseVerifierKey, type Checkpoint } from './checkpoint.ts';
import { provenanceError, type ProvenanceErrorCode } from './errors.ts';
import { EMPTY_ROOT, MerkleFrontier } from './merkle.ts';
import { checkRecord, DEFAULT_MAX_PAYLOAD_BYTES, hashAndVerifyChecked, signatureCheckOf, type CheckedRecord, type LedgerRecord } from './records.ts';
import type { SignatureVerifier } from './verify-pool.ts';

/** Records per parallel verification window, and windows in flight (memory stays O(window)). */
const WINDOW = 512;
const MAX_IN_FLIGHT = 2;

/** Format tag of bundle headers. */
export const BUNDLE_FORMAT = 'dataledger-bundle/v1';

/** Default longest bundle line, in bytes (a record with a 64 KiB payload fits many times). */
export const DEFAULT_MAX_LINE_BYTES = 1_048_576;

/** Where bundle lines come from: an async iterable of text or byte chunks (a Node Readable is one). */
export type BundleSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array> | NodeJS.ReadableStream;

/** Options of {@link verifyBundle}. */
export interface VerifyBundleOptions {
  /**
   * Log verifier keys the checkpoint must be signed by. Without them the header's own key is
   * used — proving only self-consistency — and named in the result's `logKey`.
   */
  trustedLogKeys?: string[];
  /**
   * Called for each verified record, in order (may return a promise, which is awaited), with
   * its leaf hash and its canonical text (the line, which is the leaf data).
   */
  onRecord?: (record: LedgerRecord, index: number, leafHash: Uint8Array, leafText: string) => void | Promise<void>;
  /**
   * A checkpoint of the same log the caller already trusts (verified earlier, e.g. kept in a
   * state file). The bundle must not be older (`BUNDLE_ROLLBACK`) and must extend it: same
   * origin, and the root of its first `size` records equal to the trusted root
   * (`BUNDLE_INCONSISTENT`). This stops a bundle cut back to an older, genuinely signed
   * checkpoint from hiding later records (revocations).
   */
  trustedCheckpoint?: Checkpoint;
  /** Payload size limit per record (default 64 KiB of canonical JSON). */
  maxPayloadBytes?: number;
  /** Longest accepted line in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /**
   * Checks signatures in parallel windows (e.g. `workerVerifier()`); results and the first
   * fault reported are the same as on one thread.
   */
  verifier?: SignatureVerifier;
}

/** The outcome of {@link verifyBundle}. */
export interface BundleReport {
  /** True when every check passed. */
  valid: boolean;
  /** Number of records that passed every per-record check. */
  size: number;
  /** Index of the first bad (or first missing) record, null when the fault is not a record's. */
  firstBadIndex: number | null;
  /** The `BUNDLE_…` code of the first fault, null when valid. */
  code: ProvenanceErrorCode | null;
  /** Human-readable reason of the first fault, null when valid. */
  reason: string | null;
  /**
   * The log key the checkpoint verified with: one of `trustedLogKeys`, or the header's key
   * when none were given (then `trusted` is false). Null when the checkpoint did not verify,
   * except that it names the header's key when the fault came earlier.
   */
  logKey: string | null;
  /** True when the checkpoint was verified against caller-supplied trusted keys. */
  trusted: boolean;
  /** The verified checkpoint, when it verified. */
  checkpoint?: Checkpoint;
  /** The signed checkpoint note, when it verified. */
  checkpointNote?: string;
}

class BundleFault extends Error {
  readonly code: ProvenanceErrorCode;
  readonly index: number | null;
  constructor(code: ProvenanceErrorCode, message: string, index: number | null) {
    super(message);
    this.code = code;
    this.index = index;
  }
}

/**
 * Splits a byte or text stream into lines (without `\n`), refusing lines longer than
 * `maxLineBytes` before buffering them and bytes that are not UTF-8. Chunks are pushed in;
 * the complete lines of each chunk come out together, so a replay awaits once per chunk,
 * not once per line. A fault is held back until the lines before it have been handed out,
 * so the first fault reported is still the first in the bundle.
 */
class LineSplitter {
  /** The fault at the end of the lines handed out so far, if any. */
  fault: BundleFault | null = null;
  readonly #maxLineBytes: number;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  #parts: Buffer[] = [];
  #pendingBytes = 0;
  #text = '';

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  #tooLong(): BundleFault {
    return new BundleFault('BUNDLE_LINE_TOO_LONG', `a line is longer than ${this.#maxLineBytes} bytes`, null);
  }

  #decode(buf: Buffer): string {
    try {
      return this.#decoder.decode(buf);
    } catch {
      throw new BundleFault('BUNDLE_MALFORMED', 'a line is not valid UTF-8', null);
    }
  }

  /** Appends the complete lines of `chunk` to `out`; on a fault, sets {@link fault} and stops. */
  push(chunk: unknown, out: string[]): void {
    if (this.fault !== null) return;
    try {
      this.#push(chunk, out);
    } catch (e) {
      if (!(e instanceof BundleFault)) throw e;
      this.fault = e;
    }
  }

  /** Appends the last line (when the source did not end with `\n`) to `out`. */
  end(out: string[]): void {
    if (this.fault !== null) return;
    try {
      if (this.#parts.length > 0) out.push(this.#decode(Buffer.concat(this.#parts)));
      else if (this.#text.length > 0) out.push(this.#text);
    } catch (e) {
      if (!(e instanceof BundleFault)) throw e;
      this.fault = e;
    }
    this.#parts = [];
    this.#text = '';
  }

  #push(chunk: unknown, out: string[]): void {
    const max = this.#maxLineBytes;
    if (typeof chunk === 'string') {
      if (this.#parts.length > 0) throw new BundleFault('BUNDLE_MALFORMED', 'mixed text and byte chunks', null);
      let start = 0;
      let nl = chunk.indexOf('\n');
      while (nl >= 0) {
        const line = this.#text + chunk.slice(start, nl);
        this.#text = '';
        if (line.length > max) throw this.#tooLong();
        out.push(line);
        start = nl + 1;
        nl = chunk.indexOf('\n', start);
      }
      this.#text += chunk.slice(start);
      if (this.#text.length > max) throw this.#tooLong();
      return;
    }
    if (!(chunk instanceof Uint8Array)) throw new BundleFault('BUNDLE_MALFORMED', 'source yielded neither text nor bytes', null);
    if (this.#text.length > 0) throw new BundleFault('BUNDLE_MALFORMED', 'mixed text and byte chunks', null);
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    let nl = buf.indexOf(0x0a);
    while (nl >= 0) {
      const piece = buf.subarray(start, nl);
      if (this.#pendingBytes + piece.length > max) throw this.#tooLong();
      const line = this.#parts.length === 0 ? piece : Buffer.concat([...this.#parts, piece]);
      this.#parts = [];
      this.#pendingBytes = 0;
      out.push(this.#decode(line));
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    if (start < buf.length) {
      const rest = buf.subarray(start);
      this.#pendingBytes += rest.length;
      if (this.#pendingBytes > max) throw this.#tooLong();
      // Copy: the producer may reuse its buffer.
      this.#parts.push(Buffer.from(rest));
    }
  }
}

/** The line length is bounded by the splitter; depth by the reader's default. */
const LINE_JSON = { maxBytes: Infinity } as const;

function parseJson(line: string, index: number | null): unknown {
  try {
    return parseIJson(line, LINE_JSON);
  } catch (e) {
    if (!isDataLedgerError(e)) throw e;
    throw new BundleFault('BUNDLE_MALFORMED', `a line is not I-JSON (${String(e.details?.reason ?? e.message)})`, index);
  }
}

interface BundleHeader {
  format: string;
  origin: string;
  logKey: string;
}

function parseHeader(line: string): BundleHeader {
  let v: unknown;
  try {
    v = parseIJson(line, LINE_JSON);
  } catch (e) {
    if (!isDataLedgerError(e)) throw e;
    throw new BundleFault('BUNDLE_HEADER_INVALID', 'the first line is not a JSON header', null);
  }
  const h = v as Partial<BundleHeader> | null;
  if (h === null || typeof h !== 'object' || Array.isArray(h) || h.format !== BUNDLE_FORMAT) {
    throw new BundleFault('BUNDLE_HEADER_INVALID', `the header must have format ${BUNDLE_FORMAT}`, null);
  }
  if (typeof h.origin !== 'string' || h.origin.length === 0 || typeof h.logKey !== 'string') {
    throw new BundleFault('BUNDLE_HEADER_INVALID', 'the header must name origin and logKey', null);
  }
  try {
    if (parseVerifierKey(h.logKey).type !== NOTE_TYPE_ED25519) throw new Error('not a note key');
  } catch {
    throw new BundleFault('BUNDLE_HEADER_INVALID', 'the header logKey is not an Ed25519 vkey', null);
  }
  return { format: h.format, origin: h.origin, logKey: h.logKey };
}

const RECORD_FAULTS: Record<string, ProvenanceErrorCode> = {
  LEDGER_RECORD_MALFORMED: 'BUNDLE_RECORD_MALFORMED',
  LEDGER_PAYLOAD_TOO_LARGE: 'BUNDLE_PAYLOAD_TOO_LARGE',
};

/**
 * Replays a bundle: rechecks every record (shape, payload size, index, `prev`, time order,
 * actor signature — every one, even where chain and root agree), rebuilds the Merkle root in
 * O(log n) memory and compares root and size with the signed checkpoint.
 * @param source - the bundle as text or byte chunks (a file stream, `log.exportBundle()`, …)
 * @param options - trusted log keys, a per-record callback and limits
 * @returns a report; a bad bundle is `valid: false` with the first fault's `BUNDLE_…` code
 *   (BUNDLE_MALFORMED, BUNDLE_LINE_TOO_LONG, BUNDLE_HEADER_INVALID, BUNDLE_RECORD_MALFORMED,
 *   BUNDLE_PAYLOAD_TOO_LARGE, BUNDLE_INDEX_MISMATCH, BUNDLE_CHAIN_BROKEN, BUNDLE_TIME_ORDER,
 *   BUNDLE_SIGNATURE_INVALID, BUNDLE_TRUNCATED, BUNDLE_SIZE_MISMATCH, BUNDLE_ORIGIN_MISMATCH,
 *   BUNDLE_CHECKPOINT_INVALID, BUNDLE_CHECKPOINT_UNTRUSTED, BUNDLE_ROOT_MISMATCH, BUNDLE_NOT_CANONICAL,
 *   and with `trustedCheckpoint` BUNDLE_ROLLBACK, BUNDLE_INCONSISTENT)
 * @throws whatever the source throws while being read, and what `onRecord` throws
 */
export async function verifyBundle(source: BundleSource, options: VerifyBundleOptions = {}): Promise<BundleReport> {
  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const trusted = options.trustedLogKeys;
  if (trusted !== undefined && (!Array.isArray(trusted) || trusted.length === 0)) {
    throw new TypeError('options.trustedLogKeys: expected a non-empty array of vkeys');
  }
  // Refuse bad trusted keys up front (a configuration mistake, not a bundle fault). A log key
  // is a note-signature key (type 0x01): a witness cosignature key (0x04) passed here would let
  // a checkpoint that only a witness signed pass as signed by the log.
  trusted?.forEach((k) => {
    if (parseVerifierKey(k).type !== NOTE_TYPE_ED25519) {
      throw provenanceError('CHECKPOINT_KEY_INVALID', 'options.trustedLogKeys: a log key must be an Ed25519 note key (type 0x01)');
    }
  });
  const onRecord = options.onRecord;
  const verifier = options.verifier;
  const pinned = options.trustedCheckpoint;
  if (
    pinned !== undefined &&
    (typeof pinned !== 'object' || !Number.isSafeInteger(pinned.size) || pinned.size < 0 || !(pinned.rootHash instanceof Uint8Array))
  ) {
    throw new TypeError('options.trustedCheckpoint: expected a parsed Checkpoint');
  }
  const trustedSize = pinned?.size ?? -1;
  /** Root of the bundle's first trustedSize leaves, once that many have been read. */
  let prefixRoot: Uint8Array | null = trustedSize === 0 ? EMPTY_ROOT : null;
  // Widened: both are set inside processLine, which TypeScript does not follow.
  let header = null as BundleHeader | null;
  const frontier = new MerkleFrontier();
  let lastLeafHashB64 = '';
  let lastTime: string | null = null;
  let checkpointNote = null as string | null;
  const report = (code: ProvenanceErrorCode, reason: string, firstBadIndex: number | null, size: number = frontier.size): BundleReport => ({
    valid: false,
    size,
    firstBadIndex,
    code,
    reason,
    logKey: trusted === undefined ? (header?.logKey ?? null) : null,
    trusted: false,
  });
  /** Calls onRecord; returns its promise when it made one (so the caller awaits only then). */
  const deliver = (record: LedgerRecord, index: number, leaf: Uint8Array, text: string): Promise<void> | undefined => {
    if (onRecord === undefined) return undefined;
    const r = onRecord(record, index, leaf, text);
    return r !== undefined && typeof (r as Promise<void>).then === 'function' ? (r as Promise<void>) : undefined;
  };

  // Parallel path: records that passed every other check wait in windows for their signatures;
  // a window is settled (faults reported, onRecord called) strictly in order.
  interface Window {
    start: number;
    records: CheckedRecord[];
    leaves: Uint8Array[];
    results?: Promise<boolean[]>;
  }
  let open: Window = { start: 0, records: [], leaves: [] };
  const inFlight: Window[] = [];
  const dispatch = (): void => {
    if (open.records.length === 0) return;
    open.results = verifier!.verifyAll(open.records.map(signatureCheckOf));
    inFlight.push(open);
    open = { start: open.start + open.records.length, records: [], leaves: [] };
  };
  /** Settles a window's records below `limit`: the first bad signature throws, the rest are delivered. */
  const settle = async (w: Window, limit: number): Promise<void> => {
    const ok = await w.results!;
    for (let i = 0; i < w.records.length && w.start + i < limit; i++) {
      if (!ok[i]) throw new BundleFault('BUNDLE_SIGNATURE_INVALID', `record ${w.start + i}: actor signature invalid`, w.start + i);
      const c = w.records[i]!;
      const p = deliver(c.record, w.start + i, w.leaves[i]!, c.texts.leaf);
      if (p !== undefined) await p;
    }
  };
  const settleBefore = async (limit: number): Promise<void> => {
    dispatch();
    while (inFlight.length > 0) {
      const w = inFlight.shift()!;
      if (w.start >= limit) continue;
      await settle(w, limit);
    }
  };

  /** Checks one line; returns a promise only when something had to be awaited. */
  const processLine = (line: string): Promise<void> | undefined => {
    if (header === null) {
      header = parseHeader(line);
      return undefined;
    }
    const index = frontier.size;
    if (checkpointNote !== null) throw new BundleFault('BUNDLE_MALFORMED', 'data after the checkpoint line', index);
    const value = parseJson(line, index);
    if (typeof value === 'string') {
      checkpointNote = value;
      return undefined;
    }
    let checked;
    try {
      checked = checkRecord(value, maxPayloadBytes, false, line);
    } catch (e) {
      if (isDataLedgerError(e) && RECORD_FAULTS[e.code] !== undefined) throw new BundleFault(RECORD_FAULTS[e.code]!, e.message, index);
      throw e;
    }
    const { record } = checked;
    // The line must be the leaf data itself (RFC 8785 form of the signed record).
    if (checked.texts.leaf !== line) throw new BundleFault('BUNDLE_NOT_CANONICAL', `record ${index}: the line is not the record's RFC 8785 form`, index);
    if (record.index !== index) throw new BundleFault('BUNDLE_INDEX_MISMATCH', `expected record ${index}, found ${record.index}`, index);
    if (record.prev !== lastLeafHashB64) throw new BundleFault('BUNDLE_CHAIN_BROKEN', `record ${index}: prev does not match record ${index - 1}`, index);
    if (lastTime !== null && record.time < lastTime) throw new BundleFault('BUNDLE_TIME_ORDER', `record ${index}: time goes backwards`, index);
    // One UTF-8 encoding of the leaf serves the leaf hash and (on one thread) the signature.
    const { leaf, ok } = hashAndVerifyChecked(checked, verifier === undefined);
    if (!ok) throw new BundleFault('BUNDLE_SIGNATURE_INVALID', `record ${index}: actor signature invalid`, index);
    frontier.push(leaf);
    if (frontier.size === trustedSize) prefixRoot = frontier.root();
    lastLeafHashB64 = Buffer.from(leaf.buffer, leaf.byteOffset, leaf.byteLength).toString('base64');
    lastTime = record.time;
    if (verifier === undefined) return deliver(record, index, leaf, checked.texts.leaf);
    open.records.push(checked);
    open.leaves.push(leaf);
    if (open.records.length >= WINDOW) {
      dispatch();
      if (inFlight.length > MAX_IN_FLIGHT) return settle(inFlight.shift()!, Infinity);
    }
    return undefined;
  };
  const splitter = new LineSplitter(maxLineBytes);
  const lines: string[] = [];
  // Each chunk's complete lines are checked, then a held-back split fault is raised. Awaits
  // happen only where processLine returned a promise (and, for async sources, per chunk).
  const src = source as Partial<AsyncIterable<unknown> & Iterable<unknown>>;

  try {
    try {
      if (typeof src[Symbol.asyncIterator] !== 'function' && typeof src[Symbol.iterator] === 'function') {
        // A synchronous source (an array of lines, say): no promise per chunk or line.
        for (const chunk of src as Iterable<unknown>) {
          splitter.push(chunk, lines);
          for (let i = 0; i < lines.length; i++) {
            const p = processLine(lines[i]!);
            if (p !== undefined) await p;
          }
          lines.length = 0;
          if (splitter.fault !== null) throw splitter.fault;
        }
      } else {
        for await (const chunk of src as AsyncIterable<unknown>) {
          splitter.push(chunk, lines);
          for (let i = 0; i < lines.length; i++) {
            const p = processLine(lines[i]!);
            if (p !== undefined) await p;
          }
          lines.length = 0;
          if (splitter.fault !== null) throw splitter.fault;
        }
      }
      splitter.end(lines);
      for (let i = 0; i < lines.length; i++) {
        const p = processLine(lines[i]!);
        if (p !== undefined) await p;
      }
      if (splitter.fault !== null) throw splitter.fault;
    } catch (e) {
      // Records before the fault still get their signatures checked (and delivered): a
      // fault is reported only if no earlier record's signature fails.
      if (e instanceof BundleFault && verifier !== undefined) await settleBefore(e.index ?? frontier.size);
      throw e;
    }
    if (verifier !== undefined) await settleBefore(Infinity);
    if (header === null) throw new BundleFault('BUNDLE_TRUNCATED', 'empty bundle', null);
    if (checkpointNote === null) throw new BundleFault('BUNDLE_TRUNCATED', 'no checkpoint line', frontier.size);
    let opened;
    try {
      opened = openCheckpoint(checkpointNote, trusted ?? [header.logKey]);
    } catch (e) {
      if (isDataLedgerError(e, 'CHECKPOINT_UNVERIFIED')) {
        throw new BundleFault('BUNDLE_CHECKPOINT_UNTRUSTED', 'the checkpoint is not signed by a trusted log key', null);
      }
      if (isDataLedgerError(e)) throw new BundleFault('BUNDLE_CHECKPOINT_INVALID', `checkpoint: ${e.message}`, null);
      throw e;
    }
    const cp = opened.checkpoint;
    const base = { logKey: opened.verifiedBy[0]!, trusted: trusted !== undefined };
    const fail = (code: ProvenanceErrorCode, reason: string, firstBadIndex: number | null): BundleReport => ({
      ...report(code, reason, firstBadIndex),
      ...base,
    });
    if (cp.origin !== header.origin) return fail('BUNDLE_ORIGIN_MISMATCH', 'checkpoint origin differs from the header', null);
    if (cp.size > frontier.size) return fail('BUNDLE_TRUNCATED', `checkpoint size ${cp.size}, bundle has ${frontier.size} records`, frontier.size);
    if (cp.size < frontier.size) return fail('BUNDLE_SIZE_MISMATCH', `checkpoint size ${cp.size}, bundle has ${frontier.size} records`, cp.size);
    const root = frontier.root();
    if (Buffer.compare(Buffer.from(root), Buffer.from(cp.rootHash)) !== 0) {
      return fail('BUNDLE_ROOT_MISMATCH', 'the rebuilt root differs from the checkpoint', null);
    }
    if (pinned !== undefined) {
      if (pinned.origin !== cp.origin) return fail('BUNDLE_INCONSISTENT', `the trusted checkpoint is of ${pinned.origin}, the bundle of ${cp.origin}`, null);
      if (cp.size < pinned.size)
        return fail('BUNDLE_ROLLBACK', `the bundle has ${cp.size} records, older than the trusted checkpoint of size ${pinned.size}`, null);
      if (prefixRoot === null || !equalBytes(prefixRoot, pinned.rootHash)) {
        return fail('BUNDLE_INCONSISTENT', `the bundle's first ${pinned.size} records do not have the trusted checkpoint's root`, null);
      }
    }
    return { valid: true, size: frontier.size, firstBadIndex: null, code: null, reason: null, ...base, checkpoint: cp, checkpointNote };
  } catch (e) {
    if (e instanceof BundleFault) return report(e.code, e.message, e.index, Math.min(e.index ?? Infinity, frontier.size));
    throw e;
  }
}

/**
 * Asserts a bundle report is valid.
 * @throws DataLedgerError with the report's code and details `{ firstBadIndex, size }`
 */
export function assertValidBundle(report: BundleReport): void {
  if (!report.valid) {
    throw provenanceError(report.code ?? 'BUNDLE_MALFORMED', report.reason ?? 'invalid bundle', {
      firstBadIndex: report.firstBadIndex,
      size: report.size,
    });
  }
}
