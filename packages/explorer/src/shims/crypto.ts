/**
 * The part of `node:crypto` that core and provenance use, for the browser bundle: SHA-256
 * (@noble/hashes) and Ed25519 (@noble/curves, RFC 8032 §5.1.7 strict, as OpenSSL verifies).
 * Keys travel as their raw bytes inside the RFC 8410 DER wrappers core builds; the wrappers
 * are checked and stripped here. SM3 is not offered in the browser (the ledger hashes with
 * SHA-256, RFC 9162 §2.1).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { ed25519 } from '@noble/curves/ed25519.js';
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

// RFC 8410 §4 (SPKI) and §7 (PKCS#8) prefixes of Ed25519 keys, OID 1.3.101.112.
const SPKI_PREFIX = '302a300506032b6570032100';
const PKCS8_PREFIX = '302e020100300506032b657004220420';

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** An Ed25519 key, raw. */
export class KeyObject {
  readonly type: 'public' | 'private';
  readonly raw: Uint8Array;
  constructor(type: 'public' | 'private', raw: Uint8Array) {
    this.type = type;
    this.raw = raw;
  }
  export(_options?: unknown): Buffer {
    const pub = this.type === 'public' ? this.raw : ed25519.getPublicKey(this.raw);
    return Buffer.concat([Buffer.from(SPKI_PREFIX, 'hex'), pub]);
  }
}

function unwrap(der: Uint8Array, prefix: string, what: string): Uint8Array {
  if (der.length !== prefix.length / 2 + 32 || hex(der.subarray(0, prefix.length / 2)) !== prefix) throw new Error(`not an Ed25519 ${what} key`);
  return new Uint8Array(der.subarray(prefix.length / 2));
}

/** A public key from its SPKI DER form, or the public half of a private key. */
export function createPublicKey(input: KeyObject | { key: Uint8Array }): KeyObject {
  if (input instanceof KeyObject) return input.type === 'public' ? input : new KeyObject('public', ed25519.getPublicKey(input.raw));
  const raw = unwrap(input.key, SPKI_PREFIX, 'public');
  // Node refuses bytes that are not a curve point when the key is made.
  ed25519.Point.fromBytes(raw);
  return new KeyObject('public', raw);
}

/** A private key from its PKCS#8 DER form. */
export function createPrivateKey(input: { key: Uint8Array }): KeyObject {
  return new KeyObject('private', unwrap(input.key, PKCS8_PREFIX, 'private'));
}

/** Pure Ed25519 signature (RFC 8032 §5.1.6). */
export function sign(_alg: null, message: Uint8Array, key: KeyObject): Buffer {
  return Buffer.from(ed25519.sign(message, key.raw));
}

/** Pure Ed25519 verification, strict (RFC 8032 §5.1.7, no ZIP-215). */
export function verify(_alg: null, message: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, key.raw, { zip215: false });
  } catch {
    return false;
  }
}
