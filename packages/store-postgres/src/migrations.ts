/**
 * Versioned schema migrations. Each migration runs once per schema, in order; the applied
 * versions are kept in `<schema>.schema_migrations`. All pending migrations of one open run in
 * one transaction holding a transaction-scoped advisory lock, so concurrent opens serialise and
 * the later ones find nothing to do; a failed migration rolls back whole.
 */
import pg from 'pg';
import { DataLedgerError } from '@dataledger/core';
import { ProvenanceError } from '@dataledger/provenance';

/** One schema migration: `sql` is run with `{schema}` replaced by the quoted schema name. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The migrations, oldest first. Never edit or reorder a released one: add a new version.
 * v1: the key/value table. `COLLATE "C"` makes key order byte order, which for the log's ASCII
 * keys is the UTF-16 order the RecordStore contract specifies (a locale collation would not be).
 * v2: the disclosure vault's table (`src/vault.ts`), digest to disclosure; `COLLATE "C"` again,
 * so `entries()` lists digests in the ASCII byte order the DisclosureVault contract specifies.
 * v3: the forwarded writes in flight (`pending`, cluster.ts).
 * v4: what every instance on one log shares beside it (shared.ts): published certificates,
 * witness cosignatures, and the nonces of signed reads.
 * v5: the encrypted statistics jobs and their contributions (`src/aggregation.ts`).
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'entries',
    sql: 'CREATE TABLE {schema}.entries (key text COLLATE "C" PRIMARY KEY, value bytea NOT NULL)',
  },
  {
    version: 2,
    name: 'disclosures',
    sql: 'CREATE TABLE {schema}.disclosures (digest text COLLATE "C" PRIMARY KEY, disclosure text NOT NULL)',
  },
  // v3: writes forwarded by the instances that do not sequence to the one that does
  // (cluster.ts), each with the disclosures of its records. UNLOGGED: a row is a request in
  // flight, worth nothing after a crash (its writer is answered 503 and resubmits); only the
  // log's own entries (and the vault's disclosures, v2) need the WAL.
  {
    version: 3,
    name: 'pending',
    sql: 'CREATE UNLOGGED TABLE {schema}.pending (id bigserial PRIMARY KEY, body bytea NOT NULL, claimed boolean NOT NULL DEFAULT false, outcome bytea, created timestamptz NOT NULL DEFAULT now())',
  },
  // v4: certificates (what was published stays published), cosignatures (the newest per
  // witness) and the nonces of signed reads. The nonces are logged too, though each matters
  // only for a signature's lifetime: an UNLOGGED table is emptied by crash recovery, which
  // would let a captured signed read be replayed once more after a server crash (RFC 9421
  // §7.2.2). `forget_at` is indexed for the periodic delete of expired nonces.
  {
    version: 4,
    name: 'shared',
    sql: [
      'CREATE TABLE {schema}.certificates (id text COLLATE "C" PRIMARY KEY, body text NOT NULL)',
      'CREATE TABLE {schema}.cosignatures (witness text COLLATE "C" PRIMARY KEY, size bigint NOT NULL, stamp bigint NOT NULL, body text NOT NULL, line text NOT NULL, note text NOT NULL)',
      'CREATE TABLE {schema}.nonces (key text COLLATE "C" PRIMARY KEY, forget_at timestamptz NOT NULL)',
      'CREATE INDEX nonces_forget_at ON {schema}.nonces (forget_at)',
    ].join('; '),
  },
  // v5: the encrypted statistics jobs every instance serves (aggregation.ts): a job's public
  // parameters and key, and the holders' ciphertext contributions (bytea: tens to hundreds of
  // kilobytes each), `kept` once their aggregation.contributed record is on the log. Logged
  // tables: a restart folds the kept contributions again, so they must survive a crash.
  {
    version: 5,
    name: 'aggregation',
    sql:
      'CREATE TABLE {schema}.aggregation_jobs (job_id text COLLATE "C" PRIMARY KEY, job text NOT NULL, public_key bytea NOT NULL); ' +
      'CREATE TABLE {schema}.aggregation_contributions (job_id text COLLATE "C" NOT NULL, hash text COLLATE "C" NOT NULL, body bytea NOT NULL, kept boolean NOT NULL DEFAULT false, PRIMARY KEY (job_id, hash))',
  },
];

/**
 * First key of this package's two-key advisory locks ("dlpg"); the second is the schema's
 * `hashtext` for the migration lock, that value XOR 1 for the writer lock (the sequencer
 * lease), and XOR 2 for the transaction lock of fenced batches.
 */
