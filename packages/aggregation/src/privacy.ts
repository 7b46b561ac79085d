/**
 * Differential privacy at release: exact discrete Laplace noise (Canonne, Kamath,
 * Steinke, "The Discrete Gaussian for Differential Privacy", NeurIPS 2020, Algorithms 1–2)
 * driven by node:crypto randomness, and a per-job epsilon budget.
 *
 * The sampler uses only integer arithmetic on bigints: no floating-point inverse CDF, so
 * none of the precision attacks on textbook Laplace (Mironov, CCS 2012).
 */
import { randomFillSync } from 'node:crypto';
import { aggError } from './errors.ts';
import type { ResolvedJob } from './job.ts';

/** Cryptographically random bits, drawn in blocks. */
class RandomSource {
  #buf = new Uint8Array(4096);
  #pos = this.#buf.length;

  byte(): number {
    if (this.#pos >= this.#buf.length) {
      randomFillSync(this.#buf);
      this.#pos = 0;
    }
    return this.#buf[this.#pos++] as number;
  }

  /** Uniform integer in [0, m), m ≥ 1 (rejection sampling, no modulo bias). */
  below(m: bigint): bigint {
    if (m <= 1n) return 0n;
    const bits = (m - 1n).toString(2).length;
    const bytes = Math.ceil(bits / 8);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      let x = 0n;
      for (let i = 0; i < bytes; i++) x = (x << 8n) | BigInt(this.byte());
      x &= mask;
      if (x < m) return x;
    }
  }
}

const rng = new RandomSource();

/** Bernoulli(n/d), 0 ≤ n ≤ d. */
function bernoulli(n: bigint, d: bigint): boolean {
  return rng.below(d) < n;
}

/** Bernoulli(exp(−n/d)) for n/d ≥ 0 (CKS Algorithm 1). */
function bernoulliExp(n: bigint, d: bigint): boolean {
  let n1 = n;
  while (n1 > d) {
    if (!bernoulliExp(1n, 1n)) return false;
    n1 -= d;
  }
  // 0 ≤ γ = n1/d ≤ 1: K ← 1; while Bernoulli(γ/K) K++; return K odd.
  let k = 1n;
  while (bernoulli(n1, d * k)) k++;
  return k % 2n === 1n;
}

/**
 * One sample of the discrete Laplace distribution with scale t/s: P(x) ∝ exp(−|x|·s/t)
 * (CKS Algorithm 2).
 * @param t - scale numerator (≥ 1)
 * @param s - scale denominator (≥ 1)
 * @returns one sample
 */
export function sampleDiscreteLaplace(t: bigint, s: bigint): bigint {
  if (t < 1n || s < 1n) throw new RangeError('t, s: expected ≥ 1');
  for (;;) {
    const u = rng.below(t);
    if (!bernoulliExp(u, t)) continue;
    let v = 0n;
    while (bernoulliExp(1n, 1n)) v++;
    const x = u + t * v;
    const y = x / s;
    const negative = bernoulli(1n, 2n);
    if (negative && y === 0n) continue;
    return negative ? -y : y;
  }
}

/** The exact rational n/d of a positive finite double (d a power of two). */
export function rationalOf(x: number): { n: bigint; d: bigint } {
  if (!Number.isFinite(x) || x <= 0) throw new RangeError('x: expected a positive finite number');
  let d = 1n;
  let m = x;
  while (!Number.isInteger(m)) {
    m *= 2;
    d *= 2n;
  }
  return { n: BigInt(m), d };
}

/**
 * Discrete Laplace noise for one ε-DP release of a sum with L1 sensitivity Δ:
 * scale Δ/ε, i.e. P(x) ∝ exp(−ε|x|/Δ).
 * @param sensitivity - Δ
 * @param epsilon - ε (its exact binary value is used)
 * @returns one noise sample
 */
export function laplaceNoise(sensitivity: bigint, epsilon: number): bigint {
  const { n, d } = rationalOf(epsilon);
  return sampleDiscreteLaplace(sensitivity * d, n);
}

/**
 * The epsilon a job has spent on releases. Keep one per job (persist `spent`, e.g. from the
 * job's `aggregation.released` ledger records, and pass it back to the constructor); a
 * release that would overspend is refused before anything is decrypted.
 */
export class PrivacyBudget {
  /** Total epsilon of the job. */
  readonly total: number;
  #spent: number;

  /**
   * @param total - the job's budget
   * @param spent - epsilon already spent (default 0)
   */
  constructor(total: number, spent = 0) {
    if (!Number.isFinite(total) || total <= 0) throw new RangeError('total: expected a positive number');
    if (!Number.isFinite(spent) || spent < 0) throw new RangeError('spent: expected a non-negative number');
    this.total = total;
    this.#spent = spent;
  }

  /** Epsilon spent so far. */
  get spent(): number {
    return this.#spent;
  }

  /** Epsilon left. */
  get remaining(): number {
    return Math.max(0, this.total - this.#spent);
  }

  /** True when a release of `epsilon` fits (with a 1e-9 tolerance for float sums of equal shares). */
  canSpend(epsilon: number): boolean {
    return this.#spent + epsilon <= this.total * (1 + 1e-9);
  }

  /**
   * Spends `epsilon`.
   * @throws DataLedgerError `AGG_BUDGET_EXHAUSTED`
   */
  charge(epsilon: number): void {
    if (!this.canSpend(epsilon)) {
      throw aggError('AGG_BUDGET_EXHAUSTED', 'privacy budget spent: release refused', { total: this.total, spent: this.#spent, epsilon });
    }
    this.#spent += epsilon;
  }
}

const budgets = new Map<string, PrivacyBudget>();

/**
 * The in-process budget of a job (keyed by its job hash), used when a release names none.
 * Services that restart should pass a {@link PrivacyBudget} rebuilt from their records instead.
 * @param job - a resolved job
 * @returns its budget, or null when the job has no privacy policy
 */
export function privacyBudgetFor(job: ResolvedJob): PrivacyBudget | null {
  if (job.privacy === null) return null;
  let b = budgets.get(job.hashB64);
  if (b === undefined) {
    b = new PrivacyBudget(job.privacy.budget);
    budgets.set(job.hashB64, b);
  }
  return b;
}
