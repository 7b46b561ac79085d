/**
 * Aggregation jobs: validation, the bound that keeps a sum from wrapping the plain
 * modulus, the privacy policy, and the job hash every contribution is bound to.
 */
import { canonicalBytes, sha256, toBase64 } from '@dataledger/core';
import { aggError } from './errors.ts';

/** Which homomorphic scheme a job uses: exact integers (BFV) or approximate reals (CKKS). */
export type AggregationScheme = 'bfv' | 'ckks';

/** Differential-privacy noise mechanisms available at release. */
export type PrivacyMechanism = 'discrete-laplace';

/** Optional differential privacy applied when an aggregate is released (always on for CKKS). */
export interface PrivacyPolicy {
  /** Noise mechanism. Default `discrete-laplace`. */
  mechanism?: PrivacyMechanism;
  /** Epsilon spent by one release (finite, > 0). */
  epsilon: number;
  /** Total epsilon the job may spend over all its releases. Default: `epsilon` (one release). */
  budget?: number;
  /**
   * L1 sensitivity: the most one contributor can move the released vector.
   * Default `length × maxAbsValue` (CKKS: `length × (maxAbsValue + 1)`, for the rounding);
   * a one-hot histogram may declare 1.
   */
  sensitivity?: bigint | number | string;
}

/** An aggregation job as declared by whoever opens it (JSON-safe when bigints are strings). */
export interface AggregationJob {
  /** Job identifier every contribution is bound to (1–256 characters). */
  id: string;
  scheme: AggregationScheme;
  /** Values per contributor (1–65,536). Longer than one ciphertext's slots spans several ciphertexts. */
  length: number;
  /** Largest |value| a contributor may submit. */
  maxAbsValue: bigint | number | string;
  /** Most contributions the job accepts; the no-wrap bound is `maxAbsValue × maxContributors`. */
  maxContributors: number;
  /** Fewest contributions for which the aggregate may be released. */
  minContributors: number;
  /** Differential privacy at release; required semantics for CKKS (defaults apply when absent). */
  privacy?: PrivacyPolicy;
  /**
   * BFV: when `maxAbsValue × maxContributors` is too wide for one plain modulus, split every
   * value into signed limbs (base-2^b digits, one slot each) and recombine exactly after
   * decryption, instead of refusing the job with `AGG_BOUNDS_OVERFLOW`. Costs `limbs`× slots.
   */
  wideSums?: boolean;
}

/** A privacy policy with its defaults filled in. */
export interface ResolvedPrivacy {
  mechanism: PrivacyMechanism;
  epsilon: number;
  budget: number;
  sensitivity: bigint;
}

/** A validated job with everything derived from it. */
export interface ResolvedJob {
  id: string;
  scheme: AggregationScheme;
  length: number;
  maxAbsValue: bigint;
  maxContributors: number;
  minContributors: number;
  privacy: ResolvedPrivacy | null;
  /** The largest |sum| of any value: `maxAbsValue × maxContributors`. */
  sumBound: bigint;
  /** Limbs per value (1 unless `wideSums` split the values). */
  limbs: number;
  /** Bits per limb (0 when `limbs` is 1). */
  limbBits: number;
  /** The largest |value| one slot carries: maxAbsValue, or 2^limbBits − 1 with limbs. */
  slotBound: bigint;
  /** Slots a contribution fills: `length × limbs`, limb-major (limb k of value i at k·length + i). */
  slotsUsed: number;
  /** Name of the SEAL parameter preset. */
  preset: string;
  /** Bit size of the BFV plain modulus (0 for CKKS). */
  plainModulusBits: number;
  /** The BFV plain modulus t, a batching prime > 2·sumBound (0n for CKKS). */
  plainModulus: bigint;
  /** Slots per ciphertext (BFV 8192, CKKS 4096). */
  slots: number;
  /** Ciphertexts per contribution: ceil(length / slots). */
  ciphertextCount: number;
  /** SHA-256 of the canonical job parameters. */
  hash: Uint8Array;
  /** `hash` as standard base64 (the form carried in envelopes). */
  hashB64: string;
}

/** Polynomial modulus degree of every preset (128-bit security, HomomorphicEncryption.org standard). */
export const POLY_MODULUS_DEGREE = 8192;
/** Largest value length a job may declare. */
export const MAX_JOB_LENGTH = 65_536;
/** Largest `maxContributors` (keeps the count a safe integer and the noise growth under 40 bits). */
export const MAX_CONTRIBUTORS: number = 2 ** 40;
/** SEAL limits a plain modulus to 60 bits. */
export const MAX_PLAIN_MODULUS_BITS = 60;
/** The smallest prime ≡ 1 (mod 2·8192) is 65,537: 17 bits. */
export const MIN_PLAIN_MODULUS_BITS = 17;
/** CKKS sums must stay below 2^45 so that a double decodes them well within ±0.5. */
export const CKKS_MAX_SUM_BITS = 45;
/** Default epsilon per release when a CKKS job names no privacy policy. */
export const CKKS_DEFAULT_EPSILON = 1;