export const LOCK_TAG = 0x646c7067;

/** A schema name this package accepts: a lower-case SQL identifier of at most 63 characters. */
export const SCHEMA_NAME: RegExp = /^[a-z_][a-z0-9_]{0,62}$/u;

/**
 * The schema named by an open function's options (default `dataledger`), checked once for the
 * store, the vault and the cluster alike.
 * @throws TypeError for a name that is not a lower-case SQL identifier
 */
export function schemaOption(option: unknown): string {
  const schema = option ?? 'dataledger';
  if (typeof schema !== 'string' || !SCHEMA_NAME.test(schema)) {
    throw new TypeError('options.schema: expected a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63 characters)');
  }
  return schema;
}

/** How long a new connection may take by default before the operation fails (ms). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long one statement may run by default before the server cancels it (ms). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/**
 * How much longer than the statement timeout the client waits for an answer: a server that
 * cancels a statement answers within it, so only one that went silent (a partition, a frozen
 * host) is given up on this side.
 */
const CLIENT_GRACE_MS = 5_000;

/** The time limits of a pool (see {@link openPool}). */
export interface PoolTimeouts {
  /**
   * Milliseconds an operation may wait for a connection (default {@link DEFAULT_CONNECT_TIMEOUT_MS}):
   * a server that is unreachable or accepts but never answers turns into `STORE_IO`.
   */
  connectTimeoutMs?: number | undefined;
  /**
   * Milliseconds one statement may run (default {@link DEFAULT_STATEMENT_TIMEOUT_MS}): the server
   * cancels it then (`statement_timeout`), and the client gives up 5 s later on a server that
   * stopped answering. A statement waiting on a lock held elsewhere ends too: `STORE_IO`.
   */
  statementTimeoutMs?: number | undefined;
}

/** The time limits of a pool, checked and completed ({@link poolTimeouts}). */
export type CheckedTimeouts = { readonly [K in keyof PoolTimeouts]-?: number };

/**
 * Checks and completes the time limits of a pool.
 * @throws RangeError for a limit that is not a positive integer
 */
export function poolTimeouts(options: PoolTimeouts): CheckedTimeouts {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const statementTimeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  for (const [name, v] of [
    ['connectTimeoutMs', connectTimeoutMs],
    ['statementTimeoutMs', statementTimeoutMs],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`options.${name}: expected a positive integer`);
  }
  return { connectTimeoutMs, statementTimeoutMs };
}

/**
 * The connection settings every client of this package uses: where, and the time limits of
 * {@link PoolTimeouts} (checked by {@link poolTimeouts}), so no operation waits without end.
 */
export function clientConfig(connectionString: string | undefined, timeouts: CheckedTimeouts): pg.ClientConfig {
  return {
    ...(connectionString === undefined ? {} : { connectionString }),
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    query_timeout: timeouts.statementTimeoutMs + CLIENT_GRACE_MS,
  };
}

/**
 * A connection pool of at most `max` connections, with the time limits of {@link clientConfig}.
 * An idle pooled connection that the server drops emits 'error' on the pool; without a listener
 * that would end the process, so one is attached: the next query opens a fresh connection
 * instead.
 */
