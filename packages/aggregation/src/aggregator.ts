/**
 * The untrusted aggregator: folds signed contributions into a running encrypted sum.
 * It never holds a secret key and never calls `invariantNoiseBudget` (on attacker-chosen
 * ciphertexts it leaks the secret key). Each contribution is checked in order, cheapest
 * first — envelope and signature, replay, size, SEAL layout and parms id, signed hash — and
 * only then loaded and added; a refused contribution leaves the total unchanged.
 */
import { DataLedgerError, WorkerThread, workerEntry, type WorkerReply } from '@dataledger/core';
import {
  type CheckedContribution,
  type Contribution,
  type ContributionTarget,
  type ParsedContribution,
  checkContribution,
  parseContribution,
  verifyParsedSignature,
  contributionTarget,
  base64Length,
  decodeCiphertexts,
  decodeScratch,
} from './contribution.ts';
import { type AggregationErrorCode, aggError } from './errors.ts';
import type { FoldItem, FoldWorkerInit, FoldWorkerReply, FoldWorkerRequest } from './fold-worker.ts';
import { Folder } from './folder.ts';
import { checkPublicKeyBytes } from './format.ts';
import { type AggregationJob, type ResolvedJob, resolveJob } from './job.ts';
import { type AggregateResult, buildResult, checkResult } from './result.ts';
import { type SealParams, sealParamsFor } from './seal.ts';

/** Options of {@link Aggregator.create}. */
export interface AggregatorOptions {
  /**
   * Worker threads that fold in parallel (each with its own partial sum; the main thread
   * keeps the replay state and merges). Default 0: fold on the calling thread.
   */
  threads?: number;
  /**
   * Refuse a ciphertext already folded under another holder (`AGG_DUPLICATE_CIPHERTEXT`).
   * Default true: honest encryptions never repeat, so a repeat is someone's input counted twice.
   * It only catches verbatim copies —
   * anyone holding the public key can re-randomize a copied ciphertext (add an encryption of
   * zero), so it is a tripwire, not a defence against input copying (that needs proofs of
   * plaintext knowledge).
   */
  rejectCopiedCiphertexts?: boolean;
}

/** What {@link Aggregator.add} answers for an accepted contribution. */
export interface ContributionReceipt {
  /** The contribution hash (base64), as listed in the result. */
  hash: string;
  holder: string;
  /** Contributions folded so far, this one included. */
  count: number;
}

/** A worker's answer to one fold. */
type ItemReply = Extract<FoldWorkerReply, { op: 'items' }>['replies'][number];

type Outgoing = FoldWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Decode buffers per worker: contributions decoded and waiting to be folded. */
const SLOTS_PER_WORKER = 4;

/**
 * One folding worker thread (core's {@link WorkerThread} on `fold-worker`), its decode
 * buffers and its queued folds.
 */
class FoldWorker {
  readonly #thread: WorkerThread;
  /** Folds waiting for the end of this event-loop turn, to go in one message. */
  #batch: { item: FoldItem; reply: Promise<WorkerReply> }[] = [];
  #items = 0;
  /** Decode buffers by slot; null while one is with the worker. */
  readonly #buffers: (ArrayBuffer | null)[];
  readonly #free: number[];
  readonly #chunks: number;
  readonly #chunkBytes: number;
  readonly #onSlotFree: () => void;

  private constructor(thread: WorkerThread, chunks: number, chunkBytes: number, onSlotFree: () => void) {
    this.#thread = thread;
    this.#chunkBytes = chunkBytes;
    this.#chunks = chunks;
    this.#buffers = Array.from({ length: SLOTS_PER_WORKER }, () => new ArrayBuffer(chunks * chunkBytes));
    this.#free = Array.from({ length: SLOTS_PER_WORKER }, (_, s) => s);
    this.#onSlotFree = onSlotFree;
  }

  static async start(
    init: Omit<FoldWorkerInit, 'chunkBytes'>,
    chunkBytes: number,
    onSlotFree: () => void,
    onFailure: (e: DataLedgerError) => void,
  ): Promise<FoldWorker> {
    const thread = new WorkerThread(workerEntry(import.meta.url, 'fold-worker'), {
      workerData: { ...init, chunkBytes } satisfies FoldWorkerInit,
      failure: (cause) => aggError('AGG_WORKER_FAILED', 'fold worker failed', undefined, cause),
      onFailure: (e) => onFailure(e as DataLedgerError),
    });
    const fw = new FoldWorker(thread, init.chunks, chunkBytes, onSlotFree);
    await thread.ready();
    return fw;
  }

