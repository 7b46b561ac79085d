/**
 * The append-only log: signed, hash-chained records in an RFC 9162 Merkle tree over a
 * {@link RecordStore}.
 *
 * Storage layout (all written by one atomic batch per append):
 * - `config`                 JSON `{ format, origin }`, written once
 * - `head`                   JSON `{ size, rootHash, lastLeafHash, lastTime }`
 * - `r:<index hex16>`        leaf data (canonical JSON of the signed record)
 * - `n:<level hex2>:<i hex16>` hash of the complete subtree of 2^level leaves starting at
 *                            leaf i·2^level — the "stored hashes" of Go's sumdb/tlog; level 0
 *                            holds the leaf hashes
 * - `l:<base64url leaf hash>` the record's index (for {@link Log.indexOfLeafHash})
 *
 * A record completes at most log2(n) subtrees, so an append writes O(1) amortised nodes;
 * any subtree hash of any past tree size decomposes into O(log n) stored nodes, so proofs
 * and past roots cost O(log n) reads and hashes, never a rebuild.
 */
import { assertHash, DataLedgerError, equalBytes, getPublicKey, isDataLedgerError, parseJson, toBase64, toBase64Url } from '@dataledger/core';
import { BUNDLE_FORMAT, verifyBundle, type BundleReport, type BundleSource } from './bundle.ts';
import { signCheckpoint, verifierKey as makeVerifierKey } from './checkpoint.ts';
import { provenanceError, type ProvenanceErrorCode } from './errors.ts';
import { EMPTY_ROOT, MerkleFrontier, readConsistencyProof, readInclusionProof, readRoot, type HashReader } from './merkle.ts';
import {
  checkPayloadSize,
  checkRecord,
  DEFAULT_MAX_PAYLOAD_BYTES,
  isVerifiedRecord,
  leafHashOfText,
  signatureCheckOf,
  verifyCheckedRecord,
  type CheckedRecord,
  type LedgerRecord,
  type LogHead,
  type VerifiedRecord,
} from './records.ts';
import type { RecordStore, StoreOperation } from './store.ts';
import type { SignatureVerifier } from './verify-pool.ts';
import { MAX_TILE_ENTRY_BYTES } from './tlog-tiles.ts';

/** Batches at least this long have their signatures checked by the parallel verifier, if any. */
const PARALLEL_MIN_BATCH = 16;

/** Default longest batch {@link Log.appendBatch} accepts, in records. */
export const DEFAULT_MAX_BATCH_RECORDS: number = 10_000;
/** Default allowed lead of a record's time over the log's clock: 5 minutes (DESIGN.md, the ledger). */
export const DEFAULT_MAX_CLOCK_SKEW_MS: number = 5 * 60 * 1000;
/** Default most records {@link Log.importBundle} accepts. */
export const DEFAULT_MAX_IMPORT_RECORDS: number = 10_000_000;
/** Records per store batch while importing (memory stays bounded by this, not by the bundle). */
const IMPORT_CHUNK = 1024;

/** Format tag of the stored log configuration. */
export const LOG_FORMAT = 'dataledger-log/v1';

const CONFIG_KEY = 'config';
const HEAD_KEY = 'head';
const hex16 = (n: number): string => n.toString(16).padStart(16, '0');
/** Store key of record `index`. */
export const recordKey = (index: number): string => `r:${hex16(index)}`;
/** Store key of the stored subtree hash at `level`, position `index`. */
export const nodeKey = (level: number, index: number): string => `n:${level.toString(16).padStart(2, '0')}:${hex16(index)}`;
const leafIndexKey = (hash: Uint8Array): string => `l:${toBase64Url(hash)}`;

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true });

/** Options of {@link Log.open}. */
export interface LogOptions {
  /** The log's origin (C2SP checkpoint first line, and its note key name). No spaces or `+`. */
  origin: string;
  /**
   * The log's Ed25519 key: the 32-byte seed, which signs checkpoints; or only its public key,
   * to open the log read-only (reads and proofs; appends, new checkpoints and export, which
   * ends with a signed checkpoint, are refused with `LEDGER_READ_ONLY`).
   */
  logKey: { secretKey: Uint8Array } | { publicKey: Uint8Array };
  /** Payload size limit for appended records (default 64 KiB of canonical JSON). */
  maxPayloadBytes?: number;
  /**
   * Checks the signatures of batches in parallel (e.g. {@link workerVerifier}); the caller
   * owns it and closes it after the log. Default: one thread.
   */
  verifier?: SignatureVerifier;
  /**
   * How far a record's `time` may be ahead of the log's clock, in milliseconds (default
   * {@link DEFAULT_MAX_CLOCK_SKEW_MS}, 5 minutes). Times never go backwards, so one record
   * dated far in the future would otherwise refuse every honest record after it.
   */
  maxClockSkewMs?: number;
  /** Most records one {@link Log.appendBatch} accepts (default {@link DEFAULT_MAX_BATCH_RECORDS}). */
  maxBatchRecords?: number;
  /** The log's clock, in milliseconds since the epoch (default `Date.now`). */
  now?: () => number;
}

