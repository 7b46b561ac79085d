/**
 * Parallel Ed25519 verification on worker threads, for batch appends and bundle replay.
 *
 * Each worker (`verify-worker.ts`) verifies with `@dataledger/core`'s `verify` (its default
 * backend under core's one acceptance rule, `ED25519_VERIFICATION_RULE`; a public key that is
 * not a curve point verifies nothing), so results are identical to the one-thread path. Jobs travel as packed buffers (messages +
 * offsets, signatures, public keys), transferred rather than copied. The threads are core's
 * {@link WorkerPool}, the one pool of the packages.
 */
import { availableParallelism } from 'node:os';
import { WorkerPool, workerEntry } from '@dataledger/core';

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

function pack(
  checks: SignatureCheck[],
  from: number,
  to: number,
): { messages: ArrayBuffer; offsets: ArrayBuffer; signatures: ArrayBuffer; publicKeys: ArrayBuffer } {
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
 * A pool of worker threads verifying Ed25519 signatures with core's `verify`.
 * @param options - `threads` (default: CPU count)
 * @returns a verifier; call `close()` when done (idle workers do not keep the process alive)
 */
export function workerVerifier(options: WorkerVerifierOptions = {}): SignatureVerifier {
  const threads = options.threads ?? Math.max(1, availableParallelism());
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError('options.threads: expected a positive integer');
  // A thread that died (killed, out of memory) fails its callers and is replaced on next use.
  const pool = new WorkerPool(workerEntry(import.meta.url, 'verify-worker'), {
    threads,
    restart: true,
    failure: (cause) => new Error(`verifier: ${cause.message}`, { cause }),
  });
  let closed = false;
  const run = async (t: number, checks: SignatureCheck[], from: number, to: number): Promise<Uint8Array> => {
    const job = pack(checks, from, to);
    const reply = await pool.thread(t).call({ count: to - from, ...job }, [job.messages, job.offsets, job.signatures, job.publicKeys]);
    return reply['out'] as Uint8Array;
  };
  return {
    async verifyAll(checks) {
      if (closed) throw new Error('verifier: closed');
      const n = checks.length;
      if (n === 0) return [];
      const per = Math.ceil(n / threads);
      const parts: Promise<Uint8Array>[] = [];
      for (let t = 0; t * per < n; t++) parts.push(run(t, checks, t * per, Math.min(n, (t + 1) * per)));
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
      await pool.close();
    },
  };
}
