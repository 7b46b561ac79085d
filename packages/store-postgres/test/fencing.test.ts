/**
 * Fencing and the sequencer lease on a real PostgreSQL: several processes' `Log`s on one
 * schema (fenced stores, `exclusive: false`), one sequencing at a time. A writer whose view of
 * the head is stale (a deposed sequencer) has its batch refused with `STORE_FENCED` and
 * nothing of it written; the lease passes when its holder's session ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { isDataLedgerError } from '@dataledger/core';
import { Log, type RecordStore } from '@dataledger/provenance';
import { chain, key, logKey, ORIGIN, snapshot } from '../../provenance/test/support/fixtures.ts';
import { openPostgresCluster, openPostgresStore } from '../src/index.ts';
import { testDatabase, type TestDatabase } from './support/postgres.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('fencing');
});
afterAll(async () => {
  await db?.drop();
});

const fencedStore = (schema: string): Promise<RecordStore> => openPostgresStore({ connectionString: db.url, schema, exclusive: false, fenceKey: 'head' });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isDataLedgerError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('fenced batches', () => {
  it('refuse a batch built on a stale head (STORE_FENCED) and write nothing of it', async () => {
    const schema = db.newSchema();
    const a = await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey });
    const b = await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey });
    const first = chain(a.head(), 3);
    await a.appendBatch(first);
    const reader = await fencedStore(schema);
    const before = await snapshot(reader);

    // b still believes the log is empty: its own record 0 would fork the log.
    const fork = chain(b.head(), 2, [key(9)]);
    expect(await codeOf(b.appendBatch(fork))).toBe('STORE_FENCED');
    expect(await snapshot(reader)).toEqual(before);
    expect(b.size).toBe(0);

    // Once it has read the head, the same instance appends after a's records.
    expect(await b.refresh()).toBe(3);
    expect(b.head().rootHash).toEqual(a.head().rootHash);
    await b.appendBatch(chain(b.head(), 2, [key(9)]));
    expect(b.size).toBe(5);
    // Now a is the stale one.
    expect(await codeOf(a.appendBatch(chain(a.head(), 1)))).toBe('STORE_FENCED');
    expect(await a.refresh()).toBe(5);
    expect((await a.entries(0, 5)).map((r) => r.index)).toEqual([0, 1, 2, 3, 4]);
    await Promise.all([a.close(), b.close(), reader.close()]);
  });

  it('refuse appends after a refresh that found the stored head behind the view (a restored backup)', async () => {
    const schema = db.newSchema();
    const log = await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey });
    await log.appendBatch(chain(log.head(), 3));
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const old = (await admin.query<{ value: Buffer }>(`SELECT value FROM "${schema}".entries WHERE key = 'head'`)).rows[0]!.value;
    await log.appendBatch(chain(log.head(), 2));
    await admin.query(`UPDATE "${schema}".entries SET value = $1 WHERE key = 'head'`, [old]);
    expect(await codeOf(log.refresh())).toBe('STORE_CORRUPT');
    expect(log.size).toBe(5);
    // The store now fences on the head it read (size 3): appending on this view must not pass.
    expect(await codeOf(log.appendBatch(chain(log.head(), 1)))).toBe('STORE_FENCED');
    const rows = (await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".entries WHERE key LIKE 'r:%'`)).rows;
    expect(rows[0]!.n).toBe(5);
    await admin.end();
    await log.close();
  });

  it('let only one of several writers racing from the same head commit', async () => {
    const schema = db.newSchema();
    // Creating the log is a fenced batch too: of two creators that both found it absent, one wins.
    const x = await fencedStore(schema);
    const y = await fencedStore(schema);
    expect(await x.get('head')).toBeUndefined();
    expect(await y.get('head')).toBeUndefined();
    await x.batch([{ type: 'put', key: 'head', value: new TextEncoder().encode('{"size":0,"rootHash":"x","lastLeafHash":null,"lastTime":null}') }]);
    expect(await codeOf(y.batch([{ type: 'put', key: 'head', value: new TextEncoder().encode('{}') }]))).toBe('STORE_FENCED');
    await y.batch([{ type: 'del', key: 'head' }]).then(
      () => expect.unreachable('a stale delete of the fence key must be refused too'),
      (e: { code?: string }) => expect(e.code).toBe('STORE_FENCED'),
    );
    // x's own next write passes (it wrote the value it now expects); it removes the test head.
    await x.batch([{ type: 'del', key: 'head' }]);
    await Promise.all([x.close(), y.close()]);
    await (await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey })).close();
    const logs = await Promise.all([0, 1, 2, 3].map(async () => Log.open(await fencedStore(schema), { origin: ORIGIN, logKey })));
    const results = await Promise.allSettled(logs.map((l, i) => l.appendBatch(chain(l.head(), 4, [key(10 + i)]))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('STORE_FENCED');
    const reader = await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey: { publicKey: logKey.publicKey } });
    expect(reader.size).toBe(4);
    await Promise.all([...logs, reader].map((l) => l.close()));
  });
});

describe('the sequencer lease', () => {
  it('passes to another process when its holder session ends; the deposed holder cannot append', async () => {
    const schema = db.newSchema();
    const one = await openPostgresCluster({ connectionString: db.url, schema });
    const two = await openPostgresCluster({ connectionString: db.url, schema });
    const logOne = await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey });
    const logTwo = await Log.open(await fencedStore(schema), { origin: ORIGIN, logKey });
    let lost = 0;
    one.onLeaseLost(() => lost++);
    expect(await one.tryLead()).toBe(true);
    expect(await two.tryLead()).toBe(false);
    await logOne.appendBatch(chain(logOne.head(), 2));

    // The holder's session is killed from outside (a network cut, as the server sees it).
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const { rows } = await admin.query<{ pid: number }>(
      "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND objid = (hashtext($2) # 1)::oid",
      [0x646c7067, schema],
    );
    expect(rows).toHaveLength(1);
    await admin.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
    await admin.end();

    let took = false;
    for (let i = 0; i < 40 && !took; i++) {
      took = await two.tryLead();
      if (!took) await new Promise((r) => setTimeout(r, 50));
    }
    expect(took).toBe(true);
    await expect.poll(() => lost).toBe(1);
    expect(one.leading).toBe(false);

    // The new sequencer reads the head first, then appends.
    expect(await logTwo.refresh()).toBe(2);
    await logTwo.appendBatch(chain(logTwo.head(), 1, [key(7)]));
    const reader = await fencedStore(schema);
    const before = await snapshot(reader);
    // The deposed one, still at size 2, is refused, and nothing of its batch is written.
    expect(await codeOf(logOne.appendBatch(chain(logOne.head(), 3)))).toBe('STORE_FENCED');
    expect(await snapshot(reader)).toEqual(before);
    await Promise.all([one.close(), two.close(), logOne.close(), logTwo.close(), reader.close()]);
  });

  it('forwards a submission to the lease holder and returns its outcome; an unclaimed one is withdrawn on timeout', async () => {
    const schema = db.newSchema();
    const leader = await openPostgresCluster({ connectionString: db.url, schema, pollMs: 50 });
    const follower = await openPostgresCluster({ connectionString: db.url, schema, pollMs: 50 });
    // No sequencer serves yet: the row is withdrawn unclaimed.
    const err = await follower.forward(new TextEncoder().encode('late'), 300).then(
      () => null,
      (e: unknown) => e as { code?: string; details?: Record<string, unknown> },
    );
    expect(err?.code).toBe('STORE_IO');
    expect(err?.details?.['sequenced']).toBe(false);

    expect(await leader.tryLead()).toBe(true);
    const seen: string[] = [];
    leader.serve(async (body) => {
      const text = new TextDecoder().decode(body);
      seen.push(text);
      return new TextEncoder().encode(`ok:${text}`);
    });
    const answers = await Promise.all(['a', 'b', 'c'].map((t) => follower.forward(new TextEncoder().encode(t), 5000)));
    expect(answers.map((a) => new TextDecoder().decode(a))).toEqual(['ok:a', 'ok:b', 'ok:c']);
    // The withdrawn row never reached the handler.
    expect(seen.sort()).toEqual(['a', 'b', 'c']);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const left = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".pending`);
    await admin.end();
    expect(left.rows[0].n).toBe(0);
    await Promise.all([leader.close(), follower.close()]);
  });
});
