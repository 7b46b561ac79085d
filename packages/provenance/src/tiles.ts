/**
 * A C2SP tlog-tiles client (https://c2sp.org/tlog-tiles): fetches a log's signed checkpoint
 * and verifies it with the log keys it is given, computes inclusion and consistency proofs from
 * hash tiles and verifies them against the checkpoint roots (RFC 9162 §2.1.3, §2.1.4), and
 * streams the entries from entry bundles for a replay.
 *
 * Nothing fetched is trusted: a tile is only used through a proof that must verify against a
 * signed root (as with Go's `tlog.TileHashReader`), and a replay rebuilds the root from the
 * entries themselves, so a tampered tile or bundle is always detected.
 */
import { equalBytes } from '@dataledger/core';
import { BUNDLE_FORMAT, verifyBundle, type BundleReport, type VerifyBundleOptions } from './bundle.ts';
import { openCheckpoint, type Checkpoint } from './checkpoint.ts';
import { provenanceError } from './errors.ts';
import { perfectRoot, readConsistencyProof, readInclusionProof, verifyConsistency, verifyInclusion, type HashReader } from './merkle.ts';
import { decodeEntryBundle, entryBundlePath, splitTileHashes, TILE_HEIGHT, TILE_WIDTH, tilePath, tileWidthAt, type TileCoord } from './tlog-tiles.ts';

/** Options of {@link TileLogClient}. */
export interface TileLogClientOptions {
  /** The log's tiles prefix, e.g. `https://ledger.example/tlog` (`<prefix>/checkpoint`, `<prefix>/tile/…`). */
  url: string;
  /** C2SP verifier keys of the log; a checkpoint must carry a valid signature by one of them. */
  logKeys: string[];
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** Per-request timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Entry bundles fetched ahead while streaming entries (default 4). */
  prefetch?: number;
}

/** A checkpoint whose signature verified with one of the client's log keys. */
export interface VerifiedCheckpoint {
  /** The signed note as fetched. */
  note: string;
  /** The parsed checkpoint. */
  checkpoint: Checkpoint;
  /** The trusted keys whose signatures verified. */
  verifiedBy: string[];
}

/** Most bytes of a checkpoint note accepted. */
const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** Most bytes of an entry bundle: 256 entries of at most 65,535 bytes, each with its prefix. */
const MAX_BUNDLE_BYTES = TILE_WIDTH * (0xffff + 2);
const MAX_TILE_BYTES = TILE_WIDTH * 32;
/** Hash tiles kept in memory (a proof needs O(log n) of them; a replay needs none). */
const TILE_CACHE = 1024;

/**
 * Reads a log through its C2SP tlog-tiles API and verifies what it reads.
 * @example
 * ```ts
 * const client = new TileLogClient({ url: 'https://ledger.example/tlog', logKeys: [vkey] });
 * const cp = await client.checkpoint();
 * await client.verifyInclusion(leafHash, 41, cp.checkpoint);
 * const report = await client.replay(cp);
 * ```
 */
export class TileLogClient {
  readonly #prefix: string;
  readonly #logKeys: string[];
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #prefetch: number;
  readonly #tiles = new Map<string, Promise<Uint8Array[]>>();

