/**
 * The Log over both stores: appends (single and batched, all-or-nothing), reads, RFC 9162
 * proofs from stored nodes in O(log n) reads, checkpoints, and bad input that gets a coded
 * error and leaves the store byte-for-byte as it was.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalize, DataLedgerError, isDataLedgerError, sha256, toBase64 } from '@dataledger/core';
import fc from 'fast-check';
import {
  buildRecord,
  consistencyProof,
  inclusionProof,
  Log,
  memoryStore,
  merkleRoot,
  openCheckpoint,
  openLevelStore,
  recordLeafHash,
  verifyConsistency,
  verifyInclusion,
  type LedgerRecord,
  type RecordStore,
} from '../src/index.ts';
import { chain, key, logKey, ORIGIN, snapshot, tempDir } from './support/fixtures.ts';

const dirs: { remove: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isDataLedgerError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}

const stores: [string, () => Promise<{ store: RecordStore; reopen?: () => Promise<RecordStore> }>][] = [
  ['memory', async () => ({ store: memoryStore() })],
  [
    'level',
    async () => {
      const d = tempDir();
      dirs.push(d);
      return { store: await openLevelStore(d.path), reopen: () => openLevelStore(d.path) };
    },
  ],
];

const open = (store: RecordStore, maxPayloadBytes?: number): Promise<Log> =>
  Log.open(store, { origin: ORIGIN, logKey, ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }) });

describe.each(stores)('Log over %s', (_name, make) => {
  it('appends, reads back, and proves every inclusion and consistency from stored nodes', async () => {
    const { store } = await make();
    const log = await open(store);
    expect(log.size).toBe(0);
    expect(toBase64(log.head().rootHash)).toBe(toBase64(sha256()));
    const records = chain(log.head(), 37);
    const first = await log.append(records[0]!);
    expect(first.index).toBe(0);
    expect(first.leafHash).toEqual(recordLeafHash(records[0]!));
    const rest = await log.appendBatch(records.slice(1));
    expect(rest.map((r) => r.index)).toEqual(records.slice(1).map((r) => r.index));
    expect(log.size).toBe(37);
    const leaves = records.map(recordLeafHash);
    const head = log.head();
    expect(head.rootHash).toEqual(merkleRoot(leaves));
    expect(head.lastLeafHash).toEqual(leaves[36]);
    expect(head.lastTime).toBe(records[36]!.time);

    expect(canonicalize(await log.get(5))).toBe(canonicalize(records[5]!));
    expect((await log.entries(3, 7)).map((r) => r.index)).toEqual([3, 4, 5, 6]);
    expect(await log.entries(7, 7)).toEqual([]);
    expect(await log.leafHashAt(10)).toEqual(leaves[10]);
    expect(await log.indexOfLeafHash(leaves[10]!)).toBe(10);
    expect(await log.indexOfLeafHash(sha256(new Uint8Array([1])))).toBeUndefined();

    for (let size = 1; size <= 37; size++) {
      const root = merkleRoot(leaves.slice(0, size));
      expect(await log.rootHashAt(size)).toEqual(root);
      for (let i = 0; i < size; i++) {
        const proof = await log.inclusionProof(i, size);
        expect(proof).toEqual(inclusionProof(leaves.slice(0, size), i));
        expect(verifyInclusion({ leafHash: leaves[i]!, index: i, treeSize: size, proof, root })).toBe(true);
      }
      for (let s1 = 1; s1 <= size; s1++) {
        const proof = await log.consistencyProof(s1, size);
        expect(proof).toEqual(consistencyProof(leaves.slice(0, size), s1));
        expect(verifyConsistency({ size1: s1, size2: size, root1: merkleRoot(leaves.slice(0, s1)), root2: root, proof })).toBe(true);
      }
    }
    expect(await codeOf(log.inclusionProof(37))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
    expect(await codeOf(log.inclusionProof(0, 38))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
    expect(await codeOf(log.consistencyProof(0, 5))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
    expect(await codeOf(log.consistencyProof(6, 5))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
    expect(await codeOf(log.get(-1))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
    expect(await codeOf(log.get(37))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
    expect(await codeOf(log.entries(5, 40))).toBe('LEDGER_INDEX_OUT_OF_RANGE');

    const note = await log.checkpoint();
    const { checkpoint, verifiedBy } = openCheckpoint(note, [log.verifierKey]);
    expect(checkpoint).toEqual({ origin: ORIGIN, size: 37, rootHash: head.rootHash });
    expect(verifiedBy).toEqual([log.verifierKey]);
    await log.close();
    await log.close();
    expect(await codeOf(log.append(records[0]!))).toBe('LEDGER_CLOSED');
  });

  it('bad input gets a coded error and leaves the store exactly as it was', async () => {
    const { store } = await make();
    const log = await open(store, 2048);
    await log.appendBatch(chain(log.head(), 5));
    const before = await snapshot(store);
    const headBefore = log.head();
    const [good] = chain(log.head(), 1) as [LedgerRecord];
    const [good2] = chain({ size: 6, lastLeafHash: recordLeafHash(good) }, 1) as [LedgerRecord];
    const other = key(9);
    const cases: [string, unknown[], string][] = [
      ['garbage', ['garbage'], 'LEDGER_RECORD_MALFORMED'],
      ['null', [null], 'LEDGER_RECORD_MALFORMED'],
      ['extra member', [{ ...good, extra: true }], 'LEDGER_RECORD_MALFORMED'],
      ['wrong version', [{ ...good, v: 2 }], 'LEDGER_RECORD_MALFORMED'],
      ['bad time', [{ ...good, time: 'yesterday' }], 'LEDGER_RECORD_MALFORMED'],
      ['wrong signature', [{ ...good, sig: chain(log.head(), 1, [other])[0]!.sig }], 'LEDGER_SIGNATURE_INVALID'],
      ['edited payload', [{ ...good, payload: { n: 999 } }], 'LEDGER_SIGNATURE_INVALID'],
      ['foreign actor', [{ ...good, actor: chain(log.head(), 1, [other])[0]!.actor }], 'LEDGER_SIGNATURE_INVALID'],
      ['wrong prev', [chain({ size: 5, lastLeafHash: sha256(new Uint8Array([7])) }, 1)[0]!], 'LEDGER_CHAIN_BROKEN'],
      ['index too high', [chain({ size: 6, lastLeafHash: headBefore.lastLeafHash }, 1)[0]!], 'LEDGER_INDEX_MISMATCH'],
      ['stale index', [chain({ size: 4, lastLeafHash: headBefore.lastLeafHash }, 1)[0]!], 'LEDGER_INDEX_MISMATCH'],
      ['out of order batch', [good2, good], 'LEDGER_INDEX_MISMATCH'],
      ['time goes back', [buildRecord(headBefore, { type: 'x', payload: {}, time: '2020-01-01T00:00:00.000Z' }, key(1))], 'LEDGER_TIME_ORDER'],
      ['oversize payload', [buildRecord(headBefore, { type: 'x', payload: { blob: 'x'.repeat(3000) }, time: good.time }, key(1))], 'LEDGER_PAYLOAD_TOO_LARGE'],
      ['valid then bad in one batch', [good, { ...good2, sig: good.sig }], 'LEDGER_SIGNATURE_INVALID'],
      ['valid then garbage in one batch', [good, 42], 'LEDGER_RECORD_MALFORMED'],
    ];
    for (const [name, batch, code] of cases) {
      const got = await codeOf(batch.length === 1 ? log.append(batch[0] as LedgerRecord) : log.appendBatch(batch as LedgerRecord[]));
      expect(got, name).toBe(code);
      expect(await snapshot(store), name).toEqual(before);
      expect(log.head(), name).toEqual(headBefore);
    }
    // Positions in a batch are reported.
    const err = await log.appendBatch([good, { ...good2, sig: good.sig }]).catch((e: unknown) => e);
    expect((err as { details: { position: number } }).details.position).toBe(1);
    // A record already in the log is recognised.
    const dup = await log.append(await log.get(2)).catch((e: unknown) => e);
    expect(isDataLedgerError(dup, 'LEDGER_INDEX_MISMATCH')).toBe(true);
    expect((dup as { details: Record<string, unknown> }).details).toMatchObject({ expected: 5, existingIndex: 2 });
    // And the good records still append afterwards.
    await log.appendBatch([good, good2]);
    expect(log.size).toBe(7);
    await log.close();
  });

  it('serialises concurrent appends', async () => {
    const { store } = await make();
    const log = await open(store);
    const records = chain(log.head(), 20);
    const results = await Promise.allSettled(records.map((r) => log.append(r)));
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(log.size).toBe(20);
    // Two writers racing for the same index: exactly one wins.
    const a = chain(log.head(), 1, [key(1)])[0]!;
    const b = chain(log.head(), 1, [key(2)])[0]!;
    const race = await Promise.allSettled([log.append(a), log.append(b)]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(log.size).toBe(21);
    await log.close();
  });

  it('reopens with the same head and refuses another origin', async () => {
    const { store, reopen } = await make();
    const log = await open(store);
    await log.appendBatch(chain(log.head(), 11));
    const head = log.head();
    await log.close();
    if (reopen === undefined) return;
    const again = await open(await reopen());
    expect(again.head()).toEqual(head);
    await again.appendBatch(chain(again.head(), 3));
    expect(again.size).toBe(14);
    await again.close();
    const s = await reopen();
    expect(await codeOf(Log.open(s, { origin: 'other.example/log', logKey }))).toBe('LEDGER_ORIGIN_MISMATCH');
    await s.close();
  });
});

describe('Log atomicity when the store fails', () => {
  it('a store batch that fails leaves the store and the head as they were; the retry succeeds', async () => {
    const inner = memoryStore();
    let failNext = false;
    const flaky: RecordStore = {
      get: (k) => inner.get(k),
      getMany: (ks) => inner.getMany(ks),
      iterate: (r) => inner.iterate(r),
      batch: async (ops) => {
        if (failNext) {
          failNext = false;
          throw new DataLedgerError('STORE_IO', 'disk full');
        }
        return inner.batch(ops);
      },
      close: () => inner.close(),
    };
    const log = await open(flaky);
    await log.appendBatch(chain(log.head(), 9));
    const before = await snapshot(inner);
    const head = log.head();
    const note = await log.checkpoint();
    const next = chain(head, 6);
    for (const attempt of [() => log.appendBatch(next), () => log.append(next[0]!)]) {
      failNext = true;
      expect(await codeOf(attempt())).toBe('STORE_IO');
      expect(await snapshot(inner)).toEqual(before);
      expect(log.head()).toEqual(head);
      expect(await log.checkpoint()).toBe(note);
      expect(await log.inclusionProof(8)).toEqual(inclusionProof(chain({ size: 0, lastLeafHash: null }, 9).map(recordLeafHash), 8));
    }
    // Nothing half-applied in memory either: the same records append afterwards.
    await log.appendBatch(next);
    expect(log.size).toBe(15);
    expect(log.head().rootHash).toEqual(merkleRoot(chain({ size: 0, lastLeafHash: null }, 15).map(recordLeafHash)));
    await log.close();
  });

  it('an origin that cannot name a checkpoint key is refused before anything is written', async () => {
    const store = memoryStore();
    for (const origin of ['log\u0085x', 'log\uD800', 'a b', 'a+b', '']) {
      await expect(Log.open(store, { origin, logKey })).rejects.toThrow(TypeError);
      expect((await snapshot(store)).size).toBe(0);
    }
    await store.close();
  });
});

describe('Log proofs from stored nodes for past tree sizes', () => {
  it('inclusion and consistency proofs at random old sizes equal the RFC 9162 builders', async () => {
    const log = await open(memoryStore());
    const n = 1100;
    for (let done = 0; done < n; done += 275) await log.appendBatch(chain(log.head(), 275));
    const leaves = await Promise.all(Array.from({ length: n }, (_, i) => log.leafHashAt(i)));
    const roots = new Map<number, Uint8Array>();
    const rootOf = (size: number): Uint8Array => {
      if (!roots.has(size)) roots.set(size, merkleRoot(leaves.slice(0, size)));
      return roots.get(size)!;
    };
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: n }), fc.integer({ min: 1, max: n }), fc.nat(), async (a, b, c) => {
        const [s1, s2] = a <= b ? [a, b] : [b, a];
        const index = c % s2;
        expect(await log.rootHashAt(s2)).toEqual(rootOf(s2));
        const proof = await log.inclusionProof(index, s2);
        expect(proof).toEqual(inclusionProof(leaves.slice(0, s2), index));
        expect(verifyInclusion({ leafHash: leaves[index]!, index, treeSize: s2, proof, root: rootOf(s2) })).toBe(true);
        const cproof = await log.consistencyProof(s1, s2);
        expect(cproof).toEqual(consistencyProof(leaves.slice(0, s2), s1));
        expect(verifyConsistency({ size1: s1, size2: s2, root1: rootOf(s1), root2: rootOf(s2), proof: cproof })).toBe(true);
      }),
      { numRuns: 60, seed: 2026 },
    );
    // Sizes at and around powers of two, where the tree shape changes.
    for (const s2 of [1, 2, 3, 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, n]) {
      for (const s1 of [1, s2 >> 1, s2 - 1, s2].filter((x) => x >= 1)) {
        expect(await log.consistencyProof(s1, s2)).toEqual(consistencyProof(leaves.slice(0, s2), s1));
      }
      for (const i of [0, s2 >> 1, s2 - 1]) expect(await log.inclusionProof(i, s2)).toEqual(inclusionProof(leaves.slice(0, s2), i));
    }
    await log.close();
  });
});

describe('Log proofs read O(log n) stored nodes', () => {
  it('never reads more than ~2·log2(n) nodes for a proof of a 5000-record log', async () => {
    const inner = memoryStore();
    let reads = 0;
    const counting: RecordStore = {
      get: (k) => {
        reads++;
        return inner.get(k);
      },
      getMany: (ks) => {
        reads += ks.length;
        return inner.getMany(ks);
      },
      iterate: (r) => inner.iterate(r),
      batch: (ops) => inner.batch(ops),
      close: () => inner.close(),
    };
    const log = await open(counting);
    const n = 5000;
    for (let done = 0; done < n; done += 1000) await log.appendBatch(chain(log.head(), 1000));
    const root = log.head().rootHash;
    let maxReads = 0;
    for (const i of [0, 1, 2499, 4095, 4096, 4999]) {
      reads = 0;
      const proof = await log.inclusionProof(i);
      maxReads = Math.max(maxReads, reads);
      expect(verifyInclusion({ leafHash: await log.leafHashAt(i), index: i, treeSize: n, proof, root })).toBe(true);
    }
    for (const s1 of [1, 1000, 3333, 4999]) {
      reads = 0;
      await log.consistencyProof(s1);
      maxReads = Math.max(maxReads, reads);
    }
    expect(maxReads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(n)));
    await log.close();
  });
});
