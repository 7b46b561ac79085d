import { generateKeyPair } from '@dataledger/core';
import { createJobKeys, encryptContribution, resolveJob } from '../src/index.ts';
import { sealParamsFor } from '../src/seal.ts';
import { loadPublicKey } from '../src/keys.ts';
const N = 8192;
const job = { id: 'p', scheme: 'bfv' as const, length: N, maxAbsValue: 1_000_000n, maxContributors: 1_000_000, minContributors: 1 };
const keys = await createJobKeys(job);
const values = Array.from({ length: N }, (_, i) => BigInt((i * 7919) % 2_000_001) - 1_000_000n);
const h = { secretKey: generateKeyPair().secretKey };
const params = await sealParamsFor(resolveJob(job));
const pk = loadPublicKey(params, keys.publicKey);
const enc = new params.seal.Encryptor(params.context, pk);
const pt = new params.seal.Plaintext(); const ct = new params.seal.Ciphertext();
const slots = BigInt64Array.from(values);
for (let r = 0; r < 4; r++) {
  let t = performance.now();
  for (let i = 0; i < 30; i++) await encryptContribution(job, keys.publicKey, values, h);
  const a = (performance.now() - t) / 30;
  t = performance.now();
  for (let i = 0; i < 30; i++) { params.batchEncoder!.encode(slots, pt); enc.encrypt(pt, ct); }
  const b = (performance.now() - t) / 30;
  console.log('mine', a.toFixed(2), 'raw', b.toFixed(2), 'ratio', (b / a).toFixed(3));
}
