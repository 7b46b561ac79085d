/**
 * A second `serve` instance for store-postgres.bench.ts, on a thread of its own (as a second
 * process would be): opens the service on the data directory and database it is given (it
 * joins as a follower), and on `go` submits its share of the pre-chained batches, `inFlight`
 * at a time, through its own edge checks and forwarding.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openService } from '@dataledger/service';
import type { LedgerRecord } from '@dataledger/provenance';

const { dataDir, database, batches, inFlight } = workerData as { dataDir: string; database: string; batches: LedgerRecord[][]; inFlight: number };
const port = parentPort!;
const service = await openService({ dataDir, database, aheadWaitMs: 5000 });
if (service.sequencer?.role !== 'follower') throw new Error('the second instance should be a follower');
port.postMessage({ ready: true });
port.once('message', async () => {
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < batches.length) await service.submit(batches[next++]!);
      }),
    );
    port.postMessage({ done: true });
  } catch (err) {
    port.postMessage({ error: String(err) });
  } finally {
    await service.close();
  }
});
