/**
 * Several processes serving one log in one PostgreSQL schema: the sequencer lease, the
 * forwarding of writes from the instances that do not sequence (followers) to the one that
 * does, and the notifications that keep every instance's view of the log current.
 *
 * - **Lease.** The sequencer holds the schema's writer lock, a session-level
 *   `pg_try_advisory_lock`, on a connection of its own (the lock an exclusive store takes).
 *   PostgreSQL releases it when that session ends: at once when the process dies (its sockets
 *   close), within the TCP keepalive / `tcp_user_timeout` settings when the network is cut.
 *   The lease alone does not prevent a fork; the store's fence does (`fenceKey`, store.ts).
 * - **Forwarding.** A follower inserts a submission (opaque bytes) into the UNLOGGED table
 *   `<schema>.pending` and `NOTIFY`s `pending`; the sequencer claims rows in id order, hands
 *   them to its append queue (group commit as for its own writers), writes each outcome into
 *   its row and `NOTIFY`s `done`; the follower takes its row's outcome (deleting the row).
 * - **Heads.** Every fenced batch `NOTIFY`s `head`; followers re-read the head then.
 *
 * Notifications are hints: every wait is backed by polling, so a missed one (a listener that
 * reconnects) delays, never loses, an answer.
 */
import pg from 'pg';
import { DataLedgerError } from '@dataledger/core';
import { ProvenanceError } from '@dataledger/provenance';
import { channelOf, clientConfig, LOCK_TAG, migrate, openPool, poolTimeouts, quoteIdent, schemaOption, type PoolTimeouts } from './migrations.ts';

/** Options of {@link openPostgresCluster}; the time limits are {@link PoolTimeouts}'. */
export interface PostgresClusterOptions extends PoolTimeouts {
  /** A `postgres://` connection string (default: the `PG*` environment variables). */
  connectionString?: string;
  /** The schema holding the log (default `dataledger`). */
  schema?: string;
  /** How often pending rows and outcomes are polled besides the notifications, ms (default 250). */
  pollMs?: number;
  /**
   * How long the lease connection may take to answer its health check before the lease is
   * taken as lost, ms (default 3000). The server drops a silent session's lock after about
   * the same time (`tcp_user_timeout`, TCP keepalives set on the lease session).
   */
  leaseCheckMs?: number;
}

/**
 * What the sequencer does with a forwarded submission: its outcome bytes (written to the row
 * for the follower), or null to leave the row for the next sequencer (this one was deposed
 * while handling it).
 */
export type PendingHandler = (body: Uint8Array) => Promise<Uint8Array | null>;

