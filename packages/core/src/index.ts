/**
 * @dataledger/core: bytes and encodings, canonical JSON (RFC 8785), a JSON reader safe at
 * trust boundaries, hashes, Ed25519 keys, did:key, the typed error, and the worker-thread pool
 * the other packages share. No I/O.
 * @packageDocumentation
 */
// Bytes and text encodings (hex, base64, base64url, base58btc, multibase).
export {
  utf8Encode,
  utf8Decode,
  toHex,
  fromHex,
  toBase64,
  fromBase64,
  toBase64Url,
  fromBase64Url,
  toBase58btc,
  fromBase58btc,
  toMultibase,
  fromMultibase,
  concatBytes,
  equalBytes,
} from './bytes.ts';
// Canonical JSON (RFC 8785) and a bounded JSON reader for untrusted input.
export { canonicalize, canonicalBytes } from './jcs.ts';
export type { JsonValue } from './jcs.ts';
export { parseJson } from './json.ts';
export type { ParseJsonOptions } from './json.ts';
// Hashes.
export { sha256, sm3, assertHash, isHash, HASH_LENGTH } from './hash.ts';
// Ed25519 keys and signatures: three backends under one acceptance rule.
export {
  generateKeyPair,
  keyPairFromSeed,
  getPublicKey,
  sign,
  verify,
  ed25519Backend,
  nodeEd25519,
  nobleEd25519,
  sodiumEd25519,
  ED25519_VERIFICATION_RULE,
  ED25519_SECRET_KEY_LENGTH,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
} from './ed25519.ts';
export type { KeyPair, Ed25519Backend } from './ed25519.ts';
// did:key identifiers for Ed25519 public keys.
export {
  didKeyFromPublicKey,
  publicKeyFromDidKey,
  publicKeyToMultibase,
  publicKeyFromMultibase,
  didKeyVerificationMethod,
  isDidKey,
} from './didkey.ts';
// The worker-thread pool the other packages share.
export { workerEntry, WorkerThread, WorkerPool } from './workers.ts';
export type { WorkerReply, WorkerThreadOptions, WorkerPoolOptions } from './workers.ts';
// Errors: the typed base error every package extends, and core's codes.
export { CoreError, DataLedgerError, isDataLedgerError, CORE_ERROR_CODES } from './errors.ts';
export type { CoreErrorCode, DataLedgerErrorOptions } from './errors.ts';
