/**
 * Contributions: a holder's encrypted vector, bound to the job and signed by the holder.
 *
 * Envelope (JSON-safe; the holder signs `canonicalBytes` (RFC 8785) of every field except
 * `ciphertexts` and `sig`, so the signature covers the ciphertexts through their hash):
 * ```
 * { v: 1, type: 'dataledger.aggregation.contribution', jobId, jobHash, keyHash,
 *   holder: 'did:key:z6Mk…', ciphertextHash, ciphertexts: [base64…], sig: base64url }
 * ```
 * `ciphertextHash` is SHA-256 over the serialized ciphertexts in order; the contribution
 * hash (what results list) is SHA-256 of canonical(envelope without `ciphertexts`).
 */
import {
  canonicalBytes,
  didKeyFromPublicKey,
  fromBase64,
  fromBase64Url,
  getPublicKey,
  isDidKey,
  publicKeyFromDidKey,
  sha256,
  sign,
  toBase64,
  toBase64Url,
  verify,
} from '@dataledger/core';
import type { Ciphertext, Encryptor, Plaintext, PublicKey } from 'node-seal';
import { aggError } from './errors.ts';
import { type SealShape, checkCiphertextBytes, ciphertextByteLength } from './format.ts';
import { type AggregationJob, type ResolvedJob, resolveJob } from './job.ts';
import { loadPublicKey, publicKeyHash } from './keys.ts';
import { type SealParams, free, guardSeal, sealParamsFor } from './seal.ts';

/** `type` of a contribution envelope. */
export const CONTRIBUTION_TYPE = 'dataledger.aggregation.contribution';

/** A signed, encrypted contribution (JSON-safe). */
export interface Contribution {
  v: 1;
  type: typeof CONTRIBUTION_TYPE;
  jobId: string;
  /** Base64 SHA-256 of the job parameters ({@link resolveJob}). */
  jobHash: string;
  /** Base64 SHA-256 of the serialized public key the values were encrypted under. */
  keyHash: string;
  /** did:key of the holder (Ed25519). */
  holder: string;
  /** Base64 SHA-256 over the serialized ciphertexts, in order. */
  ciphertextHash: string;
  /** Base64 SEAL ciphertexts (compr_mode none), ceil(length × limbs / slots) of them. */
  ciphertexts: string[];
  /** Base64url Ed25519 signature of the holder over canonical(envelope without ciphertexts and sig). */
  sig: string;
}

/** What a contribution is bound to: the job and the key. */
export interface ContributionTarget {
  jobId: string;
  jobHash: string;
  keyHash: string;
}

/** A holder: the 32-byte Ed25519 secret key (seed) it signs with. */
export interface Holder {
  secretKey: Uint8Array;
}

/** A contribution that passed every check that does not need the ciphertext bytes. */
export interface CheckedContribution {
  holder: string;
  /** Contribution hash (base64): SHA-256 of canonical(envelope without ciphertexts). */
  hash: string;
  ciphertextHash: Uint8Array;
  ciphertexts: string[];
}

/**
 * The target a job and public key define.
 * @param job - the job
 * @param publicKey - the serialized job public key
 * @returns job id, job hash and public-key hash
 * @throws DataLedgerError `AGG_JOB_INVALID`, `AGG_BOUNDS_OVERFLOW` for an invalid job
 */
export function contributionTarget(job: AggregationJob | ResolvedJob, publicKey: Uint8Array): ContributionTarget {
  const r = 'hashB64' in job ? job : resolveJob(job);
  return { jobId: r.id, jobHash: r.hashB64, keyHash: publicKeyHash(publicKey) };
}

function signedBody(c: Omit<Contribution, 'ciphertexts' | 'sig'>): Omit<Contribution, 'ciphertexts' | 'sig'> {
  return {
    v: c.v,
    type: c.type,
    jobId: c.jobId,
    jobHash: c.jobHash,
    keyHash: c.keyHash,
    holder: c.holder,
    ciphertextHash: c.ciphertextHash,
  };
}

