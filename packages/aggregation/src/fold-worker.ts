/**
 * A folding worker thread: checks (layout, signed hash) and folds contributions into its own
 * partial sum. The main thread checks envelopes and signatures, keeps the replay state,
 * decodes the base64 into a slot of memory shared with this worker (structured-cloning a
 * 700 KB string costs more than decoding it, and transferring a fresh buffer per contribution
 * makes both heaps collect garbage constantly), and merges the partial sums.
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

/** Messages to a worker. */
export type FoldWorkerRequest =
  | { op: 'fold'; id: number; slot: number; lengths: number[]; ciphertextHash: Uint8Array }
  | { op: 'sums'; id: number }
  | { op: 'close'; id: number };

/** Messages from a worker. */
export type FoldWorkerReply =
  | { op: 'ready' }
  | { op: 'done'; id: number; sums?: Uint8Array[] }
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
        const base = msg.slot * init.chunks * init.chunkBytes;
        const bytes = msg.lengths.map((len, i) => new Uint8Array(init.shared, base + i * init.chunkBytes, Math.min(len, init.chunkBytes)));
        checkCiphertexts(bytes, msg.ciphertextHash, params.ciphertext);
        folder.add(bytes);
        port.postMessage({ op: 'done', id: msg.id } satisfies FoldWorkerReply);
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
    const e = err as { name?: unknown; code?: unknown; message?: unknown };
    const coded = e !== null && typeof e === 'object' && e.name === 'DataLedgerError' && typeof e.code === 'string';
    port.postMessage({
      op: 'error',
      id: msg.id,
      code: coded ? (e.code as string) : 'AGG_SEAL_FAILURE',
      message: typeof e?.message === 'string' ? e.message : String(err),
    } satisfies FoldWorkerReply);
  }
});
port.postMessage({ op: 'ready' } satisfies FoldWorkerReply);
