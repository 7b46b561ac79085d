/**
 * The SEAL 4.1 serialization, checked in JavaScript before any byte reaches the WASM
 * `load`. SEAL 4.1.2 (what node-seal 7 bundles) predates the hardening of untrusted loads
 * in SEAL 4.4, so only byte strings of the exact expected layout are ever loaded: the
 * header, the parms id, the polynomial count and the sizes must all be the ones of this
 * job, which leaves SEAL nothing to allocate from attacker-chosen sizes.
 *
 * Layout (compr_mode none, all integers little-endian), from SEAL's `Serialization`,
 * `Ciphertext::save_members` and `DynArray::save_members`:
 * ```
 *  0  SEALHeader: u16 magic 0xA15E, u8 header size 16, u8 major 4, u8 minor 1,
 *                 u8 compr_mode 0, u16 reserved 0, u64 total size
 * 16  parms_id: 4 × u64
 * 48  u8 is_ntt_form        49 u64 size (2)        57 u64 poly_modulus_degree
 * 65  u64 coeff_modulus_size 73 f64 scale           81 u64 correction_factor (1)
 * 89  SEALHeader of the DynArray   105 u64 coefficient count   113 coefficients (u64 each)
 * ```
 * A public key has the same layout at the key level; a secret key is a plaintext:
 * header, parms_id, u64 coeff_count, f64 scale, DynArray header, u64 count, coefficients.
 */
import { aggError } from './errors.ts';

/** What a ciphertext (or public key) of one parameter set looks like. */
export interface SealShape {
  parmsId: BigUint64Array;
  ntt: boolean;
  polyModulusDegree: number;
  /** Number of RNS moduli of the level. */
  moduli: number;
  scale: number;
}

const MAGIC = 0xa15e;
const HEADER = 16;
const CT_DATA = 113;
const SK_DATA = 88;

/** Exact serialized length of a size-2 ciphertext of `shape`. */
export function ciphertextByteLength(shape: SealShape): number {
  return CT_DATA + 2 * shape.polyModulusDegree * shape.moduli * 8;
}

/** Exact serialized length of a secret key (one polynomial at the key level). */
export function secretKeyByteLength(n: number, keyModuli: number): number {
  return SK_DATA + n * keyModuli * 8;
}

type Code = 'AGG_CIPHERTEXT_MALFORMED' | 'AGG_KEY_INVALID' | 'AGG_RESULT_INVALID';

function checkHeader(view: DataView, at: number, size: number, code: Code, what: string): void {
  if (
    view.getUint16(at, true) !== MAGIC ||
    view.getUint8(at + 2) !== HEADER ||
    view.getUint8(at + 3) !== 4 ||
    view.getUint8(at + 4) !== 1 ||
    view.getUint8(at + 5) !== 0 ||
    view.getUint16(at + 6, true) !== 0 ||
    view.getBigUint64(at + 8, true) !== BigInt(size)
  ) {
    throw aggError(code, `${what}: not a SEAL 4.1 uncompressed serialization of the expected size`, { offset: at });
  }
}

function checkParmsId(view: DataView, expected: BigUint64Array, what: string, paramsCode: 'AGG_PARAMS_MISMATCH' | 'AGG_KEY_INVALID'): void {
  for (let i = 0; i < 4; i++) {
    if (view.getBigUint64(16 + 8 * i, true) !== expected[i]) {
      throw aggError(paramsCode, `${what}: made for other encryption parameters (parms id)`);
    }
  }
}

/**
 * Checks a serialized ciphertext against `shape` without loading it.
 * @param bytes - attacker-controlled bytes
 * @param shape - the job's ciphertext shape
 * @param what - names the input in errors
 * @throws DataLedgerError `AGG_CIPHERTEXT_TOO_LARGE` (longer than the exact size), `AGG_CIPHERTEXT_MALFORMED`
 *   (shorter, bad header, wrong polynomial count or sizes), `AGG_PARAMS_MISMATCH` (other parms id, scheme, level or scale)
 */
