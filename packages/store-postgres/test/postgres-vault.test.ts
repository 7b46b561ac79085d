/**
 * The PostgreSQL DisclosureVault on a real server: the shared conformance suite
 * (provenance test/support/vault-conformance.ts), its migration, its place beside the log's
 * store in one schema, and what erasure leaves behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { isDataLedgerError } from '@dataledger/core';
import { describeVaultConformance, entry } from '../../provenance/test/support/vault-conformance.ts';
import { MIGRATIONS, openPostgresStore, openPostgresVault } from '../src/index.ts';
import { testDatabase, type TestDatabase } from './support/postgres.ts';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase('vault_postgres');
});
afterAll(async () => {
  await db?.drop();
});

const query = <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => db.query<R>(sql, params);

describeVaultConformance('postgres', async () => {
  const schema = db.newSchema();
  return { vault: await openPostgresVault({ connectionString: db.url, schema }), reopen: () => openPostgresVault({ connectionString: db.url, schema }) };
});

describe('openPostgresVault: its table and migration', () => {
  it('creates <schema>.disclosures (digest text "C" primary key, disclosure text not null) by a recorded migration', async () => {
    const schema = db.newSchema();
    await (await openPostgresVault({ connectionString: db.url, schema })).close();
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string; collation_name: string | null }>(
      `SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'disclosures' ORDER BY ordinal_position`,
      [schema],
    );
    expect(columns).toEqual([
      { column_name: 'digest', data_type: 'text', is_nullable: 'NO', collation_name: 'C' },
      { column_name: 'disclosure', data_type: 'text', is_nullable: 'NO', collation_name: null },
    ]);
    const pk = await query<{ column: string }>(
      `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
        WHERE i.indrelid = $1::regclass AND i.indisprimary`,
      [`"${schema}".disclosures`],
    );
    expect(pk).toEqual([{ column: 'digest' }]);
    const versions = await query<{ version: number; name: string }>(`SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`);
    expect(versions).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    expect(versions.some((v) => v.name === 'disclosures')).toBe(true);
  });

  it("upgrades a schema holding a log from before the vault, keeping the log's entries", async () => {
    const schema = db.newSchema();
    // A schema as the first release left it: the entries table and migration 1 only.
    await query(`CREATE SCHEMA "${schema}"`);
    await query(`CREATE TABLE "${schema}".schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await query(`CREATE TABLE "${schema}".entries (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL)`);
    await query(`INSERT INTO "${schema}".schema_migrations (version, name) VALUES (1, 'entries')`);
    await query(`INSERT INTO "${schema}".entries (key, value) VALUES ('head', '\\x01')`);
    const vault = await openPostgresVault({ connectionString: db.url, schema });
    const a = entry('holder.name', 'after the upgrade');
    await vault.put([a]);
    expect(await vault.getMany([a.digest])).toEqual([a.disclosure]);
    await vault.close();
    const store = await openPostgresStore({ connectionString: db.url, schema });
    expect(await store.get('head')).toEqual(new Uint8Array([1]));
    await store.close();
  });

  it("opens beside the log's exclusive store in the same schema, and beside another vault", async () => {
    const schema = db.newSchema();
    const store = await openPostgresStore({ connectionString: db.url, schema });
    const [v1, v2] = await Promise.all([openPostgresVault({ connectionString: db.url, schema }), openPostgresVault({ connectionString: db.url, schema })]);
    const a = entry('price', { amount: '12.50', currency: 'EUR' });
    await v1!.put([a]);
    await v2!.put([a]);
    expect(await v2!.getMany([a.digest])).toEqual([a.disclosure]);
    await store.batch([{ type: 'put', key: 'k', value: new Uint8Array([2]) }]);
    expect(await query(`SELECT count(*)::int AS n FROM "${schema}".disclosures`)).toEqual([{ n: 1 }]);
    await Promise.all([v1!.close(), v2!.close(), store.close()]);
  });

  it('refuses a schema name that is not a plain lower-case identifier', async () => {
    for (const schema of ['', 'Upper', 'a b', 'x"; DROP TABLE y; --', 'a'.repeat(64)]) {
      await expect(openPostgresVault({ connectionString: db.url, schema })).rejects.toBeInstanceOf(TypeError);
    }
  });

  it('reports an unreachable server with STORE_IO', async () => {
    const err = await openPostgresVault({ connectionString: 'postgres://postgres@127.0.0.1:1/none' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err, 'STORE_IO')).toBe(true);
  });
});

describe('openPostgresVault: erasure', () => {
  it('vacuums the table after deleting the rows', async () => {
    const schema = db.newSchema();
    const vault = await openPostgresVault({ connectionString: db.url, schema });
    const entries = Array.from({ length: 20 }, (_, i) => entry('description', `asset ${i}`));
    await vault.put(entries);
    const vacuums = async (): Promise<number> =>
      (await query<{ n: number }>(`SELECT vacuum_count::int AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'disclosures'`, [schema]))[0]!.n;
    const before = await vacuums();
    await vault.erase([entries[3]!.digest, entries[19]!.digest]);
    expect(await vacuums()).toBeGreaterThan(before);
    expect(await query(`SELECT count(*)::int AS n FROM "${schema}".disclosures`)).toEqual([{ n: 18 }]);
    await vault.close();
  });

  it("with vacuumFull, leaves an erased disclosure's bytes in none of the table's data files", async (ctx) => {
    const [{ superuser }] = (await query<{ superuser: boolean }>("SELECT current_setting('is_superuser') = 'on' AS superuser")) as [{ superuser: boolean }];
    // Reading the table's files (pg_read_binary_file) and forcing a checkpoint need a superuser.
    if (!superuser) ctx.skip();
    const schema = db.newSchema();
    const vault = await openPostgresVault({ connectionString: db.url, schema, vacuumFull: true });
    const others = Array.from({ length: 30 }, (_, i) => entry('description', `asset ${i}`));
    // The last row inserted sits at the edge of its page's free space, where a plain VACUUM
    // leaves the bytes of a dead row in place.
    const secret = entry('holder.name', 'Emmy Noether, the one to erase');
    await vault.put(others);
    await vault.put([secret]);
    const fileHas = async (path: string, marker: string): Promise<boolean> => {
      await query('CHECKPOINT');
      const rows = await query<{ found: boolean }>(
        // A file that VACUUM FULL replaced may already be gone: then it holds nothing.
        `SELECT coalesce(position(convert_to($2, 'SQL_ASCII') IN pg_read_binary_file($1, 0, 104857600, true)) > 0, false) AS found`,
        [path, marker],
      );
      return rows[0]!.found;
    };
    const heapPath = async (): Promise<string> =>
      (await query<{ p: string }>('SELECT pg_relation_filepath($1::regclass) AS p', [`"${schema}".disclosures`]))[0]!.p;
    const before = await heapPath();
    expect(await fileHas(before, secret.disclosure)).toBe(true);
    await vault.erase([secret.digest]);
    // VACUUM (FULL too) keeps a dead row that some snapshot may still see, and a backend of any
    // database that is still starting up holds one for a moment (PostgreSQL's removal horizon):
    // with other clients on the server, the first rewrite can copy the row. Erasing again is
    // idempotent and vacuums again; the bytes must be gone after a few tries.
    for (let tries = 0; tries < 20 && (await fileHas(await heapPath(), secret.disclosure)); tries++) {
      await new Promise((r) => setTimeout(r, 250));
      await vault.erase([secret.digest]);
    }
    const after = await heapPath();
    expect(await fileHas(before, secret.disclosure)).toBe(false);
    expect(await fileHas(after, secret.disclosure)).toBe(false);
    expect(await fileHas(after, others[29]!.disclosure)).toBe(true);
    expect(await vault.getMany([secret.digest, others[0]!.digest])).toEqual([undefined, others[0]!.disclosure]);
    await vault.close();
  });
});
