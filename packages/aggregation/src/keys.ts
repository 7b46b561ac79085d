/**
 * Job keys. Only a public key and a secret key are made: no relinearization keys (sums
 * never multiply) and no Galois keys (26–63 MB, and slot-wise addition across holders
 * needs no rotation; totals over slots are taken after decryption).
 */
import { sha256, toBase64 } from '@dataledger/core';
import type { PublicKey, SecretKey } from 'node-seal';
import { aggError } from './errors.ts';
import { checkPublicKeyBytes, checkSecretKeyBytes } from './format.ts';
import { type AggregationJob, POLY_MODULUS_DEGREE, resolveJob } from './job.ts';
import { type SealParams, free, guardSeal, sealParamsFor } from './seal.ts';

/** Serialized job keys (SEAL 4.1, compr_mode none). The secret key never leaves its holder. */
export interface JobKeys {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/**
 * Generates the key pair of a job.
 * @param job - the job (validated here)
 * @returns the serialized public and secret keys
 * @throws DataLedgerError `AGG_JOB_INVALID`, `AGG_BOUNDS_OVERFLOW`
 */
export async function createJobKeys(job: AggregationJob): Promise<JobKeys> {
  const params = await sealParamsFor(resolveJob(job));
  const { seal } = params;
  const keygen = new seal.KeyGenerator(params.context);
  let pk: PublicKey | null = null;
  let sk: SecretKey | null = null;
  try {
    pk = keygen.createPublicKey();
    sk = keygen.secretKey();
    const publicKey = pk.saveToArray(seal.ComprModeType.none) as Uint8Array;
    const secretKey = sk.saveToArray(seal.ComprModeType.none) as Uint8Array;
    return { publicKey, secretKey };
  } finally {
    free(pk, sk, keygen);
  }
}

/**
 * Standard-base64 SHA-256 of a serialized public key: binds contributions and results to it.
 * @param publicKey - the serialized public key
 * @returns the base64 hash
 */
export function publicKeyHash(publicKey: Uint8Array): string {
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey: expected a Uint8Array');
  return toBase64(sha256(publicKey));
}

/**
 * Loads a serialized public key after checking its layout and parms id. The caller frees it.
 * @throws DataLedgerError `AGG_KEY_INVALID`
 */
export function loadPublicKey(params: SealParams, bytes: Uint8Array): PublicKey {
  if (!(bytes instanceof Uint8Array)) throw aggError('AGG_KEY_INVALID', 'publicKey: expected a Uint8Array');
  checkPublicKeyBytes(bytes, params.publicKey);
  const pk = new params.seal.PublicKey();
  try {
    guardSeal('AGG_KEY_INVALID', 'publicKey', () => pk.loadFromArray(params.context, bytes));
    return pk;
  } catch (err) {
    free(pk);
    throw err;
  }
}

/**
 * Loads a serialized secret key after checking its layout and parms id. The caller frees it.
 * @throws DataLedgerError `AGG_KEY_INVALID`
 */
export function loadSecretKey(params: SealParams, bytes: Uint8Array): SecretKey {
  if (!(bytes instanceof Uint8Array)) throw aggError('AGG_KEY_INVALID', 'secretKey: expected a Uint8Array');
  checkSecretKeyBytes(bytes, params.publicKey.parmsId, POLY_MODULUS_DEGREE, params.publicKey.moduli);
  const sk = new params.seal.SecretKey();
  try {
    guardSeal('AGG_KEY_INVALID', 'secretKey', () => sk.loadFromArray(params.context, bytes));
    return sk;
  } catch (err) {
    free(sk);
    throw err;
  }
}
