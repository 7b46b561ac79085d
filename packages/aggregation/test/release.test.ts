/**
 * Release policy: minimum contributors, differential privacy with a per-job epsilon budget
 * (exact discrete Laplace, CKS 2020), CKKS always released with noise and within its stated
 * error, and no release of a result that is not a sum of this job's contributions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Aggregator, type AggregateResult, type AggregationJob, PrivacyBudget, decryptAggregate, encryptContribution, resolveJob } from '../src/index.ts';
import { sampleDiscreteLaplace } from '../src/privacy.ts';
import { decryptSums } from '../src/release.ts';
import { checkResult } from '../src/result.ts';
import { sealParamsFor } from '../src/seal.ts';
import { expectCode, holder, keysFor } from './support.ts';

async function aggregate(job: AggregationJob, vectors: (bigint | number)[][]): Promise<AggregateResult> {
  const keys = await keysFor(job);
  const agg = await Aggregator.create(job, keys.publicKey);
  for (const v of vectors) await agg.add(await encryptContribution(job, keys.publicKey, v, holder()));
  const r = await agg.result();
  await agg.close();
  return r;
}

describe('release policy', () => {
  it('refuses fewer than minContributors', async () => {
    const job: AggregationJob = { id: 'rel-min', scheme: 'bfv', length: 2, maxAbsValue: 10n, maxContributors: 10, minContributors: 3 };
    const keys = await keysFor(job);
    const two = await aggregate(job, [
      [1n, 2n],
      [3n, 4n],
    ]);
    await expectCode(decryptAggregate(job, keys.secretKey, two), 'AGG_TOO_FEW_CONTRIBUTORS');
    const empty = await aggregate(job, []);
    expect(empty.count).toBe(0);
    await expectCode(decryptAggregate(job, keys.secretKey, empty), 'AGG_TOO_FEW_CONTRIBUTORS');
    // A result may not simply claim more contributions than it has.
    await expectCode(decryptAggregate(job, keys.secretKey, { ...two, count: 3 }), 'AGG_RESULT_INVALID');
  });

  it('spends a per-job epsilon budget and refuses a release once it is spent', async () => {
    const job: AggregationJob = {
      id: 'rel-dp',
      scheme: 'bfv',
      length: 3,
      maxAbsValue: 100n,
      maxContributors: 10,
      minContributors: 1,
      privacy: { epsilon: 0.5, budget: 1 },
    };
    const keys = await keysFor(job);
    const r = await aggregate(job, [[1n, 2n, 3n]]);
    const first = await decryptAggregate(job, keys.secretKey, r);
    expect(first.noise).toMatchObject({ mechanism: 'discrete-laplace', epsilon: 0.5, sensitivity: 300n, spent: 0.5, remaining: 0.5 });
    const second = await decryptAggregate(job, keys.secretKey, r);
    expect(second.noise?.remaining).toBe(0);
    await expectCode(decryptAggregate(job, keys.secretKey, r), 'AGG_BUDGET_EXHAUSTED');
    // A budget restored from records is honoured, and a fresh one releases.
    await expectCode(decryptAggregate(job, keys.secretKey, r, { budget: new PrivacyBudget(1, 0.75) }), 'AGG_BUDGET_EXHAUSTED');
    const fresh = new PrivacyBudget(1);
    await decryptAggregate(job, keys.secretKey, r, { budget: fresh });
    expect(fresh.spent).toBe(0.5);
  });

  it('discrete Laplace noise has the right law: symmetric, P(0) and variance as the closed forms', () => {
    // scale t/s = 3/2: P(x) ∝ q^|x| with q = exp(-2/3).
    const N = 40_000;
    const q = Math.exp(-2 / 3);
    let zeros = 0;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < N; i++) {
      const x = Number(sampleDiscreteLaplace(3n, 2n));
      if (x === 0) zeros++;
      sum += x;
      sq += x * x;
    }
    const p0 = (1 - q) / (1 + q);
    const variance = (2 * q) / (1 - q) ** 2;
    const sd = Math.sqrt(variance / N);
    expect(Math.abs(sum / N)).toBeLessThan(5 * sd);
    expect(Math.abs(zeros / N - p0)).toBeLessThan(5 * Math.sqrt((p0 * (1 - p0)) / N));
    expect(Math.abs(sq / N - variance) / variance).toBeLessThan(0.08);
  });

  it('does not release what is not a sum of this job: wrong key, tampering, recomputation mismatch', async () => {
    const job: AggregationJob = { id: 'rel-tamper', scheme: 'bfv', length: 4, maxAbsValue: 10n, maxContributors: 10, minContributors: 1 };
    const keys = await keysFor(job);
    const other = await keysFor({ ...job, id: 'rel-tamper-other' });
    const r = await aggregate(job, [[1n, 2n, 3n, 4n]]);
    // Another job's secret key of the same parameters decrypts to noise outside ±count·maxAbsValue.
    await expectCode(decryptAggregate(job, other.secretKey, r), 'AGG_RESULT_INVALID');
    await expectCode(decryptAggregate(job, new Uint8Array(64), r), 'AGG_KEY_INVALID');
    await expectCode(decryptAggregate(job, keys.publicKey, r), 'AGG_KEY_INVALID');
    await expectCode(decryptAggregate({ ...job, id: 'x' }, keys.secretKey, r), 'AGG_JOB_MISMATCH');
    await expectCode(decryptAggregate(job, keys.secretKey, r, { publicKey: other.publicKey }), 'AGG_KEY_MISMATCH');
    await expectCode(decryptAggregate(job, keys.secretKey, { ...r, sumHash: r.contributions[0] }), 'AGG_RESULT_INVALID');
    const c1 = await encryptContribution(job, keys.publicKey, [1n, 1n, 1n, 1n], holder());
    const c2 = await encryptContribution(job, keys.publicKey, [2n, 2n, 2n, 2n], holder());
    const both = await aggregate(job, []);
    const agg = await Aggregator.create(job, keys.publicKey);
    await agg.add(c1);
    const onlyFirst = await agg.result();
    await agg.close();
    // An aggregator presenting c1 alone as the sum of c1 and c2 is caught by recomputation.
    const lying = { ...onlyFirst };
    await expectCode(decryptAggregate(job, keys.secretKey, lying, { publicKey: keys.publicKey, contributions: [c1, c2] }), 'AGG_RESULT_INVALID');
    const honest = await decryptAggregate(job, keys.secretKey, onlyFirst, { publicKey: keys.publicKey, contributions: [c1] });
    expect(honest.sum).toEqual([1n, 1n, 1n, 1n]);
    expect(both.count).toBe(0);
  });
});

describe('release policy: no free decryption oracle (review)', () => {
  it('a refused release of a decrypted result still spends the budget, so refusals cannot probe the exact sum', async () => {
    const job: AggregationJob = {
      id: 'rel-oracle',
      scheme: 'bfv',
      length: 2,
      maxAbsValue: 100n,
      maxContributors: 10,
      minContributors: 1,
      privacy: { epsilon: 0.5, budget: 1 },
    };
    const keys = await keysFor(job);
    // The sum of the victim's [90, 90] and the prober's chosen offset [90, 90], presented as one
    // contribution: the bound check (|slot| ≤ 1·100) refuses it exactly when victim + offset > 100.
    const two = await aggregate(job, [
      [90n, 90n],
      [90n, 90n],
    ]);
    const probe = { ...two, count: 1, contributions: [two.contributions[0] as string] };
    const budget = new PrivacyBudget(1);
    await expectCode(decryptAggregate(job, keys.secretKey, probe, { budget }), 'AGG_RESULT_INVALID');
    expect(budget.spent).toBe(0.5);
    await expectCode(decryptAggregate(job, keys.secretKey, probe, { budget }), 'AGG_RESULT_INVALID');
    expect(budget.spent).toBe(1);
    // The budget is gone: no more answers, not even refusals after decryption.
    await expectCode(decryptAggregate(job, keys.secretKey, probe, { budget }), 'AGG_BUDGET_EXHAUSTED');
  });
});

describe('CKKS', () => {
  // Stated error of the CKKS preset (n = 8192, data primes 60+40+40, scale 2^40), before the
  // release rounds to integers and adds noise: |decrypted − Σ v| ≤ 1e-6 · max(1, count) per slot.
  const CKKS_ERROR = (count: number): number => 1e-6 * Math.max(1, count);

  it('decrypt(fold(encrypt(v_i))) ≈ Σ v_i within the stated error (fast-check)', async () => {
    const job: AggregationJob = { id: 'ckks-law', scheme: 'ckks', length: 5, maxAbsValue: 1_000_000n, maxContributors: 100, minContributors: 1 };
    const keys = await keysFor(job);
    const r = resolveJob(job);
    const params = await sealParamsFor(r);
    const value = fc.oneof(fc.constantFrom(1_000_000, -1_000_000, 0, 0.5, -0.25), fc.double({ min: -1_000_000, max: 1_000_000, noNaN: true }));
    let worst = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { minLength: 5, maxLength: 5 }), { minLength: 1, maxLength: 4 }), async (vectors) => {
        const res = await aggregate(job, vectors);
        const checked = checkResult(res, { jobId: r.id, jobHash: r.hashB64, keyHash: null }, r.maxContributors, r.ciphertextCount, params.ciphertext);
        const raw = decryptSums(params, keys.secretKey, checked.sum, r.length) as number[];
        for (let i = 0; i < 5; i++) {
          const exact = vectors.reduce((a, v) => a + (v[i] as number), 0);
          const err = Math.abs((raw[i] as number) - exact);
          worst = Math.max(worst, err);
          expect(err).toBeLessThanOrEqual(CKKS_ERROR(vectors.length));
        }
      }),
      { numRuns: 10 },
    );
    expect(worst).toBeGreaterThan(0);
  });

  it('spans several ciphertexts past 4,096 slots, and envelopes survive JSON', async () => {
    const job: AggregationJob = {
      id: 'ckks-long',
      scheme: 'ckks',
      length: 4096 + 3,
      maxAbsValue: 100n,
      maxContributors: 10,
      minContributors: 1,
      privacy: { epsilon: 40, sensitivity: 1n },
    };
    expect(resolveJob(job).ciphertextCount).toBe(2);
    const keys = await keysFor(job);
    const a = Array.from({ length: job.length }, (_, i) => (i % 7) - 3);
    const b = Array.from({ length: job.length }, (_, i) => ((i * 5) % 11) - 5);
    const agg = await Aggregator.create(job, keys.publicKey);
    for (const v of [a, b]) await agg.add(JSON.parse(JSON.stringify(await encryptContribution(job, keys.publicKey, v, holder()))));
    const res = JSON.parse(JSON.stringify(await agg.result())) as AggregateResult;
    await agg.close();
    const { sum } = await decryptAggregate(job, keys.secretKey, res);
    expect(sum).toEqual(a.map((x, i) => BigInt(x + (b[i] as number))));
  });

  it('is always released with noise, from a budget (default: one release at epsilon 1)', async () => {
    const job: AggregationJob = { id: 'ckks-noise', scheme: 'ckks', length: 3, maxAbsValue: 1000n, maxContributors: 10, minContributors: 1 };
    const keys = await keysFor(job);
    const r = await aggregate(job, [
      [1.5, 2, -3],
      [2.5, 2, -3],
    ]);
    const release = await decryptAggregate(job, keys.secretKey, r);
    expect(release.noise).toMatchObject({ mechanism: 'discrete-laplace', epsilon: 1, sensitivity: 3003n });
    await expectCode(decryptAggregate(job, keys.secretKey, r), 'AGG_BUDGET_EXHAUSTED');
    // With a large epsilon and a small declared sensitivity the noise is (almost surely) 0
    // and the release is the rounded sum.
    const sharp: AggregationJob = { ...job, id: 'ckks-sharp', privacy: { epsilon: 40, sensitivity: 1n } };
    const sk = await keysFor(sharp);
    const r2 = await aggregate(sharp, [
      [1.5, 2, -3],
      [2.5, 2, -3],
    ]);
    expect((await decryptAggregate(sharp, sk.secretKey, r2)).sum).toEqual([4n, 4n, -6n]);
  });
});
