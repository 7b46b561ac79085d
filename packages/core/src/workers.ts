/**
 * Worker threads for the packages' parallel paths (signature batches in provenance, folding
 * in aggregation): one implementation of starting a worker file, matching replies to
 * requests, and failing callers when a thread dies, so neither package keeps its own.
 *
 * Worker files are ordinary modules beside the module that starts them: run from source
 * they are `.ts` (Node's type stripping, vitest), run from a compiled package they are `.js`
 * in `dist/`; {@link workerEntry} picks the one that matches the caller's own file.
 *
 * Protocol (structured clone over the worker's `parentPort`):
 * - a worker may post `{ op: 'ready' }` once it has initialised ({@link WorkerThread.ready});
 * - a request carries a numeric `id`; a reply names it: `{ id, … }`, or several at once as
 *   `{ replies: [{ id, … }, …] }`. What else a message holds is the caller's business.
 */
import { Worker } from 'node:worker_threads';

/**
 * The URL of a worker file beside a module: `./name.ts` when the module itself runs from
 * TypeScript source, else `./name.js` (compiled output).
 * @param moduleUrl - the caller's `import.meta.url`
 * @param name - the worker file's name without extension (may be in a subfolder)
 * @returns the worker file's URL
 * @example
 * ```ts
 * const entry = workerEntry(import.meta.url, 'fold-worker');
 * ```
 */
export function workerEntry(moduleUrl: string, name: string): URL {
  if (typeof moduleUrl !== 'string' || moduleUrl === '') throw new TypeError('moduleUrl: expected import.meta.url');
  // A path below the module's folder (segments start with a letter or digit: no `..`).
  if (typeof name !== 'string' || !/^(?:[A-Za-z0-9][A-Za-z0-9._-]*\/)*[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new TypeError('name: expected a file name below the module, without extension');
  }
  const path = new URL(moduleUrl).pathname;
  const ext = path.endsWith('.ts') || path.endsWith('.mts') ? '.ts' : '.js';
  return new URL(`./${name}${ext}`, moduleUrl);
}

/** A reply from a worker: the request id, and whatever the worker says. */
export interface WorkerReply {
  id: number;
  [member: string]: unknown;
}

/** Options of {@link WorkerThread}. */
export interface WorkerThreadOptions {
  /** Data the worker reads as `workerData`. */
  workerData?: unknown;
  /** Turns a thread failure (an error thrown in the worker, an unexpected exit) into the error callers get. */
  failure?: (cause: Error) => Error;
  /** Called once when the thread fails, with the error callers got. */
  onFailure?: (error: Error) => void;
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread with requests matched to replies by id. An idle thread does not keep
 * the process alive; one with requests outstanding does. When the thread fails (throws,
 * exits, is killed), every outstanding request is rejected and later ones are refused.
 */
export class WorkerThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  readonly #ready: Promise<void>;
  readonly #options: WorkerThreadOptions;
  #next = 0;
  #failure: Error | null = null;
  #exited = false;

  /**
   * Starts a worker file.
   * @param entry - the worker file ({@link workerEntry})
   * @param options - worker data and failure mapping
   */
  constructor(entry: URL, options: WorkerThreadOptions = {}) {
    this.#options = options;
    this.#worker = new Worker(entry, options.workerData === undefined ? {} : { workerData: options.workerData });
    this.#worker.unref();
    let markReady: () => void = () => undefined;
    let refuse: (e: Error) => void = () => undefined;
    this.#ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      refuse = reject;
    });
    // A caller that never awaits readiness must not see an unhandled rejection.
    this.#ready.catch(() => undefined);
    this.#worker.on('message', (msg: unknown) => {
      const m = msg as { op?: unknown; id?: unknown; replies?: unknown } | null;
      if (m === null || typeof m !== 'object') return;
      if (m.op === 'ready') return markReady();
      if (Array.isArray(m.replies)) {
        for (const r of m.replies as WorkerReply[]) this.#settle(r);
        return;
      }
      if (typeof m.id === 'number') this.#settle(m as WorkerReply);
    });
    this.#worker.on('error', (err) => {
      this.#fail(err);
      refuse(this.#failure as Error);
    });
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      // An exit without an 'error' event (killed, out of memory, process.exit) still fails
      // whoever was waiting, rather than leaving them waiting forever. A thread that ends
      // with nothing outstanding (it was told to close) has failed no one.
      this.#fail(new Error(`worker thread exited (code ${code})`), this.#pending.size > 0);
      refuse(this.#failure as Error);
    });
  }

  /** Resolves once the worker has posted `{ op: 'ready' }`; rejects if it fails first. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** False once the thread has failed or exited. */
  get alive(): boolean {
    return this.#failure === null && !this.#exited;
  }

  /** The error callers get since the thread failed, or null. */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Requests waiting for a reply. */
  get outstanding(): number {
    return this.#pending.size;
  }

  /** A fresh request id (for a caller that posts several requests in one message). */
  nextId(): number {
    return this.#next++;
  }

  /**
   * Waits for the reply naming `id` (posted later with {@link post}).
   * @returns the reply, or a rejection with the thread's failure
   */
  expect(id: number): Promise<WorkerReply> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
    });
  }

  /**
   * Posts a message (requests whose replies were {@link expect}ed).
   * @param message - any structured-cloneable value
   * @param transfer - buffers moved to the worker (no longer usable here)
   */
  post(message: unknown, transfer: readonly ArrayBuffer[] = []): void {
    if (this.#failure !== null) throw this.#failure;
    this.#worker.postMessage(message, transfer as ArrayBuffer[]);
  }

  /**
   * Sends one request and waits for its reply.
   * @param message - the request; its `id` is set here
   * @param transfer - buffers moved to the worker
   * @returns the reply
   */
  call(message: Record<string, unknown>, transfer: readonly ArrayBuffer[] = []): Promise<WorkerReply> {
    const id = this.nextId();
    const reply = this.expect(id);
    if (this.#failure === null) this.post({ ...message, id }, transfer);
    return reply;
  }

  /** Stops the thread; outstanding requests are rejected. Idempotent. */
  async terminate(): Promise<void> {
    // Stopping on purpose is not a failure: outstanding requests are refused, but
    // `onFailure` is not told.
    this.#fail(new Error('worker thread terminated'), false);
    if (!this.#exited) await this.#worker.terminate();
  }

  #settle(reply: WorkerReply): void {
    const p = this.#pending.get(reply.id);
    if (p === undefined) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0) this.#worker.unref();
    p.resolve(reply);
  }

  #fail(cause: Error, notify = true): void {
    if (this.#failure !== null) return;
    const error = this.#options.failure?.(cause) ?? cause;
    this.#failure = error;
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    this.#worker.unref();
    for (const p of waiting) p.reject(error);
    if (notify) this.#options.onFailure?.(error);
  }
}

