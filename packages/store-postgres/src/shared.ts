/**
 * What the instances serving one PostgreSQL log share beside it (migration v4): the signed
 * certificates their registries published, the newest cosignature of each witness, and the
 * nonces of signed reads (RFC 9421 §7.2.2: a request answered by one instance must not be
 * answered again by another). The service decides what is stored; this file only stores, with
 * the one rule each table needs to stay right under concurrent instances (the first
 * certificate under an id stands, the newest cosignature wins, a live nonce is claimed once),
 * each enforced by a single statement so no two instances can interleave.
 *
 * The types here are structural: the service's certificate shelf and its cosignature and
 * nonce stores match them without this package importing the service.
 */
import type pg from 'pg';
import { ProvenanceError } from '@dataledger/provenance';
import { openMigratedPool, quoteIdent } from './migrations.ts';
import type { PostgresStoreOptions } from './store.ts';

/** Options of {@link openPostgresShared}: those of `openPostgresStore` that apply, and how often expired nonces are deleted. */
export type PostgresSharedOptions = Pick<PostgresStoreOptions, 'connectionString' | 'schema' | 'maxConnections' | 'connectTimeoutMs' | 'statementTimeoutMs'> & {
  /**
   * Milliseconds between deletes of expired nonces (default 60,000), on a timer that does not
   * keep the process alive; a claim refuses only live nonces anyway, so this bounds the table,
   * not correctness.
   */
  pruneIntervalMs?: number;
};

/** Most characters of a certificate id, a witness key, or a nonce key. */
export const MAX_SHARED_KEY_LENGTH: number = 2048;
/** Most characters of a stored certificate or cosigned note (the service's body limit is 1 MiB). */
export const MAX_SHARED_TEXT_LENGTH: number = 4 * 1024 * 1024;

/**
 * Milliseconds a nonce is kept past its `forgetAt` before {@link SharedNonces.prune} deletes it:
 * the clock skew between the instances of one log that replay protection tolerates.
 */
export const NONCE_PRUNE_GRACE_MS: number = 60_000;

/** Signed certificates by id: the shape of the service's certificate shelf. */
export interface SharedCertificateShelf {
  /** The stored text, or undefined. */
  get(id: string): Promise<string | undefined>;
  /**
   * Stores the text under `id`, committed before it resolves. The first text stored under an
   * id stands: storing the same text again does nothing.
   * @throws DataLedgerError `STORE_VALUE_INVALID` (bad id or text, or another text already
   *   stored under `id`: details `conflict` true), `STORE_IO`, `STORE_CLOSED`
   */
  put(id: string, text: string): Promise<void>;
}

/** One witness's cosignature of a checkpoint, as the log routes keep it. */
export interface StoredCosignature {
  /** The witness's cosigner vkey (C2SP tlog-cosignature). */
  witnessKey: string;
  /** The tree size of the cosigned checkpoint. */
  size: number;
  /** The cosignature's timestamp (POSIX seconds). */
  timestamp: number;
  /** The checkpoint body it cosigns. */
  body: string;
  /** The witness's signature line. */
  line: string;
  /** The whole note as the witness posted it. */
  note: string;
}

/** The newest cosignature of each witness. */
export interface SharedCosignatures {
  /**
   * Keeps `c` unless the witness's kept cosignature is newer (a larger tree, or the same tree
   * cosigned later): one statement, so concurrent offers from several instances keep the newest.
   * @returns true when `c` is now the kept one
   * @throws DataLedgerError `STORE_VALUE_INVALID`, `STORE_IO`, `STORE_CLOSED`
   */
  offer(c: StoredCosignature): Promise<boolean>;
  /** Every witness's kept cosignature, by witness key. */
  list(): Promise<StoredCosignature[]>;
}

/** Nonces remembered until a time (the replay protection of signed reads). */
export interface SharedNonces {
  /**
   * Claims `key` until `forgetAt`: true when it was free (never seen, or its time is past by
   * this process's clock),
   * false when another claim of it is still live. One statement, so of two instances claiming
   * the same key at once exactly one gets true.
   * @param key - the nonce's key (the service uses `keyid nonce`)
   * @param forgetAt - POSIX milliseconds from which the key may be claimed again
   * @throws DataLedgerError `STORE_VALUE_INVALID`, `STORE_IO`, `STORE_CLOSED`
   */
  claim(key: string, forgetAt: number): Promise<boolean>;
  /**
   * Deletes the nonces expired for more than {@link NONCE_PRUNE_GRACE_MS} now (the timer does
   * it every `pruneIntervalMs`).
   * @returns how many were deleted
   */
  prune(): Promise<number>;
}

/** The three shared stores on one connection pool; `close` ends the pool and the prune timer. */
export interface PostgresShared {
  readonly certificates: SharedCertificateShelf;
  readonly cosignatures: SharedCosignatures;
  readonly nonces: SharedNonces;
  close(): Promise<void>;
}

