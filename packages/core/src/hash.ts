/**
 * Hashes. SHA-256 is the ledger's hash (RFC 9162 §2.1); SM3 (GB/T 32905-2016) is
 * offered as a second hash for deployments that must use national algorithms.
 * Both go through node:crypto (OpenSSL), which is several times faster than any
 * pure-JS implementation for the short inputs the ledger hashes.
 */
import { createHash, hash } from 'node:crypto';
import { CoreError } from './errors.ts';

/** Byte length of every hash the ledger accepts. */
export const HASH_LENGTH = 32;

function digest(alg: string, parts: Uint8Array[]): Uint8Array {
  // One part (most calls): the one-shot hash, which makes no Hash object (several times
  // cheaper for the short inputs hashed here).
  if (parts.length === 1) {
    const one = hash(alg, parts[0]!, 'buffer');
    return new Uint8Array(one.buffer, one.byteOffset, one.byteLength);
  }
  const h = createHash(alg);
  for (let i = 0; i < parts.length; i++) h.update(parts[i]!);
  const buf = h.digest();
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** SHA-256 of the concatenation of `parts`. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  return digest('sha256', parts);
}

/** SM3 (GB/T 32905-2016) of the concatenation of `parts`. */
export function sm3(...parts: Uint8Array[]): Uint8Array {
  return digest('sm3', parts);
}

/**
 * Asserts that `value` is a 32-byte hash before it is used anywhere (DESIGN: "Hashes are
 * 32 bytes; anything else is rejected before use").
 * @param name - the parameter name, for the error message
 * @throws DataLedgerError `CORE_HASH_LENGTH`
 */
export function assertHash(value: unknown, name: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== HASH_LENGTH) {
    throw new CoreError('CORE_HASH_LENGTH', `${name}: expected a ${HASH_LENGTH}-byte hash`, {
      details: { name, length: value instanceof Uint8Array ? value.length : null },
    });
  }
}

/** True when `value` is a 32-byte Uint8Array. */
export function isHash(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && value.length === HASH_LENGTH;
}