/** Options of {@link WorkerPool}. */
export interface WorkerPoolOptions extends WorkerThreadOptions {
  /** Threads (a positive integer). */
  threads: number;
  /** Replace a thread that failed when it is next asked for (default false: it stays failed). */
  restart?: boolean;
}

/**
 * A fixed number of {@link WorkerThread}s on one worker file. Which thread does what is the
 * caller's choice (slices of a batch, contributions by free buffer); the pool starts,
 * replaces and stops them.
 * @example
 * ```ts
 * const pool = new WorkerPool(workerEntry(import.meta.url, 'verify-worker'), { threads: 4, restart: true });
 * const reply = await pool.thread(0).call({ op: 'verify', … });
 * await pool.close();
 * ```
 */
export class WorkerPool {
  readonly #entry: URL;
  readonly #options: WorkerPoolOptions;
  readonly #threads: WorkerThread[];
  #closed = false;

  /**
   * @param entry - the worker file ({@link workerEntry})
   * @param options - thread count, worker data, failure mapping, restart policy
   */
  constructor(entry: URL, options: WorkerPoolOptions) {
    if (!Number.isSafeInteger(options.threads) || options.threads < 1) throw new RangeError('options.threads: expected a positive integer');
    this.#entry = entry;
    this.#options = options;
    this.#threads = Array.from({ length: options.threads }, () => new WorkerThread(entry, options));
  }

  /** Number of threads. */
  get size(): number {
    return this.#threads.length;
  }

  /** Every thread (for callers that address all of them, e.g. to collect partial results). */
  get threads(): readonly WorkerThread[] {
    return this.#threads;
  }

  /** Resolves when every thread has posted `{ op: 'ready' }`. */
  async ready(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.ready()));
  }

  /**
   * The thread at `index`, replaced first if it failed and the pool restarts threads.
   * @throws Error when the pool is closed
   */
  thread(index: number): WorkerThread {
    if (this.#closed) throw new Error('worker pool: closed');
    const t = this.#threads[index];
    if (t === undefined) throw new RangeError(`index: expected 0..${this.#threads.length - 1}`);
    if (t.alive || this.#options.restart !== true) return t;
    const fresh = new WorkerThread(this.#entry, this.#options);
    this.#threads[index] = fresh;
    return fresh;
  }

  /** Stops every thread. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(this.#threads.map((t) => t.terminate()));
  }
}
