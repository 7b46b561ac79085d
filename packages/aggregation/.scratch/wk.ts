import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { sha256 } from '@dataledger/core';
import { Folder } from '../src/folder.ts';
import { sealParamsFor } from '../src/seal.ts';
import { resolveJob } from '../src/index.ts';
import { checkCiphertextBytes } from '../src/format.ts';

async function loop(bytes: Uint8Array, label: string) {
  const r = resolveJob(workerData?.job ?? job);
  const params = await sealParamsFor(r);
  const f = new Folder(params, 1);
  for (let round = 0; round < 3; round++) {
    let tHash = 0, tCheck = 0, tAdd = 0;
    for (let i = 0; i < 200; i++) {
      const a = performance.now(); sha256(bytes); const b = performance.now(); checkCiphertextBytes(bytes, params.ciphertext); const c = performance.now(); f.add([bytes]); const d = performance.now();
      tHash += b - a; tCheck += c - b; tAdd += d - c;
    }
    console.log(label, 'round', round, 'hash', (tHash / 200).toFixed(3), 'check', (tCheck / 200).toFixed(3), 'add', (tAdd / 200).toFixed(3));
  }
}
const job = { id: 'p', scheme: 'bfv' as const, length: 8192, maxAbsValue: 1_000_000n, maxContributors: 1_000_000, minContributors: 1 };
if (isMainThread) {
  const { createJobKeys, encryptContribution } = await import('../src/index.ts');
  const { generateKeyPair } = await import('@dataledger/core');
  const keys = await createJobKeys(job);
  const c = await encryptContribution(job, keys.publicKey, Array.from({ length: 8192 }, () => 1n), { secretKey: generateKeyPair().secretKey });
  const bytes = new Uint8Array(Buffer.from(c.ciphertexts[0], 'base64'));
  await loop(bytes, 'main');
  const w = new Worker(new URL(import.meta.url), { workerData: { bytes } });
  await new Promise((r) => w.on('exit', r));
} else {
  await loop(workerData.bytes, 'worker');
}
