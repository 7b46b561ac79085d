/**
 * Every connection of this package keeps two time limits (`connectTimeoutMs`, default 10 s;
 * `statementTimeoutMs`, default 30 s), so nothing waits on the database without end: a server
 * that accepts connections and never answers, and a statement blocked by a lock held elsewhere,
 * both turn into a coded `STORE_IO` (the service answers 503) within the limit, on a real
 * PostgreSQL. The connection is usable again afterwards.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_STATEMENT_TIMEOUT_MS,
  openPostgresAggregation,
  openPostgresCluster,
  openPostgresShared,
  openPostgresStore,
  openPostgresVault,
} from '../src/index.ts';
import { testDatabase, type TestDatabase } from './support/postgres.ts';
import { codeOf } from '../../../test/support/codes.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('time_limits');
});
afterAll(async () => {
  await db?.drop();
});

describe('time limits of every connection', () => {
  it('default to 10 s to connect and 30 s per statement', () => {
    expect(DEFAULT_CONNECT_TIMEOUT_MS).toBe(10_000);
    expect(DEFAULT_STATEMENT_TIMEOUT_MS).toBe(30_000);
  });

  it('a server that accepts but never answers: every opener fails with STORE_IO within connectTimeoutMs', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((sock) => void sockets.push(sock));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const connectionString = `postgres://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/none`;
    try {
      const openers: [string, () => Promise<{ close(): Promise<void> }>][] = [
        ['store', () => openPostgresStore({ connectionString, connectTimeoutMs: 200 })],
        ['vault', () => openPostgresVault({ connectionString, connectTimeoutMs: 200 })],
        ['aggregation', () => openPostgresAggregation({ connectionString, connectTimeoutMs: 200 })],
        ['shared', () => openPostgresShared({ connectionString, connectTimeoutMs: 200 })],
        ['cluster', () => openPostgresCluster({ connectionString, connectTimeoutMs: 200 })],
      ];
      for (const [name, open] of openers) {
        const started = Date.now();
        const code = await codeOf(open());
        expect([name, code]).toEqual([name, 'STORE_IO']);
        expect(Date.now() - started, name).toBeLessThan(3000);
      }
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it('a statement blocked by a lock held elsewhere: STORE_IO within statementTimeoutMs, and the store works once the lock is gone', async () => {
    const schema = db.newSchema();
    const store = await openPostgresStore({ connectionString: db.url, schema, statementTimeoutMs: 300 });
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      await store.batch([{ type: 'put', key: 'k', value: new Uint8Array([1]) }]);
      await other.query('BEGIN');
      await other.query(`LOCK TABLE "${schema}".entries IN ACCESS EXCLUSIVE MODE`);
      let started = Date.now();
      expect(await codeOf(store.get('k'))).toBe('STORE_IO');
      expect(Date.now() - started).toBeLessThan(3000);
      started = Date.now();
      expect(await codeOf(store.batch([{ type: 'put', key: 'k2', value: new Uint8Array([2]) }]))).toBe('STORE_IO');
      expect(Date.now() - started).toBeLessThan(3000);
      await other.query('ROLLBACK');
      // Nothing of the refused batch was written, and the pool serves again.
      expect(await store.get('k2')).toBeUndefined();
      expect(await store.get('k')).toEqual(new Uint8Array([1]));
    } finally {
      await other.end();
      await store.close();
    }
  });

  it('refuses a limit that is not a positive integer (RangeError), before connecting', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      await expect(openPostgresStore({ connectionString: db.url, statementTimeoutMs: bad })).rejects.toBeInstanceOf(RangeError);
      await expect(openPostgresVault({ connectionString: db.url, connectTimeoutMs: bad })).rejects.toBeInstanceOf(RangeError);
      await expect(openPostgresCluster({ connectionString: db.url, statementTimeoutMs: bad })).rejects.toBeInstanceOf(RangeError);
    }
  });
});
