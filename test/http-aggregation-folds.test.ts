/**
 * Only what the ledger durably records is folded (DESIGN.md, Aggregation: "the sum is publicly
 * recomputable from the committed contributions"): a contribution whose record is refused
 * (409 LEDGER_CHAIN_BROKEN) changes nothing, and the served aggregate is the same before and
 * after a restart. Real node-seal, real LevelDB, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, sha256, toHex, type JsonValue } from '@dataledger/core';
import { buildRecord } from '@dataledger/provenance';
import { createJobKeys, decryptAggregate, encryptContribution, type AggregationJob, type Contribution } from '@dataledger/aggregation';
import { newActor, startServer, tempDataDir, type Actor, type Server } from './support/http-ledger.ts';

let s: Server;
let exchange: Actor;
let holders: Actor[];
const job: AggregationJob = { id: 'honest-folds-2026', scheme: 'bfv', length: 2, maxAbsValue: 1000, maxContributors: 5, minContributors: 2 };
let keys: { publicKey: Uint8Array; secretKey: Uint8Array };

beforeAll(async () => {
  s = await startServer(tempDataDir());
  exchange = newActor();
  holders = Array.from({ length: 3 }, () => newActor());
  await s
    .client(s.root)
    .submitBatch([
      { type: 'role.granted', payload: { subject: exchange.did, role: 'exchange' } },
      ...holders.map((h) => ({ type: 'role.granted', payload: { subject: h.did, role: 'holder' } })),
    ]);
  keys = await createJobKeys(job);
  await s.client(exchange).openAggregationJob(job, keys.publicKey);
}, 60_000);
afterAll(async () => {
  await s.destroy();
});

function contributionHashHex(c: Contribution): string {
  const { ciphertexts: _c, ...rest } = c;
  void _c;
  return toHex(sha256(canonicalBytes(rest as unknown as JsonValue)));
}

describe('folding only what the ledger records (B2)', () => {
  it('a contribution refused with 409 LEDGER_CHAIN_BROKEN is not folded; the aggregate survives a restart unchanged', async () => {
    const values = [
      [10n, -3n],
      [20n, 4n],
      [300n, 5n],
    ];
    const cs = await Promise.all(holders.map((h, i) => encryptContribution(job, keys.publicKey, values[i] as bigint[], h)));
    await s.client(holders[0]).contribute(job.id, cs[0]!);

    // Holder 1's record, properly signed, at the right index but naming another predecessor.
    const head = s.service.log.head();
    const broken = buildRecord(
      { size: head.size, lastLeafHash: new Uint8Array(32) },
      { type: 'aggregation.contributed', payload: { jobId: job.id, contributionHash: contributionHashHex(cs[1]!), count: 1 } },
      holders[1]!,
    );
    const res = await fetch(`${s.base}/v1/aggregation/jobs/${job.id}/contributions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ record: broken, contribution: cs[1] }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('LEDGER_CHAIN_BROKEN');
    expect(s.service.size).toBe(head.size);
    // Nothing folded: one contribution, as the ledger records.
    expect((await s.client().aggregationJob(job.id)).contributions).toBe(1);
    expect(s.service.registry().aggregations.get(job.id)?.contributors).toEqual([holders[0]!.did]);

    // Holder 2 contributes; holder 1 never comes back.
    await s.client(holders[2]).contribute(job.id, cs[2]!);
    const before = await s.client().aggregationResult(job.id);
    expect(before.count).toBe(2);
    const plain = await decryptAggregate(job, keys.secretKey, before);
    expect(plain.sum.slice(0, 2)).toEqual([310n, 2n]);

    const dir = s.dir;
    await s.stop();
    s = await startServer(dir);
    const after = await s.client().aggregationResult(job.id);
    expect(after.sumHash).toBe(before.sumHash);
    expect(after.contributions).toEqual(before.contributions);
    expect(after.count).toBe(2);

    // Holder 1 may still contribute honestly, once.
    await s.client(holders[1]).contribute(job.id, cs[1]!);
    const all = await decryptAggregate(job, keys.secretKey, await s.client().aggregationResult(job.id));
    expect(all.sum.slice(0, 2)).toEqual([330n, 6n]);
  }, 120_000);
});
