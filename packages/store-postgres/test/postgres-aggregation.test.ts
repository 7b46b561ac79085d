/**
 * The PostgreSQL keeping of encrypted statistics jobs on a real server: its tables and
 * migration (v5), the pending → kept life of a contribution, the first keeping of a job id
 * winning, and two openers of one schema seeing each other's rows (what lets every instance on
 * one log serve every job).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { isDataLedgerError } from '@dataledger/core';
import { MIGRATIONS, openPostgresAggregation, openPostgresStore } from '../src/index.ts';
import { testDatabase, type TestDatabase } from './support/postgres.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('aggregation_postgres');
});
afterAll(async () => {
  await db?.drop();
});

const query = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => db.query<R>(sql, params);

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('openPostgresAggregation', () => {
  it('creates the jobs and contributions tables by the recorded migration v5', async () => {
    const schema = db.newSchema();
    const keeping = await openPostgresAggregation({ connectionString: db.url, schema });
    expect(keeping.shared).toBe(true);
    await keeping.close();
    const columns = await query<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>(
      `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = $1 AND table_name LIKE 'aggregation_%' ORDER BY table_name, ordinal_position`,
      [schema],
    );
    expect(columns).toEqual([
      { table_name: 'aggregation_contributions', column_name: 'job_id', data_type: 'text', is_nullable: 'NO' },
      { table_name: 'aggregation_contributions', column_name: 'hash', data_type: 'text', is_nullable: 'NO' },
      { table_name: 'aggregation_contributions', column_name: 'body', data_type: 'bytea', is_nullable: 'NO' },
      { table_name: 'aggregation_contributions', column_name: 'kept', data_type: 'boolean', is_nullable: 'NO' },
      { table_name: 'aggregation_jobs', column_name: 'job_id', data_type: 'text', is_nullable: 'NO' },
      { table_name: 'aggregation_jobs', column_name: 'job', data_type: 'text', is_nullable: 'NO' },
      { table_name: 'aggregation_jobs', column_name: 'public_key', data_type: 'bytea', is_nullable: 'NO' },
    ]);
    const versions = await query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(versions).toContainEqual({ version: 5, name: 'aggregation' });
  });

  it('keeps jobs (the first keeping of an id wins) and contributions pending, kept or dropped; another opener sees them', async () => {
    const schema = db.newSchema();
    const a = await openPostgresAggregation({ connectionString: db.url, schema });
    const b = await openPostgresAggregation({ connectionString: db.url, schema });
    try {
      expect(await b.job('J-1')).toBeUndefined();
      await a.putJob({ jobId: 'J-1', job: '{"id":"J-1"}', publicKey: bytes(1, 2, 3) });
      await b.putJob({ jobId: 'J-1', job: '{"id":"J-1","other":true}', publicKey: bytes(9) });
      expect(await b.job('J-1')).toEqual({ jobId: 'J-1', job: '{"id":"J-1"}', publicKey: bytes(1, 2, 3) });
      await a.putJob({ jobId: 'J-0', job: '{"id":"J-0"}', publicKey: bytes(0) });
      expect((await b.jobs()).map((j) => j.jobId)).toEqual(['J-0', 'J-1']);

      const big = new Uint8Array(300_000).map((_, i) => i % 251);
      await a.putPending('J-1', 'aa', big);
      await a.putPending('J-1', 'bb', new TextEncoder().encode('first'));
      // A pending one is rewritten; a kept one never is.
      await a.putPending('J-1', 'bb', new TextEncoder().encode('second'));
      expect(await a.markKept('J-1', 'aa')).toBe(true);
      expect(await a.markKept('J-1', 'zz')).toBe(false);
      await b.putPending('J-1', 'aa', bytes(0));
      const seen = await b.contributions('J-1');
      expect(seen.map((c) => [c.hash, c.kept])).toEqual([
        ['aa', true],
        ['bb', false],
      ]);
      expect(seen[0]!.body).toEqual(big);
      expect(text(seen[1]!.body)).toBe('second');
      // Folded ones are not read again.
      expect((await b.contributions('J-1', ['aa'])).map((c) => c.hash)).toEqual(['bb']);
      expect(await b.contributions('J-0')).toEqual([]);
      // Only those asked for are read (the hashes the log names).
      expect((await b.contributions('J-1', [], ['bb', 'cc'])).map((c) => c.hash)).toEqual(['bb']);
      expect((await b.contributions('J-1', ['bb'], ['bb'])).map((c) => c.hash)).toEqual([]);
      expect(await b.contributions('J-1', [], [])).toEqual([]);

      // A refused append drops the pending one, never a kept one.
      await b.dropPending('J-1', 'bb');
      await b.dropPending('J-1', 'aa');
      expect((await a.contributions('J-1')).map((c) => c.hash)).toEqual(['aa']);
    } finally {
      await a.close();
      await b.close();
    }
    // Closed: a coded error, not a pool's.
    const err = await a.job('J-1').then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err) && err.code).toBe('STORE_IO');
  });

  it("opens beside the log's store in one schema, and refuses a bad schema name or pool size", async () => {
    const schema = db.newSchema();
    const store = await openPostgresStore({ connectionString: db.url, schema });
    const keeping = await openPostgresAggregation({ connectionString: db.url, schema });
    await keeping.putJob({ jobId: 'J', job: '{}', publicKey: bytes(7) });
    expect((await keeping.job('J'))?.publicKey).toEqual(bytes(7));
    await keeping.close();
    await store.close();
    await expect(openPostgresAggregation({ connectionString: db.url, schema: 'Bad-Name' })).rejects.toThrow(TypeError);
    await expect(openPostgresAggregation({ connectionString: db.url, schema, maxConnections: 0 })).rejects.toThrow(RangeError);
  });

  it('answers STORE_IO when the server cannot be reached', async () => {
    const err = await openPostgresAggregation({ connectionString: 'postgres://postgres@127.0.0.1:1/none', schema: db.newSchema() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err) && err.code).toBe('STORE_IO');
  });
});
