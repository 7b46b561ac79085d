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
 * to `<hash>.contribution.json` once it is; a restart folds the contributions of the holders
 * the ledger records, adopting a pending file only for a recorded holder without a kept one
 * (a crash between the append and the rename).
 */
import { mkdir, readdir, readFile, writeFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalBytes, DataLedgerError, fromBase64, sha256, toBase64, toHex, utf8Encode, type JsonValue } from '@dataledger/core';
import { Aggregator, recomputeAggregate, resolveJob, type AggregateResult, type AggregationJob, type Contribution } from '@dataledger/aggregation';
import type { VerifiedRecord } from '@dataledger/provenance';
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

/** The service's aggregation jobs. */
export class AggregationJobs {
  readonly #service: ServedLedger;
  readonly #dir: string | null;
  readonly #jobs = new Map<string, JobEntry>();
  #loaded: Promise<void> | null = null;

  /**
   * @param service - the ledger the job records go to
   * @param dir - where jobs and contributions are kept (null: memory only)
   */
  constructor(service: ServedLedger, dir: string | null) {
    this.#service = service;
    this.#dir = dir;
  }

  #jobDir(id: string): string {
    return join(this.#dir as string, toHex(sha256(new TextEncoder().encode(id))));
  }

  /** Reloads kept jobs and re-folds their contributions (once). */
  load(): Promise<void> {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load(): Promise<void> {
    if (this.#dir === null) return;
    await mkdir(this.#dir, { recursive: true });
    for (const name of await readdir(this.#dir)) {
      const d = join(this.#dir, name);
      let job: AggregationJob;
      let publicKey: Uint8Array;
      try {
        job = JSON.parse(await readFile(join(d, 'job.json'), 'utf8')) as AggregationJob;
        publicKey = new Uint8Array(await readFile(join(d, 'public.key')));
      } catch {
        continue; // an incomplete job directory (crash while opening): the job was never recorded
      }
      const recorded = this.#service.view().aggregation?.(job.id) as { contributors?: readonly string[] } | undefined;
      if (recorded === undefined) continue;
      // Only contributions whose aggregation.contributed record made it into the ledger: one
      // per recorded holder (the registry allows one), a kept file first, else a pending one.
      const holders = new Set(recorded.contributors ?? []);
      const entry = await this.#entry(job, publicKey);
      const names = await readdir(d);
      const byHolder = new Map<string, Contribution>();
      for (const suffix of [KEPT, PENDING]) {
        for (const f of names.filter((x) => x.endsWith(suffix))) {
          try {
            const c = JSON.parse(await readFile(join(d, f), 'utf8')) as Contribution;
            if (!holders.has(c.holder) || byHolder.has(c.holder)) continue;
            byHolder.set(c.holder, c);
          } catch {
            // an unreadable file (a crash while writing it): its record was never appended
          }
        }
      }
      for (const c of byHolder.values()) {
        try {
          await entry.aggregator.add(c);
          entry.folded.add(contributionHash(c));
          entry.ciphertexts.add(ciphertextsHash(c));
        } catch {
          // a contribution that no longer folds is skipped; the ledger keeps its hash
        }
      }
      this.#jobs.set(job.id, entry);
    }
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
    this.#service.check([checked]);
    const entry = await this.#entry(job, publicKey);
    let receipt: Receipt;
    try {
      [receipt] = (await this.#service.submit([checked])) as [Receipt];
    } catch (err) {
      await entry.aggregator.close();
      throw err;
    }
    this.#jobs.set(resolved.id, entry);
    if (this.#dir !== null) {
      const d = this.#jobDir(resolved.id);
      await mkdir(d, { recursive: true });
      await writeFile(join(d, 'public.key'), publicKey);
      await writeFile(join(d, 'job.json.tmp'), JSON.stringify(jobJson(job)));
      await rename(join(d, 'job.json.tmp'), join(d, 'job.json'));
    }
    return receipt;
  }

  /** A job's public description (parameters, public key, progress). */
  async info(id: string): Promise<AggregationJobInfo> {
    await this.load();
    const e = this.#get(id);
    return {
      job: jobJson(e.job),
      jobHash: toHex(fromBase64(e.jobHash)),
      publicKey: e.publicKeyB64,
      contributions: e.aggregator.count,
      minContributors: e.job.minContributors,
      ready: e.aggregator.count >= e.job.minContributors,
    };
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
    await this.load();
    const e = this.#get(id);
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
      const file = this.#dir === null ? null : join(this.#jobDir(id), toHex(fromBase64(hash)));
      if (file !== null) await writeFile(`${file}${PENDING}`, JSON.stringify(c));
      let receipt: Receipt;
      try {
        [receipt] = (await this.#service.submit([checked])) as [Receipt];
      } catch (err) {
        if (file !== null) await rm(`${file}${PENDING}`, { force: true });
        throw err;
      }
      // Durably recorded: now it counts.
      await e.aggregator.merge(partial);
      e.folded.add(hash);
      e.ciphertexts.add(copied);
      if (file !== null) await rename(`${file}${PENDING}`, `${file}${KEPT}`);
      return receipt;
    });
  }

  /**
   * The encrypted aggregate, once `minContributors` contributions are folded.
   * @throws ServiceError `HTTP_RESULT_NOT_READY`
   */
  async result(id: string): Promise<AggregateResult> {
    await this.load();
    const e = this.#get(id);
    return this.#locked(e, async () => {
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
