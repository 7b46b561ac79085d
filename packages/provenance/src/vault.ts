/**
 * Disclosure vaults: where the values hidden from the public log are kept. A disclosure is the
 * base64url of `[salt, name, value]` and is stored under its digest, base64url(SHA-256(ASCII of
 * the disclosure)) (IETF SD-JWT, RFC 9901 §4.2.3): the store is content-addressed, so `put` is
 * idempotent and a stored value can always be checked against the digest the log carries.
 * Erasure (a `disclosure.erased` record, a data subject's right to erasure) deletes the bytes;
 * see {@link openLevelVault} for what that takes on LevelDB.
 *
 * Every implementation passes one conformance suite (`test/support/vault-conformance.ts`).
 */
import { hash } from 'node:crypto';
import { Level } from 'level';
import { MemoryLevel } from 'memory-level';
import { provenanceError } from './errors.ts';

/** One stored disclosure and its digest. */
export interface VaultEntry {
  /** base64url (no padding, 43 characters) of SHA-256 of the disclosure's ASCII bytes. */
  readonly digest: string;
  /** The disclosure: base64url (no padding) of the UTF-8 JSON array `[salt, name, value]`. */
  readonly disclosure: string;
}

/**
 * Content-addressed storage of disclosures (the confidential members of logged payloads).
 *
 * Contract (checked by the conformance suite):
 * - `put` refuses, before storing anything, an entry whose digest is not 43 base64url
 *   characters or is not the digest of its disclosure (`VAULT_ENTRY_INVALID`), and a disclosure
 *   over {@link MAX_DISCLOSURE_LENGTH} characters (`VAULT_ENTRY_TOO_LARGE`). Putting a stored
 *   entry again changes nothing.
 * - `getMany` and `erase` refuse a malformed digest (`VAULT_ENTRY_INVALID`); unknown digests
 *   are answered `undefined` / ignored.
 * - After `erase` resolves, `getMany` answers `undefined` for the erased digests and `entries`
 *   no longer lists them, also after a reopen. The vault does not remember erasures: a later
 *   `put` of the same entry stores it again (the log's `disclosure.erased` records are the
 *   memory of erasure, and only a holder of the disclosure can put it).
 * - `entries` yields in ascending digest order (ASCII byte order).
 * - Operations after `close` reject with `STORE_CLOSED`; other failures with `STORE_IO`.
 */
export interface DisclosureVault {
  /** Stores disclosures by their digest (idempotent). */
  put(entries: readonly VaultEntry[]): Promise<void>;
  /** The disclosures of these digests, in order (undefined where none or erased). */
  getMany(digests: readonly string[]): Promise<(string | undefined)[]>;
  /** Deletes these digests (idempotent); afterwards getMany answers undefined for them. */
  erase(digests: readonly string[]): Promise<void>;
  /** Every stored disclosure, in digest order (a regulator's export). */
  entries(): AsyncIterable<VaultEntry>;
  /** Releases the vault. Idempotent. */
  close(): Promise<void>;
}

/**
 * The longest disclosure a vault stores, in characters (= bytes: a disclosure is ASCII).
 * The largest confidential member the record schemas allow (a 2,000-character description,
 * every character JSON-escaped to six bytes) makes a disclosure of about 16,100 characters.
 */
export const MAX_DISCLOSURE_LENGTH: number = 16 * 1024;

/** A digest: unpadded base64url of 32 bytes (RFC 9901 §4.2.3 with SHA-256). */
const DIGEST = /^[A-Za-z0-9_-]{43}$/u;
/** A disclosure: unpadded base64url (RFC 9901 §4.2.1), never empty. */
const DISCLOSURE = /^[A-Za-z0-9_-]+$/u;

function invalid(message: string, details: Record<string, unknown>): Error {
  return provenanceError('VAULT_ENTRY_INVALID', message, details);
}

function checkDigests(op: string, digests: readonly string[]): void {
  if (!Array.isArray(digests)) throw new TypeError('digests: expected an array');
  digests.forEach((d, i) => {
    if (typeof d !== 'string' || !DIGEST.test(d)) throw invalid(`vault.${op}: digests[${i}] is not 43 base64url characters`, { index: i });
  });
}