/**
 * Wraps already-serialized ciphertexts into a contribution signed by `holder`.
 * @param target - job and key binding ({@link contributionTarget})
 * @param ciphertexts - serialized SEAL ciphertexts, in slot order
 * @param holder - the signer
 * @returns the signed envelope
 */
export function signContribution(target: ContributionTarget, ciphertexts: readonly Uint8Array[], holder: Holder): Contribution {
  const holderDid = didKeyFromPublicKey(getPublicKey(holder.secretKey));
  const body = signedBody({
    v: 1,
    type: CONTRIBUTION_TYPE,
    jobId: target.jobId,
    jobHash: target.jobHash,
    keyHash: target.keyHash,
    holder: holderDid,
    ciphertextHash: toBase64(sha256(...ciphertexts)),
  });
  const sig = toBase64Url(sign(canonicalBytes(body), holder.secretKey));
  return { ...body, ciphertexts: ciphertexts.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')), sig };
}

function checkValues(job: ResolvedJob, values: readonly (bigint | number)[]): void {
  if (!Array.isArray(values)) throw new TypeError('values: expected an array');
  if (values.length !== job.length) {
    throw aggError('AGG_LENGTH_MISMATCH', `values: ${values.length} values, the job takes ${job.length}`, { length: values.length, expected: job.length });
  }
  const max = job.maxAbsValue;
  const maxN = Number(max);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let ok: boolean;
    if (typeof v === 'bigint') ok = v <= max && v >= -max;
    else if (typeof v === 'number') ok = job.scheme === 'ckks' ? Number.isFinite(v) && Math.abs(v) <= maxN : Number.isSafeInteger(v) && Math.abs(v) <= maxN;
    else ok = false;
    if (!ok) throw aggError('AGG_VALUE_OUT_OF_RANGE', `values[${i}]: outside ±maxAbsValue`, { index: i });
  }
}

/**
 * The slot vector of a contribution: the values themselves, or with limbs (BFV wideSums) each
 * value v as signed base-2^b digits sign(v)·((|v| >> b·k) mod 2^b), limb-major.
 */
function slotValues(job: ResolvedJob, values: readonly (bigint | number)[]): readonly (bigint | number)[] {
  if (job.limbs === 1) return values;
  const out = new Array<bigint>(job.slotsUsed);
  const b = BigInt(job.limbBits);
  const mask = (1n << b) - 1n;
  for (let i = 0; i < job.length; i++) {
    const v = BigInt(values[i] as bigint | number);
    const a = v < 0n ? -v : v;
    for (let k = 0; k < job.limbs; k++) {
      const d = (a >> (b * BigInt(k))) & mask;
      out[k * job.length + i] = v < 0n ? -d : d;
    }
  }
  return out;
}

/** Encodes and encrypts one slot chunk; returns the serialized ciphertext. */
function encryptChunk(
  params: SealParams,
  encryptor: { encrypt(p: Plaintext, c: Ciphertext): void },
  values: readonly (bigint | number)[],
  from: number,
): Uint8Array {
  const { seal } = params;
  const to = Math.min(values.length, from + params.slots);
  const pt = new seal.Plaintext();
  const ct = new seal.Ciphertext();
  try {
    if (params.batchEncoder !== null) {
      const slots = new BigInt64Array(params.slots);
      for (let i = from; i < to; i++) slots[i - from] = BigInt(values[i] as bigint | number);
      params.batchEncoder.encode(slots, pt);
    } else {
      const slots = new Float64Array(params.slots);
      for (let i = from; i < to; i++) slots[i - from] = Number(values[i]);
      (params.ckksEncoder as NonNullable<SealParams['ckksEncoder']>).encode(slots, params.ciphertext.scale, pt);
    }
    encryptor.encrypt(pt, ct);
    return ct.saveToArray(seal.ComprModeType.none) as Uint8Array;
  } finally {
    free(pt, ct);
  }
}