/** The coordination of one log's instances (see the module comment). */
export interface LogCluster {
  /** True while this process holds the sequencer lease. */
  readonly leading: boolean;
  /**
   * Takes the sequencer lease if it is free.
   * @returns whether this process holds it now
   */
  tryLead(): Promise<boolean>;
  /** Gives the lease up (ends its session). */
  release(): Promise<void>;
  /** Called when the lease is lost without {@link LogCluster.release} (its connection failed). */
  onLeaseLost(listener: () => void): void;
  /** Called when another instance may have moved the head (a `head` notification, or a reconnect). */
  onHead(listener: () => void): void;
  /**
   * Forwards a submission to the sequencer and waits for its outcome.
   * @returns the outcome bytes the sequencer's handler wrote
   * @throws DataLedgerError `STORE_IO` after `timeoutMs` (details `sequenced`: false when the
   *   row was withdrawn unclaimed, so nothing of it will be appended; 'unknown' when a
   *   sequencer had claimed it), or when the database cannot be reached
   */
  forward(body: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  /** Starts handling forwarded submissions (while leading). */
  serve(handler: PendingHandler): void;
  /** Stops claiming; waits for claimed submissions to be answered (or left for the next sequencer). */
  stopServing(): Promise<void>;
  /** Returns rows claimed by a sequencer that never answered them to the queue (called when taking over). */
  resetClaims(): Promise<number>;
  /** Stops serving, releases the lease, and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** Rows claimed per statement. */
const CLAIM = 1000;
/** Outcomes nobody collected (their follower died) are deleted after this long. */
const STALE_ROWS = "interval '10 minutes'";

interface Waiter {
  resolve: (outcome: Uint8Array) => void;
  reject: (err: unknown) => void;
}

function clusterError(message: string, details: Record<string, unknown>, cause?: unknown): ProvenanceError {
  return new ProvenanceError('STORE_IO', message, cause === undefined ? { details } : { details, cause });
}

class PostgresLogCluster implements LogCluster {
  readonly #config: pg.ClientConfig;
  readonly #pool: pg.Pool;
  readonly #schema: string;
  readonly #pending: string;
  readonly #channel: string;
  readonly #pollMs: number;
  readonly #leaseCheckMs: number;
  #closed = false;
  #lease: pg.Client | null = null;
  #leading = false;
  #leaseTimer: NodeJS.Timeout | null = null;
  readonly #lostListeners: (() => void)[] = [];
  readonly #headListeners: (() => void)[] = [];
  #listener: pg.Client | null = null;
  #listenerTimer: NodeJS.Timeout | null = null;
  readonly #waiters = new Map<string, Waiter>();
  #collecting: Promise<void> | null = null;
  #collectAgain = false;
  #pollTimer: NodeJS.Timeout | null = null;
  #handler: PendingHandler | null = null;
  #draining: Promise<void> | null = null;
  #drainAgain = false;
  readonly #inflight = new Set<Promise<void>>();
  #outcomes: { id: string; outcome: Uint8Array | null }[] = [];
  #flushing: Promise<void> | null = null;
  #lastSweep = 0;

  constructor(config: pg.ClientConfig, pool: pg.Pool, schema: string, pollMs: number, leaseCheckMs: number) {
    this.#config = config;
    this.#pool = pool;
    this.#schema = schema;
    this.#pending = `${quoteIdent(schema)}.pending`;
    this.#channel = channelOf(schema);
    this.#pollMs = pollMs;
    this.#leaseCheckMs = leaseCheckMs;
  }

  get leading(): boolean {
    return this.#leading;
  }

  // ---- notifications ------------------------------------------------------------------

  /**
   * Connects the LISTEN session; once it is lost (or a reconnection fails), tries again every
   * poll period. The first connection's failure is thrown (the open fails).
   */
  async listen(first = false): Promise<void> {
    if (this.#closed) return;
    const client = new pg.Client(this.#config);
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.#channel)}`);
    } catch (cause) {
      await client.end().catch(() => undefined);
      if (first) throw cause;
      this.#retryListen();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#listener = client;
    client.on('notification', (msg) => this.#notified(msg.payload ?? ''));
    client.on('end', () => {
      if (this.#listener === client) this.#listener = null;
      this.#retryListen();
    });
    // Anything may have happened while no one listened.
    this.#notified('head');
    this.#notified('pending');
    this.#notified('done');
  }

  #retryListen(): void {
    if (this.#closed || this.#listenerTimer !== null) return;
    this.#listenerTimer = setTimeout(() => {
      this.#listenerTimer = null;
      this.listen().catch(() => undefined);
    }, this.#pollMs);
    this.#listenerTimer.unref();
  }

  #notified(payload: string): void {
    if (this.#closed) return;
    if (payload === 'head') for (const l of this.#headListeners) l();
    else if (payload === 'pending') this.#drain();
    else if (payload === 'done') this.#collect();
  }

  onHead(listener: () => void): void {
    this.#headListeners.push(listener);
  }

  onLeaseLost(listener: () => void): void {
    this.#lostListeners.push(listener);
  }

  // ---- lease ----------------------------------------------------------------------------

  async tryLead(): Promise<boolean> {
    if (this.#closed) return false;
    if (this.#leading) return true;
    let client = this.#lease;
    if (client === null) {
      client = new pg.Client({ ...this.#config, keepAlive: true, keepAliveInitialDelayMillis: 1000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch {
        await client.end().catch(() => undefined);
        return false;
      }
      // The server notices a silent client (a cut network) within seconds and releases its
      // lock; a process that dies closes its socket and is noticed at once. A paused process
      // (a long GC pause, SIGSTOP) still answers keepalives from its kernel: the holder checks
      // its session every second, so a session idle for longer is ended by the server
      // (`idle_session_timeout`, PostgreSQL 14+). Settable by any role; a server that refuses
      // one keeps its defaults.
      const settings = [
        'SET tcp_keepalives_idle = 2',
        'SET tcp_keepalives_interval = 1',
        'SET tcp_keepalives_count = 3',
        'SET tcp_user_timeout = 5000',
        `SET idle_session_timeout = ${this.#leaseCheckMs + 2000}`,
      ];
      for (const set of settings) {
        await client.query(set).catch(() => undefined);
      }
      const session = client;
      session.on('end', () => this.#dropLease(session));
      session.on('error', () => this.#dropLease(session));
      this.#lease = session;
    }
    let ok = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2) # 1) AS ok', [LOCK_TAG, this.#schema]);
      ok = rows[0]?.ok === true;
    } catch {
      await client.end().catch(() => undefined);
      return false;
    }
    if (!ok || this.#closed) return false;
    this.#leading = true;
    this.#checkLease(client);
    return true;
  }

  /**
   * The leader checks its lease session every second: a session that does not answer within
   * `leaseCheckMs` is ended and the lease taken as lost (a network cut on this side).
   */
  #checkLease(client: pg.Client): void {
    this.#leaseTimer = setTimeout(() => {
      this.#leaseTimer = null;
      if (!this.#leading || this.#lease !== client) return;
      let answered = false;
      const timeout = setTimeout(() => {
        if (!answered) this.#dropLease(client);
      }, this.#leaseCheckMs);
      client.query('SELECT 1').then(
        () => {
          answered = true;
          clearTimeout(timeout);
          this.#checkLease(client);
        },
        () => {
          answered = true;
          clearTimeout(timeout);
          this.#dropLease(client);
        },
      );
    }, 1000);
    this.#leaseTimer.unref();
  }

  /**
   * The lease session failed (ended, errored, or did not answer its check): the lease is taken
   * as lost at once, not when the socket finally closes (a cut network can hold it open for
   * minutes), and the session is ended.
   */
  #dropLease(client: pg.Client): void {
    if (this.#lease === client) this.#lease = null;
    this.#lost();
    void client.end().catch(() => undefined);
  }

  #lost(): void {
    if (!this.#leading) return;
    this.#leading = false;
    if (this.#leaseTimer !== null) clearTimeout(this.#leaseTimer);
    this.#leaseTimer = null;
    for (const l of this.#lostListeners) l();
  }

  async release(): Promise<void> {
    // Not leading: nothing more is claimed (the rows claimed so far are still answered).
    this.#leading = false;
    if (this.#leaseTimer !== null) clearTimeout(this.#leaseTimer);
    this.#leaseTimer = null;
    const client = this.#lease;
    this.#lease = null;
    // Ending the session releases its advisory lock.
    await client?.end().catch(() => undefined);
  }

  // ---- followers ------------------------------------------------------------------------

  async forward(body: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.#closed) throw clusterError('cluster: closed', { sequenced: false });
    let id: string;
    try {
      const { rows } = await this.#pool.query<{ id: string }>(
        `WITH i AS (INSERT INTO ${this.#pending} (body) VALUES ($1) RETURNING id) SELECT id::text AS id, pg_notify($2, 'pending') FROM i`,
        [Buffer.from(body.buffer, body.byteOffset, body.byteLength), this.#channel],
      );
      id = rows[0]!.id;
    } catch (cause) {
      throw clusterError(`cluster: cannot forward the submission: ${(cause as Error).message}`, { sequenced: false }, cause);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.#waiters.delete(id)) return;
        // Withdraw the row if no sequencer has claimed it: then nothing of it can be appended.
        this.#pool
          .query(`DELETE FROM ${this.#pending} WHERE id = $1 RETURNING claimed`, [id])
          // Withdrawn unclaimed: never appended. Claimed, or gone (a crash restart empties
          // the UNLOGGED table): it may have been appended.
          .then(
            ({ rows }) => (rows[0]?.claimed === false ? false : 'unknown'),
            () => 'unknown' as const,
          )
          .then((sequenced) => {
            reject(clusterError(`cluster: no sequencer answered within ${timeoutMs} ms`, { sequenced, timeoutMs }));
          });
      }, timeoutMs);
      timer.unref();
      this.#waiters.set(id, {
        resolve: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#arm();
    });
  }

  /** Takes the outcomes written for this process's waiting rows (and deletes those rows). */
  #collect(): void {
    if (this.#waiters.size === 0 || this.#closed) return;
    if (this.#collecting !== null) {
      this.#collectAgain = true;
      return;
    }
    this.#collecting = (async () => {
      const ids = [...this.#waiters.keys()];
      const { rows } = await this.#pool.query<{ id: string; outcome: Buffer }>(
        `DELETE FROM ${this.#pending} WHERE id = ANY($1::bigint[]) AND outcome IS NOT NULL RETURNING id::text AS id, outcome`,
        [ids],
      );
      for (const r of rows) {
        const w = this.#waiters.get(r.id);
        this.#waiters.delete(r.id);
        w?.resolve(new Uint8Array(r.outcome.buffer, r.outcome.byteOffset, r.outcome.byteLength));
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#collecting = null;
        if (this.#collectAgain) {
          this.#collectAgain = false;
          this.#collect();
        }
      });
  }

  /** The poll behind the notifications: while rows wait for outcomes, or while serving. */
  #arm(): void {
    if (this.#pollTimer !== null || this.#closed) return;
    if (this.#waiters.size === 0 && this.#handler === null) return;
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = null;
      this.#collect();
      this.#drain();
      this.#arm();
    }, this.#pollMs);
    this.#pollTimer.unref();
  }

  // ---- the sequencer ----------------------------------------------------------------------

  serve(handler: PendingHandler): void {
    this.#handler = handler;
    this.#drain();
    this.#arm();
  }

  async resetClaims(): Promise<number> {
    const r = await this.#pool.query(`UPDATE ${this.#pending} SET claimed = false WHERE claimed AND outcome IS NULL`);
    return r.rowCount ?? 0;
  }

  /** Claims waiting rows in id order and hands them to the handler (one drain at a time). */
  #drain(): void {
    if (this.#handler === null || !this.#leading || this.#closed) return;
    if (this.#draining !== null) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = (async () => {
      for (;;) {
        const handler = this.#handler;
        if (handler === null || !this.#leading) return;
        const { rows } = await this.#pool.query<{ id: string; body: Buffer }>(
          `UPDATE ${this.#pending} SET claimed = true WHERE id IN (SELECT id FROM ${this.#pending} WHERE NOT claimed ORDER BY id LIMIT ${CLAIM} FOR UPDATE SKIP LOCKED) RETURNING id::text AS id, body`,
        );
        rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
        // Handed over in id order, synchronously: the append queue groups them as they come.
        for (const r of rows) {
          const body = new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.byteLength);
          const done: Promise<void> = handler(body).then(
            (outcome) => this.#answer(r.id, outcome),
            () => this.#answer(r.id, null),
          );
          this.#inflight.add(done);
          void done.finally(() => this.#inflight.delete(done));
        }
        if (rows.length < CLAIM) break;
      }
      if (Date.now() - this.#lastSweep > 60_000) {
        this.#lastSweep = Date.now();
        await this.#pool.query(`DELETE FROM ${this.#pending} WHERE created < now() - ${STALE_ROWS}`);
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.#draining = null;
        if (this.#drainAgain) {
          this.#drainAgain = false;
          this.#drain();
        }
      });
  }

  /** Queues an outcome; all outcomes ready together are written by one statement. */
  #answer(id: string, outcome: Uint8Array | null): void {
    this.#outcomes.push({ id, outcome });
    if (this.#flushing === null) this.#flushing = this.#flush();
  }

  async #flush(): Promise<void> {
    try {
      // Let the outcomes of one group commit gather.
      await new Promise<void>((r) => setImmediate(r));
      while (this.#outcomes.length > 0) {
        const batch = this.#outcomes;
        this.#outcomes = [];
        const done = batch.filter((o) => o.outcome !== null);
        const left = batch.filter((o) => o.outcome === null).map((o) => o.id);
        try {
          if (done.length > 0) {
            await this.#pool.query(
              `WITH o AS (SELECT * FROM unnest($1::bigint[], $2::bytea[]) AS t(id, outcome)), u AS (UPDATE ${this.#pending} p SET outcome = o.outcome FROM o WHERE p.id = o.id RETURNING 1) SELECT pg_notify($3, 'done')`,
              [done.map((o) => o.id), done.map((o) => Buffer.from(o.outcome!.buffer, o.outcome!.byteOffset, o.outcome!.byteLength)), this.#channel],
            );
          }
          if (left.length > 0) {
            await this.#pool.query(`UPDATE ${this.#pending} SET claimed = false WHERE id = ANY($1::bigint[]) AND outcome IS NULL`, [left]);
          }
        } catch {
          // The database is unreachable: the rows stay claimed without an outcome, and the
          // next sequencer returns them to the queue when it takes over (resetClaims).
        }
      }
    } finally {
      this.#flushing = null;
    }
  }

  async stopServing(): Promise<void> {
    this.#handler = null;
    while (this.#draining !== null) await this.#draining;
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
    while (this.#flushing !== null) await this.#flushing;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return (async () => {
      // The lease first, so that another instance takes over while the claimed rows finish.
      await this.release();
      await this.stopServing();
      this.#closed = true;
      for (const t of [this.#pollTimer, this.#listenerTimer, this.#leaseTimer]) if (t !== null) clearTimeout(t);
      for (const [, w] of this.#waiters) w.reject(clusterError('cluster: closed while waiting for the sequencer', { sequenced: 'unknown' }));
      this.#waiters.clear();
      await this.release();
      const listener = this.#listener;
      this.#listener = null;
      await listener?.end().catch(() => undefined);
      await this.#pool.end().catch(() => undefined);
    })();
  }
}

/**
 * Opens the coordination of the instances serving the log in `schema` (migrating the schema
 * first, as {@link openPostgresStore} does). Open the log's store with `exclusive: false` and
 * `fenceKey: 'head'` beside it.
 * @param options - connection string, schema, poll and lease-check periods
 * @returns the cluster handle, listening for notifications; the lease is not taken yet
 * @throws DataLedgerError `STORE_IO` when the server cannot be reached
 * @throws TypeError for a schema name that is not a lower-case SQL identifier
 */
export async function openPostgresCluster(options: PostgresClusterOptions = {}): Promise<LogCluster> {
  const schema = schemaOption(options.schema);
  const pollMs = options.pollMs ?? 250;
  const leaseCheckMs = options.leaseCheckMs ?? 3000;
  for (const [name, v] of [
    ['pollMs', pollMs],
    ['leaseCheckMs', leaseCheckMs],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < 1) throw new RangeError(`options.${name}: expected a positive integer`);
  }
  const timeouts = poolTimeouts(options);
  const config = clientConfig(options.connectionString, timeouts);
  const pool = openPool(options.connectionString, 4, timeouts);
  const cluster = new PostgresLogCluster(config, pool, schema, pollMs, leaseCheckMs);
  try {
    await migrate(pool, schema);
    await cluster.listen(true);
  } catch (cause) {
    await cluster.close();
    if (cause instanceof DataLedgerError) throw cause;
    throw clusterError(`cluster: cannot open the PostgreSQL schema ${schema}: ${cause instanceof Error ? cause.message : String(cause)}`, {}, cause);
  }
  return cluster;
}