/** Options of {@link Log.importBundle}. */
export interface ImportBundleOptions {
  /**
   * Log keys the bundle's checkpoint must be signed by. Default: this log's own key, so a
   * self-consistent bundle signed by some other key is never restored as this log; pass the
   * other log's key explicitly to mirror it.
   */
  trustedLogKeys?: string[];
  /**
   * Most records accepted (default {@link DEFAULT_MAX_IMPORT_RECORDS}). Records are streamed
   * into the store as they are verified; memory stays O(log n) whatever the bundle's size.
   */
  maxRecords?: number;
  /** Longest accepted line in bytes (default 1 MiB). */
  maxLineBytes?: number;
}

/** The outcome of one append. */
export interface AppendResult {
  index: number;
  leafHash: Uint8Array;
  record: LedgerRecord;
}

interface StoredHead {
  size: number;
  rootHash: string;
  lastLeafHash: string | null;
  lastTime: string | null;
}

function withPosition(err: unknown, position: number): unknown {
  if (!isDataLedgerError(err)) return err;
  return new DataLedgerError(err.code, err.message, { cause: err.cause, details: { ...(err.details ?? {}), position } });
}

function corrupt(message: string, cause?: unknown): DataLedgerError<ProvenanceErrorCode> {
  return provenanceError('STORE_CORRUPT', message, undefined, cause);
}

/** The public key of `logKey` (from the seed, or as given for a read-only log). */
function logPublicKey(logKey: LogOptions['logKey']): Uint8Array {
  if (typeof logKey === 'object' && logKey !== null && 'secretKey' in logKey) {
    if (!(logKey.secretKey instanceof Uint8Array) || logKey.secretKey.length !== 32)
      throw new TypeError('options.logKey.secretKey: expected a 32-byte Ed25519 seed');
    return getPublicKey(logKey.secretKey);
  }
  if (typeof logKey === 'object' && logKey !== null && 'publicKey' in logKey && logKey.publicKey instanceof Uint8Array && logKey.publicKey.length === 32) {
    return new Uint8Array(logKey.publicKey);
  }
  throw new TypeError('options.logKey: expected { secretKey } (a 32-byte seed) or { publicKey } (32 bytes, read-only)');
}

function readOnlyError(what: string): Error {
  return provenanceError('LEDGER_READ_ONLY', `${what}: the log was opened read-only, without its secret key`);
}

/**
 * A stored record's canonical text as a value. Read with core's `parseJson`, not `JSON.parse`:
 * stored payloads may have escaped member names, which V8 misreads once any text in the
 * process has poisoned its name cache (nodejs/node#63785).
 */
function readStoredRecord(bytes: Uint8Array, index: number): LedgerRecord {
  try {
    return parseJson(td.decode(bytes), { maxBytes: Infinity }) as unknown as LedgerRecord;
  } catch (cause) {
    throw corrupt(`store: record ${index} unreadable`, cause);
  }
}

/**
 * The Merkle frontier and head of a stored head: one stored node per set bit of its size,
 * checked against the stored root and last leaf.
 * @throws DataLedgerError `STORE_CORRUPT` when they do not match the stored tree
 */
async function loadHead(store: RecordStore, stored: StoredHead): Promise<{ frontier: MerkleFrontier; head: LogHead }> {
  const size = stored.size;
  if (!Number.isSafeInteger(size) || size < 0) throw corrupt('store: bad head size');
  // The right frontier: one stored node per set bit of size.
  const frontier = new MerkleFrontier();
  const levels: number[] = [];
  const keys: string[] = [];
  for (let level = 0, rest = size; rest > 0; level++, rest = Math.floor(rest / 2)) {
    if (rest % 2 === 1) {
      levels.push(level);
      keys.push(nodeKey(level, Math.floor(size / 2 ** level) - 1));
    }
  }
  const hashes = await store.getMany(keys);
  levels.forEach((level, i) => {
    const h = hashes[i];
    if (h === undefined || h.length !== 32) throw corrupt(`store: missing tree node ${keys[i]}`);
    frontier.hashes[level] = h;
  });
  frontier.size = size;
  const rootHash = frontier.root();
  if (toBase64(rootHash) !== stored.rootHash) throw corrupt('store: head root does not match the stored tree');
  let lastLeafHash: Uint8Array | null = null;
  if (size > 0) {
    lastLeafHash = (await store.get(nodeKey(0, size - 1))) ?? null;
    if (lastLeafHash === null || toBase64(lastLeafHash) !== stored.lastLeafHash) throw corrupt('store: head does not match the last leaf');
  }
  return { frontier, head: { size, rootHash, lastLeafHash, lastTime: stored.lastTime } };
}

/**
 * An append-only, verifiable ledger over a {@link RecordStore}.
 *
 * Every append checks the record's shape and payload size, its index (the current size),
 * its `prev` (the last leaf hash), its time (not before the last record's, not beyond the
 * clock skew) and its actor's signature, then writes the record, the Merkle nodes it completes and the new head in one
 * atomic batch. Appends are serialised; reads may run concurrently and see committed state.
 */