/**
 * Encrypts a holder's values under the job's public key and signs the result.
 * @param job - the job
 * @param publicKey - the serialized job public key
 * @param values - exactly `job.length` values, each within ±maxAbsValue (integers for BFV; reals allowed for CKKS)
 * @param holder - the holder's Ed25519 secret key
 * @returns the signed contribution envelope
 * @throws DataLedgerError `AGG_LENGTH_MISMATCH`, `AGG_VALUE_OUT_OF_RANGE`, `AGG_KEY_INVALID`, `AGG_JOB_INVALID`, `AGG_BOUNDS_OVERFLOW`
 */
export async function encryptContribution(
  job: AggregationJob,
  publicKey: Uint8Array,
  values: readonly (bigint | number)[],
  holder: Holder,
): Promise<Contribution> {
  const r = resolveJob(job);
  checkValues(r, values);
  const params = await sealParamsFor(r);
  const { encryptor, keyHash } = encryptorFor(params, publicKey);
  const slots = slotValues(r, values);
  const cts: Uint8Array[] = [];
  for (let from = 0; from < slots.length; from += params.slots) {
    cts.push(guardSeal('AGG_SEAL_FAILURE', 'encrypt', () => encryptChunk(params, encryptor, slots, from)));
  }
  return signContribution({ jobId: r.id, jobHash: r.hashB64, keyHash }, cts, holder);
}

/**
 * The last public key a holder encrypted under, loaded once: holders encrypt many vectors
 * under one job key, and loading and hashing a 655 KB key each time costs ~5% of an
 * encryption. One entry, compared by content (not identity), its SEAL objects freed when
 * replaced.
 */
let lastKey: { params: SealParams; bytes: Buffer; keyHash: string; pk: PublicKey; encryptor: Encryptor } | null = null;

function encryptorFor(params: SealParams, publicKey: Uint8Array): { encryptor: Encryptor; keyHash: string } {
  if (!(publicKey instanceof Uint8Array)) throw aggError('AGG_KEY_INVALID', 'publicKey: expected a Uint8Array');
  if (lastKey !== null && lastKey.params === params && lastKey.bytes.equals(publicKey)) return lastKey;
  const pk = loadPublicKey(params, publicKey);
  let encryptor: Encryptor;
  try {
    encryptor = new params.seal.Encryptor(params.context, pk);
  } catch (err) {
    free(pk);
    throw aggError('AGG_KEY_INVALID', 'publicKey: SEAL refused it', undefined, err);
  }
  if (lastKey !== null) free(lastKey.encryptor, lastKey.pk);
  lastKey = { params, bytes: Buffer.from(publicKey), keyHash: publicKeyHash(publicKey), pk, encryptor };
  return lastKey;
}

const B64_32 = /^[A-Za-z0-9+/]{43}=$/;
const B64URL_SIG = /^[A-Za-z0-9_-]{86}$/;
const FIELDS = new Set(['v', 'type', 'jobId', 'jobHash', 'keyHash', 'holder', 'ciphertextHash', 'ciphertexts', 'sig']);

/**
 * Base64 length of `bytes` bytes (padded).
 * @param bytes - a byte count
 * @returns the length of its padded base64 text
 */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

function malformed(message: string, field?: string): never {
  throw aggError('AGG_CONTRIBUTION_MALFORMED', message, field === undefined ? undefined : { field });
}

/** A contribution that passed every check except the signature verification ({@link parseContribution}). */
export interface ParsedContribution extends CheckedContribution {
  /** The signed message: canonical(envelope without ciphertexts and sig). */
  message: Uint8Array;
  /** The 64-byte signature. */
  signature: Uint8Array;
  /** The holder's Ed25519 public key. */
  holderKey: Uint8Array;
}

/**
 * Every check of {@link checkContribution} that comes before the signature verification,
 * in the same order; the caller must then run {@link verifyParsedSignature} before trusting
 * anything the envelope says. Lets an aggregator verify the signature on a worker thread.
 * @throws DataLedgerError as {@link checkContribution}, except that a signature that does not verify passes
 */
