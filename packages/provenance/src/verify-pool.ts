/**
 * Parallel Ed25519 verification on worker threads, for batch appends and bundle replay.
 *
 * Each worker verifies with node:crypto (OpenSSL), exactly as `@dataledger/core`'s default
 * backend does (RFC 8032 §5.1.7; a public key that is not a curve point verifies nothing),
 * so results are identical to the one-thread path. Jobs travel as three packed buffers
 * (messages + offsets, signatures, public keys) to keep message passing cheap.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** One signature to check. */
export interface SignatureCheck {
  message: Uint8Array;
  /** 64 bytes. */
  signature: Uint8Array;
  /** 32 bytes. */
  publicKey: Uint8Array;
}

/** Verifies many Ed25519 signatures, possibly in parallel. */
export interface SignatureVerifier {
  /** Results in input order: true where the signature verifies. */
  verifyAll(checks: SignatureCheck[]): Promise<boolean[]>;
  /** Stops the workers. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link workerVerifier}. */
export interface WorkerVerifierOptions {
  /** Worker threads (default: the number of CPUs). */
  threads?: number;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
parentPort.on('message', (job) => {
  const n = job.count;
  const msgs = Buffer.from(job.messages);
  const offs = new Uint32Array(job.offsets);
  const sigs = Buffer.from(job.signatures);
  const pks = Buffer.from(job.publicKeys);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const pk = pks.subarray(i * 32, i * 32 + 32);
    const id = pk.toString('latin1');
    let key = keys.get(id);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: Buffer.concat([SPKI, pk]), format: 'der', type: 'spki' });
      } catch {
        key = null;
      }
      if (keys.size > 4096) keys.clear();
      keys.set(id, key);
    }
    if (key === null) continue;
    try {
      out[i] = verify(null, msgs.subarray(offs[i], offs[i + 1]), key, sigs.subarray(i * 64, i * 64 + 64)) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id: job.id, out }, [out.buffer]);
});
`;

interface Pending {
  resolve: (out: Uint8Array) => void;
  reject: (err: unknown) => void;
}

class WorkerSlot {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  /** False once the thread has exited; the pool then replaces the slot. */
  alive = true;
  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; out: Uint8Array }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.worker.unref();
      p?.resolve(m.out);
    });
    this.worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    // A thread can also end without an 'error' event (killed, out of memory): fail what it
    // held instead of leaving its callers waiting forever.
    this.worker.on('exit', (code) => {
      this.alive = false;
      const err = new Error(`verifier: worker thread exited (code ${code})`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }
}

function pack(checks: SignatureCheck[], from: number, to: number): { messages: ArrayBuffer; offsets: ArrayBuffer; signatures: ArrayBuffer; publicKeys: ArrayBuffer } {
  const n = to - from;
  let total = 0;
  for (let i = from; i < to; i++) total += checks[i]!.message.length;
  const messages = new Uint8Array(total);
  const offsets = new Uint32Array(n + 1);
  const signatures = new Uint8Array(n * 64);
  const publicKeys = new Uint8Array(n * 32);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = checks[from + i]!;
    offsets[i] = o;
    messages.set(c.message, o);
    o += c.message.length;
    // Wrong lengths are left as zeros here and reported false after the results return.
    if (c.signature.length === 64) signatures.set(c.signature, i * 64);
    if (c.publicKey.length === 32) publicKeys.set(c.publicKey, i * 32);
  }
  offsets[n] = o;
  return { messages: messages.buffer, offsets: offsets.buffer, signatures: signatures.buffer, publicKeys: publicKeys.buffer };
}

/**
 * A pool of worker threads verifying Ed25519 signatures with node:crypto.
 * @param options - `threads` (default: CPU count)
 * @returns a verifier; call `close()` when done (idle workers do not keep the process alive)
 */
export function workerVerifier(options: WorkerVerifierOptions = {}): SignatureVerifier {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('options.threads: expected a positive integer');
  const slots = Array.from({ length: threads }, () => new WorkerSlot());
  let nextId = 0;
  let closed = false;
  const slotAt = (t: number): WorkerSlot => {
    if (!slots[t]!.alive) slots[t] = new WorkerSlot();
    return slots[t]!;
  };
  const run = (slot: WorkerSlot, checks: SignatureCheck[], from: number, to: number): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      const job = pack(checks, from, to);
      slot.worker.postMessage({ id, count: to - from, ...job }, [job.messages, job.offsets, job.signatures, job.publicKeys]);
    });
  return {
    async verifyAll(checks) {
      if (closed) throw new Error('verifier: closed');
      const n = checks.length;
      if (n === 0) return [];
      const per = Math.ceil(n / threads);
      const parts: Promise<Uint8Array>[] = [];
      for (let t = 0; t * per < n; t++) parts.push(run(slotAt(t), checks, t * per, Math.min(n, (t + 1) * per)));
      const outs = await Promise.all(parts);
      const result = new Array<boolean>(n);
      let i = 0;
      for (const out of outs) for (const b of out) result[i++] = b === 1;
      for (let j = 0; j < n; j++) {
        const c = checks[j]!;
        if (c.signature.length !== 64 || c.publicKey.length !== 32) result[j] = false;
      }
      return result;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
