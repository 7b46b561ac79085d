/** A worker for the worker-thread tests: echoes, replies in batches, throws or exits on request. */
import { parentPort, workerData } from 'node:worker_threads';

if (parentPort === null) throw new Error('echo-worker: must run in a worker thread');
const port = parentPort;

port.on('message', (m: { id: number; op: string; value?: unknown; ids?: number[] }) => {
  switch (m.op) {
    case 'echo':
      port.postMessage({ id: m.id, value: m.value, workerData });
      break;
    case 'batch':
      // Several replies in one message, in reverse order.
      port.postMessage({ replies: (m.ids ?? []).toReversed().map((id) => ({ id, value: id * 10 })) });
      break;
    case 'throw':
      throw new Error('echo-worker: asked to throw');
    case 'exit':
      process.exit(3);
  }
});

port.postMessage({ op: 'ready' });