export function parseContribution(value: unknown, target: ContributionTarget, ciphertextCount: number, ciphertextBytes: number): ParsedContribution {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) malformed('contribution: expected an object');
  const c = value as Record<string, unknown>;
  for (const k of Object.keys(c)) if (!FIELDS.has(k)) malformed(`contribution: unknown field ${k}`, k);
  if (c['v'] !== 1 || c['type'] !== CONTRIBUTION_TYPE) malformed('contribution: not a v1 contribution', 'type');
  for (const f of ['jobId', 'jobHash', 'keyHash', 'holder', 'ciphertextHash'] as const) {
    if (typeof c[f] !== 'string') malformed(`contribution.${f}: expected a string`, f);
  }
  if (c['jobId'] !== target.jobId) throw aggError('AGG_JOB_MISMATCH', 'contribution: for another job', { jobId: String(c['jobId']).slice(0, 256) });
  if (c['jobHash'] !== target.jobHash) throw aggError('AGG_JOB_MISMATCH', 'contribution: for other job parameters');
  if (c['keyHash'] !== target.keyHash) throw aggError('AGG_KEY_MISMATCH', 'contribution: encrypted under another public key');
  const holder = c['holder'] as string;
  if (holder.length > 128 || !isDidKey(holder)) malformed('contribution.holder: expected an Ed25519 did:key', 'holder');
  let holderKey: Uint8Array;
  try {
    holderKey = publicKeyFromDidKey(holder);
  } catch {
    return malformed('contribution.holder: expected an Ed25519 did:key', 'holder');
  }
  const ctHash = c['ciphertextHash'] as string;
  if (!B64_32.test(ctHash)) malformed('contribution.ciphertextHash: expected a base64 SHA-256', 'ciphertextHash');
  const cts = c['ciphertexts'];
  if (!Array.isArray(cts) || cts.length !== ciphertextCount) malformed(`contribution.ciphertexts: expected ${ciphertextCount} ciphertexts`, 'ciphertexts');
  const cap = base64Length(ciphertextBytes);
  for (let i = 0; i < cts.length; i++) {
    const s: unknown = cts[i];
    if (typeof s !== 'string') malformed(`contribution.ciphertexts[${i}]: expected base64`, 'ciphertexts');
    if (s.length > cap)
      throw aggError('AGG_CIPHERTEXT_TOO_LARGE', `contribution.ciphertexts[${i}]: larger than a ciphertext of this job`, { index: i, length: s.length, cap });
  }
  const sig = c['sig'];
  if (typeof sig !== 'string' || !B64URL_SIG.test(sig)) throw aggError('AGG_SIGNATURE_INVALID', 'contribution.sig: missing or not an Ed25519 signature');
  const body = signedBody(c as unknown as Contribution);
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(sig);
  } catch {
    // Undecodable (non-zero trailing bits): it cannot verify; reported at verification, as before.
    signature = new Uint8Array(0);
  }
  return {
    holder,
    hash: toBase64(sha256(canonicalBytes({ ...body, sig }))),
    ciphertextHash: fromBase64(ctHash),
    ciphertexts: cts as string[],
    message: canonicalBytes(body),
    signature,
    holderKey,
  };
}

/**
 * The signature check that completes {@link parseContribution}.
 * @param p - the signed message, signature and holder key
 * @throws DataLedgerError `AGG_SIGNATURE_INVALID` when the signature does not verify under the holder key
 */
export function verifyParsedSignature(p: Pick<ParsedContribution, 'message' | 'signature' | 'holderKey'>): void {
  let ok: boolean;
  try {
    ok = verify(p.signature, p.message, p.holderKey);
  } catch {
    ok = false;
  }
  if (!ok) throw aggError('AGG_SIGNATURE_INVALID', 'contribution.sig: does not verify under the holder key');
}