export function checkCiphertextBytes(bytes: Uint8Array, shape: SealShape, what = 'ciphertext', malformed: Code = 'AGG_CIPHERTEXT_MALFORMED'): void {
  const size = ciphertextByteLength(shape);
  if (bytes.length > size) throw aggError('AGG_CIPHERTEXT_TOO_LARGE', `${what}: ${bytes.length} bytes, expected ${size}`, { length: bytes.length, size });
  if (bytes.length < CT_DATA) throw aggError(malformed, `${what}: truncated`, { length: bytes.length, size });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // A serialization for another parameter set says so in its own header size; tell that apart
  // from garbage so callers learn which it is.
  if (view.getUint16(0, true) === MAGIC && view.getBigUint64(8, true) === BigInt(bytes.length) && bytes.length !== size) {
    throw aggError('AGG_PARAMS_MISMATCH', `${what}: a SEAL serialization of another size (other parameters)`, { length: bytes.length, size });
  }
  if (bytes.length !== size) throw aggError(malformed, `${what}: truncated`, { length: bytes.length, size });
  checkHeader(view, 0, size, malformed, what);
  checkParmsId(view, shape.parmsId, what, 'AGG_PARAMS_MISMATCH');
  const count = 2 * shape.polyModulusDegree * shape.moduli;
  if (
    view.getUint8(48) !== (shape.ntt ? 1 : 0) ||
    view.getBigUint64(49, true) !== 2n ||
    view.getBigUint64(57, true) !== BigInt(shape.polyModulusDegree) ||
    view.getBigUint64(65, true) !== BigInt(shape.moduli) ||
    view.getFloat64(73, true) !== shape.scale ||
    view.getBigUint64(81, true) !== 1n
  ) {
    throw aggError('AGG_PARAMS_MISMATCH', `${what}: form, size, degree, level or scale differ from the job's`);
  }
  checkHeader(view, 89, HEADER + 8 + count * 8, malformed, what);
  if (view.getBigUint64(105, true) !== BigInt(count)) throw aggError(malformed, `${what}: wrong coefficient count`);
}

/**
 * Checks a serialized public key (a ciphertext-shaped object at the key level).
 * @throws DataLedgerError `AGG_KEY_INVALID`
 */
export function checkPublicKeyBytes(bytes: Uint8Array, shape: SealShape): void {
  try {
    checkCiphertextBytes(bytes, shape, 'publicKey', 'AGG_KEY_INVALID');
  } catch (err) {
    const e = err as { code?: string };
    if (e.code === 'AGG_KEY_INVALID') throw err;
    throw aggError('AGG_KEY_INVALID', 'publicKey: not a public key of this job', undefined, err);
  }
}

/**
 * Checks a serialized secret key against the key level of a parameter set.
 * @throws DataLedgerError `AGG_KEY_INVALID`
 */
export function checkSecretKeyBytes(bytes: Uint8Array, parmsId: BigUint64Array, n: number, keyModuli: number): void {
  const size = secretKeyByteLength(n, keyModuli);
  if (bytes.length !== size) throw aggError('AGG_KEY_INVALID', `secretKey: ${bytes.length} bytes, expected ${size}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  checkHeader(view, 0, size, 'AGG_KEY_INVALID', 'secretKey');
  checkParmsId(view, parmsId, 'secretKey', 'AGG_KEY_INVALID');
  const count = n * keyModuli;
  if (view.getBigUint64(48, true) !== BigInt(count)) throw aggError('AGG_KEY_INVALID', 'secretKey: wrong coefficient count');
  checkHeader(view, 64, HEADER + 8 + count * 8, 'AGG_KEY_INVALID', 'secretKey');
  if (view.getBigUint64(80, true) !== BigInt(count)) throw aggError('AGG_KEY_INVALID', 'secretKey: wrong coefficient count');
}