export class Log implements HashReader {
  readonly #store: RecordStore;
  /** null when opened read-only. */
  readonly #secretKey: Uint8Array | null;
  readonly #maxPayloadBytes: number;
  readonly #verifier: SignatureVerifier | undefined;
  readonly #maxClockSkewMs: number;
  readonly #maxBatchRecords: number;
  readonly #now: () => number;
  /** The log's origin. */
  readonly origin: string;
  /** The log's C2SP verifier key (`origin+keyid+base64(0x01‖pk)`). */
  readonly verifierKey: string;
  #frontier: MerkleFrontier;
  #rootHash: Uint8Array;
  #lastLeafHash: Uint8Array | null;
  #lastTime: string | null;
  #queue: Promise<unknown> = Promise.resolve();
  /** Set by close(): new appends are refused, queued ones still complete. */
  #closing = false;
  #closed = false;
  #closePromise: Promise<void> | null = null;
  #checkpointCache: { size: number; note: string } | null = null;
  /**
   * Set while a {@link Log.refresh} has read the stored head but not adopted it (it failed):
   * the store may then fence on a head this view is not built on, so appends are refused
   * until a refresh succeeds.
   */
  #viewBehind = false;
  /** Node reads waiting for the end of the tick ({@link Log.nodeHashes}). */
  #nodeReads: { keys: string[]; resolve: (values: (Uint8Array | undefined)[]) => void; reject: (err: unknown) => void }[] = [];

  private constructor(store: RecordStore, options: LogOptions, frontier: MerkleFrontier, head: LogHead) {
    this.#store = store;
    const key = logPublicKey(options.logKey);
    this.#secretKey = 'secretKey' in options.logKey ? new Uint8Array(options.logKey.secretKey) : null;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.#verifier = options.verifier;
    this.#maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    this.#maxBatchRecords = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    this.#now = options.now ?? Date.now;
    this.origin = options.origin;
    this.verifierKey = makeVerifierKey(options.origin, key);
    this.#frontier = frontier;
    this.#rootHash = head.rootHash;
    this.#lastLeafHash = head.lastLeafHash;
    this.#lastTime = head.lastTime;
  }

  /**
   * Opens the log kept in `store`, creating an empty one if the store is empty.
   * @param store - a {@link RecordStore}; the log owns it from now on ({@link Log.close} closes it)
   * @param options - origin, log key and payload limit
   * @throws DataLedgerError `LEDGER_ORIGIN_MISMATCH` when the store holds another log,
   *   `STORE_CORRUPT` when the stored head does not match the stored tree, `STORE_IO`
   * @throws TypeError for an origin that cannot be a note key name
   */
  static async open(store: RecordStore, options: LogOptions): Promise<Log> {
    const origin = options?.origin;
    if (typeof origin !== 'string' || origin.length === 0 || origin.length > 512 || /[\s+\u0000-\u001F]/u.test(origin)) {
      throw new TypeError('options.origin: expected a non-empty name without spaces or "+"');
    }
    const publicKey = logPublicKey(options.logKey);
    const readOnly = !('secretKey' in options.logKey);
    const max = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError('options.maxPayloadBytes: expected a non-negative integer');
    const skew = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
    if (!Number.isSafeInteger(skew) || skew < 0) throw new RangeError('options.maxClockSkewMs: expected a non-negative integer');
    const batch = options.maxBatchRecords ?? DEFAULT_MAX_BATCH_RECORDS;
    if (!Number.isSafeInteger(batch) || batch < 1) throw new RangeError('options.maxBatchRecords: expected a positive integer');
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('options.now: expected a function');
    // The origin is also the checkpoint key name: refuse one that cannot be (a lone surrogate,
    // U+0085 …) before anything is written, so a refused open leaves the store as it was.
    makeVerifierKey(origin, publicKey);

    const [configBytes, headBytes] = await store.getMany([CONFIG_KEY, HEAD_KEY]);
    if (configBytes === undefined) {
      // Read-only: an empty store is an empty log, and stays untouched.
      if (readOnly) return new Log(store, options, new MerkleFrontier(), { size: 0, rootHash: EMPTY_ROOT, lastLeafHash: null, lastTime: null });
      const head: StoredHead = { size: 0, rootHash: toBase64(EMPTY_ROOT), lastLeafHash: null, lastTime: null };
      await store.batch([
        { type: 'put', key: CONFIG_KEY, value: te.encode(JSON.stringify({ format: LOG_FORMAT, origin })) },
        { type: 'put', key: HEAD_KEY, value: te.encode(JSON.stringify(head)) },
      ]);
      return new Log(store, options, new MerkleFrontier(), { size: 0, rootHash: EMPTY_ROOT, lastLeafHash: null, lastTime: null });
    }
    let config: { format?: unknown; origin?: unknown };
    let stored: StoredHead;
    try {
      config = JSON.parse(td.decode(configBytes)) as typeof config;
      stored = JSON.parse(td.decode(headBytes ?? new Uint8Array())) as StoredHead;
    } catch (cause) {
      throw corrupt('store: unreadable log configuration or head', cause);
    }
    if (config.format !== LOG_FORMAT) throw corrupt('store: not a dataledger log');
    if (config.origin !== origin) {
      throw provenanceError('LEDGER_ORIGIN_MISMATCH', `store holds the log ${String(config.origin)}, not ${origin}`, {
        stored: config.origin,
        origin,
      });
    }
    const { frontier, head } = await loadHead(store, stored);
    return new Log(store, options, frontier, head);
  }

