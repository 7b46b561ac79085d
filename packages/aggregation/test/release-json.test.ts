/**
 * A released aggregate serialises to JSON without extra code: `JSON.stringify` gives the sums
 * (and the noise sensitivity) as decimal strings, exact beyond 2^53 (RFC 8259 §6: JSON numbers
 * are not exact integers in most readers), and the result still compares as plain data.
 */
import { describe, expect, it } from 'vitest';
import { Aggregator, decryptAggregate, encryptContribution, type AggregationJob } from '../src/index.ts';
import { holder, keysFor } from './support.ts';

describe('AggregateRelease JSON', () => {
  it('JSON.stringify writes bigints as decimal strings, exactly', async () => {
    const big = 2n ** 60n + 7n;
    const job: AggregationJob = { id: 'rel-json', scheme: 'bfv', length: 2, maxAbsValue: 2n ** 61n, maxContributors: 4, minContributors: 2, wideSums: true };
    const keys = await keysFor(job);
    const agg = await Aggregator.create(job, keys.publicKey);
    await agg.add(await encryptContribution(job, keys.publicKey, [big, -5n], holder()));
    await agg.add(await encryptContribution(job, keys.publicKey, [big, 2n], holder()));
    const result = await agg.result();
    await agg.close();
    const release = await decryptAggregate(job, keys.secretKey, result);
    expect(release).toEqual({ count: 2, sum: [2n * big, -3n], noise: null });
    expect(JSON.parse(JSON.stringify(release))).toEqual({ count: 2, sum: [(2n * big).toString(), '-3'], noise: null });
    expect(JSON.stringify({ release })).toBe(`{"release":{"count":2,"sum":["${2n * big}","-3"],"noise":null}}`);
  }, 120_000);
});
