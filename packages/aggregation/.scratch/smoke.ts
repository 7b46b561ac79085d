import { generateKeyPair } from '@dataledger/core';
import { createJobKeys, encryptContribution, Aggregator, decryptAggregate, verifyAggregate } from '../src/index.ts';
const job = { id: 'j1', scheme: 'bfv' as const, length: 10, maxAbsValue: 1000n, maxContributors: 100, minContributors: 2 };
let t = performance.now();
const keys = await createJobKeys(job);
console.log('keys', performance.now() - t, keys.publicKey.length, keys.secretKey.length);
const contribs = [];
for (let i = 0; i < 3; i++) {
  t = performance.now();
  contribs.push(await encryptContribution(job, keys.publicKey, Array.from({ length: 10 }, (_, j) => BigInt((i + 1) * (j - 5) * 50)), generateKeyPair()));
  console.log('enc', performance.now() - t);
}
for (const threads of [0, 2]) {
  const agg = await Aggregator.create(job, keys.publicKey, { threads });
  for (const c of contribs) { t = performance.now(); console.log(await agg.add(c), performance.now() - t); }
  try { await agg.add(contribs[0]); } catch (e) { console.log('replay', (e as any).code); }
  const res = await agg.result();
  console.log(res.count, res.sumHash);
  const rel = await decryptAggregate(job, keys.secretKey, res);
  console.log(rel);
  console.log('verify', await verifyAggregate(job, keys.publicKey, res, contribs));
  await agg.close();
}
const cj = { id: 'c1', scheme: 'ckks' as const, length: 5, maxAbsValue: 1000n, maxContributors: 100, minContributors: 1, privacy: { epsilon: 10, budget: 20, sensitivity: 1n } };
const ck = await createJobKeys(cj);
const agg = await Aggregator.create(cj, ck.publicKey);
await agg.add(await encryptContribution(cj, ck.publicKey, [1.5, 2.25, -3, 999.9, 0], generateKeyPair()));
await agg.add(await encryptContribution(cj, ck.publicKey, [1.5, 2.25, -3, 999.9, 0], generateKeyPair()));
const cr = await agg.result();
console.log(await decryptAggregate(cj, ck.secretKey, cr));
console.log(await decryptAggregate(cj, ck.secretKey, cr));
try { await decryptAggregate(cj, ck.secretKey, cr); } catch (e) { console.log('budget', (e as any).code); }
await agg.close();
