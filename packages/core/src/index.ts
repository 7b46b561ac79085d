/**
 * @dataledger/core: bytes and encodings, canonical JSON (RFC 8785), a JSON reader safe at
 * trust boundaries, hashes, Ed25519 keys, did:key, the typed error, and the worker-thread pool
 * the other packages share. No I/O.
 * @packageDocumentation
 */
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
export { canonicalize, canonicalBytes } from './jcs.ts';
export type { JsonValue } from './jcs.ts';
export { parseJson, DEFAULT_JSON_MAX_BYTES, DEFAULT_JSON_MAX_DEPTH } from './json.ts';
export type { ParseJsonOptions } from './json.ts';
export { sha256, sm3, assertHash, isHash, HASH_LENGTH } from './hash.ts';
export {
  generateKeyPair,
  keyPairFromSeed,
  getPublicKey,
  sign,
  verify,
  nodeEd25519,
  nobleEd25519,
  ED25519_SECRET_KEY_LENGTH,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
} from './ed25519.ts';
export type { KeyPair, Ed25519Backend } from './ed25519.ts';
export {
  didKeyFromPublicKey,
  publicKeyFromDidKey,
  publicKeyToMultibase,
  publicKeyFromMultibase,
  didKeyVerificationMethod,
  isDidKey,
} from './didkey.ts';
export { workerEntry, WorkerThread, WorkerPool } from './workers.ts';
export type { WorkerReply, WorkerThreadOptions, WorkerPoolOptions } from './workers.ts';
export { CoreError, DataLedgerError, isDataLedgerError, CORE_ERROR_CODES } from './errors.ts';
export type { CoreErrorCode, DataLedgerErrorOptions } from './errors.ts';
