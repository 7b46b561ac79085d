/**
 * Ed25519 (RFC 8032) over 32-byte seeds.
 *
 * Two interchangeable backends: `node` (node:crypto / OpenSSL), the default in Node
 * because it is several times faster, and `noble` (@noble/curves), the portable one.
 * A test checks they agree on the RFC 8032 vectors and on random messages. Both follow
 * RFC 8032 §5.1.7 strictly (noble with `zip215: false`), so a signature accepted by one
 * is accepted by the other.
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, randomBytes, type KeyObject } from 'node:crypto';
import { ed25519 as noble } from '@noble/curves/ed25519.js';
import { LRUCache } from 'lru-cache';
import { CoreError } from './errors.ts';

/** Ed25519 secret key (seed), public key and signature lengths in bytes. */
export const ED25519_SECRET_KEY_LENGTH = 32;
/** Ed25519 public key length in bytes. */
export const ED25519_PUBLIC_KEY_LENGTH = 32;
/** Ed25519 signature length in bytes. */
export const ED25519_SIGNATURE_LENGTH = 64;

/** A key pair; `secretKey` is the 32-byte RFC 8032 seed. */
export interface KeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

/** One Ed25519 implementation. */
export interface Ed25519Backend {
  readonly name: 'node' | 'noble';
  getPublicKey(secretKey: Uint8Array): Uint8Array;
  sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

function checkLen(value: unknown, len: number, name: string, code: 'CORE_KEY_INVALID' | 'CORE_SIGNATURE_INVALID'): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== len) {
    throw new CoreError(code, `${name}: expected ${len} bytes`, {
      details: { name, length: value instanceof Uint8Array ? value.length : null },
    });
  }
}

function checkMessage(message: unknown): asserts message is Uint8Array {
  if (!(message instanceof Uint8Array)) throw new TypeError('message: expected a Uint8Array');
}

// DER wrappers for raw keys: RFC 8410 §7 (PKCS#8) and §4 (SPKI), OID 1.3.101.112.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Creating a KeyObject costs about as much as a verification; ledgers are signed by a
// handful of actors, so keep the most recent ones.
const KEY_CACHE_MAX = 4096;
const pubCache = new LRUCache<string, KeyObject>({ max: KEY_CACHE_MAX });
const secCache = new LRUCache<string, KeyObject>({ max: KEY_CACHE_MAX });

function cached(cache: LRUCache<string, KeyObject>, bytes: Uint8Array, make: () => KeyObject, secret = false): KeyObject {
  // Secret keys are cached under their hash, so the seed itself never lingers in a map key
  // (JS strings cannot be wiped).
  const id = secret ? createHash('sha256').update(bytes).digest('base64') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let k = cache.get(id);
  if (k === undefined) {
    k = make();
    cache.set(id, k);
  }
  return k;
}

function nodePublicKey(publicKey: Uint8Array): KeyObject {
  return cached(pubCache, publicKey, () => {
    try {
      return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' });
    } catch (cause) {
      throw new CoreError('CORE_KEY_INVALID', 'publicKey: not an Ed25519 public key', { cause });
    }
  });
}

function nodePrivateKey(secretKey: Uint8Array): KeyObject {
  return cached(secCache, secretKey, () => createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, secretKey]), format: 'der', type: 'pkcs8' }), true);
}

function toPlain(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Ed25519 through node:crypto (OpenSSL). */
export const nodeEd25519: Ed25519Backend = {
  name: 'node',
  getPublicKey(secretKey) {
    checkLen(secretKey, ED25519_SECRET_KEY_LENGTH, 'secretKey', 'CORE_KEY_INVALID');
    const der = createPublicKey(nodePrivateKey(secretKey)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(der.subarray(SPKI_PREFIX.length));
  },
  sign(message, secretKey) {
    checkMessage(message);
    checkLen(secretKey, ED25519_SECRET_KEY_LENGTH, 'secretKey', 'CORE_KEY_INVALID');
    return toPlain(nodeSign(null, message, nodePrivateKey(secretKey)));
  },
  verify(signature, message, publicKey) {
    checkMessage(message);
    checkLen(signature, ED25519_SIGNATURE_LENGTH, 'signature', 'CORE_SIGNATURE_INVALID');
    checkLen(publicKey, ED25519_PUBLIC_KEY_LENGTH, 'publicKey', 'CORE_KEY_INVALID');
    let key: KeyObject;
    try {
      key = nodePublicKey(publicKey);
    } catch {
      // A 32-byte string that is not a curve point cannot have signed anything.
      return false;
    }
    try {
      return nodeVerify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

/** Ed25519 through @noble/curves (portable, audited, pure JS). */
export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  getPublicKey(secretKey) {
    checkLen(secretKey, ED25519_SECRET_KEY_LENGTH, 'secretKey', 'CORE_KEY_INVALID');
    return noble.getPublicKey(secretKey);
  },
  sign(message, secretKey) {
    checkMessage(message);
    checkLen(secretKey, ED25519_SECRET_KEY_LENGTH, 'secretKey', 'CORE_KEY_INVALID');
    return noble.sign(message, secretKey);
  },
  verify(signature, message, publicKey) {
    checkMessage(message);
    checkLen(signature, ED25519_SIGNATURE_LENGTH, 'signature', 'CORE_SIGNATURE_INVALID');
    checkLen(publicKey, ED25519_PUBLIC_KEY_LENGTH, 'publicKey', 'CORE_KEY_INVALID');
    try {
      // RFC 8032 §5.1.7 strict verification, as OpenSSL does.
      return noble.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};

const backend: Ed25519Backend = nodeEd25519;

/** Fresh random key pair. */
export function generateKeyPair(): KeyPair {
  const secretKey = new Uint8Array(randomBytes(ED25519_SECRET_KEY_LENGTH));
  return { secretKey, publicKey: backend.getPublicKey(secretKey) };
}

/**
 * Key pair from a 32-byte seed.
 * @throws DataLedgerError `CORE_KEY_INVALID` when the seed is not 32 bytes
 */
export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  return { secretKey: new Uint8Array(seed), publicKey: backend.getPublicKey(seed) };
}

/** Public key of a 32-byte secret key (seed). */
export function getPublicKey(secretKey: Uint8Array): Uint8Array {
  return backend.getPublicKey(secretKey);
}

/**
 * Signs `message` (RFC 8032 §5.1.6, pure Ed25519).
 * @throws DataLedgerError `CORE_KEY_INVALID` when the secret key is not 32 bytes
 */
export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return backend.sign(message, secretKey);
}

/**
 * Verifies an Ed25519 signature. Returns false for a signature that does not verify;
 * throws only for malformed input (wrong lengths).
 * @throws DataLedgerError `CORE_SIGNATURE_INVALID` (signature not 64 bytes), `CORE_KEY_INVALID` (key not 32 bytes)
 */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return backend.verify(signature, message, publicKey);
}