export function openPool(connectionString: string | undefined, max: number, timeouts: CheckedTimeouts): pg.Pool {
  return new pg.Pool({ ...clientConfig(connectionString, timeouts), max }).on('error', () => undefined);
}

/** True for node-postgres' own read timeout (`query_timeout`): the server went silent. */
export function isClientTimeout(cause: unknown): boolean {
  return cause instanceof Error && cause.message === 'Query read timeout';
}

/**
 * Ends a failed transaction: ROLLBACK, unless the client gave up on a silent server (its read
 * timeout). node-postgres keeps the timed-out statement as the connection's active query, so a
 * ROLLBACK would only wait behind it for another full timeout; the caller discards the
 * connection instead (`release(err)`), and the server rolls back when it closes.
 */
export async function rollback(client: pg.PoolClient, cause: unknown): Promise<void> {
  if (isClientTimeout(cause)) return;
  await client.query('ROLLBACK').catch(() => undefined);
}

/** The NOTIFY channel of a schema's log: `head` (a batch moved the head), `pending`, `done` (cluster.ts). */
export function channelOf(schema: string): string {
  return `dataledger.${schema}`;
}

/** Quotes an SQL identifier (the schema name is also checked to be a plain identifier). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Brings `schema` up to the newest migration.
 * @returns the versions applied by this call (empty when the schema was current)
 * @throws DataLedgerError `STORE_IO` when the schema holds a version newer than {@link MIGRATIONS}
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<number[]> {
  const client = await pool.connect();
  const q = quoteIdent(schema);
  let failed: unknown = null;
  try {
    await client.query('BEGIN');
    // Serialise migrators of this schema across processes; released at COMMIT/ROLLBACK.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_TAG, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${q}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${q}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${q}.schema_migrations ORDER BY version`);
    const applied = new Set(rows.map((r) => r.version));
    const newest = MIGRATIONS[MIGRATIONS.length - 1]!.version;
    const unknown = rows.find((r) => r.version > newest);
    if (unknown !== undefined) {
      throw new ProvenanceError('STORE_IO', `store: schema ${schema} is at version ${unknown.version}, newer than this software (${newest})`, {
        details: { schema, version: unknown.version, known: newest },
      });
    }
    const done: number[] = [];
    for (const m of MIGRATIONS) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql.replaceAll('{schema}', q));
      await client.query(`INSERT INTO ${q}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      done.push(m.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (cause) {
    failed = cause;
    await rollback(client, cause);
    throw cause;
  } finally {
    client.release(failed === null ? undefined : (failed as Error));
  }
}

/** The options every opener of this package takes. */
export interface PoolOptions extends PoolTimeouts {
  connectionString?: string | undefined;
  schema?: string | undefined;
  maxConnections?: number | undefined;
}

/**
 * A connection pool on a schema brought up to the newest migration: how every opener of this
 * package starts (the store adds its writer lock after it).
 * @param what - the opener's name in error messages (`vault`, `aggregation`, `shared`)
 * @param options - connection string, schema, pool size
 * @param defaultMax - the pool size when `options.maxConnections` is absent
 * @returns the pool and the checked schema name
 * @throws TypeError for a bad schema name, RangeError for a bad pool size or time limit, DataLedgerError
 *   `STORE_IO` when the schema cannot be opened (the pool is ended then)
 */
export async function openMigratedPool(what: string, options: PoolOptions, defaultMax: number): Promise<{ pool: pg.Pool; schema: string }> {
  const schema = schemaOption(options.schema);
  const max = options.maxConnections ?? defaultMax;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('options.maxConnections: expected a positive integer');
  const pool = openPool(options.connectionString, max, poolTimeouts(options));
  try {
    await migrate(pool, schema);
  } catch (cause) {
    await pool.end().catch(() => undefined);
    if (cause instanceof DataLedgerError) throw cause;
    throw new ProvenanceError('STORE_IO', `${what}: cannot open the PostgreSQL schema ${schema}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
  return { pool, schema };
}
