/**
 * A provenance {@link DisclosureVault} on PostgreSQL: the table `<schema>.disclosures` (digest,
 * disclosure) beside the log's `entries`, created by migration v2. The checks of the contract
 * (digest form, content addressing, size, closed vault) are provenance's `checkedVault`; this
 * file only stores.
 */
import type pg from 'pg';
import { checkedVault, ProvenanceError, type DisclosureVault, type VaultEntry } from '@dataledger/provenance';
import { openMigratedPool, quoteIdent, rollback } from './migrations.ts';
import type { PostgresStoreOptions } from './store.ts';

/** Options of {@link openPostgresVault}: those of `openPostgresStore` that apply, and how erasure vacuums. */
export type PostgresVaultOptions = Pick<PostgresStoreOptions, 'connectionString' | 'schema' | 'maxConnections' | 'connectTimeoutMs' | 'statementTimeoutMs'> & {
  /**
   * Run `VACUUM FULL` on the table after each erase instead of `VACUUM` (default false).
   * `VACUUM FULL` rewrites the table, so an erased disclosure's bytes are left in no data file,
   * but it holds an exclusive lock on the table (every vault read and write waits) for as long
   * as the rewrite takes. Plain `VACUUM` frees the rows' space for reuse without blocking, yet
   * may leave their bytes in the pages' free space until new rows overwrite them.
   */
  vacuumFull?: boolean;
};

/** Rows per INSERT statement, as in the store: a large put goes in several statements of one transaction. */
const ROWS_PER_STATEMENT = 5000;
/** Rows per `entries()` page (keyset pagination). */
const PAGE = 1024;
/** How long `erase` waits for its VACUUM's answer, which no statement limit ends (ms). */
const VACUUM_CLIENT_TIMEOUT_MS = 60 * 60 * 1000;

