/**
 * A folding worker thread: checks (layout, signed hash) and folds contributions into its own
 * partial sum. The main thread checks envelopes and signatures, keeps the replay state,
 * decodes the base64 into a slot of memory shared with this worker (structured-cloning a
 * 700 KB string costs more than decoding it, and transferring a fresh buffer per contribution
 * makes both heaps collect garbage constantly), sends the folds of one event-loop turn in one
 * message, and merges the partial sums. A slot is not reused before its fold is answered, so
 * the bytes hashed here are the bytes loaded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkCiphertexts } from './contribution.ts';
import { Folder } from './folder.ts';
import { sealParamsFor } from './seal.ts';

/** Data the main thread starts a worker with. */
export interface FoldWorkerInit {
  scheme: 'bfv' | 'ckks';
  plainModulus: bigint;
  chunks: number;
  /** Slots the main thread decodes ciphertexts into: `slots × chunks × chunkBytes` bytes. */
  shared: SharedArrayBuffer;
  /** Bytes reserved per ciphertext in a slot (the base64 cap, decoded). */
  chunkBytes: number;
}

/** One contribution decoded into a shared slot. */
export interface FoldItem {
  slot: number;
  /** Decoded byte length of each ciphertext in the slot. */
  lengths: number[];
  ciphertextHash: Uint8Array;
}

/** Messages to a worker. Folds come in batches: one message per event-loop turn, not per contribution. */
export type FoldWorkerRequest =
  | { op: 'fold'; id: number; items: FoldItem[] }
  | { op: 'sums'; id: number }
  | { op: 'close'; id: number };

/** Messages from a worker. */
export type FoldWorkerReply =
  | { op: 'ready' }
  | { op: 'done'; id: number; sums?: Uint8Array[] }
  | { op: 'folded'; id: number; errors: ({ code: string; message: string } | null)[] }
  | { op: 'error'; id: number; code: string; message: string };

const port = parentPort;
if (port === null) throw new Error('fold-worker: must run in a worker thread');
const init = workerData as FoldWorkerInit;
const params = await sealParamsFor(init);
const folder = new Folder(params, init.chunks);

port.on('message', (msg: FoldWorkerRequest) => {
  try {
    switch (msg.op) {
      case 'fold': {
        // Each item is all-or-nothing on its own; one refused item does not affect the others.
        const errors = msg.items.map((item) => {
          try {
            const base = item.slot * init.chunks * init.chunkBytes;
            const bytes = item.lengths.map((len, i) => new Uint8Array(init.shared, base + i * init.chunkBytes, Math.min(len, init.chunkBytes)));
            checkCiphertexts(bytes, item.ciphertextHash, params.ciphertext);
            folder.add(bytes);
            return null;
          } catch (err) {
            return coded(err);
          }
        });
        port.postMessage({ op: 'folded', id: msg.id, errors } satisfies FoldWorkerReply);
        break;
      }
      case 'sums': {
        const sums = folder.sums();
        port.postMessage({ op: 'done', id: msg.id, sums } satisfies FoldWorkerReply, sums.map((s) => s.buffer as ArrayBuffer));
        break;
      }
      case 'close':
        folder.dispose();
        port.postMessage({ op: 'done', id: msg.id } satisfies FoldWorkerReply);
        port.close();
        break;
    }
  } catch (err) {
    port.postMessage({ op: 'error', id: msg.id, ...coded(err) } satisfies FoldWorkerReply);
  }
});
port.postMessage({ op: 'ready' } satisfies FoldWorkerReply);

/** The code and message of a caught error (uncoded ones are SEAL failures). */
function coded(err: unknown): { code: string; message: string } {
  const e = err as { name?: unknown; code?: unknown; message?: unknown } | null;
  const isCoded = e !== null && typeof e === 'object' && e.name === 'DataLedgerError' && typeof e.code === 'string';
  return { code: isCoded ? (e.code as string) : 'AGG_SEAL_FAILURE', message: typeof e?.message === 'string' ? e.message : String(err) };
}
