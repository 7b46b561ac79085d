/**
 * Encrypted statistics over HTTP with real node-seal: an exchange opens a job (parameters
 * and public key public), five holders contribute encrypted vectors, the encrypted sum is
 * fetched once minContributors is reached and decrypted only where the secret key is, and
 * the release is recorded. Job events are ledger records; a restart folds the same sum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalBytes, sha256, toBase64, toHex, utf8Encode, type JsonValue } from '@dataledger/core';
import { buildRecord } from '@dataledger/provenance';
import { createJobKeys, decryptAggregate, encryptContribution, resolveJob, type AggregationJob } from '@dataledger/aggregation';
import { newActor, startServer, type Actor, type Server } from './support/http-ledger.ts';
import { codeOf } from './support/codes.ts';

let s: Server;
let exchange: Actor;
let holders: Actor[];
const job: AggregationJob = { id: 'energy-use-2026-q1', scheme: 'bfv', length: 4, maxAbsValue: 1_000_000, maxContributors: 10, minContributors: 3 };
let keys: { publicKey: Uint8Array; secretKey: Uint8Array };

beforeAll(async () => {
  s = await startServer();
  exchange = newActor();
  holders = Array.from({ length: 5 }, () => newActor());
  await s
    .client(s.root)
    .submitBatch([
      { type: 'role.granted', payload: { subject: exchange.did, role: 'exchange' } },
      ...holders.map((h) => ({ type: 'role.granted', payload: { subject: h.did, role: 'holder' } })),
    ]);
  keys = await createJobKeys(job);
});
afterAll(async () => {
  await s.destroy();
});

describe('encrypted statistics across five holders', () => {
  it('open, contribute, result after minContributors, decrypt off-service, release; restart re-folds the same sum', async () => {
    const opener = s.client(exchange);
    const opened = await opener.openAggregationJob(job, keys.publicKey);
    expect(opened.record.type).toBe('aggregation.opened');
    const info = await s.client().aggregationJob(job.id);
    expect(info).toMatchObject({ jobHash: opened.record.payload['jobHash'], contributions: 0, ready: false });
    expect(Buffer.from(info.publicKey, 'base64').equals(Buffer.from(keys.publicKey))).toBe(true);

    const values = holders.map((_, i) => [BigInt(100 + i), BigInt(-5 * i), 7n, BigInt(i * i)]);
    const contributions = await Promise.all(holders.map((h, i) => encryptContribution(job, keys.publicKey, values[i] as bigint[], h)));
    for (let i = 0; i < 2; i++) await s.client(holders[i]).contribute(job.id, contributions[i]!);
    expect(await codeOf(s.client().aggregationResult(job.id))).toBe('HTTP_RESULT_NOT_READY');
    for (let i = 2; i < 5; i++) await s.client(holders[i]).contribute(job.id, contributions[i]!);

    // a replayed contribution appends nothing and folds nothing
    const size = s.service.size;
    expect(await codeOf(s.client(holders[0]).contribute(job.id, contributions[0]!))).not.toBe('OK');
    expect(s.service.size).toBe(size);
    // a contribution by someone else than its holder is refused
    expect(await codeOf(s.client(holders[1]).contribute(job.id, contributions[0]!))).toBe('HTTP_BAD_REQUEST');

    // garbage contributions and jobs: coded 4xx, nothing appended, nothing folded
    const before = s.service.size;
    const c0 = contributions[0]!;
    const garbage: unknown[] = [
      { ...c0, ciphertexts: ['AAAA'] },
      { ...c0, ciphertexts: c0.ciphertexts.map((x) => `${x.slice(0, -8)}AAAAAAA=`) },
      { ...c0, jobId: 'another-job' },
      { ...c0, sig: 'A'.repeat(86) },
      { v: 1 },
      'not an object',
    ];
    for (const g of garbage) {
      const code = await codeOf(
        s.client(holders[0]).request('POST', `/v1/aggregation/jobs/${job.id}/contributions`, { body: { record: {}, contribution: g } }),
      );
      expect(code).not.toBe('OK');
      expect(code).not.toBe('HTTP_INTERNAL');
    }
    const fresh = newActor();
    await s.client(s.root).submit('role.granted', { subject: fresh.did, role: 'holder' });
    const after = s.service.size;
    for (const g of garbage.slice(0, 4)) {
      const code = await codeOf(s.client(fresh).contribute(job.id, g as never));
      expect(code, JSON.stringify(code)).toMatch(/^(AGG_|HTTP_BAD_REQUEST)/);
    }
    // the fresh holder's own, signed contribution with altered ciphertext bytes reaches the aggregator's checks
    const own = await encryptContribution(job, keys.publicKey, [1n, 2n, 3n, 4n], fresh);
    const flipped = { ...own, ciphertexts: own.ciphertexts.map((x, i) => (i === 0 ? `${x.slice(0, 100)}${x[100] === 'A' ? 'B' : 'A'}${x.slice(101)}` : x)) };
    expect(await codeOf(s.client(fresh).contribute(job.id, flipped))).toMatch(/^AGG_/);
    expect(await codeOf(s.client(fresh).contribute(job.id, { ...own, ciphertexts: [] }))).toMatch(/^AGG_/);
    expect(s.service.size).toBe(after);
    expect(after).toBe(before + 1);
    expect((await s.client().aggregationJob(job.id)).contributions).toBe(5);
    for (const bad of [
      { ...job, id: 'j2', maxAbsValue: -1 },
      { ...job, id: 'j3', minContributors: 0 },
      { ...job, id: 'j4', scheme: 'rsa' },
    ]) {
      expect(await codeOf(opener.openAggregationJob(bad as never, keys.publicKey))).toMatch(/^(AGG_JOB_INVALID|AGG_BOUNDS_OVERFLOW|REGISTRY_PAYLOAD_INVALID)$/);
    }
    expect(await codeOf(opener.openAggregationJob({ ...job, id: 'j5' }, new Uint8Array(100)))).toBe('AGG_KEY_INVALID');

    const result = await s.client().aggregationResult(job.id);
    expect(result.count).toBe(5);
    const plain = await decryptAggregate(job, keys.secretKey, result);
    const expected = [0, 1, 2, 3].map((k) => values.reduce((a, v) => a + (v[k] as bigint), 0n));
    expect(plain.sum.slice(0, 4)).toEqual(expected);
    const released = await opener.releaseAggregation(job.id, result);
    const hex = Buffer.from(result.sumHash, 'base64').toString('hex');
    expect(released.record.payload).toMatchObject({ jobId: job.id, resultHash: hex, contributors: 5 });
    const state = s.service.registry().aggregations.get(job.id);
    expect(state).toMatchObject({ released: true, resultHash: hex });

    // restart: the job and its contributions come back, the sum is byte for byte the same
    const dir = s.dir;
    await s.stop();
    s = await startServer(dir);
    const again = await s.client().aggregationResult(job.id);
    expect(again.sumHash).toBe(result.sumHash);
    expect(again.contributions).toEqual(result.contributions);
  });
  it('an opening record naming another maxContributors or another key hash than the job it opens is refused, and appends nothing', async () => {
    const j3: AggregationJob = { ...job, id: 'open-check' };
    const k3 = await createJobKeys(j3);
    const r = resolveJob(j3);
    const size = s.service.size;
    const extras: Record<string, number | string>[] = [{ maxContributors: 9 }, { publicKeyHash: toHex(sha256(new Uint8Array([1]))) }];
    for (const extra of extras) {
      const record = buildRecord(
        s.service.log.head(),
        { type: 'aggregation.opened', payload: { jobId: j3.id, jobHash: toHex(r.hash), minContributors: 3, ...extra } },
        exchange,
      );
      const res = await fetch(`${s.base}/v1/aggregation/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ record, job: j3, publicKey: toBase64(k3.publicKey) }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('HTTP_BAD_REQUEST');
    }
    expect(s.service.size).toBe(size);
    // The client names both, rightly: the registry then bounds the contributors (REGISTRY_AGG_FULL).
    const opened = await s.client(exchange).openAggregationJob(j3, k3.publicKey);
    expect(opened.record.payload).toMatchObject({ maxContributors: 10, publicKeyHash: toHex(sha256(k3.publicKey)) });
    expect(s.service.registry().aggregations.get(j3.id)).toMatchObject({ maxContributors: 10, publicKeyHash: toHex(sha256(k3.publicKey)) });
  });

  it('a forged contributed record (actor = holder, signed by another key) folds nothing; a non-canonical contribution is a 4xx', async () => {
    const j2: AggregationJob = { ...job, id: 'forgery-check' };
    const k2 = await createJobKeys(j2);
    await s.client(exchange).openAggregationJob(j2, k2.publicKey);
    const c = await encryptContribution(j2, k2.publicKey, [1n, 2n, 3n, 4n], holders[0]!);
    const { ciphertexts: _c, ...rest } = c;
    void _c;
    const contributionHash = toHex(sha256(canonicalBytes(rest as unknown as JsonValue)));
    const forged = {
      ...buildRecord(s.service.log.head(), { type: 'aggregation.contributed', payload: { jobId: j2.id, contributionHash, count: 1 } }, holders[1]!),
      actor: holders[0]!.did,
    };
    const size = s.service.size;
    const post = async (body: string): Promise<{ status: number; code: string }> => {
      const res = await fetch(`${s.base}/v1/aggregation/jobs/${j2.id}/contributions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      return { status: res.status, code: ((await res.json()) as { code: string }).code };
    };
    expect(await post(JSON.stringify({ record: forged, contribution: c }))).toEqual({ status: 400, code: 'LEDGER_SIGNATURE_INVALID' });
    expect((await s.client().aggregationJob(j2.id)).contributions).toBe(0);
    // 1e400 parses as Infinity, which has no canonical JSON form
    const rec = JSON.stringify(
      buildRecord(s.service.log.head(), { type: 'aggregation.contributed', payload: { jobId: j2.id, contributionHash, count: 1 } }, holders[0]!),
    );
    expect(await post(`{"record":${rec},"contribution":{"holder":"x","n":1e400}}`)).toEqual({ status: 400, code: 'HTTP_BAD_REQUEST' });
    expect(s.service.size).toBe(size);
    // the holder's own record still goes through
    await s.client(holders[0]).contribute(j2.id, c);
    expect((await s.client().aggregationJob(j2.id)).contributions).toBe(1);
  });
  it('a job recorded but never kept (the process stopped in between) is kept when its opening record is posted again with the key it names', async () => {
    const post = (body: unknown): Promise<Response> =>
      fetch(`${s.base}/v1/aggregation/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Two jobs opened, one by the client (its record names the key's hash), one by a record that names none.
    const named: AggregationJob = { ...job, id: 'kept-late-named' };
    const unnamed: AggregationJob = { ...job, id: 'kept-late-unnamed' };
    const [kNamed, kUnnamed, kOther] = await Promise.all([createJobKeys(named), createJobKeys(unnamed), createJobKeys(named)]);
    const opened = await s.client(exchange).openAggregationJob(named, kNamed.publicKey);
    const bare = buildRecord(
      s.service.log.head(),
      { type: 'aggregation.opened', payload: { jobId: unnamed.id, jobHash: toHex(resolveJob(unnamed).hash), minContributors: unnamed.minContributors } },
      exchange,
    );
    expect((await post({ record: bare, job: unnamed, publicKey: toBase64(kUnnamed.publicKey) })).status).toBe(200);
    // The process stops between the append and the keeping: the ledger has the openings, the
    // keeping does not, and after a restart nobody serves the jobs.
    const dir = s.dir;
    await s.stop();
    for (const id of [named.id, unnamed.id]) rmSync(join(dir, 'aggregation', toHex(sha256(utf8Encode(id)))), { recursive: true });
    s = await startServer(dir);
    expect(await codeOf(s.client().aggregationJob(named.id))).toBe('HTTP_NOT_FOUND');
    const size = s.service.size;
    // The same record with another key: refused (the record names the hash of the first).
    expect((await post({ record: opened.record, job: named, publicKey: toBase64(kOther.publicKey) })).status).toBe(400);
    // With its key: kept and served, and a holder can contribute.
    const again = await post({ record: opened.record, job: named, publicKey: toBase64(kNamed.publicKey) });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { index: number }).index).toBe(opened.index);
    const info = await s.client().aggregationJob(named.id);
    expect(Buffer.from(info.publicKey, 'base64').equals(Buffer.from(kNamed.publicKey))).toBe(true);
    await s.client(holders[0]).contribute(named.id, await encryptContribution(named, kNamed.publicKey, [1n, 2n, 3n, 4n], holders[0] as Actor));
    expect((await s.client().aggregationJob(named.id)).contributions).toBe(1);
    // A record that names no key hash cannot be checked against any key: refused, not kept.
    const refused = await post({ record: bare, job: unnamed, publicKey: toBase64(kUnnamed.publicKey) });
    expect(refused.status).toBe(400);
    expect(await codeOf(s.client().aggregationJob(unnamed.id))).toBe('HTTP_NOT_FOUND');
    expect(s.service.size).toBe(size + 1);
  });
});
