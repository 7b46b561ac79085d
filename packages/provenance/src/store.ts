/**
 * Record stores: the small key/value interface the {@link Log} writes through. Like Go's
 * `sumdb/tlog`, the storage knows nothing of records or proofs: it gets, scans and applies
 * atomic batches of byte values under string keys. Every implementation must pass the one
 * conformance suite (`test/store-conformance.test.ts`).
 */
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { provenanceError } from './errors.ts';

/** One operation of an atomic batch. */
export type StoreOperation = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string };

/** A key range for {@link RecordStore.iterate}; bounds are compared as UTF-16 strings. */
export interface StoreRange {
  /** Inclusive lower bound. */
  gte?: string;
  /** Exclusive upper bound. */
  lt?: string;
  /** Maximum number of entries. */
  limit?: number;
}

/**
 * Key/value storage for a log. Keys are ASCII strings, values bytes.
 *
 * Contract (checked by the conformance suite):
 * - `batch` is atomic: after it resolves every operation is visible; if it rejects or the
 *   process dies before it resolves, either all or none of them are visible, never part.
 * - `get`/`getMany` return `undefined` for missing keys.
 * - `iterate` yields entries in ascending key order within the range.
 * - Operations after `close` reject with `STORE_CLOSED`; other failures with `STORE_IO`.
 */
export interface RecordStore {
  /** The value under `key`, or undefined. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The values under `keys`, in order, undefined where missing. */
  getMany(keys: string[]): Promise<(Uint8Array | undefined)[]>;
  /** Entries in ascending key order within `range`. */
  iterate(range: StoreRange): AsyncIterable<[string, Uint8Array]>;
  /** Applies all operations atomically. */
  batch(operations: StoreOperation[]): Promise<void>;
  /** Releases the store. Idempotent. */
  close(): Promise<void>;
}

/** The part of the abstract-level API used here (memory-level and classic-level both have it). */
interface Db {
  get(key: string): Promise<Uint8Array | undefined>;
  getMany(keys: string[]): Promise<(Uint8Array | undefined)[]>;
  iterator(opts: { gte?: string; lt?: string; limit?: number }): {
    nextv(size: number): Promise<[string, Uint8Array][]>;
    close(): Promise<void>;
  };
  batch(ops: StoreOperation[], opts: { sync: boolean }): Promise<void>;
  close(): Promise<void>;
}

function ioError(op: string, cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'LEVEL_DATABASE_NOT_OPEN') return provenanceError('STORE_CLOSED', `store.${op}: the store is closed`, undefined, cause);
  return provenanceError('STORE_IO', `store.${op}: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, cause);
}

/** Values come back as Buffers from some backends; hand out plain Uint8Array views. */
function plain(v: Uint8Array): Uint8Array {
  return Buffer.isBuffer(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength) : v;
}

/** Adapts an abstract-level database (utf8 keys, `view` values) to {@link RecordStore}. */
class LevelRecordStore implements RecordStore {
  readonly #db: Db;
  readonly #sync: boolean;
  #closed = false;

  constructor(db: Db, sync: boolean) {
    this.#db = db;
    this.#sync = sync;
  }

  #checkOpen(op: string): void {
    if (this.#closed) throw provenanceError('STORE_CLOSED', `store.${op}: the store is closed`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen('get');
    try {
      const v = await this.#db.get(key);
      return v === undefined ? undefined : plain(v);
    } catch (cause) {
      throw ioError('get', cause);
    }
  }

  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    this.#checkOpen('getMany');
    if (keys.length === 0) return [];
    try {
      return (await this.#db.getMany(keys)).map((v) => (v === undefined ? undefined : plain(v)));
    } catch (cause) {
      throw ioError('getMany', cause);
    }
  }

  async *iterate(range: StoreRange): AsyncIterable<[string, Uint8Array]> {
    this.#checkOpen('iterate');
    const opts: { gte?: string; lt?: string; limit?: number } = {};
    if (range.gte !== undefined) opts.gte = range.gte;
    if (range.lt !== undefined) opts.lt = range.lt;
    if (range.limit !== undefined) opts.limit = range.limit;
    let it;
    try {
      it = this.#db.iterator(opts);
    } catch (cause) {
      throw ioError('iterate', cause);
    }
    try {
      while (true) {
        let entries: [string, Uint8Array][];
        try {
          entries = await it.nextv(1024);
        } catch (cause) {
          throw ioError('iterate', cause);
        }
        if (entries.length === 0) return;
        for (const [k, v] of entries) yield [k, plain(v)];
      }
    } finally {
      await it.close().catch(() => undefined);
    }
  }

  async batch(operations: StoreOperation[]): Promise<void> {
    this.#checkOpen('batch');
    if (operations.length === 0) return;
    try {
      await this.#db.batch(operations, { sync: this.#sync });
    } catch (cause) {
      throw ioError('batch', cause);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#db.close();
  }
}

/**
 * An in-memory store (memory-level). Nothing survives the process; for tests and caches.
 */
export function memoryStore(): RecordStore {
  const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: 'utf8', valueEncoding: 'view' });
  return new LevelRecordStore(db as unknown as Db, false);
}

/** Options of {@link openLevelStore}. */
export interface LevelStoreOptions {
  /**
   * fsync each batch before acknowledging it (default true): an acknowledged append then
   * survives a machine crash, not only a process crash.
   */
  sync?: boolean;
}

/**
 * Opens (creating if needed) a LevelDB store in directory `path`.
 * @throws DataLedgerError `STORE_IO` when the database cannot be opened (e.g. locked by
 *   another process)
 */
export async function openLevelStore(path: string, options: LevelStoreOptions = {}): Promise<RecordStore> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('path: expected a directory path');
  const db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (cause) {
    throw provenanceError('STORE_IO', `store: cannot open ${path}`, { path }, cause);
  }
  return new LevelRecordStore(db as unknown as Db, options.sync ?? true);
}