function ioError(op: string, cause: unknown): ProvenanceError {
  return new ProvenanceError('STORE_IO', `shared.${op}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

function invalid(op: string, what: string, details: Record<string, unknown> = {}): ProvenanceError {
  return new ProvenanceError('STORE_VALUE_INVALID', `shared.${op}: ${what}`, { details: { op, ...details } });
}

// PostgreSQL text cannot hold U+0000, and a lone surrogate has no UTF-8 form: refused here
// with a code rather than as a server error after a round trip.
function checkText(op: string, name: string, value: unknown, max: number): string {
  if (typeof value !== 'string' || value.length === 0) throw invalid(op, `${name} must be a non-empty string`, { field: name });
  if (value.length > max) throw invalid(op, `${name} is longer than ${max} characters`, { field: name, length: value.length });
  if (value.includes('\u0000') || !value.isWellFormed()) throw invalid(op, `${name} is not storable text (NUL or a lone surrogate)`, { field: name });
  return value;
}

function checkCount(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(op, `${name} must be a non-negative safe integer`, { field: name });
  }
  return value;
}

class Shared implements PostgresShared {
  readonly #pool: pg.Pool;
  readonly #q: string;
  readonly #timer: NodeJS.Timeout;
  #closed = false;
  readonly certificates: SharedCertificateShelf;
  readonly cosignatures: SharedCosignatures;
  readonly nonces: SharedNonces;

  constructor(pool: pg.Pool, schema: string, pruneIntervalMs: number) {
    this.#pool = pool;
    this.#q = quoteIdent(schema);
    this.certificates = { get: (id) => this.#getCertificate(id), put: (id, text) => this.#putCertificate(id, text) };
    this.cosignatures = { offer: (c) => this.#offer(c), list: () => this.#list() };
    this.nonces = { claim: (key, forgetAt) => this.#claim(key, forgetAt), prune: () => this.#prune() };
    // Unref'd: an idle instance must still be able to exit; a failed prune is retried next time.
    this.#timer = setInterval(() => {
      this.#prune().catch(() => undefined);
    }, pruneIntervalMs);
    this.#timer.unref();
  }

  async #query<R extends pg.QueryResultRow>(op: string, sql: string, params: unknown[]): Promise<R[]> {
    if (this.#closed) throw new ProvenanceError('STORE_CLOSED', `shared.${op}: closed`);
    try {
      return (await this.#pool.query<R>(sql, params)).rows;
    } catch (cause) {
      throw ioError(op, cause);
    }
  }

  async #getCertificate(id: string): Promise<string | undefined> {
    checkText('certificates.get', 'id', id, MAX_SHARED_KEY_LENGTH);
    const rows = await this.#query<{ body: string }>('certificates.get', `SELECT body FROM ${this.#q}.certificates WHERE id = $1`, [id]);
    return rows[0]?.body;
  }

  async #putCertificate(id: string, text: string): Promise<void> {
    checkText('certificates.put', 'id', id, MAX_SHARED_KEY_LENGTH);
    checkText('certificates.put', 'text', text, MAX_SHARED_TEXT_LENGTH);
    // Insert-or-keep, then read what is stored in the same statement's snapshot: the first
    // certificate published under an id stands whichever instance published it.
    const rows = await this.#query<{ body: string }>(
      'certificates.put',
      `WITH ins AS (INSERT INTO ${this.#q}.certificates (id, body) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING body)
       SELECT body FROM ins UNION ALL SELECT body FROM ${this.#q}.certificates WHERE id = $1`,
      [id, text],
    );
    // No row: another instance inserted the id after this statement's snapshot was taken
    // (READ COMMITTED), so its row is read afresh.
    const stored = rows.length > 0 ? rows[0]!.body : await this.#getCertificate(id);
    if (stored !== text) {
      throw invalid('certificates.put', `another text is already stored under ${id}`, { id, conflict: true });
    }
  }

  async #offer(c: StoredCosignature): Promise<boolean> {
    const op = 'cosignatures.offer';
    if (typeof c !== 'object' || c === null) throw invalid(op, 'expected a cosignature object');
    checkText(op, 'witnessKey', c.witnessKey, MAX_SHARED_KEY_LENGTH);
    checkCount(op, 'size', c.size);
    checkCount(op, 'timestamp', c.timestamp);
    checkText(op, 'body', c.body, MAX_SHARED_TEXT_LENGTH);
    checkText(op, 'line', c.line, MAX_SHARED_TEXT_LENGTH);
    checkText(op, 'note', c.note, MAX_SHARED_TEXT_LENGTH);
    // The newest wins (tlog-cosignature "timestamp"): a larger tree, or the same tree
    // cosigned at the same time or later, as the one-process map did.
    const rows = await this.#query<{ witness: string }>(
      op,
      `INSERT INTO ${this.#q}.cosignatures AS k (witness, size, stamp, body, line, note) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (witness) DO UPDATE SET size = EXCLUDED.size, stamp = EXCLUDED.stamp, body = EXCLUDED.body, line = EXCLUDED.line, note = EXCLUDED.note
       WHERE k.size < EXCLUDED.size OR (k.size = EXCLUDED.size AND k.stamp <= EXCLUDED.stamp)
       RETURNING witness`,
      [c.witnessKey, c.size, c.timestamp, c.body, c.line, c.note],
    );
    return rows.length === 1;
  }

  async #list(): Promise<StoredCosignature[]> {
    const rows = await this.#query<{ witness: string; size: string; stamp: string; body: string; line: string; note: string }>(
      'cosignatures.list',
      `SELECT witness, size, stamp, body, line, note FROM ${this.#q}.cosignatures ORDER BY witness`,
      [],
    );
    // bigint columns come back as strings (pg); both were safe integers when stored.
    return rows.map((r) => ({ witnessKey: r.witness, size: Number(r.size), timestamp: Number(r.stamp), body: r.body, line: r.line, note: r.note }));
  }

  async #claim(key: string, forgetAt: number): Promise<boolean> {
    const op = 'nonces.claim';
    checkText(op, 'key', key, MAX_SHARED_KEY_LENGTH);
    if (typeof forgetAt !== 'number' || !Number.isSafeInteger(forgetAt) || forgetAt < 0)
      throw invalid(op, 'forgetAt must be POSIX milliseconds', { field: 'forgetAt' });
    // A row comes back when the key was free: inserted, or its expired claim replaced. A
    // live claim is left as it is and no row comes back (the replay). "Expired" is judged by
    // this process's clock, the one its verifier accepted the signature by, never the
    // server's: a replay carries the same signature, so the same forgetAt, which this clock
    // has not reached if the verifier let it through (a server clock ahead would free it).
    const rows = await this.#query<{ key: string }>(
      op,
      `INSERT INTO ${this.#q}.nonces AS n (key, forget_at) VALUES ($1, to_timestamp($2::double precision / 1000))
       ON CONFLICT (key) DO UPDATE SET forget_at = EXCLUDED.forget_at WHERE n.forget_at <= to_timestamp($3::double precision / 1000)
       RETURNING key`,
      [key, forgetAt, Date.now()],
    );
    return rows.length === 1;
  }

  async #prune(): Promise<number> {
    // By this process's clock, less a grace: another instance whose clock is behind still
    // accepts a signature until its own clock reaches forgetAt, so a nonce is kept for
    // NONCE_PRUNE_GRACE_MS more (the clock skew between instances this tolerates).
    const rows = await this.#query<{ n: string }>(
      'nonces.prune',
      `WITH gone AS (DELETE FROM ${this.#q}.nonces WHERE forget_at <= to_timestamp($1::double precision / 1000) RETURNING 1) SELECT count(*) AS n FROM gone`,
      [Date.now() - NONCE_PRUNE_GRACE_MS],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#pool.end().catch(() => undefined);
  }
}

