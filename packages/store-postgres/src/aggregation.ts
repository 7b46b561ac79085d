/**
 * Where encrypted statistics jobs and their contributions are kept, on PostgreSQL: the tables
 * `<schema>.aggregation_jobs` and `<schema>.aggregation_contributions` beside the log's
 * `entries`, created by migration v5. Every instance serving the schema's log reads and writes
 * them, so a job opened through one instance is served by all (README "Scaling out").
 *
 * This package knows nothing of homomorphic encryption: a job is its JSON text and its
 * serialized public key, a contribution the bytes of its envelope under its hash. The service
 * parses, checks and folds them; its file-based keeping is the other implementation of
 * {@link AggregationKeeping}.
 */
import type pg from 'pg';
import { ProvenanceError } from '@dataledger/provenance';
import { openMigratedPool, quoteIdent } from './migrations.ts';
import type { PostgresStoreOptions } from './store.ts';

/** A job as kept: its id, its parameters (JSON text) and its serialized public key (both public). */
export interface KeptJob {
  readonly jobId: string;
  readonly job: string;
  readonly publicKey: Uint8Array;
}

/** A contribution as kept: its hash (hex), its envelope's bytes, and whether its record is known to be on the log. */
export interface KeptContribution {
  readonly hash: string;
  readonly body: Uint8Array;
  /**
   * True once the instance that took it saw its `aggregation.contributed` record appended;
   * false while pending (before the append, or after a crash between the append and the mark).
   */
  readonly kept: boolean;
}

/**
 * Where a service keeps its aggregation jobs and contributions. A contribution is put pending
 * before its record is appended, marked kept once the record is on the log, and dropped when
 * the append is refused; which ones count is the log's to say (the service folds only those
 * of the holders the log records).
 */
export interface AggregationKeeping {
  /**
   * True when other instances write here too (one log served by several): the service then
   * catches up with what is kept before serving a job, instead of trusting its memory.
   */
  readonly shared: boolean;
  /** Keeps a job (once its `aggregation.opened` record is on the log); a job already kept under this id is left as it is. */
  putJob(job: KeptJob): Promise<void>;
  /** The job kept under `jobId`, if any. */
  job(jobId: string): Promise<KeptJob | undefined>;
  /** Every kept job. */
  jobs(): Promise<KeptJob[]>;
  /** Keeps a contribution as pending (before its record's append); replaces a pending one of the same hash, never a kept one. */
  putPending(jobId: string, hash: string, body: Uint8Array): Promise<void>;
  /**
   * Marks a pending contribution kept (its record is on the log).
   * @returns false when no contribution is kept under this hash (dropped meanwhile by an
   *   instance whose own append of the same contribution was refused): the caller keeps it again
   */
  markKept(jobId: string, hash: string): Promise<boolean>;
  /** Drops a pending contribution (its record's append was refused); a kept one stays. */
  dropPending(jobId: string, hash: string): Promise<void>;
  /**
   * The kept and pending contributions of a job.
   * @param except - hashes the caller has already folded (their bodies are not read)
   * @param only - when given, only contributions under these hashes are read (those the log
   *   names): no other body, however many or large, is loaded
   */
  contributions(jobId: string, except?: readonly string[], only?: readonly string[]): Promise<KeptContribution[]>;
  /** Releases the keeping's resources. */
  close(): Promise<void>;
}

/** Options of {@link openPostgresAggregation}: those of `openPostgresStore` that apply. */
export type PostgresAggregationOptions = Pick<
  PostgresStoreOptions,
  'connectionString' | 'schema' | 'maxConnections' | 'connectTimeoutMs' | 'statementTimeoutMs'
>;