function checkEntries(entries: readonly VaultEntry[]): void {
  if (!Array.isArray(entries)) throw new TypeError('entries: expected an array');
  entries.forEach((e: unknown, i) => {
    const { digest, disclosure } = (typeof e === 'object' && e !== null ? e : {}) as { digest?: unknown; disclosure?: unknown };
    if (typeof digest !== 'string' || !DIGEST.test(digest)) throw invalid(`vault.put: entries[${i}].digest is not 43 base64url characters`, { index: i });
    if (typeof disclosure !== 'string') throw invalid(`vault.put: entries[${i}].disclosure is not a string`, { index: i });
    // The length first: a long string is refused before it is scanned or hashed.
    if (disclosure.length > MAX_DISCLOSURE_LENGTH) {
      throw provenanceError('VAULT_ENTRY_TOO_LARGE', `vault.put: entries[${i}].disclosure exceeds ${MAX_DISCLOSURE_LENGTH} characters`, {
        index: i,
        length: disclosure.length,
        limit: MAX_DISCLOSURE_LENGTH,
      });
    }
    if (!DISCLOSURE.test(disclosure)) throw invalid(`vault.put: entries[${i}].disclosure is not base64url`, { index: i });
    // Content addressing (RFC 9901 §4.2.3): the digest is over the disclosure's ASCII bytes, so
    // a vault never answers a digest with a value the log's digest does not commit to.
    if (hash('sha256', disclosure, 'base64url') !== digest) {
      throw invalid(`vault.put: entries[${i}].digest is not the SHA-256 of its disclosure`, { index: i, digest });
    }
  });
}

/**
 * Puts the checks of the {@link DisclosureVault} contract in front of a storage backend, so
 * every implementation (memory, LevelDB, PostgreSQL) refuses the same inputs with the same
 * codes: digests and disclosures are checked before the backend sees them, and every operation
 * after `close` rejects with `STORE_CLOSED`. The backend only stores.
 * @param backend - stores checked entries; its `close` is called once
 * @returns the checked vault
 */
export function checkedVault(backend: DisclosureVault): DisclosureVault {
  let closed: Promise<void> | null = null;
  const checkOpen = (op: string): void => {
    if (closed !== null) throw provenanceError('STORE_CLOSED', `vault.${op}: the vault is closed`);
  };
  return {
    async put(entries) {
      checkOpen('put');
      checkEntries(entries);
      if (entries.length > 0) await backend.put(entries);
    },
    async getMany(digests) {
      checkOpen('getMany');
      checkDigests('getMany', digests);
      return digests.length === 0 ? [] : await backend.getMany(digests);
    },
    async erase(digests) {
      checkOpen('erase');
      checkDigests('erase', digests);
      if (digests.length > 0) await backend.erase(digests);
    },
    async *entries() {
      checkOpen('entries');
      yield* backend.entries();
    },
    close() {
      closed ??= backend.close();
      return closed;
    },
  };
}

/** The part of the abstract-level API used here (memory-level and classic-level both have it). */
interface Db {
  getMany(keys: string[]): Promise<(string | undefined)[]>;
  iterator(opts: Record<string, never>): {
    nextv(size: number): Promise<[string, string][]>;
    close(): Promise<void>;
  };
  batch(ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[], opts: { sync: boolean }): Promise<void>;
  close(): Promise<void>;
  /** classic-level only: LevelDB's `CompactRange` over the keys [start, end]. */
  compactRange?(start: string, end: string): Promise<void>;
}

function ioError(op: string, cause: unknown): Error {
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'LEVEL_DATABASE_NOT_OPEN') return provenanceError('STORE_CLOSED', `vault.${op}: the vault is closed`, undefined, cause);
  return provenanceError('STORE_IO', `vault.${op}: ${cause instanceof Error ? cause.message : String(cause)}`, undefined, cause);
}

