/**
 * A second `serve` instance for store-postgres.bench.ts, on a thread of its own (as a second
 * process would be): opens the service on the data directory and database it is given (it
 * joins as a follower), then submits each batch the bench hands it (`{ k }`) with its
 * disclosures, through its own edge checks and forwarding, and answers `{ done: k }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openService } from '@dataledger/service';
import type { Batch } from './store-postgres.bench.ts';

const { dataDir, database, batches } = workerData as { dataDir: string; database: string; batches: Batch[] };
const port = parentPort!;
const service = await openService({ dataDir, database, aheadWaitMs: 30_000 });
if (service.sequencer?.role !== 'follower') throw new Error('the second instance should be a follower');
port.on('message', (m: { k?: number; close?: boolean }) => {
  if (m.close === true) {
    void service.close().then(() => port.postMessage({ closed: true }));
    return;
  }
  const k = m.k as number;
  service.submit(batches[k]!.records, batches[k]!.disclosures).then(
    () => port.postMessage({ done: k }),
    (err: unknown) => port.postMessage({ error: String(err) }),
  );
});
port.postMessage({ ready: true });
