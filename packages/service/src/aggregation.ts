/**
 * Encrypted statistics jobs as the service runs them. The service is the untrusted
 * aggregator: it keeps each job's parameters and public key (both public), folds the
 * holders' encrypted contributions, and hands out the encrypted sum; it never sees a
 * secret key. Every event is a ledger record through the certificates record types
 * (`aggregation.opened|contributed|released`); the ciphertexts themselves stay off the
 * ledger, which carries their hashes.
 *
 * Only what the ledger durably records is folded: a contribution is checked in full on a
 * scratch aggregator of its own, its record is appended, and only then is its (checked)
 * ciphertext sum merged into the job's. A refused record (a stale index, a broken chain)
 * leaves the sum as it was, so the served aggregate is the same before and after a restart.
 *
 * With a data directory, jobs and contributions are kept under `aggregation/` so that a
 * restart folds them again (ciphertext addition is deterministic: the same sum). A
 * contribution is written as `<hash>.pending.json` before its record is appended and renamed
 * to `<hash>.contribution.json` once it is; a restart folds exactly the contributions whose
 * hashes the ledger records, kept or still pending (a crash between the append and the rename). Where they are kept is an
 * {@link AggregationKeeping} (store-postgres): these files ({@link directoryKeeping}), or, with
 * a database, tables every instance on the log shares. A shared keeping is caught up with
 * before each read or contribution: the jobs other instances opened are adopted and the
 * contributions they took are folded, each only once the log records its holder, so every
 * instance serves the same encrypted sum.
 */
import { mkdir, readdir, readFile, writeFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalBytes, DataLedgerError, fromBase64, sha256, toBase64, toHex, utf8Decode, utf8Encode, type JsonValue } from '@dataledger/core';
import { Aggregator, recomputeAggregate, resolveJob, type AggregateResult, type AggregationJob, type Contribution } from '@dataledger/aggregation';
import type { VerifiedRecord } from '@dataledger/provenance';
import type { AggregationKeeping, KeptContribution, KeptJob } from '@dataledger/store-postgres';
import type { ServedLedger } from './service.ts';
import type { Receipt } from './append-queue.ts';
import { ServiceError } from './problem.ts';

/** A job as the service keeps it. */
interface JobEntry {
  job: AggregationJob;
  jobHash: string;
  publicKey: Uint8Array;
  publicKeyB64: string;
  aggregator: Aggregator;
  /** Contribution hashes folded into the aggregator. */
  folded: Set<string>;
  /** Holders whose contribution is folded (the registry allows one each). */
  holders: Set<string>;
  /**
   * Hashes of the folded ciphertexts: the merge path does not see the aggregator's own
   * copied-ciphertext check, so it is kept here (a copy of another holder's ciphertext
   * would let its owner's values be differenced out of two releases).
   */
  ciphertexts: Set<string>;
  /** Serialises work on one job. */
  lock: Promise<unknown>;
}

/** Public description of a job. */
export interface AggregationJobInfo {
  job: JsonValue;
  /** Hex SHA-256 of the job parameters, as in the `aggregation.opened` record. */
  jobHash: string;
  publicKey: string;
  contributions: number;
  minContributors: number;
  ready: boolean;
}

function bad(message: string, details?: Record<string, unknown>): never {
  throw new ServiceError('HTTP_BAD_REQUEST', message, { details });
}

