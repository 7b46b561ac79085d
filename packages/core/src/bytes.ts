/**
 * Byte encodings. Decoders are strict: they refuse anything that is not the
 * canonical form of some byte string (Node's `Buffer.from(s, 'base64')` silently
 * skips bad characters, which would let two different strings name one value).
 */
import { base58 } from '@scure/base';
import { CoreError } from './errors.ts';

const te = new TextEncoder();
const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function encErr(what: string, input: unknown): CoreError {
  const shown = typeof input === 'string' ? JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input) : typeof input;
  return new CoreError('CORE_ENCODING_INVALID', `${what}: not a valid encoding: ${shown}`);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Copies a Buffer view into a plain Uint8Array (callers may keep or mutate it). */
function plain(buf: Buffer): Uint8Array {
  const out = new Uint8Array(buf.length);
  out.set(buf);
  return out;
}

/** UTF-8 encodes a string. */
export function utf8Encode(text: string): Uint8Array {
  return te.encode(text);
}

/**
 * Decodes UTF-8, refusing invalid sequences.
 * @throws DataLedgerError `CORE_ENCODING_INVALID` on malformed UTF-8
 */
export function utf8Decode(bytes: Uint8Array): string {
  try {
    return td.decode(bytes);
  } catch (cause) {
    throw new CoreError('CORE_ENCODING_INVALID', 'utf8: malformed UTF-8', { cause });
  }
}

/** Lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('hex');
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
/**
 * Decodes hex (either case, even length).
 * @throws DataLedgerError `CORE_ENCODING_INVALID`
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) throw encErr('hex', hex);
  return plain(Buffer.from(hex, 'hex'));
}

/** Standard base64 with padding (RFC 4648 §4). */
export function toBase64(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64');
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * Decodes standard padded base64, refusing non-canonical input.
 * @throws DataLedgerError `CORE_ENCODING_INVALID`
 */
export function fromBase64(text: string): Uint8Array {
  if (typeof text !== 'string' || !B64_RE.test(text)) throw encErr('base64', text);
  const out = Buffer.from(text, 'base64');
  // Non-zero trailing bits also decode; only the canonical form round-trips.
  if (out.toString('base64') !== text) throw encErr('base64', text);
  return plain(out);
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('base64url');
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;
/**
 * Decodes unpadded base64url, refusing non-canonical input.
 * @throws DataLedgerError `CORE_ENCODING_INVALID`
 */
export function fromBase64Url(text: string): Uint8Array {
  if (typeof text !== 'string' || !B64URL_RE.test(text) || text.length % 4 === 1) throw encErr('base64url', text);
  const out = Buffer.from(text, 'base64url');
  if (out.toString('base64url') !== text) throw encErr('base64url', text);
  return plain(out);
}

/**
 * Bitcoin base58 (the multibase `z` alphabet), by `@scure/base` (the noble packages' sibling).
 * @param bytes - any bytes
 * @returns the base58btc text (leading zero bytes become `1`s)
 */
export function toBase58btc(bytes: Uint8Array): string {
  return base58.encode(bytes);
}

/**
 * Decodes base58btc.
 * @param text - base58btc text (at most 4,096 characters: the conversion is quadratic)
 * @returns the bytes
 * @throws DataLedgerError `CORE_ENCODING_INVALID`
 */
export function fromBase58btc(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length > 4096) throw encErr('base58btc', text);
  try {
    return base58.decode(text);
  } catch {
    throw encErr('base58btc', text);
  }
}

/** Multibase base58btc: `z` followed by base58btc. */
export function toMultibase(bytes: Uint8Array): string {
  return `z${toBase58btc(bytes)}`;
}

/**
 * Decodes a multibase string. Only `z` (base58btc) and `u` (base64url, no padding) are accepted.
 * @throws DataLedgerError `CORE_ENCODING_INVALID`
 */
export function fromMultibase(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length === 0) throw encErr('multibase', text);
  if (text[0] === 'z') return fromBase58btc(text.slice(1));
  if (text[0] === 'u') return fromBase64Url(text.slice(1));
  throw encErr('multibase', text);
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Byte equality (not constant-time: use only on public values such as hashes). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