const JOB_DOMAIN = 'dataledger/aggregation/job/v1';

function invalid(message: string, field: string): never {
  throw aggError('AGG_JOB_INVALID', message, { field });
}

/** Parses a non-negative integer given as bigint, safe-integer number or decimal string. */
function toBigInt(value: unknown, field: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^(0|[1-9][0-9]{0,77})$/.test(value)) return BigInt(value);
  return invalid(`${field}: expected an integer`, field);
}

function intIn(value: unknown, lo: number, hi: number, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < lo || value > hi) {
    return invalid(`${field}: expected an integer in [${lo}, ${hi}]`, field);
  }
  return value;
}

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

function powMod(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/** Deterministic Miller–Rabin for n < 3.3·10^24 (the first 12 prime bases). */
function isPrime(n: bigint): boolean {
  if (n < 2n) return false;
  const bases = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n];
  for (const p of bases) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  outer: for (const a of bases) {
    let x = powMod(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/**
 * The batching prime SEAL's `PlainModulus::Batching(n, bits)` picks: the largest prime
 * t ≡ 1 (mod 2n) with exactly `bits` bits, or null when there is none (e.g. 19 bits at
 * n = 8192).
 */
export function batchingPrime(n: number, bits: number): bigint | null {
  const factor = 2n * BigInt(n);
  const lower = 1n << BigInt(bits - 1);
  for (let v = (1n << BigInt(bits)) - factor + 1n; v > lower; v -= factor) if (isPrime(v)) return v;
  return null;
}

function resolvePrivacy(raw: unknown, scheme: AggregationScheme, length: number, maxAbsValue: bigint): ResolvedPrivacy | null {
  if (raw === undefined || raw === null) {
    if (scheme === 'bfv') return null;
    // CKKS decryptions released without noise can leak the secret key (Li–Micciancio 2021),
    // so a CKKS job always releases through the noise mechanism.
    raw = { epsilon: CKKS_DEFAULT_EPSILON };
  }
  if (typeof raw !== 'object') return invalid('privacy: expected an object', 'privacy');
  const p = raw as Record<string, unknown>;
  const mechanism = p['mechanism'] ?? 'discrete-laplace';
  if (mechanism !== 'discrete-laplace') return invalid('privacy.mechanism: unsupported', 'privacy.mechanism');
  const epsilon = p['epsilon'];
  if (typeof epsilon !== 'number' || !Number.isFinite(epsilon) || epsilon <= 0 || epsilon > 64) {
    return invalid('privacy.epsilon: expected a number in (0, 64]', 'privacy.epsilon');
  }
  const budget = p['budget'] ?? epsilon;
  if (typeof budget !== 'number' || !Number.isFinite(budget) || budget < epsilon) {
    return invalid('privacy.budget: expected a number ≥ epsilon', 'privacy.budget');
  }
  // One contributor moves each of `length` slots by at most maxAbsValue; a CKKS release rounds
  // to integers, which can move a slot by one more.
  const perSlot = scheme === 'ckks' ? maxAbsValue + 1n : maxAbsValue;
  const sensitivity = p['sensitivity'] === undefined ? BigInt(length) * perSlot : toBigInt(p['sensitivity'], 'privacy.sensitivity');
  if (sensitivity < 1n) return invalid('privacy.sensitivity: expected ≥ 1', 'privacy.sensitivity');
  return { mechanism, epsilon, budget, sensitivity };
}

/**
 * Validates a job and derives its parameters. For BFV it picks the smallest plain-modulus
 * bit size `b` with `2^(b-1) > 2·maxAbsValue·maxContributors`, so every signed slot sum lies
 * in (−t/2, t/2) and decodes exactly; for CKKS it bounds the sum below 2^45.
 * @param job - the job as declared
 * @returns the resolved job (bounds, preset, hash)
 * @throws DataLedgerError `AGG_JOB_INVALID` for a malformed job, `AGG_BOUNDS_OVERFLOW` when the sum could wrap
 */
export function resolveJob(job: AggregationJob): ResolvedJob {
  if (job === null || typeof job !== 'object') return invalid('job: expected an object', 'job');
  const { id, scheme } = job;
  if (typeof id !== 'string' || id.length < 1 || id.length > 256) return invalid('id: expected 1–256 characters', 'id');
  if (scheme !== 'bfv' && scheme !== 'ckks') return invalid("scheme: expected 'bfv' or 'ckks'", 'scheme');
  const length = intIn(job.length, 1, MAX_JOB_LENGTH, 'length');
  const maxAbsValue = toBigInt(job.maxAbsValue, 'maxAbsValue');
  if (maxAbsValue < 1n) return invalid('maxAbsValue: expected ≥ 1', 'maxAbsValue');
  const maxContributors = intIn(job.maxContributors, 1, MAX_CONTRIBUTORS, 'maxContributors');
  const minContributors = intIn(job.minContributors, 1, maxContributors, 'minContributors');
  const privacy = resolvePrivacy(job.privacy, scheme, length, maxAbsValue);
  if (job.wideSums !== undefined && typeof job.wideSums !== 'boolean') return invalid('wideSums: expected a boolean', 'wideSums');
  const sumBound = maxAbsValue * BigInt(maxContributors);
  let plainModulusBits = 0;
  let plainModulus = 0n;
  let preset: string;
  let slots: number;
  let limbs = 1;
  let limbBits = 0;
  let slotBound = maxAbsValue;
  if (scheme === 'bfv') {
    if (bitLength(2n * sumBound) + 1 > MAX_PLAIN_MODULUS_BITS) {
      if (job.wideSums !== true) {
        throw aggError(
          'AGG_BOUNDS_OVERFLOW',
          `maxAbsValue × maxContributors needs a plain modulus over ${MAX_PLAIN_MODULUS_BITS} bits, SEAL's limit (see wideSums)`,
          {
            sumBound: sumBound.toString(),
          },
        );
      }
      // Limbs of b bits: a slot sum is bounded by maxContributors·(2^b − 1), and
      // 2·maxContributors·2^b < 2^(bitLength(maxContributors) + 1 + b) = 2^58 fits a 60-bit t.
      limbBits = MAX_PLAIN_MODULUS_BITS - 2 - bitLength(BigInt(maxContributors));
      limbs = Math.ceil(bitLength(maxAbsValue) / limbBits);
      slotBound = (1n << BigInt(limbBits)) - 1n;
      if (length * limbs > MAX_JOB_LENGTH) {
        throw aggError('AGG_BOUNDS_OVERFLOW', `length × limbs exceeds ${MAX_JOB_LENGTH} slots`, { length, limbs });
      }
    }
    // t > 2·slotBound·maxContributors keeps every signed slot sum in (−t/2, t/2), where it decodes exactly.
    let bits = Math.max(MIN_PLAIN_MODULUS_BITS, bitLength(2n * slotBound * BigInt(maxContributors)) + 1);
    let t: bigint | null = null;
    for (; bits <= MAX_PLAIN_MODULUS_BITS && t === null; bits++) t = batchingPrime(POLY_MODULUS_DEGREE, bits);
    if (t === null) {
      throw aggError('AGG_BOUNDS_OVERFLOW', `maxAbsValue × maxContributors needs a plain modulus over ${MAX_PLAIN_MODULUS_BITS} bits, SEAL's limit`, {
        sumBound: sumBound.toString(),
      });
    }
    plainModulus = t;
    plainModulusBits = bits - 1;
    preset = 'bfv-8192-128';
    slots = POLY_MODULUS_DEGREE;
  } else {
    if (bitLength(sumBound) > CKKS_MAX_SUM_BITS) {
      throw aggError('AGG_BOUNDS_OVERFLOW', `maxAbsValue × maxContributors exceeds 2^${CKKS_MAX_SUM_BITS} for CKKS`, {
        sumBound: sumBound.toString(),
      });
    }
    preset = 'ckks-8192-128';
    slots = POLY_MODULUS_DEGREE / 2;
  }
  const canonical = {
    domain: JOB_DOMAIN,
    id,
    scheme,
    preset,
    plainModulus: plainModulus.toString(),
    limbs,
    limbBits,
    length,
    maxAbsValue: maxAbsValue.toString(),
    maxContributors,
    minContributors,
    privacy:
      privacy === null
        ? null
        : {
            mechanism: privacy.mechanism,
            epsilon: privacy.epsilon,
            budget: privacy.budget,
            sensitivity: privacy.sensitivity.toString(),
          },
  };
  const hash = sha256(canonicalBytes(canonical));
  return {
    id,
    scheme,
    length,
    maxAbsValue,
    maxContributors,
    minContributors,
    privacy,
    sumBound,
    limbs,
    limbBits,
    slotBound,
    slotsUsed: length * limbs,
    preset,
    plainModulusBits,
    plainModulus,
    slots,
    ciphertextCount: Math.ceil((length * limbs) / slots),
    hash,
    hashB64: toBase64(hash),
  };
}
