/**
 * What the instances on one log share beside it (migration v4, `openPostgresShared`) on a real
 * server: the tables, the rule each keeps under concurrent instances (first certificate
 * stands, newest cosignature wins, a live nonce is claimed once), expiry, and refusals.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type pg from 'pg';
import { isDataLedgerError } from '@dataledger/core';
import { MIGRATIONS, NONCE_PRUNE_GRACE_MS, openPostgresShared, openPostgresStore, type StoredCosignature } from '../src/index.ts';
import { testDatabase, type TestDatabase } from './support/postgres.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('shared_postgres');
});
afterAll(async () => {
  await db?.drop();
});

const query = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => db.query<R>(sql, params);

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isDataLedgerError(err) ? err.code : `not coded: ${String(err)}`;
  }
  return undefined;
}

function cosignature(over: Partial<StoredCosignature> = {}): StoredCosignature {
  return { witnessKey: 'w1+abcd+AAAA', size: 5, timestamp: 100, body: 'origin\n5\nroot\n', line: '— w1 sig', note: 'origin\n5\nroot\n\n— w1 sig\n', ...over };
}

describe('openPostgresShared: migration v4', () => {
  it('creates certificates, cosignatures and nonces by a recorded migration, beside the log', async () => {
    const schema = db.newSchema();
    // A schema holding a log from before v4 is upgraded in place.
    const store = await openPostgresStore({ connectionString: db.url, schema });
    await store.batch([{ type: 'put', key: 'k', value: new Uint8Array([1]) }]);
    await store.close();
    const shared = await openPostgresShared({ connectionString: db.url, schema });
    await shared.close();
    const tables = await query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`, [
      schema,
    ]);
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['certificates', 'cosignatures', 'entries', 'nonces']));
    const versions = await query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(versions.find((v) => v.version === 4)?.name).toBe('shared');
    expect(await query(`SELECT key FROM "${schema}".entries`)).toEqual([{ key: 'k' }]);
    const ids = await query<{ column_name: string; collation_name: string | null }>(
      `SELECT column_name, collation_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'certificates' ORDER BY ordinal_position`,
      [schema],
    );
    expect(ids).toEqual([
      { column_name: 'id', collation_name: 'C' },
      { column_name: 'body', collation_name: null },
    ]);
  });

  it('refuses bad options before connecting', async () => {
    await expect(openPostgresShared({ connectionString: db.url, schema: 'Bad-Name' })).rejects.toBeInstanceOf(TypeError);
    await expect(openPostgresShared({ connectionString: db.url, pruneIntervalMs: 0 })).rejects.toBeInstanceOf(RangeError);
    await expect(openPostgresShared({ connectionString: db.url, maxConnections: 0 })).rejects.toBeInstanceOf(RangeError);
  });
});

describe('openPostgresShared: two openers of one schema see one state', () => {
  it('certificates: put on one, get on the other; the first text under an id stands', async () => {
    const schema = db.newSchema();
    const a = await openPostgresShared({ connectionString: db.url, schema });
    const b = await openPostgresShared({ connectionString: db.url, schema });
    try {
      const id = 'urn:uuid:0b8f3c2e-1111-4f00-9a00-000000000001';
      expect(await b.certificates.get(id)).toBeUndefined();
      await a.certificates.put(id, '{"id":"one","名":"证书"}');
      expect(await b.certificates.get(id)).toBe('{"id":"one","名":"证书"}');
      // The same text again is a no-op; another text is refused, and the first stays.
      await b.certificates.put(id, '{"id":"one","名":"证书"}');
      const refused = await b.certificates.put(id, '{"id":"two"}').catch((e: unknown) => e);
      expect(isDataLedgerError(refused, 'STORE_VALUE_INVALID')).toBe(true);
      expect((refused as { details: Record<string, unknown> }).details['conflict']).toBe(true);
      expect(await a.certificates.get(id)).toBe('{"id":"one","名":"证书"}');
      // Concurrent puts of two texts: exactly one stands, the other is refused.
      const race = 'urn:uuid:race';
      const outcomes = await Promise.allSettled([a.certificates.put(race, 'A'), b.certificates.put(race, 'B')]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const stored = await a.certificates.get(race);
      expect(['A', 'B']).toContain(stored);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('cosignatures: the newest per witness wins, whichever instance received it', async () => {
    const schema = db.newSchema();
    const a = await openPostgresShared({ connectionString: db.url, schema });
    const b = await openPostgresShared({ connectionString: db.url, schema });
    try {
      expect(await a.cosignatures.offer(cosignature())).toBe(true);
      expect(await b.cosignatures.list()).toEqual([cosignature()]);
      // Older (a smaller tree, or the same tree cosigned earlier) is not kept.
      expect(await b.cosignatures.offer(cosignature({ size: 4, timestamp: 999, note: 'older' }))).toBe(false);
      expect(await b.cosignatures.offer(cosignature({ timestamp: 99, note: 'earlier' }))).toBe(false);
      expect((await a.cosignatures.list())[0]?.note).toBe(cosignature().note);
      // Newer replaces; an equal timestamp replaces too (as the one-process map did).
      expect(await b.cosignatures.offer(cosignature({ timestamp: 100, note: 'same time' }))).toBe(true);
      expect(await b.cosignatures.offer(cosignature({ size: 6, timestamp: 50, note: 'larger tree' }))).toBe(true);
      expect(await b.cosignatures.offer(cosignature({ witnessKey: 'w2+ef01+BBBB' }))).toBe(true);
      const listed = await a.cosignatures.list();
      expect(listed.map((c) => [c.witnessKey, c.size, c.timestamp, c.note])).toEqual([
        ['w1+abcd+AAAA', 6, 50, 'larger tree'],
        ['w2+ef01+BBBB', 5, 100, cosignature().note],
      ]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('nonces: a live key is claimed once across openers, an expired one again; prune deletes the expired', async () => {
    const schema = db.newSchema();
    const a = await openPostgresShared({ connectionString: db.url, schema });
    const b = await openPostgresShared({ connectionString: db.url, schema });
    try {
      const live = Date.now() + 60_000;
      expect(await a.nonces.claim('did:key:z6Mk… n1', live)).toBe(true);
      expect(await b.nonces.claim('did:key:z6Mk… n1', live)).toBe(false);
      expect(await a.nonces.claim('did:key:z6Mk… n1', live)).toBe(false);
      // Of simultaneous claims of one key, exactly one wins.
      const results = await Promise.all([a.nonces.claim('k2', live), b.nonces.claim('k2', live), a.nonces.claim('k2', live), b.nonces.claim('k2', live)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      // An expired claim frees the key.
      expect(await a.nonces.claim('k3', Date.now() - 1000)).toBe(true);
      expect(await b.nonces.claim('k3', live)).toBe(true);
      await a.nonces.claim('k4', Date.now() - NONCE_PRUNE_GRACE_MS - 1000);
      await a.nonces.claim('k5', Date.now() - NONCE_PRUNE_GRACE_MS - 1000);
      // Expired, but within the grace another instance's slower clock may still need it.
      await a.nonces.claim('k6', Date.now() - 1000);
      expect(await b.nonces.prune()).toBe(2);
      const left = await query<{ key: string }>(`SELECT key FROM "${schema}".nonces ORDER BY key`);
      expect(left.map((r) => r.key)).toEqual(['did:key:z6Mk… n1', 'k2', 'k3', 'k6']);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("nonces: expiry is judged by the claiming process's clock, not the server's (a server clock ahead frees no live nonce)", async () => {
    const schema = db.newSchema();
    const a = await openPostgresShared({ connectionString: db.url, schema });
    // This process's clock two minutes behind the server's.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() - 120_000);
      const live = Date.now() + 30_000; // live here, already past by the server's clock
      expect(await a.nonces.claim('k', live)).toBe(true);
      expect(await a.nonces.claim('k', live)).toBe(false);
      expect(await a.nonces.prune()).toBe(0);
      expect(await a.nonces.claim('k', live)).toBe(false);
    } finally {
      vi.useRealTimers();
      await a.close();
    }
  });

  it('the timer deletes expired nonces on its own', async () => {
    const schema = db.newSchema();
    const a = await openPostgresShared({ connectionString: db.url, schema, pruneIntervalMs: 50 });
    try {
      await a.nonces.claim('old', Date.now() - NONCE_PRUNE_GRACE_MS - 1);
      await a.nonces.claim('new', Date.now() + 60_000);
      const until = Date.now() + 5000;
      let keys: string[] = [];
      while (Date.now() < until) {
        keys = (await query<{ key: string }>(`SELECT key FROM "${schema}".nonces ORDER BY key`)).map((r) => r.key);
        if (keys.length === 1) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(keys).toEqual(['new']);
    } finally {
      await a.close();
    }
  });
});

describe('openPostgresShared: refusals', () => {
  it('refuses values it cannot store with STORE_VALUE_INVALID, writing nothing; STORE_CLOSED after close', async () => {
    const schema = db.newSchema();
    const s = await openPostgresShared({ connectionString: db.url, schema });
    expect(await codeOf(s.certificates.put('', 'x'))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.certificates.put('id', ''))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.certificates.put('id\u0000', 'x'))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.certificates.put('id', 'x\ud800'))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.certificates.put('i'.repeat(2049), 'x'))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.certificates.get(42 as unknown as string))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.cosignatures.offer(cosignature({ size: -1 })))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.cosignatures.offer(cosignature({ timestamp: 1.5 })))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.cosignatures.offer(cosignature({ note: '' })))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.cosignatures.offer(null as unknown as StoredCosignature))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.nonces.claim('k', Number.NaN))).toBe('STORE_VALUE_INVALID');
    expect(await codeOf(s.nonces.claim('', 1))).toBe('STORE_VALUE_INVALID');
    for (const table of ['certificates', 'cosignatures', 'nonces']) {
      expect(await query(`SELECT 1 FROM "${schema}".${table}`), table).toEqual([]);
    }
    await s.close();
    expect(await codeOf(s.certificates.get('id'))).toBe('STORE_CLOSED');
    expect(await codeOf(s.nonces.claim('k', Date.now()))).toBe('STORE_CLOSED');
    await s.close();
  });
});
