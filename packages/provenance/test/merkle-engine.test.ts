/**
 * The one Merkle engine over its two readers (Go `sumdb/tlog` shape): a `Log`'s stored nodes and
 * a plain list of leaf hashes must give the same roots and proofs for any size, and every proof
 * must verify by the RFC 9162 §2.1.3.2 / §2.1.4.2 verifiers.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Log, memoryStore, readConsistencyProof, readInclusionProof, readRoot, verifyConsistency, verifyInclusion, type RecordStore } from '../src/index.ts';
import { leafListReader } from '../src/merkle.ts';
import { chain, logKey, ORIGIN } from './support/fixtures.ts';

const MAX = 300;
// One log grown to MAX serves every run: any past size s ≤ MAX is a tree the log can prove.
const shared = (async () => {
  const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
  const results = await log.appendBatch(chain(log.head(), MAX));
  return { log, leaves: results.map((r) => r.leafHash) };
})();

describe('Merkle engine: Log reader and leaf-list reader agree', () => {
  it('gives identical roots, inclusion and consistency proofs for random sizes', async () => {
    const { log, leaves } = await shared;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: MAX }), fc.nat(), fc.nat(), async (size, a, b) => {
        const list = leafListReader(leaves.slice(0, size));
        const root = readRoot(list, size) as Uint8Array;
        expect(await readRoot(log, size)).toEqual(root);
        expect(await log.rootHashAt(size)).toEqual(root);

        const index = a % size;
        const proof = readInclusionProof(list, index, size) as Uint8Array[];
        expect(await readInclusionProof(log, index, size)).toEqual(proof);
        expect(verifyInclusion({ leafHash: leaves[index]!, index, treeSize: size, proof, root })).toBe(true);

        const size1 = 1 + (b % size);
        const cproof = readConsistencyProof(list, size1, size) as Uint8Array[];
        expect(await readConsistencyProof(log, size1, size)).toEqual(cproof);
        const root1 = readRoot(list, size1) as Uint8Array;
        expect(verifyConsistency({ size1, size2: size, root1, root2: root, proof: cproof })).toBe(true);
      }),
      { numRuns: 120, seed: 9162 },
    );
  });

  it('a Log proof is one store round trip: the engine asks for all its stored nodes in one tick', async () => {
    const inner = memoryStore();
    let calls = 0;
    const counting: RecordStore = {
      get: (k) => inner.get(k),
      getMany: (ks) => {
        calls++;
        return inner.getMany(ks);
      },
      iterate: (r) => inner.iterate(r),
      batch: (ops) => inner.batch(ops),
      close: () => inner.close(),
    };
    const log = await Log.open(counting, { origin: ORIGIN, logKey });
    await log.appendBatch(chain(log.head(), 1000));
    for (const [index, size] of [
      [0, 1000],
      [517, 999],
      [999, 1000],
    ] as const) {
      calls = 0;
      await log.inclusionProof(index, size);
      expect(calls).toBe(1);
    }
    calls = 0;
    await log.consistencyProof(333, 1000);
    expect(calls).toBe(1);
    await log.close();
  });

  it('refuses positions outside the tree whatever the reader', async () => {
    const { log, leaves } = await shared;
    for (const reader of [log, leafListReader(leaves)]) {
      expect(() => readInclusionProof(reader, 5, 5)).toThrow(RangeError);
      expect(() => readConsistencyProof(reader, 0, 5)).toThrow(RangeError);
      expect(() => readConsistencyProof(reader, 6, 5)).toThrow(RangeError);
      expect(() => readRoot(reader, -1)).toThrow(RangeError);
    }
  });
});
