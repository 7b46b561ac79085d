import { Worker } from 'node:worker_threads';
import { randomBytes } from 'node:crypto';
const s = randomBytes(524401).toString('base64');
const w = new Worker(`const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => { parentPort.postMessage({ id: m.id, n: m.b.byteLength }); });`, { eval: true });
await new Promise((r) => setTimeout(r, 200));
for (let k = 0; k < 3; k++) {
  const N = 300; let main = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await new Promise<void>((res) => { w.once('message', () => res()); const m0 = performance.now(); const b = Buffer.allocUnsafeSlow(524403); const n = b.write(s, 0, 'base64'); w.postMessage({ id: i, b: new Uint8Array(b.buffer, 0, n) }, [b.buffer]); main += performance.now() - m0; });
  }
  console.log('roundtrip ms', ((performance.now() - t0) / N).toFixed(3), 'main', (main / N).toFixed(3));
}
await w.terminate();
