/**
 * A provenance {@link RecordStore} on PostgreSQL: one table of (key, value) rows per log, in a
 * schema of its own, written by one transaction per batch. The store knows nothing of records
 * or proofs (Go `sumdb/tlog` split): the `Log` computes, the store stores.
 */
import pg from 'pg';
import { DataLedgerError } from '@dataledger/core';
import { ProvenanceError, type ProvenanceErrorCode, type RecordStore, type StoreOperation, type StoreRange } from '@dataledger/provenance';
import { channelOf, clientConfig, LOCK_TAG, migrate, openPool, poolTimeouts, quoteIdent, rollback, schemaOption, type PoolTimeouts } from './migrations.ts';

/** Options of {@link openPostgresStore}; the time limits are {@link PoolTimeouts}'. */
export interface PostgresStoreOptions extends PoolTimeouts {
  /**
   * A `postgres://` connection string. Default: node-postgres' own defaults, i.e. the `PG*`
   * environment variables (`PGHOST`, `PGDATABASE`, …) and then localhost.
   */
  connectionString?: string;
  /**
   * The PostgreSQL schema that holds this log's tables (default `dataledger`); one log per
   * schema, so several logs can share a database. A lower-case SQL identifier.
   */
  schema?: string;
  /** Most connections the store's pool opens (default 4). */
  maxConnections?: number;
  /**
   * Hold the schema's writer lock for as long as the store is open (default true), as LevelDB
   * locks its directory: a second exclusive open of the schema is refused with `STORE_IO`, so
   * two processes never append to one log from two in-memory heads. `false` opens without it
   * (tools that only read, migration tests).
   */
  exclusive?: boolean;
  /**
   * Fence batches on this key (the log's `head`): a batch that writes it commits only if the
   * row still holds the value this store last read or wrote under it (absent included), and
   * otherwise writes nothing and fails with `STORE_FENCED`. Several processes may then open
   * the schema (`exclusive: false`) and whichever sequences can never fork the log: a writer
   * whose view is stale (a deposed sequencer) is refused in the same transaction. A fenced
   * batch also sends `NOTIFY "dataledger.<schema>", 'head'` on commit. The caller must read
   * the key only where it builds its next batch on what it read (the `Log` does, in `open`
   * and `refresh`, serialised with its appends).
   */
  fenceKey?: string;
}

/** Rows per INSERT statement: large batches (a bundle import) go in several statements of one transaction. */
const ROWS_PER_STATEMENT = 5000;
/** Rows per iterate page: the keyset pagination page size. */
const PAGE = 1024;

function storeError(code: ProvenanceErrorCode, message: string, cause?: unknown): ProvenanceError {
  return new ProvenanceError(code, message, cause === undefined ? {} : { cause });
}

