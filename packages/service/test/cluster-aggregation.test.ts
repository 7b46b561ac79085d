/**
 * Encrypted statistics jobs on two instances of one PostgreSQL log (`openService({ database })`
 * twice, the same keys, each served over real HTTP; real node-seal): a job opened through one
 * instance is served by the other, contributions taken by either are folded by both once the
 * log records them, and both serve the same encrypted sum, which decrypts to the plain total.
 * A restarted instance serves the same sum again from the shared tables.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes, didKeyFromPublicKey, generateKeyPair, sha256, toHex, type JsonValue } from '@dataledger/core';
import { buildRecord, ProvenanceError, type LedgerRecord } from '@dataledger/provenance';
import { createJobKeys, decryptAggregate, encryptContribution, type AggregationJob, type Contribution } from '@dataledger/aggregation';
import { DataLedgerClient, type Receipt } from '../src/index.ts';
import { testDatabase, type TestDatabase } from '../../store-postgres/test/support/postgres.ts';
import { copyLedgerKeys, startInstance, type Instance } from '../../../test/support/cluster.ts';

interface Actor {
  did: string;
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

let db: TestDatabase;
let dir: string;
const running: Instance[] = [];
/** The sequencer and the restarted follower the first test leaves running, and the root's key. */
let pair: { a: Instance; b: Instance; root: { secretKey: Uint8Array } } | null = null;

function contributionHashHex(c: Contribution): string {
  const { ciphertexts: _c, ...rest } = c;
  void _c;
  return toHex(sha256(canonicalBytes(rest as unknown as JsonValue)));
}

function newActor(): Actor {
  const k = generateKeyPair();
  return { ...k, did: didKeyFromPublicKey(k.publicKey) };
}

const start = (dataDir: string): Promise<Instance> => startInstance(dataDir, db.url, {}, running);

const client = (inst: Instance, signer?: { secretKey: Uint8Array }): DataLedgerClient =>
  new DataLedgerClient(signer === undefined ? { baseUrl: inst.base } : { baseUrl: inst.base, signer });

/** Each instance, asked in this order, serves the sum of exactly one contribution: `values`. */
async function expectOneFolded(instances: Instance[], job: AggregationJob, keys: Awaited<ReturnType<typeof createJobKeys>>, values: bigint[]): Promise<void> {
  for (const inst of instances) {
    const r = await client(inst).aggregationResult(job.id);
    expect(r.count).toBe(1);
    expect((await decryptAggregate(job, keys.secretKey, r)).sum.slice(0, values.length)).toEqual(values);
  }
}

/**
 * A new job on the pair the first test leaves running: an exchange and `holders` new holders
 * granted their roles through A, the job opened through `via` (default A) with fresh keys.
 */
async function newJob(
  id: string,
  holders: number,
  options: { maxContributors?: number; via?: 'a' | 'b' } = {},
): Promise<{ a: Instance; b: Instance; holders: Actor[]; job: AggregationJob; keys: Awaited<ReturnType<typeof createJobKeys>> }> {
  if (pair === null) throw new Error('the first test did not leave its instances running');
  const { a, b, root } = pair;
  const exchange = newActor();
  const hs = Array.from({ length: holders }, () => newActor());
  await client(a, root).submitBatch([
    { type: 'role.granted', payload: { subject: exchange.did, role: 'exchange' } },
    ...hs.map((h) => ({ type: 'role.granted', payload: { subject: h.did, role: 'holder' } })),
  ]);
  const job: AggregationJob = { id, scheme: 'bfv', length: 2, maxAbsValue: 1000, maxContributors: options.maxContributors ?? 5, minContributors: 1 };
  const keys = await createJobKeys(job);
  await client(options.via === 'b' ? b : a, exchange).openAggregationJob(job, keys.publicKey);
  return { a, b, holders: hs, job, keys };
}

/** One statement on a connection of its own (what the test reads behind the instances). */
const sql = <T extends pg.QueryResultRow>(text: string): Promise<T[]> => db.query<T>(text);

/** The `aggregation.contributed` record of `c` by `holder`, at `inst`'s head. */
const contributed = (inst: Instance, job: AggregationJob, c: Contribution, holder: Actor): LedgerRecord =>
  buildRecord(
    inst.service.log.head(),
    { type: 'aggregation.contributed', payload: { jobId: job.id, contributionHash: contributionHashHex(c), count: 1 } },
    holder,
  );

