/**
 * Public recomputation: the result lists its contribution hashes and the hash of the
 * serialized sum; anyone holding the contributions recomputes the same bytes — in any order,
 * with any split into merged partial aggregates, on worker threads or not, and even without
 * SEAL (ciphertext addition is coefficient-wise addition modulo each RNS prime).
 */
import { sha256, toBase64 } from '@dataledger/core';
import initialize from 'node-seal';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Aggregator,
  type AggregateResult,
  type AggregationJob,
  type Contribution,
  decryptAggregate,
  encryptContribution,
  mergeAggregates,
  recomputeAggregate,
  verifyAggregate,
} from '../src/index.ts';
import { expectCode, holder, keysFor } from './support.ts';

const job: AggregationJob = { id: 'recompute', scheme: 'bfv', length: 3, maxAbsValue: 500n, maxContributors: 50, minContributors: 1 };
let keys: { publicKey: Uint8Array; secretKey: Uint8Array };
let cs: Contribution[];
let result: AggregateResult;

beforeAll(async () => {
  keys = await keysFor(job);
  cs = [];
  for (let i = 0; i < 6; i++) cs.push(await encryptContribution(job, keys.publicKey, [BigInt(i), BigInt(-2 * i), 500n], holder()));
  const agg = await Aggregator.create(job, keys.publicKey);
  for (const c of cs) await agg.add(c);
  result = await agg.result();
  await agg.close();
});

describe('recomputation', () => {
  it('is byte for byte the same in any order, split and merged, or on worker threads', async () => {
    const reversed = await recomputeAggregate(job, keys.publicKey, [...cs].reverse());
    expect(reversed).toEqual(result);
    const a = await recomputeAggregate(job, keys.publicKey, cs.slice(0, 2));
    const b = await recomputeAggregate(job, keys.publicKey, cs.slice(2, 5));
    const c = await recomputeAggregate(job, keys.publicKey, cs.slice(5));
    expect(await mergeAggregates(job, keys.publicKey, [c, a, b])).toEqual(result);
    for (const threads of [1, 2]) {
      // Six contributions at once: more than one worker's four decode slots, so some wait.
      const threaded = await Aggregator.create(job, keys.publicKey, { threads });
      const receipts = await Promise.all(cs.map((x) => threaded.add(x)));
      expect(new Set(receipts.map((r) => r.hash)).size).toBe(6);
      expect(await threaded.result()).toEqual(result);
      await threaded.close();
    }
    expect(result.count).toBe(6);
    expect(result.contributions).toEqual([...result.contributions].sort());
    expect(result.sumHash).toBe(toBase64(sha256(...result.sum.map((s) => new Uint8Array(Buffer.from(s, 'base64'))))));
    expect((await decryptAggregate(job, keys.secretKey, result)).sum).toEqual([15n, -30n, 3000n]);
  });

  it('matches an independent coefficient-wise sum modulo each prime, without SEAL', async () => {
    const seal = await initialize();
    const cm = seal.CoeffModulus.BFVDefault(8192, seal.SecLevelType.tc128);
    const q = (seal.jsArrayFromVecModulus(cm) as bigint[]).slice(0, 4);
    cm.delete();
    const n = 8192;
    const bytes = cs.map((c) => new Uint8Array(Buffer.from(c.ciphertexts[0] as string, 'base64')));
    const out = new Uint8Array(bytes[0] as Uint8Array);
    const view = new DataView(out.buffer);
    const views = bytes.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));
    for (let poly = 0; poly < 2; poly++) {
      for (let j = 0; j < 4; j++) {
        const qj = q[j] as bigint;
        for (let i = 0; i < n; i++) {
          const at = 113 + 8 * ((poly * 4 + j) * n + i);
          let s = 0n;
          for (const v of views) s += v.getBigUint64(at, true);
          view.setBigUint64(at, s % qj, true);
        }
      }
    }
    expect(Buffer.from(out).toString('base64')).toBe(result.sum[0]);
  });

  it('verifyAggregate accepts the result and rejects any other contribution set or sum', async () => {
    expect(await verifyAggregate(job, keys.publicKey, result, cs)).toBe(true);
    expect(await verifyAggregate(job, keys.publicKey, result, cs.slice(1))).toBe(false);
    const other = await recomputeAggregate(job, keys.publicKey, cs.slice(1));
    expect(await verifyAggregate(job, keys.publicKey, { ...result, sum: other.sum, sumHash: other.sumHash }, cs)).toBe(false);
    expect(await verifyAggregate(job, keys.publicKey, result, [...cs, { junk: true }])).toBe(false);
  });

  it('merging refuses overlapping or tampered partial aggregates, total unchanged', async () => {
    const a = await recomputeAggregate(job, keys.publicKey, cs.slice(0, 3));
    const b = await recomputeAggregate(job, keys.publicKey, cs.slice(2, 4));
    const agg = await Aggregator.create(job, keys.publicKey);
    await agg.merge(a);
    await expectCode(agg.merge(b), 'AGG_MERGE_OVERLAP');
    await expectCode(agg.merge(a), 'AGG_MERGE_OVERLAP');
    await expectCode(agg.add(cs[0]), 'AGG_REPLAY');
    const c = await recomputeAggregate(job, keys.publicKey, cs.slice(3, 4));
    await expectCode(agg.merge({ ...c, sumHash: a.sumHash }), 'AGG_RESULT_INVALID');
    await expectCode(agg.merge({ ...c, contributions: [...c.contributions, ...c.contributions] }), 'AGG_RESULT_INVALID');
    await expectCode(agg.merge({ ...c, jobId: 'other' }), 'AGG_JOB_MISMATCH');
    await expectCode(agg.merge({ ...c, sum: ['AAAA'] }), 'AGG_RESULT_INVALID');
    await expectCode(agg.merge(null), 'AGG_RESULT_INVALID');
    expect(await agg.result()).toEqual(a);
    await agg.merge(c);
    await agg.add(cs[4]);
    await agg.add(cs[5]);
    expect(await agg.result()).toEqual(result);
    await agg.close();
  });
});
