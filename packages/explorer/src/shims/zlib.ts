/**
 * The part of `node:zlib` that status lists use (Bitstring Status List §3.2: GZIP), for the
 * browser bundle, on fflate. `maxOutputLength` is enforced while inflating, in small input
 * steps, so a compressed bomb is refused before it is expanded (as Node does).
 */
import { Gunzip, gzipSync as fflateGzip } from 'fflate';

/** GZIP (RFC 1952). */
export function gzipSync(data: Uint8Array, options: { level?: number } = {}): Uint8Array {
  return fflateGzip(data, { level: (options.level ?? 6) as 6, mtime: 0 });
}

const STEP = 1024;

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
  return out;
}