/** Rows of the shared contributions table, as instances leave them (kept or still pending), written behind their back. */
async function leaveRows(job: AggregationJob, rows: readonly (readonly [body: Contribution, hash: string, kept: boolean])[]): Promise<void> {
  for (const [x, hash, kept] of rows) {
    await db.query('INSERT INTO dataledger.aggregation_contributions (job_id, hash, body, kept) VALUES ($1, $2, $3, $4)', [
      job.id,
      hash,
      Buffer.from(JSON.stringify(x)),
      kept,
    ]);
  }
}

/**
 * Makes `inst` run `around` for its first submission of an `aggregation.contributed` record,
 * with the real submission as `go` (the others pass through).
 * @returns what puts the real `submit` back
 */
function interceptContribution(inst: Instance, around: (go: () => Promise<Receipt[]>) => Promise<Receipt[]>): () => void {
  const submit = inst.service.submit.bind(inst.service);
  let seen = false;
  inst.service.submit = ((records, disclosures) => {
    if (seen || !records.some((r) => ('record' in r ? r.record : r).type === 'aggregation.contributed')) return submit(records, disclosures);
    seen = true;
    return around(() => submit(records, disclosures));
  }) as typeof submit;
  return () => {
    inst.service.submit = submit;
  };
}

beforeAll(async () => {
  db = await testDatabase('service_cluster_aggregation');
  dir = await mkdtemp(join(tmpdir(), 'dl-cagg-'));
}, 120_000);
afterAll(async () => {
  for (const i of running) await i.stop().catch(() => undefined);
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('encrypted statistics jobs on two instances of one PostgreSQL log', () => {
  it('a job opened through A is served by B; contributions through A and B fold on both into the same sum', async () => {
    const dirA = join(dir, 'a');
    const dirB = join(dir, 'b');
    const a = await start(dirA);
    await copyLedgerKeys(dirA, dirB);
    const b = await start(dirB);
    expect(a.service.sequencer?.role).toBe('sequencer');
    expect(b.service.sequencer?.role).toBe('follower');

    const root = { secretKey: a.service.rootAuthority.secretKey as Uint8Array };
    const exchange = newActor();
    const holders = Array.from({ length: 3 }, () => newActor());
    await client(a, root).submitBatch([
      { type: 'role.granted', payload: { subject: exchange.did, role: 'exchange' } },
      ...holders.map((h) => ({ type: 'role.granted', payload: { subject: h.did, role: 'holder' } })),
    ]);

    const job: AggregationJob = { id: 'cluster-job-2026', scheme: 'bfv', length: 2, maxAbsValue: 1000, maxContributors: 5, minContributors: 2 };
    const keys = await createJobKeys(job);
    await client(a, exchange).openAggregationJob(job, keys.publicKey);

    // B never saw the opening request: it serves the job from the shared tables.
    const seenByB = await client(b).aggregationJob(job.id);
    const seenByA = await client(a).aggregationJob(job.id);
    expect(seenByB).toEqual(seenByA);
    expect(seenByB.contributions).toBe(0);

    const values = [
      [10n, -3n],
      [20n, 4n],
      [300n, 5n],
    ];
    const cs = await Promise.all(holders.map((h, i) => encryptContribution(job, keys.publicKey, values[i] as bigint[], h)));
    await client(a, holders[0]!).contribute(job.id, cs[0]!);
    // Through B, which has not folded holder 0's contribution yet: it catches up first.
    await client(b, holders[1]!).contribute(job.id, cs[1]!);

    for (const inst of [a, b]) {
      const info = await client(inst).aggregationJob(job.id);
      expect(info.contributions).toBe(2);
      expect(info.ready).toBe(true);
    }
    const fromA = await client(a).aggregationResult(job.id);
    const fromB = await client(b).aggregationResult(job.id);
    expect(fromA.count).toBe(2);
    expect(fromB.contributions).toEqual(fromA.contributions);
    expect(fromB.sum).toEqual(fromA.sum);
    expect(fromB.sumHash).toBe(fromA.sumHash);
    const plain = await decryptAggregate(job, keys.secretKey, fromB);
    expect(plain.sum.slice(0, 2)).toEqual([30n, 1n]);

    // The same holder again through the other instance (a fresh record): refused, nothing folded twice.
    await expect(client(a, holders[1]!).contribute(job.id, cs[1]!)).rejects.toMatchObject({ code: 'REGISTRY_AGG_DUPLICATE_CONTRIBUTION' });
    expect((await client(a).aggregationResult(job.id)).sumHash).toBe(fromA.sumHash);

    // Kept in the shared tables: one job, each contribution kept once its record is on the log.
    expect(await sql<{ job_id: string }>('SELECT job_id FROM dataledger.aggregation_jobs')).toEqual([{ job_id: job.id }]);
    const rows = await sql<{ kept: boolean }>('SELECT kept FROM dataledger.aggregation_contributions ORDER BY hash');
    expect(rows).toEqual([{ kept: true }, { kept: true }]);

    // A restarted B serves the same sum, and a third contribution through it reaches A.
    await b.stop();
    const b2 = await start(dirB);
    expect((await client(b2).aggregationResult(job.id)).sumHash).toBe(fromA.sumHash);
    await client(b2, holders[2]!).contribute(job.id, cs[2]!);
    const all = await client(a).aggregationResult(job.id);
    expect(all.count).toBe(3);
    expect((await client(b2).aggregationResult(job.id)).sumHash).toBe(all.sumHash);
    expect((await decryptAggregate(job, keys.secretKey, all)).sum.slice(0, 2)).toEqual([330n, 6n]);

    // The key holder's release through B names the sum both serve.
    await client(b2, exchange).releaseAggregation(job.id, all);
    expect(a.service.registry().aggregations.get(job.id)?.released).toBe(true);

    pair = { a, b: b2, root };

    // A job nobody opened is unknown to both, after looking in the shared tables.
    for (const inst of [a, b2]) {
      const res = await fetch(`${inst.base}/v1/aggregation/jobs/nobody-opened-this`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('HTTP_NOT_FOUND');
    }
  }, 180_000);

  it('folds a pending contribution whose record is on the log (a crash before the mark), never one the log does not record', async () => {
    const {
      a,
      b,
      holders: [recorded, unrecorded],
      job,
      keys,
    } = await newJob('cluster-crash-2026', 2, { via: 'b' });
    const [cr, cu] = await Promise.all([
      encryptContribution(job, keys.publicKey, [7n, -2n], recorded),
      encryptContribution(job, keys.publicKey, [500n, 500n], unrecorded),
    ]);
    // Both left pending, as an instance leaves them when it stops between the append and the mark.
    await leaveRows(job, [
      [cr, contributionHashHex(cr), false],
      [cu, contributionHashHex(cu), false],
    ]);
    // Only the first holder's record reaches the log (appended as that instance did, before it stopped).
    await a.service.submit([contributed(a, job, cr, recorded)]);

    await expectOneFolded([b, a], job, keys, [7n, -2n]);
    expect((await client(a).aggregationResult(job.id)).sumHash).toBe((await client(b).aggregationResult(job.id)).sumHash);
  }, 120_000);

  it('refuses a contribution past maxContributors on the log itself, and counts the first, whatever order the tables list them in', async () => {
    const { a, b, holders, job, keys } = await newJob('cluster-full-2026', 2, { maxContributors: 1 });
    const cs = await Promise.all(holders.map((h, i) => encryptContribution(job, keys.publicKey, [BigInt(i + 1), 0n], h)));
    // Recorded first: the one whose hash sorts last, so the tables' order is not the log's.
    const [first, second] = [...cs].sort((x, y) => (contributionHashHex(x) < contributionHashHex(y) ? 1 : -1)) as [Contribution, Contribution];
    // As two instances leave them when each took one at the same time and stopped before the mark.
    await leaveRows(job, [
      [first, contributionHashHex(first), false],
      [second, contributionHashHex(second), false],
    ]);
    const record = (x: Contribution) => contributed(a, job, x, holders[cs.indexOf(x)]!);
    await a.service.submit([record(first)]);
    // The opening record names maxContributors (1): as two instances racing for the last place
    // would append it, the second contribution's record is refused by the registry itself.
    await expect(a.service.submit([record(second)])).rejects.toMatchObject({ code: 'REGISTRY_AGG_FULL' });
    const expected = BigInt(cs.indexOf(first) + 1);
    await expectOneFolded([a, b], job, keys, [expected, 0n]);
  }, 120_000);

  it('serves a job another instance opened only with the public key its opening record names', async () => {
    const { a, b, job, keys } = await newJob('cluster-key-2026', 0);
    const other = await createJobKeys(job);
    // Someone with access to the database swaps the job's key before B first serves the job.
    await db.query('UPDATE dataledger.aggregation_jobs SET public_key = $1 WHERE job_id = $2', [Buffer.from(other.publicKey), job.id]);
    await expect(client(b).aggregationJob(job.id)).rejects.toMatchObject({ code: 'HTTP_NOT_FOUND' });
    await db.query('UPDATE dataledger.aggregation_jobs SET public_key = $1 WHERE job_id = $2', [Buffer.from(keys.publicKey), job.id]);
    for (const inst of [b, a]) {
      const info = await client(inst).aggregationJob(job.id);
      expect(Buffer.from(info.publicKey, 'base64').equals(Buffer.from(keys.publicKey))).toBe(true);
    }
  }, 120_000);

  it('folds the contribution the log names for each holder, never another kept under that holder or a body kept under another hash', async () => {
    const {
      a,
      b,
      holders: [named, swapped],
      job,
      keys,
    } = await newJob('cluster-named-2026', 2);
    const [recorded, other, swappedRecorded, swappedBody] = await Promise.all([
      encryptContribution(job, keys.publicKey, [1n, 2n], named),
      encryptContribution(job, keys.publicKey, [100n, 100n], named),
      encryptContribution(job, keys.publicKey, [3n, 4n], swapped),
      encryptContribution(job, keys.publicKey, [900n, 900n], swapped),
    ]);
    // The recorded contribution pending (its instance stopped before the mark); beside it, kept,
    // another of the same holder (a refused one left behind, or written by anyone with access
    // to the tables), and under the second holder's recorded hash a body that is not that one.
    const rows: [Contribution, string, boolean][] = [
      [recorded, contributionHashHex(recorded), false],
      [other, contributionHashHex(other), true],
      [swappedBody, contributionHashHex(swappedRecorded), true],
    ];
    await leaveRows(job, rows);
    for (const [x, holder] of [
      [recorded, named],
      [swappedRecorded, swapped],
    ] as const) {
      await a.service.submit([contributed(a, job, x, holder)]);
    }
    await expectOneFolded([b, a], job, keys, [1n, 2n]);
  }, 120_000);

  it('keeps a contribution whose append failed after it may have reached the log, and folds it once the log records it', async () => {
    const {
      a,
      b,
      holders: [holder],
      job,
      keys,
    } = await newJob('cluster-unknown-2026', 1);
    const c = await encryptContribution(job, keys.publicKey, [11n, -5n], holder);
    // B's forwarded write is appended, but its answer is lost (as when the sequencer that claimed
    // it does not answer in time): B is told the outcome is unknown.
    const restore = interceptContribution(b, async (go) => {
      await go();
      throw new ProvenanceError('STORE_IO', 'cluster: no sequencer answered within 1 ms', { details: { sequenced: 'unknown', timeoutMs: 1 } });
    });
    try {
      await expect(client(b, holder).contribute(job.id, c)).rejects.toMatchObject({ code: 'STORE_IO' });
    } finally {
      restore();
    }
    expect(a.service.registry().aggregations.get(job.id)?.contributors).toEqual([holder.did]);
    await expectOneFolded([a, b], job, keys, [11n, -5n]);
  }, 120_000);

  it('leaves the row of a contribution another instance recorded when the same one is refused here', async () => {
    const {
      a,
      b,
      holders: [holder],
      job,
      keys,
    } = await newJob('cluster-twice-2026', 1);
    const c = await encryptContribution(job, keys.publicKey, [8n, 9n], holder);
    // The holder sends the same contribution to both instances at once: A's record is appended
    // after B caught up and before B's own append, which is refused as the holder's second. A
    // has not marked its row kept yet (it is pending, under the same hash as B's).
    const restore = interceptContribution(b, async (go) => {
      await a.service.submit([contributed(a, job, c, holder)]);
      return go();
    });
    try {
      await expect(client(b, holder).contribute(job.id, c)).rejects.toMatchObject({ code: 'REGISTRY_AGG_DUPLICATE_CONTRIBUTION' });
    } finally {
      restore();
    }
    await expectOneFolded([a, b], job, keys, [8n, 9n]);
  }, 120_000);

  it('keeps again a recorded contribution whose pending row another instance dropped before the mark', async () => {
    const {
      a,
      b,
      holders: [holder],
      job,
      keys,
    } = await newJob('cluster-dropped-2026', 1);
    const c = await encryptContribution(job, keys.publicKey, [21n, -1n], holder);
    // While A appends, B drops the row under the same hash (its own append of the same
    // contribution refused, for a stale index, before A's record was on the log).
    const restore = interceptContribution(a, async (go) => {
      const receipts = await go();
      await sql(`DELETE FROM dataledger.aggregation_contributions WHERE hash = '${contributionHashHex(c)}'`);
      return receipts;
    });
    try {
      await client(a, holder).contribute(job.id, c);
    } finally {
      restore();
    }
    expect(await sql<{ kept: boolean }>(`SELECT kept FROM dataledger.aggregation_contributions WHERE hash = '${contributionHashHex(c)}'`)).toEqual([
      { kept: true },
    ]);
    await expectOneFolded([b, a], job, keys, [21n, -1n]);
  }, 120_000);
});
