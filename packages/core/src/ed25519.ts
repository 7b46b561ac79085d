/**
 * Ed25519 (RFC 8032) over 32-byte seeds.
 *
 * Three interchangeable backends:
 * - `sodium` (libsodium through sodium-native), the default wherever its prebuilt addon
 *   loads: it verifies about twice as fast as OpenSSL 3.0, and verification is what a
 *   ledger, a replay and a certificate check spend their time on;
 * - `node` (node:crypto / OpenSSL), the default where libsodium does not load;
 * - `noble` (@noble/curves), the portable one, the default outside Node.
 *
 * Implementations of Ed25519 disagree on edge cases (small-order points, non-canonical
 * encodings, the cofactored or cofactorless equation: Chalkias et al., "Taming the many
 * EdDSAs", 2020). A record accepted by the server and refused by a regulator's replay on
 * another machine would make an honest ledger unverifiable, so every backend here applies
 * one rule, {@link ED25519_VERIFICATION_RULE}: RFC 8032 §5.1.7 with the cofactorless
 * equation (the encoding of [S]B - [k]A must equal R), S < L, a canonical A, and neither A
 * nor R of small order (libsodium's refusals). Tests check the three agree on honest and
 * crafted signatures alike.
 */
import { createHash, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { ED25519_TORSION_SUBGROUP, ed25519 as noble } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { LRUCache } from 'lru-cache';
import { concatBytes } from './bytes.ts';
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
  readonly name: 'node' | 'noble' | 'sodium';
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

/**
 * The signature acceptance rule of every backend, in words (see the module comment).
 */
export const ED25519_VERIFICATION_RULE =
  'RFC 8032 §5.1.7, cofactorless: S < L; A canonical (y < p) and not of small order; R not of small order; encode([S]B - [k]A) = R';

// L, the order of the prime subgroup (RFC 8032 §5.1), little-endian as S is encoded.
const L_LE = numberToBytesLE(noble.Point.Fn.ORDER, 32);

/**
 * True when the little-endian 32-byte scalar is below L (RFC 8032 §5.1.7 step 1).
 * @internal exported for the rule's tests, not from the package
 */
export function scalarBelowL(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = s[i] as number;
    const b = L_LE[i] as number;
    if (a !== b) return a < b;
  }
  return false;
}

/**
 * True when the encoded y (sign bit aside) is below p = 2^255 - 19.
 * @internal exported for the rule's tests, not from the package
 */
export function canonicalY(p: Uint8Array): boolean {
  if (((p[31] as number) & 0x7f) !== 0x7f) return true;
  for (let i = 30; i > 0; i--) if (p[i] !== 0xff) return true;
  return (p[0] as number) < 0xed;
}

// Encodings, sign bit cleared, of the eight points of order dividing 8, and the
// non-canonical encodings (y + p, for y < 19) of those that have one: libsodium's
// `ge25519_has_small_order` list, derived here from the torsion subgroup itself.
const SMALL_ORDER_Y: readonly Uint8Array[] = (() => {
  const p = noble.Point.Fp.ORDER;
  const ys = new Set<bigint>();
  for (const hex of ED25519_TORSION_SUBGROUP) {
    const bytes = Buffer.from(hex, 'hex');
    bytes[31] = (bytes[31] as number) & 0x7f;
    const y = bytesToNumberLE(bytes);
    ys.add(y);
    if (y < 19n) ys.add(y + p);
  }
  return [...ys].map((y) => numberToBytesLE(y, 32));
})();

/**
 * True when the encoding names a point of small order, whatever its sign bit.
 * @internal exported for the rule's tests, not from the package
 */
export function smallOrder(p: Uint8Array): boolean {
  next: for (const y of SMALL_ORDER_Y) {
    for (let i = 0; i < 31; i++) if (p[i] !== y[i]) continue next;
    if (((p[31] as number) & 0x7f) === y[31]) return true;
  }
  return false;
}

/**
 * What every backend's `verify` does before its equation: malformed input (lengths) throws,
 * and the refusals of {@link ED25519_VERIFICATION_RULE} that come before the equation answer
 * false. Each backend then checks the equation itself, cofactorless.
 */
function passesPrechecks(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  checkMessage(message);
  checkLen(signature, ED25519_SIGNATURE_LENGTH, 'signature', 'CORE_SIGNATURE_INVALID');
  checkLen(publicKey, ED25519_PUBLIC_KEY_LENGTH, 'publicKey', 'CORE_KEY_INVALID');
  return scalarBelowL(signature.subarray(32)) && canonicalY(publicKey) && !smallOrder(publicKey) && !smallOrder(signature.subarray(0, 32));
}

