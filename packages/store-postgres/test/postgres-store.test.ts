/**
 * The PostgreSQL RecordStore on a real server: the shared conformance suite, schema migrations
 * (versioned, idempotent, safe under concurrent opens), and a Log kept on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { isDataLedgerError } from '@dataledger/core';
import { Log, merkleRoot, recordLeafHash, verifyConsistency, verifyInclusion, openCheckpoint } from '@dataledger/provenance';
import { describeStoreConformance } from '../../provenance/test/support/store-conformance.ts';
import { chain, logKey, ORIGIN } from '../../provenance/test/support/fixtures.ts';
import { MIGRATIONS, openPostgresStore } from '../src/index.ts';
import { testDatabase, type TestDatabase } from './support/postgres.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('store_postgres');
});
afterAll(async () => {
  await db?.drop();
});

const query = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => db.query<R>(sql, params);

describeStoreConformance('postgres', async () => {
  const schema = db.newSchema();
  return { store: await openPostgresStore({ connectionString: db.url, schema }), reopen: () => openPostgresStore({ connectionString: db.url, schema }) };
});

describe('openPostgresStore: schema migrations', () => {
  it('applies every migration once and records its version', async () => {
    const schema = db.newSchema();
    await (await openPostgresStore({ connectionString: db.url, schema })).close();
    await (await openPostgresStore({ connectionString: db.url, schema })).close();
    const rows = await query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
  });

  it('lets concurrent opens of one fresh schema all succeed, migrating it exactly once', async () => {
    const schema = db.newSchema();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore({ connectionString: db.url, schema, exclusive: false })));
    await stores[0]!.batch([{ type: 'put', key: 'k', value: new Uint8Array([1]) }]);
    for (const s of stores) expect(await s.get('k')).toEqual(new Uint8Array([1]));
    await Promise.all(stores.map((s) => s.close()));
    const rows = await query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".schema_migrations`);
    expect(Number(rows[0]!.n)).toBe(MIGRATIONS.length);
  });

  it('refuses a schema migrated by a newer version with STORE_IO and changes nothing', async () => {
    const schema = db.newSchema();
    await (await openPostgresStore({ connectionString: db.url, schema })).close();
    const future = MIGRATIONS[MIGRATIONS.length - 1]!.version + 1;
    await query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'future')`, [future]);
    const err = await openPostgresStore({ connectionString: db.url, schema }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err, 'STORE_IO')).toBe(true);
    const rows = await query<{ version: number }>(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    expect(rows.map((r) => r.version)).toEqual([...MIGRATIONS.map((m) => m.version), future]);
  });

  it('refuses a schema name that is not a plain lower-case identifier', async () => {
    for (const schema of ['', 'Upper', 'a b', 'x"; DROP TABLE y; --', 'a'.repeat(64)]) {
      await expect(openPostgresStore({ connectionString: db.url, schema })).rejects.toBeInstanceOf(TypeError);
    }
  });

  it('reports an unreachable server with STORE_IO', async () => {
    const err = await openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:1/none' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err, 'STORE_IO')).toBe(true);
  });
});

describe('openPostgresStore: one writer per schema', () => {
  it('refuses a second exclusive open with STORE_IO until the first store closes', async () => {
    const schema = db.newSchema();
    const first = await openPostgresStore({ connectionString: db.url, schema });
    const err = await openPostgresStore({ connectionString: db.url, schema }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err, 'STORE_IO')).toBe(true);
    // A non-exclusive open (a reader) is allowed beside it.
    const reader = await openPostgresStore({ connectionString: db.url, schema, exclusive: false });
    await first.batch([{ type: 'put', key: 'k', value: new Uint8Array([9]) }]);
    expect(await reader.get('k')).toEqual(new Uint8Array([9]));
    await reader.close();
    await first.close();
    const second = await openPostgresStore({ connectionString: db.url, schema });
    expect(await second.get('k')).toEqual(new Uint8Array([9]));
    await second.close();
  });

  it('stops writing once its lock connection is gone (another process may hold the lock now)', async () => {
    const schema = db.newSchema();
    const store = await openPostgresStore({ connectionString: db.url, schema });
    await store.batch([{ type: 'put', key: 'before', value: new Uint8Array([1]) }]);
    const holders = await query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND classid::bigint = $1
         AND objid::bigint = ((hashtext($2) # 1)::bigint & 4294967295)`,
      [0x646c7067, schema],
    );
    expect(holders.length).toBe(1);
    await query('SELECT pg_terminate_backend($1)', [holders[0]!.pid]);
    let code = 'OK';
    for (let i = 0; i < 50 && code === 'OK'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      code = await store.batch([{ type: 'put', key: `after${i}`, value: new Uint8Array([2]) }]).then(
        () => 'OK',
        (e: unknown) => (isDataLedgerError(e) ? e.code : 'other'),
      );
    }
    expect(code).toBe('STORE_IO');
    await store.close();
    // Another process can now take the schema.
    const next = await openPostgresStore({ connectionString: db.url, schema });
    expect(await next.get('before')).toEqual(new Uint8Array([1]));
    await next.close();
  });
});

describe('Log on PostgreSQL', () => {
  it('appends, survives reopen, and proves inclusion and consistency against RFC 9162 roots', async () => {
    const schema = db.newSchema();
    const open = async (): Promise<Log> => Log.open(await openPostgresStore({ connectionString: db.url, schema }), { origin: ORIGIN, logKey });
    const log = await open();
    const first = chain(log.head(), 70);
    await log.appendBatch(first.slice(0, 33));
    for (const r of first.slice(33)) await log.append(r);
    const size1 = 33;
    const leaves = first.map(recordLeafHash);
    await log.close();

    const again = await open();
    expect(again.size).toBe(70);
    const root = merkleRoot(leaves);
    expect(again.head().rootHash).toEqual(root);
    const proof = await again.inclusionProof(41);
    expect(verifyInclusion({ leafHash: leaves[41]!, index: 41, treeSize: 70, proof, root })).toBe(true);
    const cproof = await again.consistencyProof(size1, 70);
    expect(verifyConsistency({ size1, size2: 70, root1: merkleRoot(leaves.slice(0, size1)), root2: root, proof: cproof })).toBe(true);
    const cp = openCheckpoint(await again.checkpoint(), [again.verifierKey]);
    expect(cp.checkpoint.size).toBe(70);
    expect((await again.entries(68, 70)).map((r) => r.index)).toEqual([68, 69]);
    await again.close();
  });

  it('leaves the store unchanged when an append is refused', async () => {
    const schema = db.newSchema();
    const log = await Log.open(await openPostgresStore({ connectionString: db.url, schema }), { origin: ORIGIN, logKey });
    const [r0, r1] = chain(log.head(), 2);
    await log.append(r0!);
    const before = await query<{ key: string; value: Buffer }>(`SELECT key, value FROM "${schema}".entries ORDER BY key`);
    const tampered = { ...r1!, payload: { n: 999 } };
    await expect(log.append(tampered)).rejects.toSatisfy((e: unknown) => isDataLedgerError(e, 'LEDGER_SIGNATURE_INVALID'));
    const after = await query<{ key: string; value: Buffer }>(`SELECT key, value FROM "${schema}".entries ORDER BY key`);
    expect(after).toEqual(before);
    await log.close();
  });
});