  /**
   * @throws TypeError for a URL that is not http(s) or an empty key list
   */
  constructor(options: TileLogClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new TypeError('options.url: expected an absolute http(s) URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('options.url: expected an absolute http(s) URL');
    if (!Array.isArray(options.logKeys) || options.logKeys.length === 0) throw new TypeError('options.logKeys: expected at least one verifier key');
    this.#prefix = url.toString().replace(/\/+$/u, '');
    this.#logKeys = [...options.logKeys];
    this.#fetch = options.fetch ?? fetch;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#prefetch = Math.max(1, options.prefetch ?? 4);
  }

  async #get(path: string, maxBytes: number): Promise<Uint8Array> {
    const url = `${this.#prefix}/${path}`;
    let res: Response;
    try {
      res = await this.#fetch(url, { signal: AbortSignal.timeout(this.#timeoutMs), headers: { 'accept-encoding': 'gzip, identity' } });
    } catch (cause) {
      throw provenanceError('TILES_HTTP', `GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { url }, cause);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw provenanceError('TILES_HTTP', `GET ${url}: HTTP ${res.status}`, { url, status: res.status });
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      throw provenanceError('TILES_MALFORMED', `GET ${url}: ${declared} bytes, more than ${maxBytes}`, { url });
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (cause) {
      throw provenanceError('TILES_HTTP', `GET ${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { url }, cause);
    }
    if (bytes.length > maxBytes) throw provenanceError('TILES_MALFORMED', `GET ${url}: more than ${maxBytes} bytes`, { url });
    return bytes;
  }

  /**
   * Fetches the current checkpoint and verifies its signature.
   * @throws DataLedgerError `TILES_HTTP`; `CHECKPOINT_NOTE_MALFORMED`, `CHECKPOINT_MALFORMED`,
   *   `CHECKPOINT_SIGNATURE_INVALID` or `CHECKPOINT_UNVERIFIED` (no trusted key signed it)
   */
  async checkpoint(): Promise<VerifiedCheckpoint> {
    const bytes = await this.#get('checkpoint', MAX_CHECKPOINT_BYTES);
    let note: string;
    try {
      note = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (cause) {
      throw provenanceError('CHECKPOINT_NOTE_MALFORMED', 'checkpoint: not UTF-8', undefined, cause);
    }
    const { checkpoint, verifiedBy } = openCheckpoint(note, this.#logKeys);
    return { note, checkpoint, verifiedBy };
  }

  /**
   * The hashes of one hash tile (unverified: use them through a proof).
   * @throws DataLedgerError `TILES_HTTP`, `TILES_MALFORMED`
   */
  tileHashes(coord: TileCoord): Promise<Uint8Array[]> {
    const path = tilePath(coord);
    let p = this.#tiles.get(path);
    if (p === undefined) {
      p = this.#get(path, MAX_TILE_BYTES).then((bytes) => splitTileHashes(bytes, coord.width));
      p.catch(() => this.#tiles.delete(path));
      if (this.#tiles.size >= TILE_CACHE) this.#tiles.delete(this.#tiles.keys().next().value!);
      this.#tiles.set(path, p);
    }
    return p;
  }

  /**
   * The entries of one entry bundle (unverified).
   * @throws DataLedgerError `TILES_HTTP`, `TILES_MALFORMED`
   */
  async entryBundle(index: number, width: number): Promise<Uint8Array[]> {
    return decodeEntryBundle(await this.#get(entryBundlePath(index, width), MAX_BUNDLE_BYTES), width);
  }

  /**
   * The tree of `treeSize` entries as a Merkle {@link HashReader} over hash tiles: a stored node
   * at Merkle level k is MTH of 2^k leaves; it lies in tile level floor(k / 8) and is the root of
   * the 2^(k mod 8) consecutive hashes of that tile below it (C2SP tlog-tiles).
   */
  #reader(treeSize: number): HashReader {
    return {
      nodeHashes: (level: number, start: number, count: number): Promise<Uint8Array[]> => {
        const tileLevel = Math.floor(level / TILE_HEIGHT);
        const span = 2 ** (level - tileLevel * TILE_HEIGHT);
        return Promise.all(
          Array.from({ length: count }, async (_, i) => {
            const first = (start + i) * span;
            const tileIndex = Math.floor(first / TILE_WIDTH);
            const width = tileWidthAt(tileLevel, tileIndex, treeSize);
            const row = await this.tileHashes({ level: tileLevel, index: tileIndex, width });
            const offset = first - tileIndex * TILE_WIDTH;
            if (offset + span > row.length)
              throw provenanceError('TILES_MALFORMED', `tile ${tileLevel}/${tileIndex}: no hash at ${offset}`, { level: tileLevel, index: tileIndex });
            return perfectRoot(row.slice(offset, offset + span));
          }),
        );
      },
    };
  }

  /**
   * An RFC 9162 §2.1.3.1 inclusion proof of entry `index` in the tree of `treeSize`, from tiles.
   * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE`, `TILES_HTTP`, `TILES_MALFORMED`
   */
  async inclusionProof(index: number, treeSize: number): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize) || index < 0 || index >= treeSize) {
      throw provenanceError('LEDGER_INDEX_OUT_OF_RANGE', `index: ${String(index)} is not in [0, ${String(treeSize)})`, { index, treeSize });
    }
    return readInclusionProof(this.#reader(treeSize), index, treeSize);
  }

  /**
   * Verifies that `leaf` is entry `index` of the tree a verified checkpoint signs.
   * @throws DataLedgerError `TILES_PROOF_INVALID` when the tiles do not prove it; `TILES_HTTP`, `TILES_MALFORMED`
   */
  async verifyInclusion(leaf: Uint8Array, index: number, checkpoint: Checkpoint): Promise<void> {
    const proof = await this.inclusionProof(index, checkpoint.size);
    if (!verifyInclusion({ leafHash: leaf, index, treeSize: checkpoint.size, proof, root: checkpoint.rootHash })) {
      throw provenanceError('TILES_PROOF_INVALID', `tiles: entry ${index} is not proven in the tree of ${checkpoint.size}`, {
        index,
        treeSize: checkpoint.size,
      });
    }
  }

  /**
   * Verifies that the tree of `newer` extends that of `older` (RFC 9162 §2.1.4), from the
   * newer tree's tiles; the defence against a log that forks or rolls back.
   * @throws DataLedgerError `TILES_PROOF_INVALID` when it does not (also when `newer` is
   *   smaller, or the origins differ); `TILES_HTTP`, `TILES_MALFORMED`
   */
  async verifyConsistency(older: Checkpoint, newer: Checkpoint): Promise<void> {
    const fail = (why: string): Error =>
      provenanceError('TILES_PROOF_INVALID', `tiles: the tree of ${newer.size} is not consistent with that of ${older.size}: ${why}`, {
        size1: older.size,
        size2: newer.size,
      });
    if (older.origin !== newer.origin) throw fail('another origin');
    if (older.size > newer.size) throw fail('the log shrank');
    if (older.size === 0) return;
    if (older.size === newer.size) {
      if (!equalBytes(older.rootHash, newer.rootHash)) throw fail('two roots for one size');
      return;
    }
    const proof = await readConsistencyProof(this.#reader(newer.size), older.size, newer.size);
    if (!verifyConsistency({ size1: older.size, size2: newer.size, root1: older.rootHash, root2: newer.rootHash, proof }))
      throw fail('the proof does not verify');
  }

  /**
   * Streams entries [start, end) of the tree of `checkpoint`, in order, from entry bundles
   * fetched a few ahead. Unverified on their own: {@link TileLogClient.replay} rebuilds the
   * root from them; a single entry is checked with {@link TileLogClient.verifyInclusion}.
   * @throws DataLedgerError `TILES_HTTP`, `TILES_MALFORMED`, `LEDGER_INDEX_OUT_OF_RANGE`
   */
  async *entries(checkpoint: Checkpoint, start = 0, end: number = checkpoint.size): AsyncIterable<{ index: number; data: Uint8Array }> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || start > end || end > checkpoint.size) {
      throw provenanceError('LEDGER_INDEX_OUT_OF_RANGE', `range: [${String(start)}, ${String(end)}) is not within [0, ${checkpoint.size}]`, { start, end });
    }
    const first = Math.floor(start / TILE_WIDTH);
    const last = Math.ceil(end / TILE_WIDTH);
    const pending: Promise<Uint8Array[]>[] = [];
    let next = first;
    const fill = (): void => {
      while (next < last && pending.length < this.#prefetch) {
        const p = this.entryBundle(next, tileWidthAt(0, next, checkpoint.size));
        p.catch(() => undefined); // awaited in order below; keeps an early failure from going unhandled
        pending.push(p);
        next++;
      }
    };
    for (let n = first; n < last; n++) {
      fill();
      const bundle = await pending.shift()!;
      for (let i = 0; i < bundle.length; i++) {
        const index = n * TILE_WIDTH + i;
        if (index >= start && index < end) yield { index, data: bundle[i]! };
      }
    }
  }

  /**
   * The log as JSON Lines bundle chunks (header, one canonical record per line, the signed
   * checkpoint), read from the tiles of `verified`: what `dataledger export --url` writes and
   * {@link verifyBundle} replays.
   * @throws DataLedgerError `TILES_HTTP`, `TILES_MALFORMED` (an entry holding a line break)
   */
  async *bundleChunks(verified: VerifiedCheckpoint): AsyncIterable<Uint8Array> {
    const te = new TextEncoder();
    const header = { format: BUNDLE_FORMAT, origin: verified.checkpoint.origin, logKey: verified.verifiedBy[0] ?? this.#logKeys[0] };
    yield te.encode(`${JSON.stringify(header)}\n`);
    let batch: Uint8Array[] = [];
    let bytes = 0;
    for await (const { index, data } of this.entries(verified.checkpoint)) {
      // Canonical JSON never holds a raw line break; one here would split a record in two lines.
      if (data.includes(0x0a)) throw provenanceError('TILES_MALFORMED', `entry ${index}: holds a line break`, { index });
      batch.push(data, NEWLINE);
      bytes += data.length + 1;
      if (bytes >= 1 << 16) {
        yield Buffer.concat(batch);
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) yield Buffer.concat(batch);
    yield te.encode(`${JSON.stringify(verified.note)}\n`);
  }

  /**
   * Replays the log from its tiles: every record's shape, index, `prev`, time order and actor
   * signature, and the root rebuilt from the entries against the signed checkpoint — the bundle
   * verifier's checks ({@link verifyBundle}), trusting only the client's log keys.
   * @param verified - the checkpoint to replay up to (default: fetch the current one)
   * @param options - bundle verifier options (record callback, payload limit, parallel verifier)
   * @returns the bundle report: a record or root that does not verify is a report with its
   *   `BUNDLE_…` code
   * @throws DataLedgerError `TILES_HTTP` when the log cannot be read, `TILES_MALFORMED` when a
   *   bundle is not the size its path promises, the checkpoint codes of {@link TileLogClient.checkpoint}
   */
  async replay(verified?: VerifiedCheckpoint, options: Omit<VerifyBundleOptions, 'trustedLogKeys'> = {}): Promise<BundleReport> {
    const cp = verified ?? (await this.checkpoint());
    return verifyBundle(this.bundleChunks(cp), { ...options, trustedLogKeys: this.#logKeys });
  }
}

const NEWLINE = new Uint8Array([0x0a]);