  /**
   * Moves this log's view up to the head stored now, for a store that another process
   * appends to (several instances on one PostgreSQL log, one of them sequencing at a time).
   * Serialised with appends, so a batch is never built on a view older than the head read
   * here. The view never moves backwards, and a stored head of the same size with another
   * root is a fork, never adopted. After a refresh that fails, appends are refused with
   * `STORE_FENCED` until one succeeds (the store may fence on the head read, not on this view).
   * @returns the size after the refresh
   * @throws DataLedgerError `STORE_CORRUPT` when the stored head is behind this view, forks
   *   from it, or does not match the stored tree; `LEDGER_CLOSED`, `STORE_IO`
   */
  refresh(): Promise<number> {
    try {
      this.#checkOpen();
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return this.#exclusive(async () => {
      this.#checkOpen();
      this.#viewBehind = true;
      const bytes = await this.#store.get(HEAD_KEY);
      if (bytes === undefined) {
        if (this.size !== 0) throw corrupt('store: the head is gone');
        this.#viewBehind = false;
        return 0;
      }
      let stored: StoredHead;
      try {
        stored = JSON.parse(td.decode(bytes)) as StoredHead;
      } catch (cause) {
        throw corrupt('store: unreadable head', cause);
      }
      const size = this.size;
      if (stored.size === size) {
        if (stored.rootHash !== toBase64(this.#rootHash)) throw corrupt(`store: the stored head of size ${size} has another root than this log's`);
        this.#viewBehind = false;
        return size;
      }
      if (!(stored.size > size)) throw corrupt(`store: the stored head (size ${String(stored.size)}) is behind this log's (size ${size})`);
      const { frontier, head } = await loadHead(this.#store, stored);
      // The stored tree must extend this view (RFC 9162 §2.1.4: its first `size` leaves are ours).
      if (size > 0 && !equalBytes(await readRoot(this, size), this.#rootHash)) {
        throw corrupt(`store: the stored tree of size ${head.size} does not extend this log's of size ${size}`);
      }
      this.#frontier = frontier;
      this.#rootHash = head.rootHash;
      this.#lastLeafHash = head.lastLeafHash;
      this.#lastTime = head.lastTime;
      this.#viewBehind = false;
      return head.size;
    });
  }

  /** Number of records. */
  get size(): number {
    return this.#frontier.size;
  }

  /** The current head (a copy). */
  head(): LogHead {
    return {
      size: this.#frontier.size,
      rootHash: new Uint8Array(this.#rootHash),
      lastLeafHash: this.#lastLeafHash === null ? null : new Uint8Array(this.#lastLeafHash),
      lastTime: this.#lastTime,
    };
  }

  #checkOpen(): void {
    if (this.#closed) throw provenanceError('LEDGER_CLOSED', 'log: closed');
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Appends one record.
   * @param record - the signed record (untrusted: it is parsed and checked here)
   * @returns its index, leaf hash and the stored (normalised) record
   * @throws DataLedgerError `LEDGER_RECORD_MALFORMED`, `LEDGER_PAYLOAD_TOO_LARGE`,
   *   `LEDGER_INDEX_MISMATCH` (details `expected`, and `existingIndex` when this very record
   *   is already in the log), `LEDGER_CHAIN_BROKEN`, `LEDGER_TIME_ORDER`, `LEDGER_TIME_AHEAD`
   *   (dated more than `maxClockSkewMs` after the log's clock), `LEDGER_SIGNATURE_INVALID`,
   *   `LEDGER_CLOSED`, `STORE_IO`. On any error nothing is written.
   */
  async append(record: LedgerRecord): Promise<AppendResult> {
    const [r] = await this.appendBatch([record]);
    return r!;
  }

  /**
   * Appends records in order, all or nothing, in one atomic store batch.
   * @param records - signed records with consecutive indexes starting at the current size; a
   *   {@link VerifiedRecord} (from `verifySignedRecord`) is taken as checked, its signature not
   *   verified again
   * @throws as {@link Log.append}; error details carry the failing `position` in the batch;
   *   `LEDGER_BATCH_TOO_LARGE` beyond `maxBatchRecords` (details `records`, `limit`)
   */
  appendBatch(records: readonly (LedgerRecord | VerifiedRecord)[]): Promise<AppendResult[]> {
    if (!Array.isArray(records)) return Promise.reject(new TypeError('records: expected an array'));
    if (this.#secretKey === null) return Promise.reject(readOnlyError('append'));
    if (this.#closing) return Promise.reject(provenanceError('LEDGER_CLOSED', 'log: closed'));
    if (records.length > this.#maxBatchRecords) {
      const limit = this.#maxBatchRecords;
      return Promise.reject(
        provenanceError('LEDGER_BATCH_TOO_LARGE', `records: ${records.length} exceeds the batch limit of ${limit}`, { records: records.length, limit }),
      );
    }
    return this.#exclusive(() => this.#appendNow(records));
  }

  async #appendNow(records: readonly unknown[]): Promise<AppendResult[]> {
    this.#checkOpen();
    if (this.#viewBehind) throw provenanceError('STORE_FENCED', 'append: the last refresh of this log did not complete; refresh before appending');
    if (records.length === 0) return [];
    const checked: CheckedRecord[] = new Array<CheckedRecord>(records.length);
    // Records verified at the edge carry their texts, leaf hash and a checked signature.
    const verified: (VerifiedRecord | null)[] = records.map((r) => (isVerifiedRecord(r) ? r : null));
    for (let i = 0; i < records.length; i++) {
      const v = verified[i];
      try {
        checked[i] = v === null || v === undefined ? checkRecord(records[i], this.#maxPayloadBytes) : v;
        if (v !== null && v !== undefined) checkPayloadSize(v.texts.payload, this.#maxPayloadBytes);
      } catch (e) {
        throw withPosition(e, i);
      }
      // Every record must fit a C2SP tlog-tiles entry bundle (uint16 length prefix), or the
      // log could not serve it as tiles.
      const bytes = Buffer.byteLength(checked[i]!.texts.leaf, 'utf8');
      if (bytes > MAX_TILE_ENTRY_BYTES) {
        throw provenanceError('LEDGER_ENTRY_TOO_LARGE', `record: ${bytes} bytes of canonical JSON, more than ${MAX_TILE_ENTRY_BYTES}`, {
          position: i,
          bytes,
        });
      }
    }
    // Signatures first, in parallel when a verifier is configured; their results are consulted
    // in order below so the first fault reported is the lowest position.
    const unverified = verified.every((v) => v !== null) ? 0 : checked.length;
    const sigOk = this.#verifier !== undefined && unverified >= PARALLEL_MIN_BATCH ? await this.#verifier.verifyAll(checked.map(signatureCheckOf)) : null;
    this.#checkOpen();
    const frontier = this.#frontier.clone();
    const startSize = frontier.size;
    let lastLeafHash = this.#lastLeafHash;
    let lastTime = this.#lastTime;
    const ops: StoreOperation[] = [];
    const results: AppendResult[] = new Array<AppendResult>(records.length);
    // One reading of the clock per batch; the time format is fixed (RFC 3339 UTC, checkRecord).
    const latest = this.#now() + this.#maxClockSkewMs;
    for (let i = 0; i < checked.length; i++) {
      const { record, texts } = checked[i]!;
      const expected = startSize + i;
      if (record.index !== expected) {
        const details: Record<string, unknown> = { position: i, expected, index: record.index };
        if (record.index < startSize) {
          const existing = await this.indexOfLeafHash(leafHashOfText(texts.leaf));
          if (existing !== undefined) details.existingIndex = existing;
        }
        throw provenanceError('LEDGER_INDEX_MISMATCH', `record.index: expected ${expected}, got ${record.index}`, details);
      }
      const wantPrev = lastLeafHash === null ? '' : toBase64(lastLeafHash);
      if (record.prev !== wantPrev) {
        throw provenanceError('LEDGER_CHAIN_BROKEN', `record.prev: does not name the leaf hash of record ${expected - 1}`, {
          position: i,
          index: expected,
        });
      }
      if (lastTime !== null && record.time < lastTime) {
        throw provenanceError('LEDGER_TIME_ORDER', `record.time: ${record.time} is before the previous record's ${lastTime}`, {
          position: i,
          index: expected,
        });
      }
      // Beside the order rule it protects: a time past the clock would hold every later record hostage.
      if (Date.parse(record.time) > latest) {
        throw provenanceError('LEDGER_TIME_AHEAD', `record.time: ${record.time} is more than ${this.#maxClockSkewMs} ms after the log's clock`, {
          position: i,
          index: expected,
          maxClockSkewMs: this.#maxClockSkewMs,
        });
      }
      if (verified[i] === null && !(sigOk === null ? verifyCheckedRecord(checked[i]!) : sigOk[i])) {
        throw provenanceError('LEDGER_SIGNATURE_INVALID', `record.sig: not a valid signature by ${record.actor}`, { position: i, index: expected });
      }
      const leaf = verified[i]?.leafHash ?? leafHashOfText(texts.leaf);
      ops.push(
        { type: 'put', key: recordKey(expected), value: te.encode(texts.leaf) },
        { type: 'put', key: nodeKey(0, expected), value: leaf },
        { type: 'put', key: leafIndexKey(leaf), value: te.encode(String(expected)) },
      );
      frontier.push(leaf, (level, idx, hash) => ops.push({ type: 'put', key: nodeKey(level, idx), value: hash }));
      lastLeafHash = leaf;
      lastTime = record.time;
      results[i] = { index: expected, leafHash: leaf, record };
    }
    const rootHash = frontier.root();
    const head: StoredHead = { size: frontier.size, rootHash: toBase64(rootHash), lastLeafHash: toBase64(lastLeafHash!), lastTime };
    ops.push({ type: 'put', key: HEAD_KEY, value: te.encode(JSON.stringify(head)) });
    this.#checkOpen();
    await this.#store.batch(ops);
    // Only now, with the batch durable, does the in-memory head move.
    this.#frontier = frontier;
    this.#rootHash = rootHash;
    this.#lastLeafHash = lastLeafHash;
    this.#lastTime = lastTime;
    return results;
  }

  #checkIndex(index: number, name: string, size: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
      throw provenanceError('LEDGER_INDEX_OUT_OF_RANGE', `${name}: ${String(index)} is not in [0, ${size})`, { [name]: index, size });
    }
  }

  /**
   * The record at `index`.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE`
   */
  async get(index: number): Promise<LedgerRecord> {
    this.#checkOpen();
    this.#checkIndex(index, 'index', this.size);
    const v = await this.#store.get(recordKey(index));
    if (v === undefined) throw corrupt(`store: record ${index} missing`);
    return readStoredRecord(v, index);
  }

  /**
   * Records in [start, end), in order, streamed from the store.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 0 ≤ start ≤ end ≤ size
   */
  async *records(start: number, end: number = this.size): AsyncIterable<LedgerRecord> {
    this.#checkRange(start, end);
    let next = start;
    for await (const [, v] of this.#store.iterate({ gte: recordKey(start), lt: recordKey(end) })) {
      const r = readStoredRecord(v, next);
      if (r.index !== next) throw corrupt(`store: record ${next} missing`);
      next++;
      yield r;
    }
    if (next !== end) throw corrupt(`store: record ${next} missing`);
  }

  #checkRange(start: number, end: number): void {
    this.#checkOpen();
    const size = this.size;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > size) {
      throw provenanceError('LEDGER_INDEX_OUT_OF_RANGE', `range: [${String(start)}, ${String(end)}) is not within [0, ${size}]`, {
        start,
        end,
        size,
      });
    }
  }

  /**
   * Records in [start, end) as an array.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 0 ≤ start ≤ end ≤ size
   */
  async entries(start: number, end: number = this.size): Promise<LedgerRecord[]> {
    const out: LedgerRecord[] = [];
    for await (const r of this.records(start, end)) out.push(r);
    return out;
  }

  /**
   * The leaf hash of record `index`.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE`
   */
  async leafHashAt(index: number): Promise<Uint8Array> {
    this.#checkOpen();
    this.#checkIndex(index, 'index', this.size);
    const v = await this.#store.get(nodeKey(0, index));
    if (v === undefined || v.length !== 32) throw corrupt(`store: leaf hash ${index} missing`);
    return v;
  }

  /**
   * The index of the record with this leaf hash, if it is in the log.
   * @throws DataLedgerError `CORE_HASH_LENGTH` when `hash` is not 32 bytes
   */
  async indexOfLeafHash(hash: Uint8Array): Promise<number | undefined> {
    this.#checkOpen();
    assertHash(hash, 'hash');
    const v = await this.#store.get(leafIndexKey(hash));
    if (v === undefined) return undefined;
    const index = Number(td.decode(v));
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) return undefined;
    // An entry left by an import that did not complete may name an index now holding another
    // record: only the stored leaf hash at that index settles it.
    const stored = await this.#store.get(nodeKey(0, index));
    return stored !== undefined && equalBytes(stored, hash) ? index : undefined;
  }

  /**
   * Stored subtree hashes: those of the complete subtrees of 2^`level` leaves at positions
   * [start, start + count) — Go `tlog.HashReader`, addressed by level and position. The C2SP
   * tlog-tiles server reads its tiles through this.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless those subtrees are complete in
   *   the current tree; `STORE_CORRUPT` when one is missing
   */
  async nodeHashes(level: number, start: number, count: number): Promise<Uint8Array[]> {
    this.#checkOpen();
    const size = this.size;
    if (
      !Number.isInteger(level) ||
      level < 0 ||
      level > 63 ||
      !Number.isSafeInteger(start) ||
      start < 0 ||
      !Number.isSafeInteger(count) ||
      count < 0 ||
      (start + count) * 2 ** level > size
    ) {
      throw provenanceError(
        'LEDGER_INDEX_OUT_OF_RANGE',
        `nodes: level ${String(level)} [${String(start)}, +${String(count)}) are not complete in the tree of ${size}`,
        {
          level,
          start,
          count,
          size,
        },
      );
    }
    if (count === 0) return [];
    const keys = Array.from({ length: count }, (_, i) => nodeKey(level, start + i));
    const values = await this.#readNodes(keys);
    return values.map((v, i) => {
      if (v === undefined || v.length !== 32) throw corrupt(`store: tree node ${keys[i]} missing`);
      return v;
    });
  }

  /**
   * Reads stored nodes, joining the reads issued in one tick into one store `getMany`: the Merkle
   * engine asks for every run of nodes a proof needs at once, so a proof stays one store round
   * trip (as Go's `tlog` reads all of a proof's stored hashes with one `ReadHashes`).
   */
  #readNodes(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    return new Promise((resolve, reject) => {
      if (this.#nodeReads.length === 0) queueMicrotask(() => this.#flushNodeReads());
      this.#nodeReads.push({ keys, resolve, reject });
    });
  }

  #flushNodeReads(): void {
    const reads = this.#nodeReads;
    this.#nodeReads = [];
    const settle = (values: (Uint8Array | undefined)[]): void => {
      let at = 0;
      for (const r of reads) {
        r.resolve(values.slice(at, at + r.keys.length));
        at += r.keys.length;
      }
    };
    const fail = (err: unknown): void => {
      for (const r of reads) r.reject(err);
    };
    try {
      this.#store.getMany(reads.flatMap((r) => r.keys)).then(settle, fail);
    } catch (err) {
      fail(err);
    }
  }

  /**
   * The stored bytes (canonical JSON, UTF-8) of records [start, end), in order: the entries of
   * C2SP tlog-tiles entry bundles.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 0 ≤ start ≤ end ≤ size
   */
  async entryData(start: number, end: number): Promise<Uint8Array[]> {
    this.#checkRange(start, end);
    const out: Uint8Array[] = [];
    for await (const [, v] of this.#store.iterate({ gte: recordKey(start), lt: recordKey(end) })) out.push(v);
    if (out.length !== end - start) throw corrupt(`store: record ${start + out.length} missing`);
    return out;
  }

  /**
   * The root hash of the tree of the first `treeSize` records, from stored nodes.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 0 ≤ treeSize ≤ size
   */
  async rootHashAt(treeSize: number): Promise<Uint8Array> {
    this.#checkRange(0, treeSize);
    if (treeSize === 0) return EMPTY_ROOT;
    if (treeSize === this.size) return new Uint8Array(this.#rootHash);
    return readRoot(this, treeSize);
  }

  /**
   * RFC 9162 §2.1.3.1 inclusion proof of record `index` in the tree of `treeSize` records,
   * built from O(log n) stored nodes.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 0 ≤ index < treeSize ≤ size
   */
  async inclusionProof(index: number, treeSize: number = this.size): Promise<Uint8Array[]> {
    this.#checkRange(0, treeSize);
    this.#checkIndex(index, 'index', treeSize);
    return readInclusionProof(this, index, treeSize);
  }

  /**
   * RFC 9162 §2.1.4.1 consistency proof from the tree of `size1` records to that of `size2`.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 1 ≤ size1 ≤ size2 ≤ size
   */
  async consistencyProof(size1: number, size2: number = this.size): Promise<Uint8Array[]> {
    this.#checkRange(0, size2);
    if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2) {
      throw provenanceError('LEDGER_INDEX_OUT_OF_RANGE', `size1: ${String(size1)} is not in [1, ${size2}]`, { size1, size2 });
    }
    if (size1 === size2) return [];
    return readConsistencyProof(this, size1, size2);
  }

  /** The C2SP signed checkpoint of the current head, signed with the log key. */
  checkpoint(): Promise<string> {
    try {
      this.#checkOpen();
      return Promise.resolve(this.#checkpointNow());
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /**
   * The C2SP signed checkpoint of the tree of the first `treeSize` records. Ed25519 note
   * signatures are deterministic (RFC 8032 §5.1.6): the same size always gives the same note,
   * so receipts built on it are reproducible.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` unless 0 ≤ treeSize ≤ size, `LEDGER_CLOSED`
   */
  async checkpointAt(treeSize: number): Promise<string> {
    this.#checkOpen();
    if (treeSize === this.size) return this.#checkpointNow();
    if (this.#secretKey === null) throw readOnlyError('checkpoint');
    const secretKey = this.#secretKey;
    const rootHash = await this.rootHashAt(treeSize);
    return signCheckpoint({ origin: this.origin, size: treeSize, rootHash }, { name: this.origin, secretKey });
  }

  #checkpointNow(): string {
    const size = this.size;
    if (this.#checkpointCache?.size !== size) {
      if (this.#secretKey === null) throw readOnlyError('checkpoint');
      const note = signCheckpoint({ origin: this.origin, size, rootHash: this.#rootHash }, { name: this.origin, secretKey: this.#secretKey });
      this.#checkpointCache = { size, note };
    }
    return this.#checkpointCache.note;
  }

  /**
   * Exports the log as a JSON Lines bundle, one string per line (each ending in `\n`):
   * line 1 the header `{"format":"dataledger-bundle/v1","origin":…,"logKey":<vkey>}`, then
   * every record's canonical JSON in index order, and last the signed checkpoint note as a
   * JSON string. The bundle is a snapshot of the size when iteration starts.
   */
  async *exportBundle(): AsyncIterable<string> {
    this.#checkOpen();
    const size = this.size;
    const note = this.#checkpointNow();
    yield `${JSON.stringify({ format: BUNDLE_FORMAT, origin: this.origin, logKey: this.verifierKey })}\n`;
    let next = 0;
    for await (const [, v] of this.#store.iterate({ gte: recordKey(0), lt: recordKey(size) })) {
      next++;
      yield `${td.decode(v)}\n`;
    }
    if (next !== size) throw corrupt(`store: record ${next} missing`);
    yield `${JSON.stringify(note)}\n`;
  }

  /**
   * Restores an exported bundle into this empty log. The bundle is verified in full
   * ({@link verifyBundle}) while its records, Merkle nodes and leaf index stream into the
   * store in bounded batches; the head — the only thing that makes records visible — is
   * written last, once the whole bundle has verified. Memory stays O(log n). A bad bundle
   * leaves the log exactly as it was: what was streamed is invisible beyond the head, and
   * is deleted before the error is thrown.
   * @returns the bundle report (valid)
   * @throws DataLedgerError with the report's `BUNDLE_…` code when the bundle is invalid,
   *   `BUNDLE_ORIGIN_MISMATCH` when it is another log's, `BUNDLE_TOO_LARGE` beyond
   *   `maxRecords`, `LEDGER_TIME_AHEAD` for a record dated beyond the clock skew,
   *   `LEDGER_INDEX_MISMATCH` when this log is not empty
   */
  importBundle(source: BundleSource, options: ImportBundleOptions = {}): Promise<BundleReport> {
    try {
      this.#checkOpen();
      if (this.#closing) throw provenanceError('LEDGER_CLOSED', 'log: closed');
    } catch (e) {
      return Promise.reject(e as Error);
    }
    // Exclusive: no append may interleave with the streamed records.
    return this.#exclusive(() => this.#importNow(source, options));
  }

  async #importNow(source: BundleSource, options: ImportBundleOptions): Promise<BundleReport> {
    this.#checkOpen();
    if (this.#secretKey === null) throw readOnlyError('importBundle');
    if (this.size !== 0) throw provenanceError('LEDGER_INDEX_MISMATCH', 'importBundle: the log is not empty', { expected: 0, size: this.size });
    const maxRecords = options.maxRecords ?? DEFAULT_MAX_IMPORT_RECORDS;
    const latest = this.#now() + this.#maxClockSkewMs;
    const frontier = new MerkleFrontier();
    let lastLeafHash: Uint8Array | null = null;
    let lastTime: string | null = null;
    let ops: StoreOperation[] = [];
    const opts: Parameters<typeof verifyBundle>[1] = {
      maxPayloadBytes: this.#maxPayloadBytes,
      ...(this.#verifier === undefined ? {} : { verifier: this.#verifier }),
      onRecord: (record, index, leaf, leafText) => {
        if (index >= maxRecords) throw provenanceError('BUNDLE_TOO_LARGE', `importBundle: more than ${maxRecords} records`, { maxRecords });
        if (Date.parse(record.time) > latest) {
          throw provenanceError('LEDGER_TIME_AHEAD', `record ${index}: ${record.time} is more than ${this.#maxClockSkewMs} ms after the log's clock`, {
            index,
            maxClockSkewMs: this.#maxClockSkewMs,
          });
        }
        ops.push(
          { type: 'put', key: recordKey(index), value: te.encode(leafText) },
          { type: 'put', key: nodeKey(0, index), value: leaf },
          { type: 'put', key: leafIndexKey(leaf), value: te.encode(String(index)) },
        );
        frontier.push(leaf, (level, idx, hash) => ops.push({ type: 'put', key: nodeKey(level, idx), value: hash }));
        lastLeafHash = leaf;
        lastTime = record.time;
        if (ops.length < IMPORT_CHUNK * 3) return undefined;
        const full = ops;
        ops = [];
        return this.#store.batch(full);
      },
    };
    opts.trustedLogKeys = options.trustedLogKeys ?? [this.verifierKey];
    if (options.maxLineBytes !== undefined) opts.maxLineBytes = options.maxLineBytes;
    let report: BundleReport;
    try {
      report = await verifyBundle(source, opts);
      if (!report.valid) {
        throw provenanceError(report.code ?? 'BUNDLE_MALFORMED', report.reason ?? 'invalid bundle', { firstBadIndex: report.firstBadIndex, size: report.size });
      }
      if (report.checkpoint!.origin !== this.origin) {
        throw provenanceError('BUNDLE_ORIGIN_MISMATCH', `importBundle: the bundle is of ${report.checkpoint!.origin}, not ${this.origin}`);
      }
      this.#checkOpen();
    } catch (e) {
      await this.#discardBeyondHead().catch(() => undefined);
      throw e;
    }
    if (frontier.size === 0) return report;
    const rootHash = frontier.root();
    const head: StoredHead = { size: frontier.size, rootHash: toBase64(rootHash), lastLeafHash: toBase64(lastLeafHash!), lastTime };
    ops.push({ type: 'put', key: HEAD_KEY, value: te.encode(JSON.stringify(head)) });
    await this.#store.batch(ops);
    this.#frontier = frontier;
    this.#rootHash = rootHash;
    this.#lastLeafHash = lastLeafHash;
    this.#lastTime = lastTime;
    return report;
  }

  /**
   * Deletes records, nodes and leaf-index entries the head does not cover (a failed import
   * into the empty log; such entries are unreachable anyway, see {@link Log.indexOfLeafHash}).
   */
  async #discardBeyondHead(): Promise<void> {
    if (this.size !== 0) return;
    for (const [gte, lt] of [
      ['r:', 'r;'],
      ['n:', 'n;'],
      ['l:', 'l;'],
    ] as const) {
      for (;;) {
        const keys: StoreOperation[] = [];
        for await (const [key] of this.#store.iterate({ gte, lt, limit: IMPORT_CHUNK })) keys.push({ type: 'del', key });
        if (keys.length === 0) break;
        await this.#store.batch(keys);
      }
    }
  }

  /** Waits for pending appends, then closes the log and its store. Idempotent. */
  close(): Promise<void> {
    if (this.#closePromise === null) {
      this.#closing = true;
      this.#closePromise = (async () => {
        await this.#queue;
        this.#closed = true;
        await this.#store.close();
      })();
    }
    return this.#closePromise;
  }
}
