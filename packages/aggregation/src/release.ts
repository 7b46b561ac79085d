/**
 * Release: the key holder decrypts an aggregate only under the job's policy — at least
 * `minContributors` contributions, and differential-privacy noise (always for CKKS, whose
 * exact decryptions can leak the secret key) paid for from the job's epsilon budget.
 */
import type { Ciphertext, Decryptor, Plaintext, SecretKey } from 'node-seal';
import type { Contribution } from './contribution.ts';
import { aggError } from './errors.ts';
import { type AggregationJob, resolveJob } from './job.ts';
import { loadSecretKey, publicKeyHash } from './keys.ts';
import { type PrivacyBudget, laplaceNoise, privacyBudgetFor } from './privacy.ts';
import { type AggregateResult, checkResult } from './result.ts';
import { type SealParams, free, guardSeal, sealParamsFor } from './seal.ts';
import { recomputeAggregate } from './aggregator.ts';

/**
 * Decrypts layout-checked sum ciphertexts to their first `length` slots: bigints (BFV,
 * centred in (−t/2, t/2)) or doubles (CKKS). Internal: raw CKKS values are never released.
 */
export function decryptSums(params: SealParams, secretKey: Uint8Array, sums: readonly Uint8Array[], length: number): (bigint | number)[] {
  const sk: SecretKey = loadSecretKey(params, secretKey);
  let decryptor: Decryptor | null = null;
  const ct: Ciphertext = new params.seal.Ciphertext();
  const pt: Plaintext = new params.seal.Plaintext();
  const out: (bigint | number)[] = [];
  try {
    decryptor = new params.seal.Decryptor(params.context, sk);
    for (const bytes of sums) {
      guardSeal('AGG_RESULT_INVALID', 'result.sum', () => ct.loadFromArray(params.context, bytes));
      // Decrypt only; never invariantNoiseBudget (on untrusted ciphertexts it leaks the key).
      guardSeal('AGG_RESULT_INVALID', 'result.sum', () => (decryptor as Decryptor).decrypt(ct, pt));
      const slots =
        params.batchEncoder !== null
          ? (params.batchEncoder.decodeBigInt64(pt) as BigInt64Array)
          : ((params.ckksEncoder as NonNullable<SealParams['ckksEncoder']>).decodeFloat64(pt) as Float64Array);
      for (let i = 0; i < slots.length && out.length < length; i++) out.push(slots[i] as bigint | number);
    }
  } finally {
    free(pt, ct, decryptor, sk);
  }
  return out;
}

/** Options of {@link decryptAggregate}. */
export interface ReleaseOptions {
  /** The job's privacy budget; default: an in-process budget per job hash. */
  budget?: PrivacyBudget;
  /**
   * When given with `contributions`, the result must be bound to this key and is recomputed
   * from the contributions before anything is decrypted (a lying aggregator could otherwise
   * present one holder's ciphertext as a sum of many).
   */
  publicKey?: Uint8Array;
  contributions?: Iterable<Contribution | unknown>;
}

/** A released aggregate. `JSON.stringify` gives {@link AggregateReleaseJson} (bigints as decimal strings). */
export interface AggregateRelease {
  /** Contributions in the sum. */
  count: number;
  /** Per-slot sums (noisy when the job has a privacy policy; CKKS sums are rounded to integers). */
  sum: bigint[];
  /** The noise applied, or null for an exact BFV release. */
  noise: { mechanism: string; epsilon: number; sensitivity: bigint; spent: number; remaining: number } | null;
  /** The JSON form (called by `JSON.stringify`; not enumerable). */
  toJSON(): AggregateReleaseJson;
}

/**
 * The JSON form of an {@link AggregateRelease}: sums and sensitivity as decimal strings, since
 * they may exceed 2^53 and JSON numbers are IEEE 754 doubles in most readers (RFC 8259 §6).
 */
export interface AggregateReleaseJson {
  count: number;
  sum: string[];
  noise: { mechanism: string; epsilon: number; sensitivity: string; spent: number; remaining: number } | null;
}

