/**
 * did:key for Ed25519 (W3C did:key method §3.1.1): `did:key:z` + base58btc(0xed 0x01 ‖ public key).
 * The multicodec prefix 0xed01 is the unsigned-varint of 0xed, "ed25519-pub".
 */
import { fromBase58btc, toBase58btc } from './bytes.ts';
import { ED25519_PUBLIC_KEY_LENGTH } from './ed25519.ts';
import { CoreError } from './errors.ts';

const ED25519_PUB_MULTICODEC = new Uint8Array([0xed, 0x01]);
const DID_KEY_RE = /^did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}$/;

/** Multikey `publicKeyMultibase` value of an Ed25519 public key (`z6Mk…`). */
export function publicKeyToMultibase(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_LENGTH) {
    throw new TypeError('publicKey: expected 32 bytes');
  }
  const bytes = new Uint8Array(34);
  bytes.set(ED25519_PUB_MULTICODEC, 0);
  bytes.set(publicKey, 2);
  return `z${toBase58btc(bytes)}`;
}

/**
 * Ed25519 public key from a Multikey `publicKeyMultibase` value.
 * @throws DataLedgerError `CORE_DID_INVALID`
 */
export function publicKeyFromMultibase(multibase: string): Uint8Array {
  if (typeof multibase !== 'string' || multibase[0] !== 'z' || multibase.length > 64) {
    throw new CoreError('CORE_DID_INVALID', 'publicKeyMultibase: expected z-prefixed base58btc');
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase58btc(multibase.slice(1));
  } catch (cause) {
    throw new CoreError('CORE_DID_INVALID', 'publicKeyMultibase: bad base58btc', { cause });
  }
  if (bytes.length !== 34 || bytes[0] !== 0xed || bytes[1] !== 0x01) {
    throw new CoreError('CORE_DID_INVALID', 'publicKeyMultibase: not an Ed25519 multikey (0xed01)');
  }
  return bytes.slice(2);
}

/** `did:key:z6Mk…` of an Ed25519 public key. */
export function didKeyFromPublicKey(publicKey: Uint8Array): string {
  return `did:key:${publicKeyToMultibase(publicKey)}`;
}

/**
 * Ed25519 public key named by a did:key (a DID URL with a fragment is accepted when the
 * fragment is the same key, as verification method ids are).
 * @throws DataLedgerError `CORE_DID_INVALID`
 */
export function publicKeyFromDidKey(did: string): Uint8Array {
  if (typeof did !== 'string') throw new CoreError('CORE_DID_INVALID', 'did: expected a string');
  const hash = did.indexOf('#');
  const base = hash === -1 ? did : did.slice(0, hash);
  if (!DID_KEY_RE.test(base)) throw new CoreError('CORE_DID_INVALID', 'did: not an Ed25519 did:key');
  const mb = base.slice('did:key:'.length);
  if (hash !== -1 && did.slice(hash + 1) !== mb) {
    throw new CoreError('CORE_DID_INVALID', 'did: fragment does not name the DID key');
  }
  return publicKeyFromMultibase(mb);
}

/** True when `did` is a well-formed Ed25519 did:key (no fragment). */
export function isDidKey(did: unknown): did is string {
  if (typeof did !== 'string' || did.includes('#')) return false;
  try {
    publicKeyFromDidKey(did);
    return true;
  } catch {
    return false;
  }
}

/** The verification method id of a did:key (`did:key:z…#z…`, did:key §3.1.1). */
export function didKeyVerificationMethod(did: string): string {
  publicKeyFromDidKey(did);
  // A DID URL already naming its key (`did#frag`) is accepted above; its id is the same.
  const base = did.includes('#') ? did.slice(0, did.indexOf('#')) : did;
  return `${base}#${base.slice('did:key:'.length)}`;
}
