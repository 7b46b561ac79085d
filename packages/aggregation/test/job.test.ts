/**
 * Job validation and the no-wrap bound: the plain modulus is a batching prime
 * (t ≡ 1 mod 2n, as SEAL's PlainModulus::Batching picks it) larger than
 * 2·maxAbsValue·maxContributors, or the job is refused with AGG_BOUNDS_OVERFLOW.
 */
import fc from 'fast-check';
import initialize from 'node-seal';
import { describe, expect, it } from 'vitest';
import { AGGREGATION_ERROR_CODES, type AggregationJob, resolveJob } from '../src/index.ts';
import { batchingPrime } from '../src/job.ts';
import { expectCode } from './support.ts';

const base: AggregationJob = { id: 'job', scheme: 'bfv', length: 4, maxAbsValue: 100n, maxContributors: 10, minContributors: 2 };

describe('jobs', () => {
  it('pick the same batching prime SEAL does, for every plain-modulus size', async () => {
    const seal = await initialize();
    for (let bits = 17; bits <= 60; bits++) {
      let fromSeal: bigint | null = null;
      try {
        const m = seal.PlainModulus.Batching(8192, bits);
        fromSeal = m.value();
        m.delete();
      } catch {
        fromSeal = null;
      }
      expect(batchingPrime(8192, bits), `bits ${bits}`).toBe(fromSeal);
    }
  });

  it('choose a plain modulus that cannot wrap, or refuse with AGG_BOUNDS_OVERFLOW (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 62n }), fc.integer({ min: 1, max: 2 ** 40 }), (maxAbsValue, maxContributors) => {
        const job = { ...base, maxAbsValue, maxContributors, minContributors: 1 };
        const bound = maxAbsValue * BigInt(maxContributors);
        let r;
        try {
          r = resolveJob(job);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('AGG_BOUNDS_OVERFLOW');
          // Refused only when no 60-bit prime can exceed 2·bound.
          expect(2n * bound >= 2n ** 59n).toBe(true);
          return;
        }
        expect(r.plainModulus > 2n * bound).toBe(true);
        expect(r.plainModulus % 16384n).toBe(1n);
        expect(r.plainModulus < 2n ** 60n).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('with wideSums, split wide values into limbs whose slot sums cannot wrap (fast-check)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 2n ** 255n }), fc.integer({ min: 1, max: 2 ** 40 }), (maxAbsValue, maxContributors) => {
        const r = resolveJob({ ...base, maxAbsValue, maxContributors, minContributors: 1, wideSums: true });
        expect(r.plainModulus > 2n * r.slotBound * BigInt(maxContributors)).toBe(true);
        if (r.limbs === 1) expect(r.slotBound).toBe(maxAbsValue);
        else expect(BigInt(r.limbBits * r.limbs) >= BigInt(maxAbsValue.toString(2).length)).toBe(true);
        expect(r.slotsUsed).toBe(base.length * r.limbs);
      }),
      { numRuns: 200 },
    );
  });

  it('refuse sums too wide for the preset', async () => {
    await expectCode(() => resolveJob({ ...base, maxAbsValue: 2n ** 40n, maxContributors: 2 ** 20 }), 'AGG_BOUNDS_OVERFLOW');
    await expectCode(() => resolveJob({ ...base, maxAbsValue: 2n ** 59n, maxContributors: 1, minContributors: 1 }), 'AGG_BOUNDS_OVERFLOW');
    await expectCode(() => resolveJob({ ...base, scheme: 'ckks', maxAbsValue: 2n ** 30n, maxContributors: 2 ** 20 }), 'AGG_BOUNDS_OVERFLOW');
    expect(resolveJob({ ...base, maxAbsValue: 2n ** 57n, maxContributors: 1, minContributors: 1 }).plainModulusBits).toBe(60);
  });

  it('refuse malformed jobs with AGG_JOB_INVALID', async () => {
    const bad: unknown[] = [
      null,
      { ...base, id: '' },
      { ...base, id: 'x'.repeat(257) },
      { ...base, scheme: 'bgv' },
      { ...base, length: 0 },
      { ...base, length: 1.5 },
      { ...base, length: 65_537 },
      { ...base, maxAbsValue: 0n },
      { ...base, maxAbsValue: -5n },
      { ...base, maxAbsValue: '1e3' },
      { ...base, maxContributors: 0 },
      { ...base, minContributors: 11 },
      { ...base, minContributors: 0 },
      { ...base, privacy: { epsilon: 0 } },
      { ...base, privacy: { epsilon: Number.POSITIVE_INFINITY } },
      { ...base, privacy: { epsilon: 1, budget: 0.5 } },
      { ...base, privacy: { epsilon: 1, mechanism: 'gaussian' } },
      { ...base, privacy: { epsilon: 1, sensitivity: 0n } },
      { ...base, wideSums: 'yes' },
    ];
    for (const job of bad) await expectCode(() => resolveJob(job as AggregationJob), 'AGG_JOB_INVALID');
  });

  it('hash every parameter: any change gives another job hash; JSON forms give the same', () => {
    const h = resolveJob(base).hashB64;
    expect(resolveJob({ ...base, maxAbsValue: '100' }).hashB64).toBe(h);
    expect(resolveJob({ ...base, maxAbsValue: 100 }).hashB64).toBe(h);
    for (const change of [{ id: 'job2' }, { length: 5 }, { maxAbsValue: 101n }, { maxContributors: 11 }, { minContributors: 3 }, { privacy: { epsilon: 1 } }]) {
      expect(resolveJob({ ...base, ...change } as AggregationJob).hashB64).not.toBe(h);
    }
    expect(resolveJob({ ...base, scheme: 'ckks' }).privacy).toMatchObject({ epsilon: 1, budget: 1, sensitivity: 404n });
    expect(resolveJob({ ...base, privacy: { epsilon: 1 } }).privacy?.sensitivity).toBe(400n);
  });

  it('export every code with the AGG_ prefix, once', () => {
    expect(new Set(AGGREGATION_ERROR_CODES).size).toBe(AGGREGATION_ERROR_CODES.length);
    for (const c of AGGREGATION_ERROR_CODES) expect(c).toMatch(/^AGG_[A-Z_]+$/);
    expect(AGGREGATION_ERROR_CODES).toContain('AGG_BOUNDS_OVERFLOW');
  });
});
