import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
const s = randomBytes(524401).toString('base64');
const w = new Worker(`const { parentPort } = require('node:worker_threads'); const buf = Buffer.allocUnsafeSlow(530000); parentPort.on('message', (m) => { const t0 = performance.now(); if (m.decode) buf.write(m.s, 0, 'base64'); parentPort.postMessage({ id: m.id, t: performance.now() - t0 }); });`, { eval: true });
await new Promise((r) => setTimeout(r, 200));
for (const decode of [false, true, false, true]) {
  const N = 300; let inWorker = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await new Promise<void>((res) => { w.once('message', (m) => { inWorker += m.t; res(); }); w.postMessage({ id: i, s, decode }); });
  }
  console.log('decode', decode, 'roundtrip ms', ((performance.now() - t0) / N).toFixed(3), 'in worker', (inWorker / N).toFixed(3));
}
await w.terminate();
