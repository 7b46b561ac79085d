/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the log's Merkle tree and entries as static,
 * cacheable resources. Paths, the entry-bundle encoding, tile widths for a tree size, and the
 * server side (reading a tile from a {@link TileReader}, such as the `Log`).
 *
 * - A tile at level L, index N holds, for i in [0, W), MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L]):
 *   the stored subtree hash at Merkle level 8·L, position N·256 + i. Full tiles have W = 256
 *   (8,192 bytes); the rightmost tile of a level may be partial, W = floor(s / 256^L) mod 256.
 * - An entry bundle holds the entries of the level-0 tile of the same N and W, each as a
 *   big-endian uint16 length followed by the entry (here: the canonical record bytes).
 * - N is written as zero-padded 3-digit path elements, all but the last prefixed with `x`
 *   (1234067 → `x001/x234/067`), as in Go's `sumdb/tlog` `Tile.Path`.
 */
import { provenanceError } from './errors.ts';
import type { HashReader } from './merkle.ts';

/** Tile height: each tile spans 8 Merkle levels (C2SP tlog-tiles fixes it). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile, and entries in a full entry bundle. */
export const TILE_WIDTH = 256;
/** The largest entry an entry bundle can hold (uint16 length prefix). */
export const MAX_TILE_ENTRY_BYTES = 0xffff;
const HASH = 32;

/** A tile or entry bundle: level (0 for bundles), index within the level, width 1–256 (256: full). */
export interface TileCoord {
  level: number;
  index: number;
  width: number;
}

/** A parsed tile path: a Merkle hash tile, or an entry bundle. */
export type TilePath = ({ kind: 'hashes' } & TileCoord) | ({ kind: 'entries' } & TileCoord);

/**
 * Encodes a tile index as C2SP 3-digit path elements (`x001/x234/067`).
 * @throws RangeError for a negative or unsafe index
 */
export function tileIndexPath(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('index: expected a non-negative safe integer');
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

function widthSuffix(width: number): string {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) throw new RangeError('width: expected an integer in [1, 256]');
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/**
 * The path of a hash tile, relative to the log prefix: `tile/<L>/<N>[.p/<W>]`.
 * @throws RangeError for a level outside [0, 63] or a width outside [1, 256]
 */
export function tilePath(tile: TileCoord): string {
  if (!Number.isInteger(tile.level) || tile.level < 0 || tile.level > 63) throw new RangeError('level: expected an integer in [0, 63]');
  return `tile/${tile.level}/${tileIndexPath(tile.index)}${widthSuffix(tile.width)}`;
}

/** The path of an entry bundle, relative to the log prefix: `tile/entries/<N>[.p/<W>]`. */
export function entryBundlePath(index: number, width: number): string {
  return `tile/entries/${tileIndexPath(index)}${widthSuffix(width)}`;
}

const LEVEL = /^(0|[1-9][0-9]?)$/u;
const WIDTH = /^([1-9][0-9]{0,2})$/u;

/**
 * Parses the part of a tiles URL after `tile/` (e.g. `0/x001/234.p/7`, `entries/005`). Only the
 * canonical spelling is accepted: no extra leading zeroes, no empty leading groups, W in
 * [1, 255], L in [0, 63]; anything else is null, so every resource has exactly one URL.
 * @param rest - the path after `tile/` (untrusted)
 * @returns the tile, or null when the path is not a tile path
 */
export function parseTilePath(rest: string): TilePath | null {
  if (typeof rest !== 'string' || rest.length > 200) return null;
  let parts = rest.split('/');
  let width = TILE_WIDTH;
  // `.p/<W>`: the second-to-last element ends with `.p`, the last is W.
  if (parts.length >= 3 && parts[parts.length - 2]!.endsWith('.p')) {
    const w = parts[parts.length - 1]!;
    if (!WIDTH.test(w) || Number(w) >= TILE_WIDTH) return null;
    width = Number(w);
    parts = [...parts.slice(0, -2), parts[parts.length - 2]!.slice(0, -2)];
  }
  const head = parts[0]!;
  let kind: TilePath['kind'];
  let level = 0;
  if (head === 'entries') kind = 'entries';
  else if (LEVEL.test(head) && Number(head) <= 63) {
    kind = 'hashes';
    level = Number(head);
  } else return null;
  const groups = parts.slice(1);
  if (groups.length === 0 || groups.length > 6) return null;
  let index = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    const digits = i < groups.length - 1 ? (g.startsWith('x') ? g.slice(1) : null) : g;
    if (digits === null || !/^[0-9]{3}$/u.test(digits)) return null;
    index = index * 1000 + Number(digits);
  }
  if (!Number.isSafeInteger(index) || tileIndexPath(index) !== groups.join('/')) return null;
  return { kind, level, index, width };
}

