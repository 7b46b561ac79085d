/**
 * RFC 9162 §2.1 Merkle tree: the transparency-dev/merkle `testdata/` vectors (inclusion and
 * consistency, with their `wantErr` cases), plus laws checked against a direct transcription
 * of the RFC's recursive definitions.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDataLedgerError } from '@dataledger/core';
import { consistencyProof, inclusionProof, leafHash, merkleRoot, verifyConsistency, verifyInclusion } from '../src/index.ts';
import { EMPTY_ROOT } from '../src/merkle.ts';
import { listVectorFiles, readVectorJson } from '../../../test/support/vectors.ts';

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusionFiles = listVectorFiles('merkle', 'inclusion').filter((f) => f.endsWith('.json'));
const consistencyFiles = listVectorFiles('merkle', 'consistency').filter((f) => f.endsWith('.json'));

describe('transparency-dev/merkle testdata (Apache-2.0)', () => {
  it('has all 196 vector files', () => {
    expect(inclusionFiles.length + consistencyFiles.length).toBe(196);
    expect(inclusionFiles.length).toBeGreaterThan(50);
    expect(consistencyFiles.length).toBeGreaterThan(50);
  });

  it.each(inclusionFiles)('inclusion/%s', (file) => {
    const v = readVectorJson<InclusionVector>('merkle', 'inclusion', file);
    const ok = verifyInclusion({
      leafHash: b64(v.leafHash),
      index: v.leafIdx,
      treeSize: v.treeSize,
      proof: (v.proof ?? []).map(b64),
      root: b64(v.root),
    });
    expect(ok).toBe(!v.wantErr);
  });

  it.each(consistencyFiles)('consistency/%s', (file) => {
    const v = readVectorJson<ConsistencyVector>('merkle', 'consistency', file);
    const ok = verifyConsistency({
      size1: v.size1,
      size2: v.size2,
      root1: b64(v.root1),
      root2: b64(v.root2),
      proof: (v.proof ?? []).map(b64),
    });
    expect(ok).toBe(!v.wantErr);
  });
});

// RFC 9162 §2.1.1-§2.1.4 written out recursively, as the reference for the iterative code.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const k2 = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const mth = (d: Uint8Array[]): Uint8Array =>
  d.length === 0 ? sha() : d.length === 1 ? d[0]! : sha(new Uint8Array([1]), mth(d.slice(0, k2(d.length))), mth(d.slice(k2(d.length))));
const refPath = (m: number, d: Uint8Array[]): Uint8Array[] => {
  if (d.length <= 1) return [];
  const k = k2(d.length);
  return m < k ? [...refPath(m, d.slice(0, k)), mth(d.slice(k))] : [...refPath(m - k, d.slice(k)), mth(d.slice(0, k))];
};
const refSub = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = k2(d.length);
  return m <= k ? [...refSub(m, d.slice(0, k), b), mth(d.slice(k))] : [...refSub(m - k, d.slice(k), false), mth(d.slice(0, k))];
};

const leaves = (n: number): Uint8Array[] => Array.from({ length: n }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));

describe('RFC 9162 builders', () => {
  it('hashes leaves with the 0x00 prefix and the empty tree as SHA-256("")', () => {
    expect(hex(leafHash(new Uint8Array()))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(hex(merkleRoot([]))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches the recursive definitions for every size up to 70', () => {
    for (let n = 1; n <= 70; n++) {
      const d = leaves(n);
      expect(hex(merkleRoot(d))).toBe(hex(mth(d)));
      for (let m = 0; m < n; m++) expect(inclusionProof(d, m).map(hex)).toEqual(refPath(m, d).map(hex));
      for (let m = 1; m <= n; m++) expect(consistencyProof(d, m).map(hex)).toEqual(m === n ? [] : refSub(m, d, true).map(hex));
    }
  });

  it('refuses hashes that are not 32 bytes and out-of-range indexes', () => {
    const d = leaves(3);
    const bad = [...d, new Uint8Array(31)];
    for (const f of [() => merkleRoot(bad), () => inclusionProof(bad, 0), () => consistencyProof(bad, 1)]) {
      expect(f).toThrow();
      try {
        f();
      } catch (e) {
        expect(isDataLedgerError(e, 'CORE_HASH_LENGTH')).toBe(true);
      }
    }
    expect(() => inclusionProof(d, 3)).toThrow(RangeError);
    expect(() => inclusionProof(d, -1)).toThrow(RangeError);
    expect(() => consistencyProof(d, 0)).toThrow(RangeError);
    expect(() => consistencyProof(d, 4)).toThrow(RangeError);
  });
});

describe('RFC 9162 verification laws', () => {
  it('prove-then-verify round-trips; any other index, size or flipped bit fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, bit) => {
        const d = leaves(n);
        const root = merkleRoot(d);
        const index = a % n;
        const proof = inclusionProof(d, index);
        expect(verifyInclusion({ leafHash: d[index]!, index, treeSize: n, proof, root })).toBe(true);
        expect(verifyInclusion({ leafHash: d[index]!, index: (index + 1) % n, treeSize: n, proof, root })).toBe(n === 1);
        expect(verifyInclusion({ leafHash: d[index]!, index, treeSize: 2 * n + 1, proof, root })).toBe(false);
        if (proof.length > 0) {
          const p = proof.map((x) => new Uint8Array(x));
          const which = bit % (p.length * 256);
          p[Math.floor(which / 256)]![(which % 256) >> 3]! ^= 1 << (which & 7);
          expect(verifyInclusion({ leafHash: d[index]!, index, treeSize: n, proof: p, root })).toBe(false);
        }
        const r = new Uint8Array(root);
        r[bit % 32]! ^= 1 << (bit & 7);
        expect(verifyInclusion({ leafHash: d[index]!, index, treeSize: n, proof, root: r })).toBe(false);
      }),
      { numRuns: 200, seed: 9162 },
    );
  });

  it('consistency proofs round-trip between any two sizes; tampering fails', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.nat(), fc.nat(), (n, a, bit) => {
        const d = leaves(n);
        const size1 = 1 + (a % n);
        const root1 = merkleRoot(d.slice(0, size1));
        const root2 = merkleRoot(d);
        const proof = consistencyProof(d, size1);
        expect(verifyConsistency({ size1, size2: n, root1, root2, proof })).toBe(true);
        if (proof.length > 0) {
          const p = proof.map((x) => new Uint8Array(x));
          const which = bit % (p.length * 256);
          p[Math.floor(which / 256)]![(which % 256) >> 3]! ^= 1 << (which & 7);
          expect(verifyConsistency({ size1, size2: n, root1, root2, proof: p })).toBe(false);
          expect(verifyConsistency({ size1, size2: n, root1: root2, root2: root1, proof })).toBe(size1 === n);
        }
      }),
      { numRuns: 200, seed: 9163 },
    );
  });

  it('rejects any hash that is not 32 bytes', () => {
    const d = leaves(5);
    const root = merkleRoot(d);
    const proof = inclusionProof(d, 2);
    const short = (x: Uint8Array): Uint8Array => x.subarray(0, 31);
    const long = (x: Uint8Array): Uint8Array => new Uint8Array([...x, 0]);
    for (const f of [short, long]) {
      expect(verifyInclusion({ leafHash: f(d[2]!), index: 2, treeSize: 5, proof, root })).toBe(false);
      expect(verifyInclusion({ leafHash: d[2]!, index: 2, treeSize: 5, proof, root: f(root) })).toBe(false);
      expect(verifyInclusion({ leafHash: d[2]!, index: 2, treeSize: 5, proof: [f(proof[0]!), ...proof.slice(1)], root })).toBe(false);
    }
    const cp = consistencyProof(d, 3);
    const r3 = merkleRoot(d.slice(0, 3));
    expect(verifyConsistency({ size1: 3, size2: 5, root1: r3, root2: root, proof: cp })).toBe(true);
    expect(verifyConsistency({ size1: 3, size2: 5, root1: short(r3), root2: root, proof: cp })).toBe(false);
    expect(verifyConsistency({ size1: 3, size2: 5, root1: r3, root2: long(root), proof: cp })).toBe(false);
    expect(verifyConsistency({ size1: 3, size2: 5, root1: r3, root2: root, proof: cp.map(short) })).toBe(false);
    // Malformed arguments are false, never an exception.
    expect(verifyInclusion({ leafHash: d[2]!, index: 2.5, treeSize: 5, proof, root })).toBe(false);
    expect(verifyInclusion({ leafHash: d[2]!, index: -1, treeSize: 5, proof, root })).toBe(false);
    expect(verifyInclusion(null as never)).toBe(false);
    expect(verifyConsistency({ size1: 3, size2: 5, root1: r3, root2: root, proof: null as never })).toBe(false);
    // A sparse proof array (a hole where a hash should be) is false too, not a TypeError.
    const holed = (p: Uint8Array[]): Uint8Array[] => {
      const h: Uint8Array[] = [];
      for (let i = 1; i < p.length; i++) h[i] = p[i]!;
      return h;
    };
    expect(verifyInclusion({ leafHash: d[2]!, index: 2, treeSize: 5, proof: holed(proof), root })).toBe(false);
    expect(verifyConsistency({ size1: 3, size2: 5, root1: r3, root2: root, proof: holed(cp) })).toBe(false);
  });
});