function ioError(op: string, cause: unknown): ProvenanceError {
  return new ProvenanceError('STORE_IO', `vault.${op}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

class PostgresVaultBackend implements DisclosureVault {
  readonly #pool: pg.Pool;
  readonly #table: string;
  readonly #vacuum: string;

  constructor(pool: pg.Pool, schema: string, vacuumFull: boolean) {
    this.#pool = pool;
    this.#table = `${quoteIdent(schema)}.disclosures`;
    this.#vacuum = `VACUUM ${vacuumFull ? 'FULL ' : ''}${this.#table}`;
  }

  async put(entries: readonly VaultEntry[]): Promise<void> {
    // Content addressing makes a repeated digest the same row: keep one, and let ON CONFLICT
    // DO NOTHING skip those already stored (a put never rewrites a row).
    const byDigest = new Map(entries.map((e) => [e.digest, e.disclosure] as const));
    const digests = [...byDigest.keys()];
    const disclosures = [...byDigest.values()];
    const sql = `INSERT INTO ${this.#table} (digest, disclosure) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (digest) DO NOTHING`;
    if (digests.length <= ROWS_PER_STATEMENT) {
      try {
        await this.#pool.query(sql, [digests, disclosures]);
      } catch (cause) {
        throw ioError('put', cause);
      }
      return;
    }
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw ioError('put', cause);
    }
    let failed: unknown = null;
    try {
      await client.query('BEGIN');
      for (let i = 0; i < digests.length; i += ROWS_PER_STATEMENT) {
        await client.query(sql, [digests.slice(i, i + ROWS_PER_STATEMENT), disclosures.slice(i, i + ROWS_PER_STATEMENT)]);
      }
      await client.query('COMMIT');
    } catch (cause) {
      failed = cause;
      await rollback(client, cause);
      throw ioError('put', cause);
    } finally {
      // A connection whose transaction state is unknown is discarded, not reused.
      client.release(failed === null ? undefined : (failed as Error));
    }
  }

  async getMany(digests: readonly string[]): Promise<(string | undefined)[]> {
    let rows: { digest: string; disclosure: string }[];
    try {
      ({ rows } = await this.#pool.query<{ digest: string; disclosure: string }>(
        `SELECT digest, disclosure FROM ${this.#table} WHERE digest = ANY($1::text[])`,
        [[...new Set(digests)]],
      ));
    } catch (cause) {
      throw ioError('getMany', cause);
    }
    const byDigest = new Map(rows.map((r) => [r.digest, r.disclosure] as const));
    return digests.map((d) => byDigest.get(d));
  }

  async erase(digests: readonly string[]): Promise<void> {
    try {
      await this.#pool.query(`DELETE FROM ${this.#table} WHERE digest = ANY($1::text[])`, [[...new Set(digests)]]);
    } catch (cause) {
      throw ioError('erase', cause);
    }
    // A DELETE only marks the rows dead: their bytes stay in the table's pages until VACUUM
    // removes them (PostgreSQL docs, "Routine Vacuuming"). VACUUM cannot run in a transaction
    // block; on a pooled connection it runs alone. Plain VACUUM skips the pages the visibility
    // map marks all-visible, so it costs about the pages the erase touched.
    // VACUUM is maintenance, not a request: the statement limit of the pool does not apply
    // (a VACUUM FULL rewrites the table, and a plain one scans its index). It runs on a
    // connection of its own, discarded after, so the lifted limit never returns to the pool;
    // the client still gives up on a server silent for VACUUM_CLIENT_TIMEOUT_MS.
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      await client.query('SET statement_timeout = 0');
      // node-postgres reads a per-query `query_timeout` (client.js), which its types omit.
      await client.query({ text: this.#vacuum, query_timeout: VACUUM_CLIENT_TIMEOUT_MS } as pg.QueryConfig);
    } catch (cause) {
      throw new ProvenanceError('STORE_IO', `vault.erase: the disclosures are deleted but ${this.#vacuum} failed; erase again to retry it`, { cause });
    } finally {
      client?.release(new Error('the session ran VACUUM without a statement limit'));
    }
  }

  async *entries(): AsyncIterable<VaultEntry> {
    // Keyset pagination, as the store's iterate: each page starts strictly after the last digest
    // seen, in the "C" collation's byte order.
    let after = '';
    while (true) {
      let rows: { digest: string; disclosure: string }[];
      try {
        ({ rows } = await this.#pool.query<{ digest: string; disclosure: string }>(
          `SELECT digest, disclosure FROM ${this.#table} WHERE digest > $1 ORDER BY digest LIMIT $2`,
          [after, PAGE],
        ));
      } catch (cause) {
        throw ioError('entries', cause);
      }
      for (const r of rows) yield { digest: r.digest, disclosure: r.disclosure };
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1]!.digest;
    }
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }
}

/**
 * Opens the disclosure vault kept in a PostgreSQL schema, applying pending schema migrations
 * first (as `openPostgresStore` does; the table is `<schema>.disclosures`, migration v2). A
 * service opens it with the same connection string and schema as its log store. Any number of
 * processes may open one schema's vault: every operation is idempotent and content-addressed,
 * so no writer lock is taken.
 *
 * `erase` deletes the rows and then vacuums the table (see {@link PostgresVaultOptions.vacuumFull}).
 * Not covered by either: the write-ahead log and its archives, replicas and backups keep the
 * deleted values until they are recycled or expire.
 * @param options - connection string, schema name, pool size, vacuum mode
 * @returns a {@link DisclosureVault}; its `close` ends the connection pool
 * @throws DataLedgerError `STORE_IO` when the server cannot be reached, a migration fails, or the
 *   schema was migrated by a newer version than this one knows
 * @throws TypeError for a schema name that is not a lower-case SQL identifier
 * @example
 * ```ts
 * const options = { connectionString: 'postgres://postgres@127.0.0.1:5432/ledger', schema: 'dataledger' };
 * const store = await openPostgresStore(options);
 * const vault = await openPostgresVault(options);
 * ```
 */
export async function openPostgresVault(options: PostgresVaultOptions = {}): Promise<DisclosureVault> {
  const { pool, schema } = await openMigratedPool('vault', options, 4);
  return checkedVault(new PostgresVaultBackend(pool, schema, options.vacuumFull ?? false));
}
