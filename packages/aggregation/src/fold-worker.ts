/**
 * A folding worker thread: checks (holder signature, layout, signed hash) and folds
 * contributions into its own partial sum, answering each contribution as soon as it is
 * folded (one answer per batch would leave the main thread idle while a batch folds, then
 * the workers idle while it feeds them). The main thread checks envelopes, keeps the replay
 * state, decodes the base64 into one of a few buffers that travel to this worker and back
 * (transferred, never copied: structured-cloning a 700 KB string costs more than decoding
 * it, allocating a fresh buffer per contribution makes both heaps collect garbage
 * constantly, and reading a SharedArrayBuffer just written by another core takes V8's and
 * Node's slow paths for shared memory, which cost more than the hash), sends the folds of one
 * event-loop turn in one message, and merges the partial sums. While a buffer is here the
 * main thread cannot touch it, so the bytes hashed are the bytes loaded. Checks run in the
 * order of the single-thread path: signature, layout, signed hash, load, add.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { checkCiphertexts, verifyParsedSignature } from './contribution.ts';
import { Folder } from './folder.ts';
import { sealParamsFor } from './seal.ts';

/** Data the main thread starts a worker with. */
export interface FoldWorkerInit {
  scheme: 'bfv' | 'ckks';
  plainModulus: bigint;
  chunks: number;
  /** Bytes reserved per ciphertext in a buffer (the base64 cap, decoded). */
  chunkBytes: number;
}

/** One contribution, decoded into a transferred buffer. */
export interface FoldItem {
  /** Answered by one `item` reply with this id, which transfers `buffer` back. */
  id: number;
  /** `chunks × chunkBytes` bytes: ciphertext i at `i × chunkBytes`. */
  buffer: ArrayBuffer;
  /** Decoded byte length of each ciphertext in the buffer. */
  lengths: number[];
  ciphertextHash: Uint8Array;
  /** The holder's signed message, signature and public key ({@link verifyParsedSignature}). */
  message: Uint8Array;
  signature: Uint8Array;
  holderKey: Uint8Array;
}

/** Messages to a worker. Folds come in batches: one message per event-loop turn, not per contribution. */
export type FoldWorkerRequest = { op: 'fold'; items: FoldItem[] } | { op: 'sums'; id: number } | { op: 'close'; id: number };

/** Messages from a worker. */
export type FoldWorkerReply =
  | { op: 'ready' }
  | { op: 'done'; id: number; sums?: Uint8Array[] }
  | { op: 'items'; replies: { id: number; buffer: ArrayBuffer; error: { code: string; message: string } | null }[] }
  | { op: 'error'; id: number; code: string; message: string };

if (parentPort === null) throw new Error('fold-worker: must run in a worker thread');
const port: MessagePort = parentPort;
const init = workerData as FoldWorkerInit;
const params = await sealParamsFor(init);
const folder = new Folder(params, init.chunks);

/**
 * Answers not yet posted. Each post wakes the main thread, and on a virtual machine waking an
 * idle CPU costs about as much as the message itself, so answers go out in pairs, and
 * whatever is left as soon as no request is waiting (with four buffers per worker, the main
 * thread still has one queued here while it refills the other).
 */
let replies: { id: number; buffer: ArrayBuffer; error: { code: string; message: string } | null }[] = [];
const REPLY_EVERY = 2;

function flush(): void {
  if (replies.length === 0) return;
  const out = replies;
  replies = [];
  port.postMessage(
    { op: 'items', replies: out } satisfies FoldWorkerReply,
    out.map((r) => r.buffer),
  );
}

function handle(msg: FoldWorkerRequest): void {
  try {
    switch (msg.op) {
      case 'fold': {
        // Each item is all-or-nothing on its own; one refused item does not affect the others.
        for (const item of msg.items) {
          let error: { code: string; message: string } | null = null;
          try {
            verifyParsedSignature(item);
            if (item.buffer.byteLength < item.lengths.length * init.chunkBytes) throw new RangeError('fold: short buffer');
            const bytes = item.lengths.map((len, i) => new Uint8Array(item.buffer, i * init.chunkBytes, Math.min(len, init.chunkBytes)));
            checkCiphertexts(bytes, item.ciphertextHash, params.ciphertext);
            folder.add(bytes);
          } catch (err) {
            error = coded(err);
          }
          replies.push({ id: item.id, buffer: item.buffer, error });
          if (replies.length >= REPLY_EVERY) flush();
        }
        break;
      }
      case 'sums': {
        flush();
        const sums = folder.sums();
        port.postMessage(
          { op: 'done', id: msg.id, sums } satisfies FoldWorkerReply,
          sums.map((s) => s.buffer as ArrayBuffer),
        );
        break;
      }
      case 'close':
        flush();
        folder.dispose();
        port.postMessage({ op: 'done', id: msg.id } satisfies FoldWorkerReply);
        port.close();
        break;
    }
  } catch (err) {
    flush();
    if ('id' in msg) port.postMessage({ op: 'error', id: msg.id, ...coded(err) } satisfies FoldWorkerReply);
  }
}

port.on('message', (first: FoldWorkerRequest) => {
  // Take every request already waiting before answering the last ones.
  let msg: { message: FoldWorkerRequest } | undefined = { message: first };
  while (msg !== undefined) {
    handle(msg.message);
    if (msg.message.op === 'close') return;
    msg = receiveMessageOnPort(port) as { message: FoldWorkerRequest } | undefined;
  }
  flush();
});

port.postMessage({ op: 'ready' } satisfies FoldWorkerReply);

/** The code and message of a caught error (uncoded ones are SEAL failures). */
function coded(err: unknown): { code: string; message: string } {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  const isCoded = e !== null && typeof e === 'object' && e.name === 'DataLedgerError' && typeof e.code === 'string';
  return { code: isCoded ? (e.code as string) : 'AGG_SEAL_FAILURE', message: typeof e?.message === 'string' ? e.message : String(err) };
}
