/**
 * Every connection of this package keeps two time limits (`connectTimeoutMs`, default 10 s;
 * `statementTimeoutMs`, default 30 s), so nothing waits on the database without end: a server
 * that accepts connections and never answers, and a statement blocked by a lock held elsewhere,
 * both turn into a coded `STORE_IO` (the service answers 503) within the limit, on a real
 * PostgreSQL. The connection is usable again afterwards.
 */
import { createHash } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
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

  it('a server that goes silent mid-statement: STORE_IO once the client gives up (statement limit + 5 s), without a second wait for ROLLBACK', async () => {
    // A TCP relay to the real server that can stop passing the server's answers on.
    const target = new URL(db.url);
    let frozen = false;
    const pairs: Socket[] = [];
    const relay = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      pairs.push(client, server);
      client.pipe(server);
      server.on('data', (chunk: Buffer) => {
        if (!frozen) client.write(chunk);
      });
      const end = (): void => {
        client.destroy();
        server.destroy();
      };
      client.on('error', end).on('close', end);
      server.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const via = new URL(db.url);
    via.hostname = '127.0.0.1';
    via.port = String((relay.address() as AddressInfo).port);
    const schema = db.newSchema();
    const store = await openPostgresStore({ connectionString: via.toString(), schema, statementTimeoutMs: 300 });
    try {
      await store.batch([{ type: 'put', key: 'k', value: new Uint8Array([1]) }]);
      frozen = true;
      const started = Date.now();
      expect(await codeOf(store.batch([{ type: 'put', key: 'k2', value: new Uint8Array([2]) }]))).toBe('STORE_IO');
      const waited = Date.now() - started;
      // The client's read timeout is 300 + 5,000 ms; a ROLLBACK queued behind the silent
      // statement would add as much again.
      expect(waited).toBeGreaterThanOrEqual(5000);
      expect(waited).toBeLessThan(8000);
      frozen = false;
      // The connection that timed out was discarded: the store works on a fresh one.
      expect(await store.get('k')).toEqual(new Uint8Array([1]));
    } finally {
      await store.close();
      for (const sock of pairs) sock.destroy();
      await new Promise((r) => relay.close(r));
    }
  }, 30_000);

  it('the vault’s VACUUM after an erase is maintenance: the statement limit does not cut it short', async () => {
    const schema = db.newSchema();
    const vault = await openPostgresVault({ connectionString: db.url, schema, statementTimeoutMs: 200 });
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    try {
      const disclosure = 'WyJzYWx0c2FsdHNhbHRzYWx0c2EiLCJmZWUiLCIxIl0';
      const digest = createHash('sha256').update(disclosure).digest('base64url');
      await vault.put([{ digest, disclosure }]);
      // A lock VACUUM waits for, which the DELETE does not: VACUUM runs past the 200 ms limit.
      await other.query('BEGIN');
      await other.query(`LOCK TABLE "${schema}".disclosures IN SHARE UPDATE EXCLUSIVE MODE`);
      let settled: string | undefined;
      const erasing = codeOf(vault.erase([digest])).then((code) => {
        settled = code;
      });
      await new Promise((r) => setTimeout(r, 800));
      expect(settled).toBeUndefined();
      await other.query('ROLLBACK');
      await erasing;
      expect(settled).toBe('OK');
      expect(await vault.getMany([digest])).toEqual([undefined]);
    } finally {
      await other.end();
      await vault.close();
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