/**
 * The width of tile (level, index) in a tree of `treeSize` entries: 256 when full, 1–255 when
 * it is the rightmost, partial tile, 0 when the tree has no hash of it yet.
 */
export function tileWidthAt(level: number, index: number, treeSize: number): number {
  const available = Math.floor(treeSize / TILE_WIDTH ** level) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, available));
}

/**
 * Encodes entries as a C2SP entry bundle (big-endian uint16 length prefixes).
 * @throws DataLedgerError `LEDGER_ENTRY_TOO_LARGE` for an entry over 65,535 bytes
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const e of entries) {
    if (e.length > MAX_TILE_ENTRY_BYTES)
      throw provenanceError('LEDGER_ENTRY_TOO_LARGE', `entry of ${e.length} bytes does not fit an entry bundle`, { bytes: e.length });
    total += 2 + e.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const e of entries) {
    out[at] = e.length >>> 8;
    out[at + 1] = e.length & 0xff;
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return out;
}

/**
 * Decodes an entry bundle that must hold exactly `count` entries.
 * @param bytes - the bundle (untrusted)
 * @throws DataLedgerError `TILES_MALFORMED` when it is truncated, has trailing bytes, or another count
 */
export function decodeEntryBundle(bytes: Uint8Array, count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 2 > bytes.length) throw provenanceError('TILES_MALFORMED', 'entry bundle: truncated length prefix', { at });
    const len = (bytes[at]! << 8) | bytes[at + 1]!;
    if (at + 2 + len > bytes.length) throw provenanceError('TILES_MALFORMED', 'entry bundle: truncated entry', { at, len });
    out.push(bytes.subarray(at + 2, at + 2 + len));
    at += 2 + len;
    if (out.length > count) break;
  }
  if (out.length !== count)
    throw provenanceError('TILES_MALFORMED', `entry bundle: expected ${count} entries, found ${out.length}`, { count, found: out.length });
  return out;
}

/**
 * Splits a hash tile into its hashes.
 * @param bytes - the tile (untrusted)
 * @param width - the width its path names
 * @throws DataLedgerError `TILES_MALFORMED` unless it is exactly `width` × 32 bytes
 */
export function splitTileHashes(bytes: Uint8Array, width: number): Uint8Array[] {
  if (bytes.length !== width * HASH)
    throw provenanceError('TILES_MALFORMED', `tile: expected ${width * HASH} bytes, got ${bytes.length}`, { width, bytes: bytes.length });
  return Array.from({ length: width }, (_, i) => bytes.slice(i * HASH, (i + 1) * HASH));
}

/**
 * What a tile server reads: the stored subtree hashes (the Merkle engine's {@link HashReader})
 * and the entries of a log. The `Log` is one.
 */
export interface TileReader extends HashReader {
  /** Current number of entries. */
  readonly size: number;
  /** The stored bytes of entries [start, end). */
  entryData(start: number, end: number): Promise<Uint8Array[]>;
}

function checkAvailable(coord: TileCoord, size: number, what: string): void {
  const available = tileWidthAt(coord.level, coord.index, size);
  // A partial tile narrower than what is available is still a tile of an earlier tree size
  // (C2SP: logs serve the partial tiles of sizes they signed); a wider one does not exist yet.
  if (coord.width > available) {
    throw provenanceError('LEDGER_INDEX_OUT_OF_RANGE', `${what}: not in the tree of size ${size}`, { ...coord, size });
  }
}

/**
 * Reads a hash tile: the concatenated 32-byte hashes.
 * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` when the tree does not have it (yet)
 */
export async function readTile(reader: TileReader, coord: TileCoord): Promise<Uint8Array> {
  checkAvailable(coord, reader.size, tilePath(coord));
  const hashes = await reader.nodeHashes(coord.level * TILE_HEIGHT, coord.index * TILE_WIDTH, coord.width);
  const out = new Uint8Array(hashes.length * HASH);
  hashes.forEach((h, i) => out.set(h, i * HASH));
  return out;
}

/**
 * Reads an entry bundle.
 * @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` when the log does not have it (yet)
 */
export async function readEntryBundle(reader: TileReader, index: number, width: number): Promise<Uint8Array> {
  checkAvailable({ level: 0, index, width }, reader.size, entryBundlePath(index, width));
  const start = index * TILE_WIDTH;
  return encodeEntryBundle(await reader.entryData(start, start + width));
}