/** A vault over an abstract-level database: the digest is the key, the disclosure the value. */
class LevelVaultBackend implements DisclosureVault {
  readonly #db: Db;
  readonly #sync: boolean;

  constructor(db: Db, sync: boolean) {
    this.#db = db;
    this.#sync = sync;
  }

  async put(entries: readonly VaultEntry[]): Promise<void> {
    try {
      await this.#db.batch(
        entries.map((e) => ({ type: 'put', key: e.digest, value: e.disclosure })),
        { sync: this.#sync },
      );
    } catch (cause) {
      throw ioError('put', cause);
    }
  }

  async getMany(digests: readonly string[]): Promise<(string | undefined)[]> {
    try {
      return await this.#db.getMany([...digests]);
    } catch (cause) {
      throw ioError('getMany', cause);
    }
  }

  async erase(digests: readonly string[]): Promise<void> {
    const keys = [...new Set(digests)].sort();
    const compact = this.#db.compactRange?.bind(this.#db);
    try {
      // LevelDB deletes by writing a tombstone; the value stays in its log or table file until
      // a compaction merges the two (and a memtable flush writes both, unmerged, into one
      // table). So: flush first (a compaction always begins with a memtable flush), putting
      // every stored version in a table file; then write the tombstones; then compact each
      // erased key. The tombstones' flush lands above every level that holds the key, and
      // `CompactRange` merges them down through those levels, dropping each hidden version.
      if (compact !== undefined) await compact(keys[0]!, keys[0]!);
      await this.#db.batch(
        keys.map((key) => ({ type: 'del', key })),
        { sync: this.#sync },
      );
      if (compact !== undefined) for (const key of keys) await compact(key, key);
    } catch (cause) {
      throw ioError('erase', cause);
    }
  }

  async *entries(): AsyncIterable<VaultEntry> {
    let it;
    try {
      it = this.#db.iterator({});
    } catch (cause) {
      throw ioError('entries', cause);
    }
    try {
      while (true) {
        let page: [string, string][];
        try {
          page = await it.nextv(1024);
        } catch (cause) {
          throw ioError('entries', cause);
        }
        if (page.length === 0) return;
        for (const [digest, disclosure] of page) yield { digest, disclosure };
      }
    } finally {
      await it.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}

/**
 * An in-memory vault (memory-level). Nothing survives the process; for tests and for a service
 * whose log is in memory.
 * @returns an empty {@link DisclosureVault}
 */
export function memoryVault(): DisclosureVault {
  const db = new MemoryLevel<string, string>({ keyEncoding: 'utf8', valueEncoding: 'utf8' });
  return checkedVault(new LevelVaultBackend(db as unknown as Db, false));
}

/**
 * Opens (creating if needed) a LevelDB vault in directory `path`, a directory of its own (a
 * service keeps it at `<data>/vault`, beside the log's). Each `put` and `erase` is fsynced
 * before it resolves. Table files are not compressed, so the values are plain ASCII on disk.
 *
 * Erasure: `erase` deletes the keys and then compacts each erased key's range
 * (`CompactRange`), so the value is left in no log or table file of the directory once it
 * resolves. Not covered: an `entries()` export still open during the erase keeps the values it
 * may yet read alive until its next compaction, and the file system may keep freed blocks until
 * they are reused (use an encrypted volume where that matters).
 * @param path - the vault's directory
 * @returns a {@link DisclosureVault}
 * @throws DataLedgerError `STORE_IO` when the database cannot be opened (e.g. locked by
 *   another process)
 */
export async function openLevelVault(path: string): Promise<DisclosureVault> {
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('path: expected a directory path');
  const db = new Level<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  try {
    // Uncompressed tables: base64url text gains little from Snappy, and a plain file can be
    // searched for an erased value's bytes (as the tests do, and as an auditor may).
    await db.open({ compression: false });
  } catch (cause) {
    throw provenanceError('STORE_IO', `vault: cannot open ${path}`, { path }, cause);
  }
  return checkedVault(new LevelVaultBackend(db as unknown as Db, true));
}