/** JSON form of a job (bigint bounds as decimal strings). */
function jobJson(job: AggregationJob): JsonValue {
  return JSON.parse(JSON.stringify(job, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as JsonValue;
}

/**
 * The contribution hash the aggregator reports: SHA-256 of the canonical envelope without
 * its ciphertexts (the holder's signed fields and the signature).
 */
export function contributionHash(c: Contribution): string {
  const { ciphertexts: _ignored, ...rest } = c;
  void _ignored;
  return toBase64(sha256(canonicalBytes(rest as unknown as JsonValue)));
}

/** Hash of a contribution's ciphertexts (as received), for the copied-ciphertext check. */
function ciphertextsHash(c: Contribution): string {
  return toBase64(sha256(utf8Encode(JSON.stringify(c.ciphertexts))));
}

const KEPT = '.contribution.json';
const PENDING = '.pending.json';

/** A missing file or directory reads as nothing kept. */
async function namesIn(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * The {@link AggregationKeeping} of one instance's data directory: under `dir`, a directory
 * per job (hex SHA-256 of its id) with `job.json` and `public.key`, and its contributions as
 * `<hash>.pending.json`, renamed `<hash>.contribution.json` once kept.
 * @param dir - the aggregation directory (`<data>/aggregation`)
 * @returns a keeping whose `shared` is false (this instance alone writes it)
 */
export function directoryKeeping(dir: string): AggregationKeeping {
  const jobDir = (id: string): string => join(dir, toHex(sha256(utf8Encode(id))));
  const readJob = async (d: string): Promise<KeptJob | undefined> => {
    try {
      const job = await readFile(join(d, 'job.json'), 'utf8');
      const publicKey = new Uint8Array(await readFile(join(d, 'public.key')));
      const jobId = (JSON.parse(job) as { id?: unknown }).id;
      return typeof jobId === 'string' ? { jobId, job, publicKey } : undefined;
    } catch {
      return undefined; // an incomplete job directory (crash while opening): the job was never recorded
    }
  };
  return {
    shared: false,
    async putJob({ jobId, job, publicKey }) {
      const d = jobDir(jobId);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, 'public.key'), publicKey);
      await writeFile(join(d, 'job.json.tmp'), job);
      await rename(join(d, 'job.json.tmp'), join(d, 'job.json'));
    },
    async job(jobId) {
      const kept = await readJob(jobDir(jobId));
      return kept?.jobId === jobId ? kept : undefined;
    },
    async jobs() {
      await mkdir(dir, { recursive: true });
      const kept: KeptJob[] = [];
      for (const name of await readdir(dir)) {
        const j = await readJob(join(dir, name));
        if (j !== undefined) kept.push(j);
      }
      return kept;
    },
    async putPending(jobId, hash, body) {
      await writeFile(join(jobDir(jobId), `${hash}${PENDING}`), body);
    },
    async markKept(jobId, hash) {
      const f = join(jobDir(jobId), hash);
      try {
        await rename(`${f}${PENDING}`, `${f}${KEPT}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
      return true;
    },
    async dropPending(jobId, hash) {
      await rm(join(jobDir(jobId), `${hash}${PENDING}`), { force: true });
    },
    async contributions(jobId, except = [], only) {
      const d = jobDir(jobId);
      const skip = new Set(except);
      const wanted = only === undefined ? null : new Set(only);
      const found: KeptContribution[] = [];
      const names = await namesIn(d);
      for (const [suffix, kept] of [
        [KEPT, true],
        [PENDING, false],
      ] as const) {
        for (const f of names.filter((x) => x.endsWith(suffix))) {
          const hash = f.slice(0, -suffix.length);
          if (skip.has(hash) || (wanted !== null && !wanted.has(hash))) continue;
          try {
            found.push({ hash, body: new Uint8Array(await readFile(join(d, f))), kept });
          } catch {
            // gone meanwhile (a pending file dropped after a refused append)
          }
        }
      }
      return found;
    },
    async close() {
      // nothing held open
    },
  };
}

/**
 * True when a failed submission may still have been appended: a `STORE_IO` failure, unless it
 * says the write was never handed to the sequencer (`sequenced: false`). A refusal (registry
 * rules, a stale index, a bad signature) never is.
 */
function mayBeAppended(err: unknown): boolean {
  return err instanceof DataLedgerError && err.code === 'STORE_IO' && err.details?.['sequenced'] !== false;
}

/** Hex of a base64 contribution hash (the kept name of a contribution, as in its record). */
function hexOf(hashB64: string): string {
  return toHex(fromBase64(hashB64));
}

/** The service's aggregation jobs. */
export class AggregationJobs {
  readonly #service: ServedLedger;
  readonly #keeping: AggregationKeeping | null;
  readonly #jobs = new Map<string, JobEntry>();
  /** Adoptions of a shared keeping's job in progress, one per job id. */
  readonly #adopting = new Map<string, Promise<void>>();
  #loaded: Promise<void> | null = null;

  /**
   * @param service - the ledger the job records go to
   * @param keeping - where jobs and contributions are kept: an {@link AggregationKeeping}, a
   *   directory (its {@link directoryKeeping}), or null (memory only)
   */
  constructor(service: ServedLedger, keeping: AggregationKeeping | string | null) {
    this.#service = service;
    this.#keeping = typeof keeping === 'string' ? directoryKeeping(keeping) : keeping;
  }

  get #shared(): boolean {
    return this.#keeping?.shared === true;
  }

  /** Reloads kept jobs and re-folds their contributions (once; a shared keeping's jobs are adopted when asked for). */
  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<void> {
    const k = this.#keeping;
    if (k === null || k.shared) return;
    for (const kept of await k.jobs()) {
      const entry = await this.#adoptable(kept);
      if (entry === undefined) continue;
      await this.#foldRecorded(entry);
      this.#jobs.set(entry.job.id, entry);
    }
  }

  /**
   * A kept job as an entry, if the ledger records its opening with this job's hash (a job
   * kept but never recorded, or kept under another job's hash, is not served).
   */
  async #adoptable(kept: KeptJob): Promise<JobEntry | undefined> {
    let job: AggregationJob;
    let hashHex: string;
    try {
      job = JSON.parse(kept.job) as AggregationJob;
      hashHex = toHex(resolveJob(job).hash);
    } catch {
      return undefined;
    }
    if (job.id !== kept.jobId) return undefined;
    const recorded = this.#service.view().aggregation?.(job.id) as { jobHash?: string; publicKeyHash?: string | null } | undefined;
    if (recorded === undefined || (recorded.jobHash !== undefined && recorded.jobHash !== hashHex)) return undefined;
    // A key kept beside the log is taken only if the opening record names its hash (when it names one).
    if (typeof recorded.publicKeyHash === 'string' && recorded.publicKeyHash !== toHex(sha256(kept.publicKey))) return undefined;
    try {
      return await this.#entry(job, kept.publicKey);
    } catch {
      return undefined; // a key that no longer loads: the job cannot be served
    }
  }

  /**
   * Folds the kept contributions the ledger records for the job and the entry lacks: only what
   * is durably recorded counts. For each recorded holder, exactly the contribution its
   * `aggregation.contributed` record names (the registry's `contributions`, by hash), whether
   * it is kept or still pending (a crash, or another instance, between the append and the
   * mark): a holder's other contribution left behind (refused, or written by anyone else with
   * access to the keeping) is never folded in its place, and a body is folded only when it
   * hashes to the name it is kept under.
   *
   * Holders are taken in the log's order (the registry's `contributors`), so that instances
   * which took contributions at the same time agree on which count when they disagree locally:
   * the first `maxContributors` recorded, and of two with the same ciphertexts the earlier.
   * @param own - a contribution this instance just checked and appended (its sum is merged
   *   instead of checked again)
   */
  async #foldRecorded(e: JobEntry, own?: { c: Contribution; hash: string; copied: string; partial: AggregateResult }): Promise<void> {
    const k = this.#keeping;
    const recorded = this.#service.view().aggregation?.(e.job.id) as { contributors?: readonly string[]; contributions?: readonly string[] } | undefined;
    const hashes = recorded?.contributions ?? [];
    const missing = (recorded?.contributors ?? []).map((holder, i) => ({ holder, hashHex: hashes[i] })).filter((m) => !e.holders.has(m.holder));
    // Full: nothing more folds, so no body is read.
    if (missing.length === 0 || e.aggregator.count >= e.job.maxContributors) return;
    const ownHex = own === undefined ? undefined : hexOf(own.hash);
    const found = new Map<string, Contribution>();
    if (k !== null && missing.some((m) => m.hashHex !== ownHex)) {
      const wanted = new Map(missing.map((m) => [m.hashHex, m.holder]));
      const named = missing.flatMap((m) => (m.hashHex === undefined || m.hashHex === ownHex ? [] : [m.hashHex]));
      // Only the bodies the log names are read: whatever else the keeping holds (refused
      // contributions left behind, rows written by others) costs nothing here.
      for (const row of await k.contributions(e.job.id, [...e.folded].map(hexOf), named)) {
        const holder = wanted.get(row.hash);
        if (holder === undefined || found.has(row.hash)) continue;
        try {
          const c = JSON.parse(utf8Decode(row.body)) as Contribution;
          if (c === null || typeof c !== 'object' || c.holder !== holder || hexOf(contributionHash(c)) !== row.hash) continue;
          found.set(row.hash, c);
        } catch {
          // an unreadable body (a crash while writing it, or not JSON at all): not the recorded one
        }
      }
    }
    for (const { holder, hashHex } of missing) {
      if (e.aggregator.count >= e.job.maxContributors) return;
      if (own !== undefined && holder === own.c.holder && hashHex === ownHex) {
        if (e.ciphertexts.has(own.copied)) continue;
        await e.aggregator.merge(own.partial);
        e.folded.add(own.hash);
        e.holders.add(holder);
        e.ciphertexts.add(own.copied);
        continue;
      }
      const c = hashHex === undefined ? undefined : found.get(hashHex);
      if (c === undefined) continue;
      try {
        const copied = ciphertextsHash(c);
        if (e.ciphertexts.has(copied)) continue;
        await e.aggregator.add(c);
        e.folded.add(contributionHash(c));
        e.holders.add(holder);
        e.ciphertexts.add(copied);
      } catch {
        // a contribution that no longer folds is skipped; the ledger keeps its hash
      }
    }
  }

  /**
   * The entry of a job, caught up first on a shared keeping: this instance's view of the log
   * moves up to the log as stored (`LedgerService.refresh`), and a job another instance
   * opened is adopted.
   * @throws ServiceError `HTTP_NOT_FOUND`
   */
  async #fresh(id: string): Promise<JobEntry> {
    await this.load();
    if (this.#shared) {
      await this.#service.refresh();
      if (!this.#jobs.has(id)) await this.#adopt(id);
    }
    return this.#get(id);
  }

  /** Adopts a job of the shared keeping, once however many requests ask at the same time. */
  #adopt(id: string): Promise<void> {
    let adopting = this.#adopting.get(id);
    if (adopting === undefined) {
      adopting = (async () => {
        const kept = await (this.#keeping as AggregationKeeping).job(id);
        const entry = kept === undefined ? undefined : await this.#adoptable(kept);
        if (entry === undefined) return;
        if (this.#jobs.has(id)) await entry.aggregator.close();
        else this.#jobs.set(id, entry);
      })().finally(() => this.#adopting.delete(id));
      this.#adopting.set(id, adopting);
    }
    return adopting;
  }

  /**
   * Whether the log names a contribution hash (hex) for the job. On a shared keeping this
   * instance's view is brought up to the log first: the same contribution taken by another
   * instance at the same time may be the one recorded (this one refused as the holder's
   * second), and its pending row is then the one the log names, not this instance's to drop.
   * A view that cannot be brought up answers true (the row stays; an unnamed row is never folded).
   */
  async #names(id: string, hashHex: string): Promise<boolean> {
    if (this.#shared) {
      try {
        await this.#service.refresh();
      } catch {
        return true;
      }
    }
    const recorded = this.#service.view().aggregation?.(id) as { contributions?: readonly string[] } | undefined;
    return recorded?.contributions?.includes(hashHex) === true;
  }

  /** On a shared keeping, the contributions other instances took and the ledger records are folded (under the job's lock). */
  async #catchUp(e: JobEntry): Promise<void> {
    if (this.#shared) await this.#foldRecorded(e);
  }

  async #entry(job: AggregationJob, publicKey: Uint8Array): Promise<JobEntry> {
    const resolved = resolveJob(job);
    const aggregator = await Aggregator.create(job, publicKey);
    return {
      job,
      jobHash: resolved.hashB64,
      publicKey,
      publicKeyB64: toBase64(publicKey),
      aggregator,
      folded: new Set(),
      holders: new Set(),
      ciphertexts: new Set(),
      lock: Promise.resolve(),
    };
  }

  #get(id: string): JobEntry {
    const e = this.#jobs.get(id);
    if (e === undefined) throw new ServiceError('HTTP_NOT_FOUND', `no aggregation job ${id}`, { details: { jobId: id } });
    return e;
  }

  #locked<T>(e: JobEntry, fn: () => Promise<T>): Promise<T> {
    const run = e.lock.then(fn, fn);
    e.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Opens a job: its parameters and public key are checked and kept, and its
   * `aggregation.opened` record (job id, job hash, minimum contributors) is appended.
   */
  async open(checked: VerifiedRecord, jobValue: unknown, publicKeyB64: string): Promise<Receipt> {
    const { record } = checked;
    await this.load();
    const job = jobValue as AggregationJob;
    const resolved = resolveJob(job);
    const p = record.payload;
    // Ledger payloads carry hashes in hex; the aggregation envelopes in base64.
    if (p['jobId'] !== resolved.id || p['jobHash'] !== toHex(resolved.hash) || p['minContributors'] !== resolved.minContributors) {
      bad('the aggregation.opened record must name this job: jobId, jobHash (hex of resolveJob(job).hash) and minContributors', {
        jobId: resolved.id,
        jobHash: toHex(resolved.hash),
        minContributors: resolved.minContributors,
      });
    }
    if (this.#shared) {
      // A job another instance opened (this one a resubmission of its record) is answered as
      // one opened here would be.
      await this.#service.refresh();
      if (!this.#jobs.has(resolved.id)) await this.#adopt(resolved.id);
    }
    if (this.#jobs.has(resolved.id)) {
      const existing = this.#jobs.get(resolved.id) as JobEntry;
      if (existing.jobHash === resolved.hashB64 && existing.publicKeyB64 === publicKeyB64) {
        const [r] = await this.#service.submit([checked]);
        return r as Receipt;
      }
    }
    let publicKey: Uint8Array;
    try {
      publicKey = fromBase64(publicKeyB64);
    } catch {
      return bad('publicKey: expected standard base64');
    }
    // The optional members, when the record names them, must be this job's: the registry bounds
    // its contributors by the one, and an instance adopting the job checks its key by the other.
    if (p['maxContributors'] !== undefined && p['maxContributors'] !== resolved.maxContributors) {
      bad('the aggregation.opened record names another maxContributors than the job', { maxContributors: resolved.maxContributors });
    }
    if (p['publicKeyHash'] !== undefined && p['publicKeyHash'] !== toHex(sha256(publicKey))) {
      bad('the aggregation.opened record names the hash of another public key (publicKeyHash: hex SHA-256 of the key given)');
    }
    // The ledger already records this opening, and no instance keeps the job: the process
    // that appended it stopped before keeping it. The same record posted again, with the key
    // its opening names by hash, keeps the job now (a key it does not name cannot be checked,
    // and the record is public: anyone could post it with a key of their own).
    const recorded = this.#service.view().aggregation?.(resolved.id) as { jobHash?: string; publicKeyHash?: string | null } | undefined;
    if (recorded === undefined) this.#service.check([checked]);
    else if (typeof recorded.publicKeyHash !== 'string') {
      bad('this job is recorded without the hash of its key (publicKeyHash), so the key given cannot be checked against it: open a new job');
    }
    const entry = await this.#entry(job, publicKey);
    let receipt: Receipt;
    try {
      [receipt] = (await this.#service.submit([checked])) as [Receipt];
    } catch (err) {
      await entry.aggregator.close();
      throw err;
    }
    // Adopted meanwhile (another instance's keeping of the same record): that entry stays.
    if (this.#jobs.has(resolved.id)) await entry.aggregator.close();
    else this.#jobs.set(resolved.id, entry);
    await this.#keeping?.putJob({ jobId: resolved.id, job: JSON.stringify(jobJson(job)), publicKey });
    return receipt;
  }

  /** A job's public description (parameters, public key, progress). */
  async info(id: string): Promise<AggregationJobInfo> {
    const e = await this.#fresh(id);
    const describe = async (): Promise<AggregationJobInfo> => {
      await this.#catchUp(e);
      return {
        job: jobJson(e.job),
        jobHash: toHex(fromBase64(e.jobHash)),
        publicKey: e.publicKeyB64,
        contributions: e.aggregator.count,
        minContributors: e.job.minContributors,
        ready: e.aggregator.count >= e.job.minContributors,
      };
    };
    // Catching up folds, so on a shared keeping it waits its turn on the job.
    return this.#shared ? this.#locked(e, describe) : describe();
  }

  /**
   * Appends a holder's `aggregation.contributed` record (signed by the same holder, naming the
   * contribution hash) and folds the contribution, in that order: the contribution is first
   * checked in full on a scratch aggregator (signature, job, key, ciphertexts), then its
   * record appended, and only once the ledger holds it is its sum merged into the job's. A
   * refused record folds nothing; a retried submission (after a stale index) is checked again.
   */
  async contribute(id: string, checked: VerifiedRecord, contribution: unknown): Promise<Receipt> {
    const { record } = checked;
    const e = await this.#fresh(id);
    if (contribution === null || typeof contribution !== 'object' || Array.isArray(contribution)) bad('contribution: expected an object');
    const c = contribution as Contribution;
    let hash: string;
    try {
      hash = contributionHash(c);
    } catch {
      // canonicalBytes refuses what JSON cannot carry exactly (1e400 parses as Infinity).
      return bad('contribution: not canonical JSON (RFC 8785)');
    }
    const p = record.payload;
    if (p['jobId'] !== id || p['contributionHash'] !== toHex(fromBase64(hash))) {
      bad('the aggregation.contributed record must name this job and the contribution hash (hex)', { jobId: id, contributionHash: toHex(fromBase64(hash)) });
    }
    if (record.actor !== c.holder) bad('the record must be signed by the contribution holder', { holder: String(c.holder) });
    return this.#locked(e, async () => {
      // First what other instances took (maybe this very contribution, resubmitted).
      await this.#catchUp(e);
      // Already folded: its record is in the ledger; answer with its receipt.
      if (e.folded.has(hash)) return (await this.#service.submit([checked]))[0] as Receipt;
      // The registry rules (and the record's signature) before the expensive checks.
      this.#service.check([checked]);
      if (e.aggregator.count >= e.job.maxContributors) {
        throw new DataLedgerError('AGG_CAPACITY_EXCEEDED', 'contribution: the job already has maxContributors contributions', {
          details: { maxContributors: e.job.maxContributors },
        });
      }
      // Every check of the aggregator, on a scratch one: nothing of the job's sum changes yet.
      const partial = await recomputeAggregate(e.job, e.publicKey, [c]);
      const copied = ciphertextsHash(c);
      if (e.ciphertexts.has(copied)) throw new DataLedgerError('AGG_DUPLICATE_CIPHERTEXT', 'contribution: ciphertext already folded under another holder');
      const keeping = this.#keeping;
      const hashHex = hexOf(hash);
      await keeping?.putPending(id, hashHex, utf8Encode(JSON.stringify(c)));
      let receipt: Receipt;
      try {
        [receipt] = (await this.#service.submit([checked])) as [Receipt];
      } catch (err) {
        // Dropped only when the record surely is not on the log. A store or forwarding failure
        // may come after the append (a sequencer that claimed the forwarded write and did not
        // answer in time: `sequenced` 'unknown', store-postgres cluster.ts): the pending
        // contribution then stays, and is folded once the log records its hash (#foldRecorded),
        // never otherwise.
        if (!mayBeAppended(err) && !(await this.#names(id, hashHex))) await keeping?.dropPending(id, hashHex);
        throw err;
      }
      // Durably recorded: now it counts.
      if (this.#shared) {
        // Folded in the log's order with what other instances took meanwhile (#foldRecorded).
        await this.#foldRecorded(e, { c, hash, copied, partial });
      } else {
        await e.aggregator.merge(partial);
        e.folded.add(hash);
        e.holders.add(c.holder);
        e.ciphertexts.add(copied);
      }
      if (keeping !== null && !(await keeping.markKept(id, hashHex))) {
        // Dropped between the append and the mark by an instance whose own append of the same
        // contribution was refused before this one's record was on the log: kept again, since
        // the log names it and other instances fold it from here.
        await keeping.putPending(id, hashHex, utf8Encode(JSON.stringify(c)));
        await keeping.markKept(id, hashHex);
      }
      if (!e.folded.has(hash)) {
        // Only on a shared keeping: other instances' contributions, recorded first, filled the
        // job or carried the same ciphertexts. The record stays on the log; the sum leaves it out.
        throw new DataLedgerError(
          'AGG_CAPACITY_EXCEEDED',
          'contribution: recorded, but not folded: the contributions recorded before it fill the job or carry its ciphertexts',
          {
            details: { index: receipt.index, maxContributors: e.job.maxContributors },
          },
        );
      }
      return receipt;
    });
  }

  /**
   * The encrypted aggregate, once `minContributors` contributions are folded.
   * @throws ServiceError `HTTP_RESULT_NOT_READY`
   */
  async result(id: string): Promise<AggregateResult> {
    const e = await this.#fresh(id);
    return this.#locked(e, async () => {
      await this.#catchUp(e);
      if (e.aggregator.count < e.job.minContributors) {
        throw new ServiceError('HTTP_RESULT_NOT_READY', `job ${id}: ${e.aggregator.count} of ${e.job.minContributors} contributions`, {
          details: { contributions: e.aggregator.count, minContributors: e.job.minContributors },
        });
      }
      return e.aggregator.result();
    });
  }

  /**
   * Appends the `aggregation.released` record of the key holder's release: it must name the
   * current result's hash and contributor count.
   */
  async release(id: string, checked: VerifiedRecord): Promise<Receipt> {
    const { record } = checked;
    const result = await this.result(id);
    const p = record.payload;
    const resultHash = toHex(fromBase64(result.sumHash));
    if (p['jobId'] !== id || p['resultHash'] !== resultHash || p['contributors'] !== result.count) {
      bad('the aggregation.released record must name this job, the result sumHash (hex) and its count', {
        jobId: id,
        resultHash,
        contributors: result.count,
      });
    }
    const [r] = await this.#service.submit([checked]);
    return r as Receipt;
  }

  /** Frees every job's homomorphic state. */
  async close(): Promise<void> {
    for (const e of this.#jobs.values()) await e.aggregator.close();
    this.#jobs.clear();
  }
}
