/**
 * The homomorphic law: decrypt(fold(encrypt(v_i))) = Σ v_i, exactly, for BFV — at the edges
 * ±maxAbsValue, with the smallest plain modulus a job can get, across several ciphertexts,
 * and for the statistics built on sums (counts, histograms, mean, variance).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Aggregator,
  type AggregationJob,
  decryptAggregate,
  encryptContribution,
  histogramValues,
  meanOf,
  resolveJob,
  varianceOf,
  withSquares,
} from '../src/index.ts';
import { expectCode, holder, keysFor, plainSum } from './support.ts';

async function foldAndDecrypt(job: AggregationJob, vectors: bigint[][], threads = 0): Promise<{ count: number; sum: bigint[] }> {
  const keys = await keysFor(job);
  const agg = await Aggregator.create(job, keys.publicKey, { threads });
  try {
    for (const v of vectors) await agg.add(await encryptContribution(job, keys.publicKey, v, holder()));
    const res = await agg.result();
    return await decryptAggregate(job, keys.secretKey, res);
  } finally {
    await agg.close();
  }
}

describe('BFV: decrypt(fold(encrypt(v_i))) = Σ v_i', () => {
  const job: AggregationJob = { id: 'bfv-law', scheme: 'bfv', length: 6, maxAbsValue: 1_000_000n, maxContributors: 1000, minContributors: 1 };

  it('holds for random vectors within bounds, edge values included (fast-check)', async () => {
    const M = 1_000_000n;
    const value = fc.oneof(fc.constantFrom(M, -M, 0n, M - 1n, -M + 1n), fc.bigInt({ min: -M, max: M }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 4 }), async (vectors) => {
        const { count, sum } = await foldAndDecrypt(job, vectors);
        expect(count).toBe(vectors.length);
        expect(sum).toEqual(plainSum(vectors, 6));
      }),
      { numRuns: 12 },
    );
  });

  it('does not wrap at the bound: maxContributors × ±maxAbsValue with the smallest plain modulus', async () => {
    const tight: AggregationJob = { id: 'bfv-tight', scheme: 'bfv', length: 3, maxAbsValue: 10_000n, maxContributors: 3, minContributors: 3 };
    const r = resolveJob(tight);
    expect(r.plainModulusBits).toBe(17);
    expect(r.plainModulus).toBe(114_689n);
    expect(r.plainModulus > 2n * r.sumBound).toBe(true);
    const top = [10_000n, -10_000n, 10_000n];
    const bottom = [-10_000n, 10_000n, 10_000n];
    const { sum } = await foldAndDecrypt(tight, [top, top, bottom]);
    expect(sum).toEqual([10_000n, -10_000n, 30_000n]);
    const { sum: low } = await foldAndDecrypt(tight, [bottom, bottom, bottom]);
    expect(low).toEqual([-30_000n, 30_000n, 30_000n]);
  });

  it('is exact with a 60-bit plain modulus at the top of the range', async () => {
    const wide: AggregationJob = { id: 'bfv-wide', scheme: 'bfv', length: 2, maxAbsValue: 2n ** 50n, maxContributors: 100, minContributors: 1 };
    expect(resolveJob(wide).plainModulusBits).toBeGreaterThanOrEqual(58);
    const M = 2n ** 50n;
    const { sum } = await foldAndDecrypt(wide, [
      [M, -M],
      [M, -M],
      [M - 1n, -M + 1n],
    ]);
    expect(sum).toEqual([3n * M - 1n, -3n * M + 1n]);
  });

  it('is exact for sums wider than any plain modulus, with limbs (wideSums, fast-check)', async () => {
    const M = 2n ** 100n;
    const wide: AggregationJob = { id: 'bfv-limbs', scheme: 'bfv', length: 3, maxAbsValue: M, maxContributors: 1000, minContributors: 1, wideSums: true };
    const r = resolveJob(wide);
    expect(r.limbs).toBeGreaterThan(1);
    expect(r.plainModulus > 2n * r.slotBound * 1000n).toBe(true);
    await expectCode(() => resolveJob({ ...wide, wideSums: false }), 'AGG_BOUNDS_OVERFLOW');
    const value = fc.oneof(fc.constantFrom(M, -M, 0n, M - 1n, -(2n ** 48n), 2n ** 48n - 1n), fc.bigInt({ min: -M, max: M }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 3 }), async (vectors) => {
        const { sum } = await foldAndDecrypt(wide, vectors);
        expect(sum).toEqual(plainSum(vectors, 3));
      }),
      { numRuns: 6 },
    );
    // Many contributors at the edge: 1000 × M does not fit 60 bits, yet is exact.
    const { sum } = await foldAndDecrypt(wide, [
      [M, -M, M],
      [M, -M, -M],
    ]);
    expect(sum).toEqual([2n * M, -2n * M, 0n]);
  });

  it('spans several ciphertexts for vectors longer than 8192 slots', async () => {
    const long: AggregationJob = { id: 'bfv-long', scheme: 'bfv', length: 8192 + 5, maxAbsValue: 100n, maxContributors: 10, minContributors: 1 };
    expect(resolveJob(long).ciphertextCount).toBe(2);
    const a = Array.from({ length: long.length }, (_, i) => BigInt((i % 201) - 100));
    const b = Array.from({ length: long.length }, (_, i) => BigInt(i % 7));
    const { sum } = await foldAndDecrypt(long, [a, b]);
    expect(sum).toEqual(plainSum([a, b], long.length));
  });

  it('counts, histograms, means and variances come out of sums', async () => {
    // Histogram: one slot per bucket, each holder a one-hot vector; a count is a 0/1 slot.
    const hist: AggregationJob = { id: 'bfv-hist', scheme: 'bfv', length: 5, maxAbsValue: 1n, maxContributors: 50, minContributors: 1 };
    const buckets = [0, 3, 3, 4, 1, 3];
    const { sum: h } = await foldAndDecrypt(
      hist,
      buckets.map((b) => histogramValues(b, 5)),
    );
    expect(h).toEqual([1n, 1n, 0n, 3n, 1n]);
    // Mean and variance: [x, x²] per holder.
    const mv: AggregationJob = { id: 'bfv-meanvar', scheme: 'bfv', length: 2, maxAbsValue: 10_000n, maxContributors: 50, minContributors: 1 };
    const xs = [12n, -7n, 30n, 5n];
    const { count, sum } = await foldAndDecrypt(
      mv,
      xs.map((x) => withSquares([x])),
    );
    const mean = meanOf(sum[0] as bigint, count);
    const variance = varianceOf(sum[0] as bigint, sum[1] as bigint, count);
    const m = xs.reduce((a, x) => a + Number(x), 0) / xs.length;
    expect(mean).toBeCloseTo(m, 12);
    expect(variance).toBeCloseTo(xs.reduce((a, x) => a + (Number(x) - m) ** 2, 0) / xs.length, 9);
  });

  it('gives the same sum when folded on worker threads', async () => {
    const vectors = [
      [1n, 2n, 3n, 4n, 5n, 6n],
      [-1n, -1n, -1n, -1n, -1n, -1n],
      [1_000_000n, -1_000_000n, 0n, 0n, 7n, 9n],
    ];
    const { sum } = await foldAndDecrypt(job, vectors, 2);
    expect(sum).toEqual(plainSum(vectors, 6));
  });
});