/**
 * Opens the state that the instances serving one PostgreSQL log share beside it, applying
 * pending schema migrations first (the tables `<schema>.certificates`, `<schema>.cosignatures`
 * and `<schema>.nonces`, migration v4). A service opens it with the same connection string and
 * schema as its log store; any number of processes may open it at once (no writer lock: each
 * operation is one statement that keeps its table right under concurrency).
 * @param options - connection string, schema name, pool size, prune interval, connect timeout
 * @returns the certificate shelf, the cosignatures and the nonces; `close` ends the pool
 * @throws DataLedgerError `STORE_IO` when the server cannot be reached (within `connectTimeoutMs`), a migration fails, or
 *   the schema was migrated by a newer version than this one knows
 * @throws TypeError for a schema name that is not a lower-case SQL identifier
 * @throws RangeError for a `maxConnections`, `pruneIntervalMs` or `connectTimeoutMs` that is not a positive integer
 * @example
 * ```ts
 * const shared = await openPostgresShared({ connectionString: 'postgres://postgres@127.0.0.1:5432/ledger' });
 * await shared.certificates.put('urn:uuid:…', text);
 * const fresh = await shared.nonces.claim(`${keyid} ${nonce}`, Date.now() + 305_000);
 * await shared.close();
 * ```
 */
export async function openPostgresShared(options: PostgresSharedOptions = {}): Promise<PostgresShared> {
  const every = options.pruneIntervalMs ?? 60_000;
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError('options.pruneIntervalMs: expected a positive integer');
  // Two connections by default: each instance already holds the store's, the vault's and the cluster's pools.
  const { pool, schema } = await openMigratedPool('shared', options, 2);
  return new Shared(pool, schema, every);
}
