/**
 * The signature-verification worker thread of {@link workerVerifier}: checks packed batches
 * of Ed25519 signatures with `@dataledger/core`'s `verify` (core's one acceptance rule,
 * `ED25519_VERIFICATION_RULE`; a public key that is not a curve point verifies nothing), so
 * the answers are those of the one-thread path.
 *
 * Request: `{ id, count, messages, offsets, signatures, publicKeys }` (transferred buffers:
 * the messages back to back with `count + 1` Uint32 offsets, 64-byte signatures, 32-byte
 * keys). Reply: `{ id, out }`, one byte per signature, 1 where it verifies.
 */
import { parentPort } from 'node:worker_threads';
import { verify } from '@dataledger/core';

/** A batch of signatures to check. */
export interface VerifyJob {
  id: number;
  count: number;
  messages: ArrayBuffer;
  offsets: ArrayBuffer;
  signatures: ArrayBuffer;
  publicKeys: ArrayBuffer;
}

if (parentPort === null) throw new Error('verify-worker: must run in a worker thread');
const port = parentPort;

port.on('message', (job: VerifyJob) => {
  const n = job.count;
  const messages = new Uint8Array(job.messages);
  const offsets = new Uint32Array(job.offsets);
  const signatures = new Uint8Array(job.signatures);
  const publicKeys = new Uint8Array(job.publicKeys);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    try {
      const ok = verify(signatures.subarray(i * 64, i * 64 + 64), messages.subarray(offsets[i], offsets[i + 1]), publicKeys.subarray(i * 32, i * 32 + 32));
      out[i] = ok ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  port.postMessage({ id: job.id, out }, [out.buffer]);
});

port.postMessage({ op: 'ready' });
