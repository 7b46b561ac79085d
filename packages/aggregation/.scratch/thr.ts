import { generateKeyPair } from '@dataledger/core';
import { createJobKeys, encryptContribution, resolveJob, contributionTarget, signContribution, Aggregator } from '../src/index.ts';
const N = 8192;
const job = { id: 'p', scheme: 'bfv' as const, length: N, maxAbsValue: 1_000_000n, maxContributors: 1_000_000, minContributors: 1 };
const keys = await createJobKeys(job);
const values = Array.from({ length: N }, (_, i) => BigInt(i % 100));
const base = await encryptContribution(job, keys.publicKey, values, { secretKey: generateKeyPair().secretKey });
const bytes = new Uint8Array(Buffer.from(base.ciphertexts[0], 'base64'));
const tgt = contributionTarget(resolveJob(job), keys.publicKey);
const pool = Array.from({ length: 400 }, (_, k) => { const b = new Uint8Array(bytes); b[113 + k] ^= 0; const v = new DataView(b.buffer); v.setBigUint64(113 + 8 * k, v.getBigUint64(113 + 8 * k, true) + 1n, true); return signContribution(tgt, [b], { secretKey: generateKeyPair().secretKey }); });
for (const threads of [0, 1, 2, 3, 0, 2]) {
  const agg = await Aggregator.create(job, keys.publicKey, { threads });
  const cpu0 = process.cpuUsage(); const t0 = performance.now(); let mainMs = 0;
  const window = new Set<Promise<unknown>>();
  for (const c of pool) {
    const m0 = performance.now();
    const p = agg.add(c).finally(() => window.delete(p));
    mainMs += performance.now() - m0;
    window.add(p);
    if (window.size >= 8) await Promise.race(window);
  }
  await Promise.all(window);
  await agg.result();
  const cu = process.cpuUsage(cpu0); console.log('threads', threads, ((performance.now() - t0)).toFixed(0), 'ms', 'main add() time', mainMs.toFixed(0), 'cpu ms', ((cu.user + cu.system) / 1000).toFixed(0));
  await agg.close();
}
