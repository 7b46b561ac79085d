/**
 * The part of `node:crypto` that core and provenance use, for the browser bundle: SHA-256
 * and HMAC (@noble/hashes), randomness (Web Crypto). SM3 is not offered in the browser (the
 * ledger hashes with SHA-256, RFC 9162 §2.1). Ed25519 is not here: outside Node, core signs
 * and verifies with its @noble/curves backend under the same acceptance rule as in Node, and
 * its OpenSSL backend's key and signature calls fail loudly if anything reaches them.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { Buffer } from './buffer.ts';

function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function algorithm(alg: string): void {
  if (alg !== 'sha256') throw new Error(`Digest method not supported in the browser: ${alg}`);
}

/** An incremental hash or HMAC, as Node's `Hash` and `Hmac`. */
export interface Hash {
  update(data: Uint8Array | string): Hash;
  digest(encoding?: string): Buffer | string;
}

/** Node's incremental shape over a noble hash or HMAC. */
function incremental(h: { update(data: Uint8Array): unknown; digest(): Uint8Array }): Hash {
  const self: Hash = {
    update(data: Uint8Array | string): Hash {
      h.update(bytesOf(data));
      return self;
    },
    digest(encoding?: string): Buffer | string {
      const out = Buffer.from(h.digest());
      return encoding === undefined || encoding === 'buffer' ? out : out.toString(encoding as 'base64');
    },
  };
  return self;
}

/** Incremental SHA-256 with Node's `createHash` shape. */
export function createHash(alg: string): Hash {
  algorithm(alg);
  return incremental(sha256.create());
}

/** One-shot hash with Node's `crypto.hash` shape. */
export function hash(alg: string, data: Uint8Array | string, encoding: string = 'hex'): Buffer | string {
  algorithm(alg);
  const out = Buffer.from(sha256(bytesOf(data)));
  return encoding === 'buffer' ? out : out.toString(encoding as 'hex');
}

/** Incremental HMAC-SHA-256 with Node's `createHmac` shape (provenance's vouch tags). */
export function createHmac(alg: string, key: Uint8Array | string): Hash {
  algorithm(alg);
  return incremental(hmac.create(sha256, bytesOf(key)));
}

/** Node's `timingSafeEqual`: compares every byte whatever differs first; lengths must match. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) throw new RangeError('Input buffers must have the same byte length');
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/** Random bytes from the Web Crypto API. */
export function randomBytes(n: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(n)));
}

function unavailable(): never {
  throw new Error('node:crypto Ed25519 is not available in the browser; core uses its @noble/curves backend');
}

/** Not available in the browser (core's OpenSSL backend only). */
export function createPublicKey(_input: unknown): never {
  return unavailable();
}

/** Not available in the browser (core's OpenSSL backend only). */
export function createPrivateKey(_input: unknown): never {
  return unavailable();
}

/** Not available in the browser (core's OpenSSL backend only). */
export function sign(_alg: null, _message: Uint8Array, _key: unknown): never {
  return unavailable();
}

/** Not available in the browser (core's OpenSSL backend only). */
export function verify(_alg: null, _message: Uint8Array, _key: unknown, _signature: Uint8Array): never {
  return unavailable();
}