function ioError(op: string, cause: unknown): ProvenanceError {
  return storeError('STORE_IO', `store.${op}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
}

/** node-postgres hands out Buffers for bytea; the contract hands out plain Uint8Array views. */
function plain(v: Buffer): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

function asBuffer(v: Uint8Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

class PostgresRecordStore implements RecordStore {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #lock: pg.Client | null;
  readonly #fenceKey: string | null;
  readonly #schema: string;
  /** The fence key's value as this store last read or wrote it: undefined = absent, null = never read. */
  #fenceSeen: Uint8Array | undefined | null = null;
  #lockLost: unknown = null;
  #closed = false;
  #closePromise: Promise<void> | null = null;

  constructor(pool: pg.Pool, schema: string, lock: pg.Client | null, fenceKey: string | null) {
    this.#pool = pool;
    this.#schema = schema;
    this.#table = `${quoteIdent(schema)}.entries`;
    this.#lock = lock;
    this.#fenceKey = fenceKey;
    // A session-level advisory lock lives as long as its connection: once that connection is
    // gone another process may hold the lock, so this store must stop writing.
    const lost = (cause: unknown): void => {
      this.#lockLost ??= cause ?? new Error('the lock connection ended');
    };
    lock?.on('error', lost);
    lock?.on('end', () => lost(null));
  }

  #checkOpen(op: string): void {
    if (this.#closed) throw storeError('STORE_CLOSED', `store.${op}: the store is closed`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen('get');
    let rows: { value: Buffer }[];
    try {
      ({ rows } = await this.#pool.query<{ value: Buffer }>(`SELECT value FROM ${this.#table} WHERE key = $1`, [key]));
    } catch (cause) {
      throw ioError('get', cause);
    }
    const value = rows.length === 0 ? undefined : plain(rows[0]!.value);
    if (key === this.#fenceKey) this.#fenceSeen = value;
    return value;
  }

  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    this.#checkOpen('getMany');
    if (keys.length === 0) return [];
    let rows: { key: string; value: Buffer }[];
    try {
      ({ rows } = await this.#pool.query<{ key: string; value: Buffer }>(`SELECT key, value FROM ${this.#table} WHERE key = ANY($1::text[])`, [keys]));
    } catch (cause) {
      throw ioError('getMany', cause);
    }
    const byKey = new Map(rows.map((r) => [r.key, plain(r.value)] as const));
    if (this.#fenceKey !== null && keys.includes(this.#fenceKey)) this.#fenceSeen = byKey.get(this.#fenceKey);
    return keys.map((k) => byKey.get(k));
  }

  async *iterate(range: StoreRange): AsyncIterable<[string, Uint8Array]> {
    this.#checkOpen('iterate');
    let remaining = range.limit ?? Number.POSITIVE_INFINITY;
    // Keyset pagination: each page starts strictly after the last key seen, so a page costs one
    // index range scan and concurrent batches never make a row appear twice. The column's "C"
    // collation orders ASCII keys as the contract's UTF-16 comparison does.
    let after: string | undefined;
    while (remaining > 0) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (after !== undefined) {
        params.push(after);
        where.push(`key > $${params.length}`);
      } else if (range.gte !== undefined) {
        params.push(range.gte);
        where.push(`key >= $${params.length}`);
      }
      if (range.lt !== undefined) {
        params.push(range.lt);
        where.push(`key < $${params.length}`);
      }
      const limit = Math.min(PAGE, remaining);
      params.push(limit);
      const sql = `SELECT key, value FROM ${this.#table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY key LIMIT $${params.length}`;
      let rows: { key: string; value: Buffer }[];
      try {
        this.#checkOpen('iterate');
        ({ rows } = await this.#pool.query<{ key: string; value: Buffer }>(sql, params));
      } catch (cause) {
        if (cause instanceof DataLedgerError) throw cause;
        throw ioError('iterate', cause);
      }
      for (const r of rows) yield [r.key, plain(r.value)];
      remaining -= rows.length;
      if (rows.length < limit) return;
      after = rows[rows.length - 1]!.key;
    }
  }

  async batch(operations: StoreOperation[]): Promise<void> {
    this.#checkOpen('batch');
    if (this.#lockLost !== null) throw storeError('STORE_IO', 'store.batch: the writer lock was lost with its connection; reopen the store', this.#lockLost);
    if (!Array.isArray(operations)) throw new TypeError('operations: expected an array');
    if (operations.length === 0) return;
    // The last operation on a key decides its fate (as in a LevelDB batch); collapsing first
    // also keeps one INSERT … ON CONFLICT from touching a row twice. Every value is checked
    // before the transaction starts, so a bad batch writes nothing.
    const last = new Map<string, Uint8Array | null>();
    operations.forEach((op, i) => {
      if (typeof op?.key !== 'string') throw new TypeError(`operations[${i}].key: expected a string`);
      if (op.type === 'put') {
        if (!(op.value instanceof Uint8Array)) throw new TypeError(`operations[${i}].value: expected a Uint8Array`);
        last.set(op.key, op.value);
      } else if (op.type === 'del') {
        last.set(op.key, null);
      } else {
        throw new TypeError(`operations[${i}].type: expected "put" or "del"`);
      }
    });
    const putKeys: string[] = [];
    const putValues: Buffer[] = [];
    const delKeys: string[] = [];
    for (const [k, v] of last) {
      if (v === null) delKeys.push(k);
      else {
        putKeys.push(k);
        putValues.push(asBuffer(v));
      }
    }
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw ioError('batch', cause);
    }
    const fenced = this.#fenceKey !== null && last.has(this.#fenceKey);
    const next = fenced ? last.get(this.#fenceKey!) : null;
    const fenceNext = next === null || next === undefined ? undefined : new Uint8Array(next);
    let failed: unknown = null;
    try {
      await client.query('BEGIN');
      if (fenced) await this.#checkFence(client);
      if (delKeys.length > 0) await client.query(`DELETE FROM ${this.#table} WHERE key = ANY($1::text[])`, [delKeys]);
      for (let i = 0; i < putKeys.length; i += ROWS_PER_STATEMENT) {
        await client.query(
          `INSERT INTO ${this.#table} (key, value) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
          [putKeys.slice(i, i + ROWS_PER_STATEMENT), putValues.slice(i, i + ROWS_PER_STATEMENT)],
        );
      }
      // Sent at COMMIT, and only if it commits: the other instances read the new head.
      if (fenced) await client.query("SELECT pg_notify($1, 'head')", [channelOf(this.#schema)]);
      // COMMIT returns once the WAL is flushed (synchronous_commit on, the server default):
      // an acknowledged batch survives a server crash.
      await client.query('COMMIT');
      if (fenced) this.#fenceSeen = fenceNext;
    } catch (cause) {
      failed = cause;
      await rollback(client, cause);
      if (cause instanceof DataLedgerError) {
        // A refused fence leaves the connection healthy: it goes back to the pool.
        failed = null;
        throw cause;
      }
      throw ioError('batch', cause);
    } finally {
      // A connection whose transaction state is unknown is discarded, not reused.
      client.release(failed === null ? undefined : (failed as Error));
    }
  }

  /**
   * The fence (see {@link PostgresStoreOptions.fenceKey}): under a transaction-scoped advisory
   * lock of the schema, so two fenced batches never both pass against the same value (a
   * row lock would not cover the key's absence), the key must still hold what this store last
   * saw. The SELECT runs after the lock is granted, so it reads the latest committed value.
   */
  async #checkFence(client: pg.PoolClient): Promise<void> {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2) # 2)', [LOCK_TAG, this.#schema]);
    const { rows } = await client.query<{ value: Buffer }>(`SELECT value FROM ${this.#table} WHERE key = $1`, [this.#fenceKey]);
    const now = rows.length === 0 ? undefined : plain(rows[0]!.value);
    const seen = this.#fenceSeen;
    const same = seen === undefined || now === undefined ? seen === now : seen !== null && asBuffer(seen).equals(asBuffer(now));
    if (!same) {
      throw storeError(
        'STORE_FENCED',
        `store.batch: ${this.#fenceKey} moved since this store last read it (another instance sequences this log); nothing was written`,
      );
    }
  }

  close(): Promise<void> {
    if (this.#closePromise === null) {
      this.#closed = true;
      this.#closePromise = (async () => {
        await this.#pool.end().catch(() => undefined);
        // Ending the session releases its advisory lock.
        await this.#lock?.end().catch(() => undefined);
      })();
    }
    return this.#closePromise;
  }
}

/**
 * Opens (creating if needed) a log store in a PostgreSQL schema. Pending schema migrations are
 * applied first, in one transaction under an advisory lock, so any number of processes may
 * open the same schema at once; then (unless `exclusive: false`) the schema's writer lock is
 * taken for the life of the store.
 * @param options - connection string, schema name, pool size
 * @returns a {@link RecordStore}; {@link RecordStore.close} ends its connection pool
 * @throws DataLedgerError `STORE_IO` when the server cannot be reached, a migration fails, the
 *   schema was migrated by a newer version than this one knows, or another store holds its lock
 * @throws TypeError for a schema name that is not a lower-case SQL identifier
 * @example
 * ```ts
 * const store = await openPostgresStore({ connectionString: 'postgres://postgres@127.0.0.1:5432/ledger' });
 * const log = await Log.open(store, { origin, logKey });
 * ```
 */
export async function openPostgresStore(options: PostgresStoreOptions = {}): Promise<RecordStore> {
  const schema = schemaOption(options.schema);
  const max = options.maxConnections ?? 4;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('options.maxConnections: expected a positive integer');
  const timeouts = poolTimeouts(options);
  const pool = openPool(options.connectionString, max, timeouts);
  let lock: pg.Client | null = null;
  try {
    await migrate(pool, schema);
    if (options.exclusive ?? true) {
      lock = new pg.Client(clientConfig(options.connectionString, timeouts));
      lock.on('error', () => undefined);
      await lock.connect();
      const { rows } = await lock.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2) # 1) AS ok', [LOCK_TAG, schema]);
      if (rows[0]?.ok !== true) {
        throw storeError('STORE_IO', `store: the PostgreSQL schema ${schema} is locked by another open store (another process writing this log?)`);
      }
    }
  } catch (cause) {
    await pool.end().catch(() => undefined);
    await lock?.end().catch(() => undefined);
    if (cause instanceof DataLedgerError) throw cause;
    throw storeError('STORE_IO', `store: cannot open the PostgreSQL schema ${schema}: ${cause instanceof Error ? cause.message : String(cause)}`, cause);
  }
  if (options.fenceKey !== undefined && (typeof options.fenceKey !== 'string' || options.fenceKey.length === 0)) {
    await pool.end().catch(() => undefined);
    await lock?.end().catch(() => undefined);
    throw new TypeError('options.fenceKey: expected a non-empty key');
  }
  return new PostgresRecordStore(pool, schema, lock, options.fenceKey ?? null);
}
