/**
 * The part of `node:zlib` that status lists use (Bitstring Status List §3.2: GZIP), for the
 * browser bundle, on fflate. `maxOutputLength` is enforced while inflating, in small input
 * steps, so a compressed bomb is refused before it is expanded (as Node does); the member's
 * trailer (CRC-32 and ISIZE, RFC 1952 §2.3.1) is checked as Node checks it, so truncated or
 * altered data is refused rather than read short.
 */
import { Gunzip, gzipSync as fflateGzip } from 'fflate';

/** GZIP (RFC 1952). */
export function gzipSync(data: Uint8Array, options: { level?: number } = {}): Uint8Array {
  return fflateGzip(data, { level: (options.level ?? 6) as 6, mtime: 0 });
}

const STEP = 1024;

// CRC-32 of RFC 1952 §8 (the ISO 3309 polynomial, reflected).
const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = (CRC_TABLE[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** GUNZIP with an output bound. */
export function gunzipSync(data: Uint8Array, options: { maxOutputLength?: number } = {}): Uint8Array {
  const max = options.maxOutputLength ?? Number.MAX_SAFE_INTEGER;
  const parts: Uint8Array[] = [];
  let total = 0;
  let done = false;
  const g = new Gunzip((chunk, final) => {
    total += chunk.length;
    if (total > max) throw new RangeError('Cannot create a Buffer larger than maxOutputLength');
    parts.push(chunk);
    if (final) done = true;
  });
  for (let i = 0; i < data.length; i += STEP) g.push(data.subarray(i, i + STEP), i + STEP >= data.length);
  if (data.length === 0 || !done) throw new Error('unexpected end of file');
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  // One member, its trailer last: CRC-32 and size of the output, little-endian.
  const trailer = new DataView(data.buffer, data.byteOffset + data.length - 8, 8);
  if (data.length < 18 || trailer.getUint32(0, true) !== crc32(out) || trailer.getUint32(4, true) !== total >>> 0) {
    throw new Error('incorrect data check');
  }
  return out;
}