  /** Contributions queued or being folded by this worker. */
  get load(): number {
    return this.#items;
  }

  get hasFreeSlot(): boolean {
    return this.#free.length > 0 && this.#thread.failure === null;
  }

  async call(msg: Outgoing): Promise<FoldWorkerReply> {
    const reply = (await this.#thread.call(msg)) as unknown as FoldWorkerReply;
    if (reply.op === 'error') throw aggError(reply.code as AggregationErrorCode, reply.message);
    return reply;
  }

  /** The worker's serialized partial sum. */
  async sums(): Promise<Uint8Array[]> {
    const reply = await this.call({ op: 'sums' });
    return reply.op === 'done' ? (reply.sums ?? []) : [];
  }

  /**
   * Decodes base64 ciphertexts (already size-capped) into a free slot and has the worker
   * verify the holder signature, check the ciphertexts and fold them. Call only when
   * {@link hasFreeSlot}. Folds requested in one event-loop turn travel in one message
   * (posting a message costs about as much as a SHA-256 of the ciphertext); each is answered
   * on its own as soon as it is folded, which frees its slot.
   */
  async fold(c: ParsedContribution): Promise<void> {
    const failure = this.#thread.failure;
    if (failure !== null) throw failure;
    const slot = this.#free.pop() as number;
    const buffer = this.#buffers[slot] ?? new ArrayBuffer(this.#chunks * this.#chunkBytes);
    this.#buffers[slot] = null;
    const lengths = c.ciphertexts.map((s, i) => Buffer.from(buffer, i * this.#chunkBytes, this.#chunkBytes).write(s, 0, this.#chunkBytes, 'base64'));
    this.#items++;
    const id = this.#thread.nextId();
    const reply = this.#thread.expect(id);
    // Fresh copies: each may be a view on a pooled 8 KB buffer, which a clone would copy whole.
    const item: FoldItem = {
      id,
      buffer,
      lengths,
      ciphertextHash: new Uint8Array(c.ciphertextHash),
      message: new Uint8Array(c.message),
      signature: new Uint8Array(c.signature),
      holderKey: new Uint8Array(c.holderKey),
    };
    this.#batch.push({ item, reply });
    if (this.#batch.length === 1) queueMicrotask(() => this.#flush());
    let error: Error | null = null;
    try {
      const r = (await reply) as unknown as ItemReply;
      // The buffer comes back for the next contribution (a missing one is reallocated).
      if (r.buffer instanceof ArrayBuffer && r.buffer.byteLength === this.#chunks * this.#chunkBytes) this.#buffers[slot] = r.buffer;
      if (r.error !== null) error = aggError(r.error.code as AggregationErrorCode, r.error.message);
    } catch (err) {
      error = err as Error;
    }
    this.#items--;
    this.#free.push(slot);
    this.#onSlotFree();
    if (error !== null) throw error;
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0 || this.#thread.failure !== null) return;
    const items = batch.map((b) => b.item);
    this.#thread.post(
      { op: 'fold', items } satisfies FoldWorkerRequest,
      items.map((i) => i.buffer),
    );
  }

  async close(): Promise<void> {
    if (this.#thread.failure === null) await this.call({ op: 'close' }).catch(() => undefined);
    await this.#thread.terminate();
  }
}

/**
 * Folds contributions of one job. Create with {@link Aggregator.create}; call
 * {@link Aggregator.close} when done (frees the SEAL objects and stops the workers).
 *
 * @example
 * ```ts
 * const agg = await Aggregator.create(job, keys.publicKey);
 * for (const c of contributions) await agg.add(c);
 * const result = await agg.result();
 * await agg.close();
 * ```
 */
export class Aggregator {
  /** The resolved job. */
  readonly job: ResolvedJob;
  /** The job id, job hash and public-key hash every contribution must carry. */
  readonly target: ContributionTarget;
  readonly #params: SealParams;
  readonly #folder: Folder;
  readonly #workers: FoldWorker[];
  readonly #scratch: Buffer[];
  /** Reserved (in flight) or folded: contribution hashes, holders, ciphertext hashes. */
  readonly #seen = new Set<string>();
  readonly #holders = new Set<string>();
  readonly #ciphertexts = new Set<string>();
  /** Folded contribution hashes (what the result lists). */
  readonly #folded = new Set<string>();
  readonly #inflight = new Set<Promise<unknown>>();
  /**
   * Worker threads only: the reservations of contributions whose signature a worker has not
   * verified yet (keys `h:` hash, `o:` holder, `c:` ciphertext hash), each to the promise that
   * settles when that contribution is folded or refused.
   */
  readonly #tentative = new Map<string, Promise<void>>();
  readonly #unsettled = new Set<Promise<void>>();
  readonly #slotWaiters: (() => void)[] = [];
  readonly #rejectCopies: boolean;
  #failure: DataLedgerError | null = null;
  #closed = false;

  private constructor(job: ResolvedJob, target: ContributionTarget, params: SealParams, workers: FoldWorker[], rejectCopies: boolean) {
    this.job = job;
    this.#rejectCopies = rejectCopies;
    this.target = target;
    this.#params = params;
    this.#folder = new Folder(params, job.ciphertextCount);
    this.#workers = workers;
    this.#scratch = workers.length === 0 ? decodeScratch(job.ciphertextCount, params.ciphertext) : [];
  }

  /**
   * Creates an aggregator for `job`, accepting contributions encrypted under `publicKey`.
   * @param job - the job
   * @param publicKey - the serialized job public key (only its hash and parms id are used)
   * @param options - worker threads, copied-ciphertext tripwire
   * @throws DataLedgerError `AGG_JOB_INVALID`, `AGG_BOUNDS_OVERFLOW`, `AGG_KEY_INVALID`
   */
  static async create(job: AggregationJob, publicKey: Uint8Array, options: AggregatorOptions = {}): Promise<Aggregator> {
    const r = resolveJob(job);
    const params = await sealParamsFor(r);
    if (!(publicKey instanceof Uint8Array)) throw aggError('AGG_KEY_INVALID', 'publicKey: expected a Uint8Array');
    checkPublicKeyBytes(publicKey, params.publicKey);
    const threads = options.threads ?? 0;
    if (!Number.isSafeInteger(threads) || threads < 0 || threads > 64) throw new RangeError('options.threads: expected an integer in [0, 64]');
    let agg: Aggregator | undefined;
    const chunkBytes = (base64Length(params.ciphertextBytes) / 4) * 3;
    const workers = await Promise.all(
      Array.from({ length: threads }, () =>
        FoldWorker.start(
          { scheme: r.scheme, plainModulus: r.plainModulus, chunks: r.ciphertextCount },
          chunkBytes,
          () => {
            if (agg !== undefined) agg.#wakeOne();
          },
          (e) => {
            if (agg === undefined) return;
            agg.#failure ??= e;
            agg.#wakeAll();
          },
        ),
      ),
    );
    agg = new Aggregator(r, contributionTarget(r, publicKey), params, workers, options.rejectCopiedCiphertexts !== false);
    return agg;
  }

  /** Contributions folded so far. */
  get count(): number {
    return this.#folded.size;
  }

  #usable(): void {
    if (this.#closed) throw new Error('Aggregator: closed');
    if (this.#failure !== null) throw this.#failure;
  }

  #reserve(c: CheckedContribution): string {
    const ctHash = Buffer.from(c.ciphertextHash).toString('base64');
    if (this.#seen.has(c.hash)) throw aggError('AGG_REPLAY', 'contribution: already folded', { hash: c.hash });
    if (this.#holders.has(c.holder)) throw aggError('AGG_DUPLICATE_HOLDER', 'contribution: the holder already contributed', { holder: c.holder });
    // Honest encryptions are randomized and never repeat; a repeat is someone else's input copied.
    if (this.#rejectCopies && this.#ciphertexts.has(ctHash))
      throw aggError('AGG_DUPLICATE_CIPHERTEXT', 'contribution: ciphertext already folded under another holder');
    if (this.#seen.size >= this.job.maxContributors) {
      throw aggError('AGG_CAPACITY_EXCEEDED', 'contribution: the job already has maxContributors contributions', { maxContributors: this.job.maxContributors });
    }
    this.#seen.add(c.hash);
    this.#holders.add(c.holder);
    if (this.#rejectCopies) this.#ciphertexts.add(ctHash);
    return ctHash;
  }

  /**
   * The first conflict {@link #reserve} would report, in its order, when it is only a
   * tentative reservation (unverified, in flight): the promise to wait for before deciding.
   * Null when nothing conflicts or the first conflict is final.
   */
  #blocker(c: CheckedContribution, ctHash: string): Promise<void> | null {
    if (this.#seen.has(c.hash)) return this.#tentative.get(`h:${c.hash}`) ?? null;
    if (this.#holders.has(c.holder)) return this.#tentative.get(`o:${c.holder}`) ?? null;
    if (this.#rejectCopies && this.#ciphertexts.has(ctHash)) return this.#tentative.get(`c:${ctHash}`) ?? null;
    if (this.#seen.size >= this.job.maxContributors) {
      for (const p of this.#unsettled) return p;
    }
    return null;
  }

  /** True when {@link #reserve} would refuse `c`. */
  #conflicts(c: CheckedContribution, ctHash: string): boolean {
    return (
      this.#seen.has(c.hash) ||
      this.#holders.has(c.holder) ||
      (this.#rejectCopies && this.#ciphertexts.has(ctHash)) ||
      this.#seen.size >= this.job.maxContributors
    );
  }

  /**
   * The worker-thread path of {@link add}. The signature is verified on the worker, so a
   * reservation stays tentative until the worker answers: a contribution that conflicts
   * only with a tentative one waits for it to settle (an unverified envelope naming someone
   * else's holder must not get their contribution refused), and one that conflicts with a
   * folded one has its signature verified here first, so the codes and their precedence are
   * those of the single-thread path (signature, then replay state, then the ciphertexts).
   */
  async #addThreaded(c: ParsedContribution): Promise<ContributionReceipt> {
    const ctHash = Buffer.from(c.ciphertextHash).toString('base64');
    for (let wait = this.#blocker(c, ctHash); wait !== null; wait = this.#blocker(c, ctHash)) {
      await wait;
      this.#usable();
    }
    if (this.#conflicts(c, ctHash)) verifyParsedSignature(c);
    this.#reserve(c);
    let settled!: () => void;
    const done = new Promise<void>((resolve) => {
      settled = resolve;
    });
    const keys = [`h:${c.hash}`, `o:${c.holder}`, ...(this.#rejectCopies ? [`c:${ctHash}`] : [])];
    for (const k of keys) this.#tentative.set(k, done);
    this.#unsettled.add(done);
    try {
      let worker = this.#pickWorker();
      while (worker === null) {
        await new Promise<void>((resolve) => this.#slotWaiters.push(resolve));
        this.#usable();
        worker = this.#pickWorker();
      }
      await worker.fold(c);
      this.#folded.add(c.hash);
      return { hash: c.hash, holder: c.holder, count: this.#folded.size };
    } catch (err) {
      this.#release(c, ctHash);
      throw err;
    } finally {
      for (const k of keys) if (this.#tentative.get(k) === done) this.#tentative.delete(k);
      this.#unsettled.delete(done);
      settled();
    }
  }

  /** The least loaded worker with a free slot, or null when every slot is busy. */
  #pickWorker(): FoldWorker | null {
    let best: FoldWorker | null = null;
    for (const w of this.#workers) if (w.hasFreeSlot && (best === null || w.load < best.load)) best = w;
    return best;
  }

  #wakeOne(): void {
    this.#slotWaiters.shift()?.();
  }

  #wakeAll(): void {
    for (const w of this.#slotWaiters.splice(0)) w();
  }

  #release(c: CheckedContribution, ctHash: string): void {
    this.#seen.delete(c.hash);
    this.#holders.delete(c.holder);
    this.#ciphertexts.delete(ctHash);
  }

  /**
   * Checks and folds one untrusted contribution.
   * @param contribution - the envelope, as received
   * @returns the receipt (contribution hash, holder, running count)
   * @throws DataLedgerError `AGG_CONTRIBUTION_MALFORMED`, `AGG_JOB_MISMATCH`, `AGG_KEY_MISMATCH`, `AGG_SIGNATURE_INVALID`,
   *   `AGG_REPLAY`, `AGG_DUPLICATE_HOLDER`, `AGG_DUPLICATE_CIPHERTEXT`, `AGG_CAPACITY_EXCEEDED`, `AGG_CIPHERTEXT_TOO_LARGE`,
   *   `AGG_CIPHERTEXT_MALFORMED`, `AGG_PARAMS_MISMATCH`, `AGG_CIPHERTEXT_HASH_MISMATCH`, `AGG_WORKER_FAILED`
   */
  add(contribution: Contribution | unknown): Promise<ContributionReceipt> {
    try {
      this.#usable();
      if (this.#workers.length > 0) {
        const parsed = parseContribution(contribution, this.target, this.job.ciphertextCount, this.#params.ciphertextBytes);
        const p = this.#addThreaded(parsed);
        this.#inflight.add(p);
        const done = (): void => void this.#inflight.delete(p);
        p.then(done, done);
        return p;
      }
      const c = checkContribution(contribution, this.target, this.job.ciphertextCount, this.#params.ciphertextBytes);
      const ctHash = this.#reserve(c);
      try {
        this.#folder.add(decodeCiphertexts(c.ciphertexts, c.ciphertextHash, this.#params.ciphertext, this.#scratch));
      } catch (err) {
        this.#release(c, ctHash);
        throw err;
      }
      this.#folded.add(c.hash);
      return Promise.resolve({ hash: c.hash, holder: c.holder, count: this.#folded.size });
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Merges a partial aggregate of the same job and key (from another aggregator).
   * @param partial - the other aggregator's result
   * @throws DataLedgerError `AGG_RESULT_INVALID`, `AGG_JOB_MISMATCH`, `AGG_KEY_MISMATCH`, `AGG_MERGE_OVERLAP`, `AGG_CAPACITY_EXCEEDED`
   */
  async merge(partial: AggregateResult | unknown): Promise<void> {
    this.#usable();
    const r = checkResult(partial, this.target, this.job.maxContributors, this.job.ciphertextCount, this.#params.ciphertext);
    for (const h of r.contributions) {
      if (this.#seen.has(h)) throw aggError('AGG_MERGE_OVERLAP', 'merge: a contribution is in both aggregates', { hash: h });
    }
    if (this.#seen.size + r.count > this.job.maxContributors) throw aggError('AGG_CAPACITY_EXCEEDED', 'merge: more than maxContributors');
    if (r.count === 0) return;
    this.#folder.add(r.sum);
    for (const h of r.contributions) {
      this.#seen.add(h);
      this.#folded.add(h);
    }
  }

  /**
   * The aggregate so far: sorted contribution hashes, the serialized sum and its hash.
   * Waits for contributions still being folded by workers.
   */
  async result(): Promise<AggregateResult> {
    this.#usable();
    await Promise.allSettled([...this.#inflight]);
    this.#usable();
    const parts: Uint8Array[][] = [];
    if (!this.#folder.empty) parts.push(this.#folder.sums());
    for (const w of this.#workers) {
      const s = await w.sums();
      if (s.length > 0) parts.push(s);
    }
    let sum: Uint8Array[];
    if (parts.length <= 1) sum = parts[0] ?? [];
    else {
      const tmp = new Folder(this.#params, this.job.ciphertextCount);
      try {
        for (const p of parts) tmp.add(p);
        sum = tmp.sums();
      } finally {
        tmp.dispose();
      }
    }
    return buildResult(this.target, this.#folded, sum);
  }

  /** Stops the workers and frees every SEAL object. The aggregator is unusable afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    await Promise.all(this.#workers.map((w) => w.close()));
    this.#folder.dispose();
  }
}

/**
 * Recomputes the aggregate of `contributions` from scratch (any order): what anyone holding
 * the committed contributions does to check a published result.
 * @returns the recomputed result
 * @throws DataLedgerError as {@link Aggregator.add} for a contribution that does not pass
 */
export async function recomputeAggregate(
  job: AggregationJob,
  publicKey: Uint8Array,
  contributions: Iterable<Contribution | unknown>,
): Promise<AggregateResult> {
  const agg = await Aggregator.create(job, publicKey);
  try {
    for (const c of contributions) await agg.add(c);
    return await agg.result();
  } finally {
    await agg.close();
  }
}

/**
 * True when `result` is exactly the aggregate of `contributions`: the same contribution
 * hashes and the same sum, byte for byte. False when any contribution is refused.
 * @returns whether the result is the recomputation
 */
export async function verifyAggregate(
  job: AggregationJob,
  publicKey: Uint8Array,
  result: AggregateResult,
  contributions: Iterable<Contribution | unknown>,
): Promise<boolean> {
  let again: AggregateResult;
  try {
    again = await recomputeAggregate(job, publicKey, contributions);
  } catch (err) {
    if (err instanceof DataLedgerError) return false;
    throw err;
  }
  return (
    again.jobHash === result.jobHash &&
    again.keyHash === result.keyHash &&
    again.count === result.count &&
    again.sumHash === result.sumHash &&
    again.contributions.length === result.contributions.length &&
    again.contributions.every((h, i) => h === result.contributions[i]) &&
    again.sum.length === result.sum.length &&
    again.sum.every((s, i) => s === result.sum[i])
  );
}

/**
 * Merges partial aggregates of one job (e.g. from several aggregators) into one result.
 * @returns the merged result
 * @throws DataLedgerError as {@link Aggregator.merge}
 */
export async function mergeAggregates(job: AggregationJob, publicKey: Uint8Array, partials: Iterable<AggregateResult | unknown>): Promise<AggregateResult> {
  const agg = await Aggregator.create(job, publicKey);
  try {
    for (const p of partials) await agg.merge(p);
    return await agg.result();
  } finally {
    await agg.close();
  }
}
