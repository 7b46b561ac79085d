/**
 * Every SEAL object is freed: folding 5,000 full-length (8,192-slot) contributions keeps
 * memory flat. Without `delete()`, 1,000 ciphertexts alone grow a process by ~500 MB.
 *
 * To keep the test fast, the 5,000 contributions are made from one real encryption: each
 * copy adds 1 to a different coefficient of c0 (in every RNS limb), which is still a valid
 * encryption of the same values with one unit more noise, yet a distinct ciphertext, as honest
 * holders' ciphertexts are. Each is signed by its own holder.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import initialize from 'node-seal';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, didKeyFromPublicKey, getPublicKey, sha256, sign, toBase64, toBase64Url } from '@dataledger/core';
import {
  Aggregator,
  type AggregationJob,
  type Contribution,
  contributionTarget,
  decryptAggregate,
  encryptContribution,
  signContribution,
} from '../src/index.ts';
import { CONTRIBUTION_TYPE } from '../src/contribution.ts';
import { holder, keysFor } from './support.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

// Capture the WebAssembly memory of the SEAL module(s) loaded by this test process, to read
// the WASM heap size directly (it only ever grows, so "flat" means "did not grow").
interface WasmMemory {
  buffer: ArrayBuffer;
}
interface WasmApi {
  Memory: new (...args: never[]) => WasmMemory;
  instantiate: (...args: unknown[]) => Promise<unknown>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
const memories: WasmMemory[] = [];
const instantiate = wasm.instantiate.bind(wasm);
wasm.instantiate = async (...args: unknown[]) => {
  const r = (await instantiate(...args)) as { instance?: { exports: Record<string, unknown> }; exports?: Record<string, unknown> };
  const exports = r.instance?.exports ?? r.exports ?? {};
  for (const e of Object.values(exports)) if (e instanceof wasm.Memory) memories.push(e);
  return r;
};

interface Mem {
  rss: number;
  heapUsed: number;
  wasm: number;
}
function measure(): Mem {
  gc();
  gc();
  const m = process.memoryUsage();
  const MB = 2 ** 20;
  return { rss: m.rss / MB, heapUsed: m.heapUsed / MB, wasm: memories.reduce((a, w) => a + w.buffer.byteLength, 0) / MB };
}

describe('memory', () => {
  it('stays flat over 5,000 folded contributions of 8,192 values', { timeout: 180_000 }, async () => {
    const N = 5000;
    const job: AggregationJob = { id: 'memory', scheme: 'bfv', length: 8192, maxAbsValue: 1000n, maxContributors: N, minContributors: 1 };
    const keys = await keysFor(job);
    const values = Array.from({ length: 8192 }, (_, i) => BigInt((i % 2001) - 1000));
    const base = await encryptContribution(job, keys.publicKey, values, holder());
    const ct = new Uint8Array(Buffer.from(base.ciphertexts[0] as string, 'base64'));

    const seal = await initialize();
    const cm = seal.CoeffModulus.BFVDefault(8192, seal.SecLevelType.tc128);
    const moduli = (seal.jsArrayFromVecModulus(cm) as bigint[]).slice(0, 4);
    cm.delete();
    const n = 8192;
    const target = contributionTarget(job, keys.publicKey);
    const variant = (k: number): Uint8Array => {
      const b = new Uint8Array(ct);
      const v = new DataView(b.buffer);
      moduli.forEach((q, j) => {
        const at = 113 + 8 * (j * n + k);
        const x = v.getBigUint64(at, true) + 1n;
        v.setBigUint64(at, x === q ? 0n : x, true);
      });
      return b;
    };
    // Contribution k: +1 on coefficient k of c0 in each of the 4 RNS limbs. The bytes are
    // patched in place (and restored), and so is their base64 text, 3-byte group by group, so
    // that making a contribution costs one SHA-256 and one signature.
    const text = base.ciphertexts[0] as string;
    const buf = Buffer.from(ct);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const make = (k: number): Contribution => {
      const offsets = moduli.map((_, j) => 113 + 8 * (j * n + k));
      const saved = offsets.map((at) => view.getBigUint64(at, true));
      offsets.forEach((at, j) => {
        const v = (saved[j] as bigint) + 1n;
        view.setBigUint64(at, v === moduli[j] ? 0n : v, true);
      });
      const pieces: string[] = [];
      let from = 0;
      for (const at of offsets) {
        const g0 = Math.floor(at / 3) * 3;
        const g1 = Math.min(buf.length, Math.ceil((at + 8) / 3) * 3);
        pieces.push(text.slice(from, (g0 / 3) * 4), buf.toString('base64', g0, g1));
        from = (g1 / 3) * 4;
      }
      pieces.push(text.slice(from));
      const h = holder();
      const body = {
        v: 1 as const,
        type: CONTRIBUTION_TYPE as typeof CONTRIBUTION_TYPE,
        jobId: target.jobId,
        jobHash: target.jobHash,
        keyHash: target.keyHash,
        holder: didKeyFromPublicKey(getPublicKey(h.secretKey)),
        ciphertextHash: toBase64(sha256(buf)),
      };
      const c = { ...body, ciphertexts: [pieces.join('')], sig: toBase64Url(sign(canonicalBytes(body), h.secretKey)) };
      offsets.forEach((at, j) => view.setBigUint64(at, saved[j] as bigint, true));
      return c;
    };
    // The patched text is exactly the base64 of the patched bytes.
    expect(make(5).ciphertexts[0]).toBe(signContribution(target, [variant(5)], holder()).ciphertexts[0]);

    const agg = await Aggregator.create(job, keys.publicKey);
    const warmup = 300;
    let before: Mem = measure();
    const samples: Mem[] = [];
    for (let k = 0; k < N; k++) {
      await agg.add(make(k));
      if (k === warmup) before = measure();
      if (k > warmup && k % 500 === 0) samples.push(measure());
    }
    samples.push(measure());
    expect(agg.count).toBe(N);
    expect(memories.length).toBeGreaterThan(0);
    const growth = (f: keyof Mem): number => Math.max(...samples.map((m) => m[f])) - before[f];
    // 4,700 contributions past the warm-up passed through: ~2.4 GB of ciphertext. Leaking one
    // SEAL ciphertext each would grow the WASM heap by 2.4 GB; it must not grow at all.
    expect(growth('wasm')).toBe(0);
    expect(growth('heapUsed')).toBeLessThan(16);
    // RSS also carries V8's committed-but-free heap pages, which come and go with GC.
    expect(growth('rss')).toBeLessThan(160);
    const last = samples[samples.length - 1] as Mem;
    console.log(
      `memory: after warm-up rss ${before.rss.toFixed(0)} MB, wasm ${before.wasm.toFixed(0)} MB, heap ${before.heapUsed.toFixed(0)} MB; ` +
        `after ${N}: rss ${last.rss.toFixed(0)} MB, wasm ${last.wasm.toFixed(0)} MB, heap ${last.heapUsed.toFixed(0)} MB; ` +
        `max growth rss ${growth('rss').toFixed(1)} MB, wasm ${growth('wasm').toFixed(1)} MB, heap ${growth('heapUsed').toFixed(1)} MB`,
    );

    const result = await agg.result();
    await agg.close();
    const release = await decryptAggregate(job, keys.secretKey, result);
    expect(release.count).toBe(N);
    expect(release.sum).toEqual(values.map((v) => v * BigInt(N)));
  });
});