/**
 * Checks an untrusted contribution envelope up to (not including) its ciphertext bytes:
 * shape, job and key binding, size caps on the base64 text, and the holder signature.
 * Parsed once at the edge; nothing after this re-reads the raw object.
 * @param value - untrusted input
 * @param target - the job and key this aggregator folds for
 * @param ciphertextCount - ciphertexts per contribution
 * @param ciphertextBytes - exact byte length of one ciphertext
 * @returns the holder, contribution hash, signed ciphertext hash and the (size-capped) texts
 * @throws DataLedgerError `AGG_CONTRIBUTION_MALFORMED`, `AGG_JOB_MISMATCH`, `AGG_KEY_MISMATCH`, `AGG_SIGNATURE_INVALID`, `AGG_CIPHERTEXT_TOO_LARGE`
 */
export function checkContribution(value: unknown, target: ContributionTarget, ciphertextCount: number, ciphertextBytes: number): CheckedContribution {
  const p = parseContribution(value, target, ciphertextCount, ciphertextBytes);
  verifyParsedSignature(p);
  return { holder: p.holder, hash: p.hash, ciphertextHash: p.ciphertextHash, ciphertexts: p.ciphertexts };
}

/**
 * Decodes a contribution's base64 ciphertexts (size-capped), into `scratch` buffers when
 * given (folding then allocates nothing per contribution) or into fresh transferable ones.
 * @throws DataLedgerError `AGG_CIPHERTEXT_TOO_LARGE`
 */
export function decodeCiphertextTexts(texts: readonly string[], shape: SealShape, scratch?: readonly Buffer[]): Uint8Array[] {
  const cap = base64Length(ciphertextByteLength(shape));
  const out: Uint8Array[] = [];
  for (let i = 0; i < texts.length; i++) {
    const s = texts[i] as string;
    if (s.length > cap) throw aggError('AGG_CIPHERTEXT_TOO_LARGE', `ciphertexts[${i}]: larger than a ciphertext of this job`, { index: i });
    // Buffer skips characters outside the alphabet; the exact layout check and the signed
    // hash (checkCiphertexts) catch any text that is not the holder's ciphertext.
    const into = scratch?.[i] ?? Buffer.allocUnsafeSlow((cap / 4) * 3);
    out.push(new Uint8Array(into.buffer, into.byteOffset, into.write(s, 0, 'base64')));
  }
  return out;
}

/**
 * Checks decoded ciphertexts: each one's SEAL layout against the job's shape (before any
 * WASM load), then all of them against the signed hash.
 * @throws DataLedgerError `AGG_CIPHERTEXT_TOO_LARGE`, `AGG_CIPHERTEXT_MALFORMED`, `AGG_PARAMS_MISMATCH`, `AGG_CIPHERTEXT_HASH_MISMATCH`
 */
export function checkCiphertexts(bytes: readonly Uint8Array[], ciphertextHash: Uint8Array, shape: SealShape): void {
  bytes.forEach((b, i) => checkCiphertextBytes(b, shape, `ciphertexts[${i}]`));
  const h = sha256(...bytes);
  let same = h.length === ciphertextHash.length;
  for (let i = 0; same && i < h.length; i++) same = h[i] === ciphertextHash[i];
  if (!same) throw aggError('AGG_CIPHERTEXT_HASH_MISMATCH', 'ciphertexts: do not hash to the signed ciphertextHash');
}

/** {@link decodeCiphertextTexts} then {@link checkCiphertexts}. */
export function decodeCiphertexts(texts: readonly string[], ciphertextHash: Uint8Array, shape: SealShape, scratch?: readonly Buffer[]): Uint8Array[] {
  const bytes = decodeCiphertextTexts(texts, shape, scratch);
  checkCiphertexts(bytes, ciphertextHash, shape);
  return bytes;
}

/** Reusable decode buffers for {@link decodeCiphertexts}: one per ciphertext of a contribution. */
export function decodeScratch(count: number, shape: SealShape): Buffer[] {
  const bytes = (base64Length(ciphertextByteLength(shape)) / 4) * 3;
  return Array.from({ length: count }, () => Buffer.allocUnsafeSlow(bytes));
}