function released(count: number, sum: bigint[], noise: AggregateRelease['noise']): AggregateRelease {
  const out = { count, sum, noise } as AggregateRelease;
  Object.defineProperty(out, 'toJSON', {
    enumerable: false,
    value: (): AggregateReleaseJson => ({
      count: out.count,
      sum: out.sum.map((v) => v.toString()),
      noise: out.noise === null ? null : { ...out.noise, sensitivity: out.noise.sensitivity.toString() },
    }),
  });
  return out;
}

/**
 * Decrypts an aggregate under the release policy.
 * @param job - the job
 * @param secretKey - the serialized job secret key
 * @param result - the aggregate (untrusted: its layout is checked before any load)
 * @param options - budget, and contributions to recompute the result from
 * @returns count and per-slot sums
 * @throws DataLedgerError `AGG_TOO_FEW_CONTRIBUTORS`, `AGG_BUDGET_EXHAUSTED`, `AGG_RESULT_INVALID`, `AGG_JOB_MISMATCH`,
 *   `AGG_KEY_INVALID`, `AGG_KEY_MISMATCH`
 */
export async function decryptAggregate(
  job: AggregationJob,
  secretKey: Uint8Array,
  result: AggregateResult | unknown,
  options: ReleaseOptions = {},
): Promise<AggregateRelease> {
  const r = resolveJob(job);
  const params = await sealParamsFor(r);
  const keyHash = options.publicKey === undefined ? null : publicKeyHash(options.publicKey);
  const checked = checkResult(result, { jobId: r.id, jobHash: r.hashB64, keyHash }, r.maxContributors, r.ciphertextCount, params.ciphertext);
  if (checked.count < r.minContributors) {
    throw aggError('AGG_TOO_FEW_CONTRIBUTORS', `${checked.count} contributions; the job releases from ${r.minContributors}`, {
      count: checked.count,
      minContributors: r.minContributors,
    });
  }
  if (options.contributions !== undefined) {
    if (options.publicKey === undefined) throw new TypeError('options.publicKey: required with options.contributions');
    const again = await recomputeAggregate(job, options.publicKey, options.contributions);
    const res = result as AggregateResult;
    if (again.sumHash !== res.sumHash || again.contributions.join() !== res.contributions.join()) {
      throw aggError('AGG_RESULT_INVALID', 'result: differs from the recomputation over its contributions');
    }
  }
  const budget = r.privacy === null ? null : (options.budget ?? privacyBudgetFor(r));
  if (r.privacy !== null && budget !== null && !budget.canSpend(r.privacy.epsilon)) {
    throw aggError('AGG_BUDGET_EXHAUSTED', 'privacy budget spent: release refused', { total: budget.total, spent: budget.spent });
  }

  const raw = decryptSums(params, secretKey, checked.sum, r.slotsUsed);
  // Every decryption is paid for, released or not: the bound check below answers one bit
  // about the exact plaintext (a result presenting sum + chosen offset under a smaller count
  // is refused or not), and free refusals would let anyone binary-search the exact sum past
  // the noise.
  if (r.privacy !== null && budget !== null) budget.charge(r.privacy.epsilon);
  const slots = raw.map((v) => (typeof v === 'bigint' ? v : BigInt(Math.round(v))));
  // Every slot of an honest sum lies within ±count·slotBound; anything else is not a sum of
  // this job's contributions (a wrong key, a tampered sum) and is not released.
  const bound = BigInt(checked.count) * r.slotBound + (r.scheme === 'ckks' ? 1n : 0n);
  for (const v of slots) if (v > bound || v < -bound) throw aggError('AGG_RESULT_INVALID', 'result: a slot is outside the job bounds');
  // Limbs recombine exactly: Σ_j v_j = Σ_k 2^(b·k) · Σ_j d_jk.
  const sum = slots.slice(0, r.length);
  for (let k = 1; k < r.limbs; k++) {
    const shift = BigInt(r.limbBits * k);
    for (let i = 0; i < r.length; i++) sum[i] = (sum[i] as bigint) + ((slots[k * r.length + i] as bigint) << shift);
  }

  if (r.privacy === null || budget === null) return released(checked.count, sum, null);
  const { sensitivity, epsilon, mechanism } = r.privacy;
  const noisy = sum.map((v) => v + laplaceNoise(sensitivity, epsilon));
  return released(checked.count, noisy, { mechanism, epsilon, sensitivity, spent: budget.spent, remaining: budget.remaining });
}
