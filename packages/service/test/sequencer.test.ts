/**
 * Several services on one PostgreSQL log, in one process (`openService({ database })` on data
 * directories holding the same keys; a real server via the store's test support): a follower's
 * writes are sequenced by the lease holder and answered with the receipts the log gives, its
 * view follows the log, a graceful stop hands the lease over, and with the lease held by no
 * serving instance a forwarded write is withdrawn and answered 503 HTTP_SEQUENCER_UNAVAILABLE.
 */
import { createHmac } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { didKeyFromPublicKey, fromBase64, generateKeyPair, isDataLedgerError, toBase64 } from '@dataledger/core';
import { buildChain, buildRecord, type LedgerRecord } from '@dataledger/provenance';
import { openService, parseKeyFile, type DataDirService } from '../src/open.ts';
import { testDatabase, type TestDatabase } from '../../store-postgres/test/support/postgres.ts';
import { vouchTagByHand } from '../../provenance/test/support/vouch.ts';

let db: TestDatabase;
let dir: string;
const open: DataDirService[] = [];

beforeAll(async () => {
  db = await testDatabase('sequencer');
  dir = await mkdtemp(join(tmpdir(), 'dl-seq-'));
});
afterAll(async () => {
  for (const s of open) await s.close().catch(() => undefined);
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function instance(keysFrom: string | null, forwardTimeoutMs = 10_000, leaseRetryMs = 50): Promise<DataDirService> {
  const dataDir = join(dir, `d${n++}`);
  if (keysFrom !== null) {
    await mkdir(dataDir, { recursive: true });
    for (const f of ['log.key', 'root.key', 'log.vkey']) await copyFile(join(keysFrom, f), join(dataDir, f));
  }
  const s = await openService({ dataDir, database: db.url, cluster: { forwardTimeoutMs, leaseRetryMs, refreshMs: 200 } });
  open.push(s);
  return s;
}

const grant = (s: DataDirService, count: number) =>
  buildChain(
    s.log.head(),
    Array.from({ length: count }, () => ({
      type: 'role.granted',
      payload: { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'holder' },
      signer: { secretKey: s.rootAuthority.secretKey! },
    })),
  );

describe('services sharing one PostgreSQL log', () => {
  it('sequences a follower’s writes on the lease holder, answers the log’s receipts, and hands over on a graceful stop', async () => {
    const a = await instance(null);
    const b = await instance(a.dataDir);
    expect(a.sequencer?.role).toBe('sequencer');
    expect(b.sequencer?.role).toBe('follower');
    expect(b.logVerifierKey).toBe(a.logVerifierKey);

    // A pre-chained batch through the follower.
    const records = grant(b, 5);
    const receipts = await b.submit(records);
    expect(receipts.map((r) => r.index)).toEqual([1, 2, 3, 4, 5]);
    // The follower's view has reached them (read-your-writes), and so has its registry.
    expect(b.size).toBe(6);
    expect(b.registry().roles.size).toBe(a.registry().roles.size);
    // Its receipts are the sequencer's, byte for byte (deterministic receipts, one log key).
    for (const r of receipts) expect(await a.receiptFor(r.index)).toEqual(r);
    // The same record again through the follower: its receipt, not a second copy.
    expect(await b.submit([records[2]!])).toEqual([receipts[2]]);
    expect(a.size).toBe(6);

    // A stale record through the follower: the sequencer's 409 code and the head to re-sign on.
    const stale = buildRecord(
      { size: 3, lastLeafHash: fromBase64(receipts[1]!.leafHash) },
      { type: 'role.granted', payload: { subject: didKeyFromPublicKey(generateKeyPair().publicKey), role: 'holder' } },
      { secretKey: b.rootAuthority.secretKey! },
    );
    const err = await b.submit([stale]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err) && err.code).toBe('LEDGER_INDEX_MISMATCH');
    expect((err as { details?: { head?: { size?: number } } }).details?.head?.size).toBe(6);

    // The sequencer's own writes reach the follower's view too.
    await a.submit(grant(a, 2));
    await expect.poll(() => b.size, { timeout: 5000 }).toBe(8);
    expect(await b.checkpoint()).toBe(await a.checkpoint());

    // A graceful stop gives the lease up: the follower sequences at once.
    const roles: string[] = [];
    b.sequencer?.onRole((role) => roles.push(role));
    await a.close();
    await expect.poll(() => b.sequencer?.role, { timeout: 5000 }).toBe('sequencer');
    expect(roles).toEqual(['sequencer']);
    expect((await b.submit(grant(b, 1)))[0]!.index).toBe(8);
    await b.close();
  });

  it('answers 503 HTTP_SEQUENCER_UNAVAILABLE, the row withdrawn, while the lease is held by no serving instance', async () => {
    const c = await instance(join(dir, 'd0'), 400);
    expect(c.sequencer?.role).toBe('sequencer');
    // d tries the lease every 2 s: the squatter below gets it first.
    const d = await instance(join(dir, 'd0'), 400, 2000);
    await c.close();
    // Something else takes the lease (an instance stuck before serving, as the server sees it).
    const squatter = new pg.Client({ connectionString: db.url });
    await squatter.connect();
    let held = false;
    for (let i = 0; i < 100 && !held; i++) {
      const { rows } = await squatter.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1, hashtext('dataledger') # 1) AS ok", [0x646c7067]);
      held = rows[0]!.ok;
      if (!held) await new Promise((r) => setTimeout(r, 10));
    }
    expect(held).toBe(true);
    expect(d.sequencer?.role).toBe('follower');
    const size = d.size;
    const err = await d.submit(grant(d, 1)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err) && err.code).toBe('HTTP_SEQUENCER_UNAVAILABLE');
    expect((err as { details?: Record<string, unknown> }).details?.['sequenced']).toBe(false);
    const { rows } = await squatter.query<{ n: number }>('SELECT count(*)::int AS n FROM dataledger.pending');
    expect(rows[0]!.n).toBe(0);
    // Once the lease is free, d takes it and writes flow again.
    await squatter.end();
    await expect.poll(() => d.sequencer?.role, { timeout: 5000 }).toBe('sequencer');
    expect((await d.submit(grant(d, 1)))[0]!.index).toBe(size);
    await d.close();
  });

  it('takes a forwarded row’s signatures as checked only under the instances’ vouch key, and checks them in full otherwise', async () => {
    const e = await instance(join(dir, 'd0'));
    expect(e.sequencer?.role).toBe('sequencer');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      /** Writes a pending row as a follower would (or anyone who can write the table), and waits for the sequencer's outcome. */
      const forward = async (records: LedgerRecord[], vouch?: Uint8Array): Promise<{ placed?: { index: number }[]; error?: { code: string } }> => {
        const body = JSON.stringify({ records, disclosures: [], ...(vouch === undefined ? {} : { vouch: toBase64(vouch) }) });
        const { rows } = await client.query<{ id: string }>('INSERT INTO dataledger.pending (body) VALUES ($1) RETURNING id::text AS id', [Buffer.from(body)]);
        const id = rows[0]!.id;
        let outcome: Buffer | null = null;
        for (let i = 0; i < 200 && outcome === null; i++) {
          const r = await client.query<{ outcome: Buffer | null }>('SELECT outcome FROM dataledger.pending WHERE id = $1', [id]);
          outcome = r.rows[0]?.outcome ?? null;
          if (outcome === null) await new Promise((res) => setTimeout(res, 25));
        }
        await client.query('DELETE FROM dataledger.pending WHERE id = $1', [id]);
        expect(outcome).not.toBeNull();
        return JSON.parse(outcome!.toString('utf8')) as { placed?: { index: number }[]; error?: { code: string } };
      };
      // The vouch key every instance derives from the log key (HMAC-SHA-256, its own label), and
      // the tag: HMAC over each record's RFC 8785 text after its uint32 big-endian length.
      const logKey = parseKeyFile(await readFile(join(dir, 'd0', 'log.key'), 'utf8'));
      const vouchKey = createHmac('sha256', logKey.secretKey).update('dataledger/forward-vouch/v1').digest();
      const size = e.size;
      const [r1, r2] = grant(e, 2) as unknown as [LedgerRecord, LedgerRecord];
      const forged: LedgerRecord = { ...r1, sig: r2.sig };
      // No vouch, a vouch under another key, a vouch of other records: every signature checked.
      for (const vouch of [undefined, vouchTagByHand([forged], generateKeyPair().secretKey), vouchTagByHand([r1], vouchKey)]) {
        expect((await forward([forged], vouch)).error?.code).toBe('LEDGER_SIGNATURE_INVALID');
      }
      expect(e.size).toBe(size);
      // Vouched for under the instances' key: placed as a follower's write is.
      const placed = await forward([r1, r2], vouchTagByHand([r1, r2], vouchKey));
      expect(placed.placed?.map((p) => p.index)).toEqual([size, size + 1]);
      expect(e.size).toBe(size + 2);
    } finally {
      await client.end();
      await e.close();
    }
  });
});