function ioError(op: string, cause: unknown): ProvenanceError {
  return new ProvenanceError('STORE_IO', `aggregation.${op}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

/** A `bytea` column as the client returns it (a Buffer) without copying. */
function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

class PostgresAggregationKeeping implements AggregationKeeping {
  readonly shared = true;
  readonly #pool: pg.Pool;
  readonly #jobs: string;
  readonly #contributions: string;
  #closed = false;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#jobs = `${quoteIdent(schema)}.aggregation_jobs`;
    this.#contributions = `${quoteIdent(schema)}.aggregation_contributions`;
  }

  async #query<R extends pg.QueryResultRow>(op: string, sql: string, params: unknown[]): Promise<R[]> {
    if (this.#closed) throw new ProvenanceError('STORE_IO', `aggregation.${op}: the keeping is closed`);
    try {
      return (await this.#pool.query<R>(sql, params)).rows;
    } catch (cause) {
      throw ioError(op, cause);
    }
  }

  async putJob(job: KeptJob): Promise<void> {
    // The first keeping of an id wins: the registry records one `aggregation.opened` per job id,
    // and the reader checks a kept job's hash against the recorded one.
    await this.#query('putJob', `INSERT INTO ${this.#jobs} (job_id, job, public_key) VALUES ($1, $2, $3) ON CONFLICT (job_id) DO NOTHING`, [
      job.jobId,
      job.job,
      Buffer.from(job.publicKey),
    ]);
  }

  async job(jobId: string): Promise<KeptJob | undefined> {
    const rows = await this.#query<{ job_id: string; job: string; public_key: Buffer }>(
      'job',
      `SELECT job_id, job, public_key FROM ${this.#jobs} WHERE job_id = $1`,
      [jobId],
    );
    const r = rows[0];
    return r === undefined ? undefined : { jobId: r.job_id, job: r.job, publicKey: bytesOf(r.public_key) };
  }

  async jobs(): Promise<KeptJob[]> {
    const rows = await this.#query<{ job_id: string; job: string; public_key: Buffer }>(
      'jobs',
      `SELECT job_id, job, public_key FROM ${this.#jobs} ORDER BY job_id`,
      [],
    );
    return rows.map((r) => ({ jobId: r.job_id, job: r.job, publicKey: bytesOf(r.public_key) }));
  }

  async putPending(jobId: string, hash: string, body: Uint8Array): Promise<void> {
    // As the file keeping's rewrite of `<hash>.pending.json`; a kept row is never rewritten.
    await this.#query(
      'putPending',
      `INSERT INTO ${this.#contributions} (job_id, hash, body, kept) VALUES ($1, $2, $3, false)
        ON CONFLICT (job_id, hash) DO UPDATE SET body = EXCLUDED.body WHERE NOT ${this.#contributions}.kept`,
      [jobId, hash, Buffer.from(body)],
    );
  }

  async markKept(jobId: string, hash: string): Promise<boolean> {
    const rows = await this.#query('markKept', `UPDATE ${this.#contributions} SET kept = true WHERE job_id = $1 AND hash = $2 RETURNING hash`, [jobId, hash]);
    return rows.length > 0;
  }

  async dropPending(jobId: string, hash: string): Promise<void> {
    await this.#query('dropPending', `DELETE FROM ${this.#contributions} WHERE job_id = $1 AND hash = $2 AND NOT kept`, [jobId, hash]);
  }

  async contributions(jobId: string, except: readonly string[] = [], only?: readonly string[]): Promise<KeptContribution[]> {
    const rows = await this.#query<{ hash: string; body: Buffer; kept: boolean }>(
      'contributions',
      `SELECT hash, body, kept FROM ${this.#contributions}
        WHERE job_id = $1 AND NOT (hash = ANY($2::text[])) AND ($3::text[] IS NULL OR hash = ANY($3::text[])) ORDER BY hash`,
      [jobId, [...except], only === undefined ? null : [...only]],
    );
    return rows.map((r) => ({ hash: r.hash, body: bytesOf(r.body), kept: r.kept }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end().catch(() => undefined);
  }
}

/**
 * Opens the aggregation jobs and contributions kept in a PostgreSQL schema, applying pending
 * schema migrations first (as `openPostgresStore` and `openPostgresVault` do; the tables are
 * `<schema>.aggregation_jobs` and `<schema>.aggregation_contributions`, migration v5). Any number
 * of processes may open one schema's keeping: a job is written once (the first wins), a
 * contribution is keyed by its hash, and which contributions count is decided by the log.
 * @param options - connection string, schema name, pool size (default 2)
 * @returns an {@link AggregationKeeping} whose `shared` is true; its `close` ends the pool
 * @throws DataLedgerError `STORE_IO` when the server cannot be reached, a migration fails, or the
 *   schema was migrated by a newer version than this one knows
 * @throws TypeError for a schema name that is not a lower-case SQL identifier
 * @example
 * ```ts
 * const keeping = await openPostgresAggregation({ connectionString: 'postgres://postgres@127.0.0.1:5432/ledger' });
 * const job = await keeping.job('J-2026-0003');
 * await keeping.close();
 * ```
 */
export async function openPostgresAggregation(options: PostgresAggregationOptions = {}): Promise<AggregationKeeping> {
  const { pool, schema } = await openMigratedPool('aggregation', options, 2);
  return new PostgresAggregationKeeping(pool, schema);
}
