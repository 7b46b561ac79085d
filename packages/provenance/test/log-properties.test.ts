/**
 * Laws of the Log (fast-check): append-then-prove-then-verify round-trips for random sizes,
 * against the log's own signed checkpoint; any single-bit change to a record, a proof or a
 * checkpoint is rejected.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, isDataLedgerError } from '@dataledger/core';
import { Log, memoryStore, openCheckpoint, verifyConsistency, verifyInclusion, type LedgerRecord } from '../src/index.ts';
import { chain, logKey, ORIGIN, snapshot } from './support/fixtures.ts';

const flip = (bytes: Uint8Array, bit: number): Uint8Array => {
  const b = new Uint8Array(bytes);
  b[bit >> 3]! ^= 1 << (bit & 7);
  return b;
};

// One log of 260 records serves every run; sizes and indexes are drawn inside it.
const MAX = 260;
const shared = (async () => {
  const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
  const records = chain(log.head(), MAX);
  const checkpoints: string[] = [];
  for (let i = 0; i < MAX; ) {
    const n = Math.min(MAX - i, 1 + ((i * 7) % 13));
    await log.appendBatch(records.slice(i, i + n));
    i += n;
    checkpoints[i] = await log.checkpoint();
  }
  return { log, checkpoints };
})();

describe('Log laws', () => {
  it('append-then-prove-then-verify: inclusion against the signed checkpoint, for random sizes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 120 }), fc.nat(), async (n, a) => {
        const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
        const results = await log.appendBatch(chain(log.head(), n));
        const { checkpoint } = openCheckpoint(await log.checkpoint(), [log.verifierKey]);
        expect(checkpoint.size).toBe(n);
        const index = a % n;
        const proof = await log.inclusionProof(index);
        const args = { leafHash: results[index]!.leafHash, index, treeSize: n, proof, root: checkpoint.rootHash };
        expect(verifyInclusion(args)).toBe(true);
        expect(verifyInclusion({ ...args, leafHash: results[(index + 1) % n]!.leafHash })).toBe(n === 1);
        await log.close();
      }),
      { numRuns: 40, seed: 42 },
    );
  });

  it('consistency between any two signed checkpoints of a growing log', async () => {
    const { log, checkpoints } = await shared;
    const sizes = checkpoints.flatMap((c, i) => (c === undefined ? [] : [i]));
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(), fc.nat(), async (a, b, bit) => {
        let [s1, s2] = [sizes[a % sizes.length]!, sizes[b % sizes.length]!];
        if (s1 > s2) [s1, s2] = [s2, s1];
        const c1 = openCheckpoint(checkpoints[s1]!, [log.verifierKey]).checkpoint;
        const c2 = openCheckpoint(checkpoints[s2]!, [log.verifierKey]).checkpoint;
        const proof = await log.consistencyProof(s1, s2);
        const args = { size1: s1, size2: s2, root1: c1.rootHash, root2: c2.rootHash, proof };
        expect(verifyConsistency(args)).toBe(true);
        if (proof.length > 0) {
          const i = bit % proof.length;
          const bad = proof.map((p, j) => (j === i ? flip(p, bit % 256) : p));
          expect(verifyConsistency({ ...args, proof: bad })).toBe(false);
        }
        expect(verifyConsistency({ ...args, root2: flip(c2.rootHash, bit % 256) })).toBe(false);
      }),
      { numRuns: 100, seed: 43 },
    );
  });

  it('any single-bit change to a proof, a leaf hash or the checkpoint is rejected', async () => {
    const { log, checkpoints } = await shared;
    const note = checkpoints[MAX]!;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: MAX - 1 }), fc.nat(), async (index, bit) => {
        const proof = await log.inclusionProof(index);
        const leafHash = await log.leafHashAt(index);
        const root = openCheckpoint(note, [log.verifierKey]).checkpoint.rootHash;
        const args = { leafHash, index, treeSize: MAX, proof, root };
        expect(verifyInclusion(args)).toBe(true);
        const i = bit % proof.length;
        expect(verifyInclusion({ ...args, proof: proof.map((p, j) => (j === i ? flip(p, bit % 256) : p)) })).toBe(false);
        expect(verifyInclusion({ ...args, leafHash: flip(leafHash, bit % 256) })).toBe(false);
        const noteBytes = Buffer.from(note, 'utf8');
        const bad = Buffer.from(flip(noteBytes, bit % (noteBytes.length * 8))).toString('utf8');
        let opened: ReturnType<typeof openCheckpoint> | null = null;
        try {
          opened = openCheckpoint(bad, [log.verifierKey]);
        } catch (e) {
          expect(isDataLedgerError(e)).toBe(true);
        }
        expect(opened).toBeNull();
      }),
      { numRuns: 150, seed: 44 },
    );
  });

  it('any single-bit change to a record is refused by append, leaving the store as it was', async () => {
    const store = memoryStore();
    const log = await Log.open(store, { origin: ORIGIN, logKey });
    await log.appendBatch(chain(log.head(), 3));
    const [next] = chain(log.head(), 1) as [LedgerRecord];
    const text = Buffer.from(canonicalize(next), 'utf8');
    const before = await snapshot(store);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: text.length * 8 - 1 }), async (bit) => {
        const mutated = Buffer.from(flip(text, bit)).toString('utf8');
        let value: unknown;
        try {
          value = JSON.parse(mutated);
        } catch {
          value = mutated; // not JSON any more: submit the garbage string itself
        }
        if (typeof value === 'object' && value !== null && canonicalize(value) === canonicalize(next)) return;
        const err = await log.append(value as LedgerRecord).then(
          () => null,
          (e: unknown) => e,
        );
        expect(isDataLedgerError(err)).toBe(true);
        expect((err as { code: string }).code).toMatch(/^LEDGER_/);
      }),
      { numRuns: 300, seed: 45 },
    );
    expect(await snapshot(store)).toEqual(before);
    expect(log.size).toBe(3);
    await log.append(next);
    expect(log.size).toBe(4);
  });
});