// DER wrappers for raw keys: RFC 8410 §7 (PKCS#8) and §4 (SPKI), OID 1.3.101.112.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Creating a KeyObject costs about as much as a verification; ledgers are signed by a
// handful of actors, so keep the most recent ones.
const KEY_CACHE_MAX = 4096;
const pubCache = new LRUCache<string, KeyObject>({ max: KEY_CACHE_MAX });
const secCache = new LRUCache<string, KeyObject>({ max: KEY_CACHE_MAX });

function cached<T extends {}>(cache: LRUCache<string, T>, bytes: Uint8Array, make: () => T, secret = false): T {
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
    if (!passesPrechecks(signature, message, publicKey)) return false;
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
    if (!passesPrechecks(signature, message, publicKey)) return false;
    try {
      // noble's own verify checks the cofactored equation; the rule here is cofactorless
      // (OpenSSL, libsodium), so the equation is written out: encode([S]B - [k]A) = R,
      // k = SHA-512(R ‖ A ‖ M) mod L (RFC 8032 §5.1.7 steps 2-3).
      const { Point } = noble;
      const A = Point.fromBytes(publicKey, false);
      const R = signature.subarray(0, 32);
      const k = Point.Fn.create(bytesToNumberLE(sha512(concatBytes(R, publicKey, message))));
      const check = Point.BASE.multiplyUnsafe(bytesToNumberLE(signature.subarray(32)))
        .subtract(A.multiplyUnsafe(k))
        .toBytes();
      for (let i = 0; i < 32; i++) if (check[i] !== R[i]) return false;
      return true;
    } catch {
      return false;
    }
  },
};

/** The three functions of sodium-native this module calls. */
interface SodiumNative {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

function loadSodium(): SodiumNative | undefined {
  try {
    // sodium-native ships prebuilt addons for the usual platforms; where none loads
    // (another libc, an unusual architecture), OpenSSL takes over.
    return createRequire(import.meta.url)('sodium-native') as SodiumNative;
  } catch {
    return undefined;
  }
}

function makeSodiumBackend(sodium: SodiumNative): Ed25519Backend {
  // libsodium signs with the 64-byte expanded key (seed ‖ public key), whose derivation costs
  // as much as the signature. A log key signs a checkpoint per receipt, so keep the expanded
  // keys of recent seeds, as the OpenSSL backend keeps its key objects: under the seed's hash
  // (no seed in a map key), wiped when evicted.
  const expandedKeys = new LRUCache<string, Uint8Array>({ max: KEY_CACHE_MAX, dispose: (secret) => secret.fill(0) });
  const expanded = (secretKey: Uint8Array): Uint8Array =>
    cached(
      expandedKeys,
      secretKey,
      () => {
        const secret = new Uint8Array(64);
        sodium.crypto_sign_seed_keypair(new Uint8Array(ED25519_PUBLIC_KEY_LENGTH), secret, secretKey);
        return secret;
      },
      true,
    );
  return {
    name: 'sodium',
    getPublicKey(secretKey) {
      checkLen(secretKey, ED25519_SECRET_KEY_LENGTH, 'secretKey', 'CORE_KEY_INVALID');
      return expanded(secretKey).slice(32);
    },
    sign(message, secretKey) {
      checkMessage(message);
      checkLen(secretKey, ED25519_SECRET_KEY_LENGTH, 'secretKey', 'CORE_KEY_INVALID');
      const signature = new Uint8Array(ED25519_SIGNATURE_LENGTH);
      sodium.crypto_sign_detached(signature, message, expanded(secretKey));
      return signature;
    },
    verify(signature, message, publicKey) {
      // libsodium applies the same refusals; checking them here keeps the rule in one place.
      if (!passesPrechecks(signature, message, publicKey)) return false;
      return sodium.crypto_sign_verify_detached(signature, message, publicKey);
    },
  };
}

const sodiumNative = loadSodium();

/**
 * Ed25519 through libsodium (sodium-native), or `undefined` where its addon does not load
 * on this platform.
 */
export const sodiumEd25519: Ed25519Backend | undefined = sodiumNative === undefined ? undefined : makeSodiumBackend(sodiumNative);

// The explorer bundles core for the browser, where node:crypto is a stand-in and no Node runs.
const inNode = typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === 'string';

/**
 * The backend {@link sign}, {@link verify} and key derivation use: libsodium where it loads,
 * else OpenSSL, and @noble/curves outside Node (the explorer's browser bundle).
 */
export const ed25519Backend: Ed25519Backend = sodiumEd25519 ?? (inNode ? nodeEd25519 : nobleEd25519);
const backend = ed25519Backend;

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
