/**
 * RFC 9162 §2.1 Merkle tree hashes and proofs, as pure functions over leaf hashes.
 *
 * - leaf hash    = SHA-256(0x00 ‖ data)                  (§2.1.1)
 * - interior node = SHA-256(0x01 ‖ left ‖ right)          (§2.1.1)
 * - MTH({})      = SHA-256("")                            (§2.1.1)
 *
 * Verifiers treat every argument as attacker-controlled: any hash that is not 32 bytes,
 * any size or index that is not a safe non-negative integer, makes them return false.
 * Builders (`merkleRoot`, `inclusionProof`, `consistencyProof`) throw instead, since their
 * input comes from the caller's own log.
 */
import { assertHash, HASH_LENGTH } from '@dataledger/core';
import { createHash, hash } from 'node:crypto';

/** Proofs of trees up to 2^64 leaves have at most 64 hashes (§2.1.3, §2.1.4). */
const MAX_PROOF_LENGTH = 64;

function out(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * RFC 9162 §2.1.1 leaf hash: SHA-256(0x00 ‖ data).
 * @param data - the leaf data
 * @returns the 32-byte leaf hash
 */
export function leafHash(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array)) throw new TypeError('data: expected a Uint8Array');
  const buf = Buffer.allocUnsafe(data.length + 1);
  buf[0] = 0x00;
  buf.set(data, 1);
  return out(hash('sha256', buf, 'buffer'));
}

/**
 * RFC 9162 §2.1.1 interior node hash: SHA-256(0x01 ‖ left ‖ right).
 * @param left - the left child hash (32 bytes)
 * @param right - the right child hash (32 bytes)
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a child is not 32 bytes
 */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // One-shot hashing of one 65-byte buffer beats a Hash object with three updates; hashing is
  // synchronous, so one scratch buffer serves every call.
  if (left.length !== HASH_LENGTH) assertHash(left, 'left');
  if (right.length !== HASH_LENGTH) assertHash(right, 'right');
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 33);
  return out(hash('sha256', NODE_INPUT, 'buffer'));
}
const NODE_INPUT = Buffer.alloc(65, 0x01);

/** The root of the empty tree, SHA-256 of the empty string (§2.1.1). */
export const EMPTY_ROOT: Uint8Array = out(createHash('sha256').digest());

/** Largest power of two strictly less than n (n ≥ 2), the split point k of §2.1.1. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isSafeSize(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

function checkLeaves(leafHashes: Uint8Array[]): void {
  if (!Array.isArray(leafHashes)) throw new TypeError('leafHashes: expected an array');
  for (let i = 0; i < leafHashes.length; i++) assertHash(leafHashes[i], `leafHashes[${i}]`);
}

/**
 * The right frontier of a growing tree: the roots of its maximal complete subtrees, one per
 * set bit of the size. Appending is amortised O(1) hashes, the root O(log n): this is how a
 * tree of any size is hashed in O(log n) memory.
 */
export class MerkleFrontier {
  /** `hashes[level]` is the root of the complete subtree of 2^level leaves on the border, if any. */
  readonly hashes: (Uint8Array | undefined)[] = [];
  /** Number of leaves appended. */
  size = 0;

  /**
   * Appends a leaf hash.
   * @param onNode - called for every complete subtree this leaf completes (level ≥ 1),
   *   with its level and its index among the subtrees of that level
   */
  push(leaf: Uint8Array, onNode?: (level: number, index: number, hash: Uint8Array) => void): void {
    let hash = leaf;
    let level = 0;
    let idx = this.size;
    while (idx % 2 === 1) {
      hash = nodeHash(this.hashes[level]!, hash);
      this.hashes[level] = undefined;
      level++;
      idx = (idx - 1) / 2;
      onNode?.(level, idx, hash);
    }
    this.hashes[level] = hash;
    this.size++;
  }

  /** MTH of the leaves appended so far (§2.1.1): the border roots folded right to left. */
  root(): Uint8Array {
    let r: Uint8Array | undefined;
    for (const h of this.hashes) {
      if (h === undefined) continue;
      r = r === undefined ? h : nodeHash(h, r);
    }
    return r ?? EMPTY_ROOT;
  }

  /** A copy (for trial appends that may be discarded). */
  clone(): MerkleFrontier {
    const c = new MerkleFrontier();
    c.hashes.push(...this.hashes);
    c.size = this.size;
    return c;
  }
}

/**
 * RFC 9162 §2.1.1 Merkle Tree Hash of a list of leaf hashes.
 * @param leafHashes - 32-byte leaf hashes, in order
 * @returns the root; SHA-256("") for the empty list
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a leaf hash is not 32 bytes
 */
export function merkleRoot(leafHashes: Uint8Array[]): Uint8Array {
  checkLeaves(leafHashes);
  const f = new MerkleFrontier();
  for (const h of leafHashes) f.push(h);
  return f.root();
}

function subtreeRoot(leaves: Uint8Array[], lo: number, hi: number): Uint8Array {
  if (hi - lo === 1) return leaves[lo]!;
  const f = new MerkleFrontier();
  for (let i = lo; i < hi; i++) f.push(leaves[i]!);
  return f.root();
}

/** PATH(m, D[lo:hi]) of §2.1.3.1, bottom-up. */
function path(leaves: Uint8Array[], m: number, lo: number, hi: number, acc: Uint8Array[]): void {
  const n = hi - lo;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    path(leaves, m, lo, lo + k, acc);
    acc.push(subtreeRoot(leaves, lo + k, hi));
  } else {
    path(leaves, m - k, lo + k, hi, acc);
    acc.push(subtreeRoot(leaves, lo, lo + k));
  }
}

/**
 * RFC 9162 §2.1.3.1 inclusion proof (audit path) of leaf `index` in the tree of all `leafHashes`.
 * @throws RangeError when `index` is not in [0, leafHashes.length)
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a leaf hash is not 32 bytes
 */
export function inclusionProof(leafHashes: Uint8Array[], index: number): Uint8Array[] {
  checkLeaves(leafHashes);
  if (!isSafeSize(index) || index >= leafHashes.length) throw new RangeError(`index: ${String(index)} is not in [0, ${leafHashes.length})`);
  const acc: Uint8Array[] = [];
  path(leafHashes, index, 0, leafHashes.length, acc);
  return acc;
}

/** SUBPROOF(m, D[lo:hi], b) of §2.1.4.1. */
function subproof(leaves: Uint8Array[], m: number, lo: number, hi: number, b: boolean, acc: Uint8Array[]): void {
  const n = hi - lo;
  if (m === n) {
    if (!b) acc.push(subtreeRoot(leaves, lo, hi));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    subproof(leaves, m, lo, lo + k, b, acc);
    acc.push(subtreeRoot(leaves, lo + k, hi));
  } else {
    subproof(leaves, m - k, lo + k, hi, false, acc);
    acc.push(subtreeRoot(leaves, lo, lo + k));
  }
}

/**
 * RFC 9162 §2.1.4.1 consistency proof between the first `size1` leaves and all `leafHashes`.
 * @returns the proof; empty when `size1` equals the tree size
 * @throws RangeError when `size1` is not in [1, leafHashes.length]
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a leaf hash is not 32 bytes
 */
export function consistencyProof(leafHashes: Uint8Array[], size1: number): Uint8Array[] {
  checkLeaves(leafHashes);
  if (!isSafeSize(size1) || size1 < 1 || size1 > leafHashes.length) {
    throw new RangeError(`size1: ${String(size1)} is not in [1, ${leafHashes.length}]`);
  }
  const acc: Uint8Array[] = [];
  if (size1 < leafHashes.length) subproof(leafHashes, size1, 0, leafHashes.length, true, acc);
  return acc;
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_LENGTH;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isProof(proof: unknown): proof is Uint8Array[] {
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_LENGTH) return false;
  // An indexed loop, not `every`: `every` skips the holes of a sparse array, which the
  // verification loop would then meet as undefined.
  for (let i = 0; i < proof.length; i++) if (!isHash(proof[i])) return false;
  return true;
}

/** Arguments of {@link verifyInclusion}. */
export interface InclusionCheck {
  leafHash: Uint8Array;
  index: number;
  treeSize: number;
  proof: Uint8Array[];
  root: Uint8Array;
}

/**
 * RFC 9162 §2.1.3.2: verifies that `leafHash` is leaf `index` of the tree of `treeSize`
 * leaves with root `root`.
 * @returns true when the proof verifies; false for a wrong proof and for malformed input
 *   (a hash that is not 32 bytes, an index outside [0, treeSize), a non-integer size)
 */
export function verifyInclusion(args: InclusionCheck): boolean {
  if (args === null || typeof args !== 'object') return false;
  const { leafHash: leaf, index, treeSize, proof, root } = args;
  if (!isHash(leaf) || !isHash(root) || !isProof(proof)) return false;
  if (!isSafeSize(index) || !isSafeSize(treeSize) || index >= treeSize) return false; // step 1
  let fn = index; // step 2
  let sn = treeSize - 1;
  let r = leaf; // step 3
  for (const p of proof) {
    // step 4
    if (sn === 0) return false; // 4a
    if (fn % 2 === 1 || fn === sn) {
      // 4b
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p); // 4c
    }
    fn = Math.floor(fn / 2); // 4d
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root); // step 5
}

/** Arguments of {@link verifyConsistency}. */
export interface ConsistencyCheck {
  size1: number;
  size2: number;
  root1: Uint8Array;
  root2: Uint8Array;
  proof: Uint8Array[];
}

/**
 * RFC 9162 §2.1.4.2: verifies that the tree of `size1` leaves with root `root1` is a
 * prefix of the tree of `size2` leaves with root `root2`.
 *
 * Edge cases (as in the transparency-dev/merkle test data): `size1 > size2` is false; a
 * consistency proof from the empty tree is meaningless and false; equal sizes need an
 * empty proof and equal roots (size 0: both the empty-tree hash). In that one case the
 * roots are compared byte for byte and nothing is hashed, so it is also the one case where
 * a root is not required to be 32 bytes.
 * @returns true when the proof verifies; false for a wrong proof or malformed input
 */
export function verifyConsistency(args: ConsistencyCheck): boolean {
  if (args === null || typeof args !== 'object') return false;
  const { size1, size2, root1, root2, proof } = args;
  if (!isSafeSize(size1) || !isSafeSize(size2) || size1 > size2) return false;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array) || !Array.isArray(proof)) return false;
  if (size1 === size2) {
    if (proof.length !== 0 || !equal(root1, root2)) return false;
    return size1 > 0 || equal(root1, EMPTY_ROOT);
  }
  if (size1 === 0) return false;
  if (!isHash(root1) || !isHash(root2) || !isProof(proof)) return false;
  if (proof.length === 0) return false; // step 1
  // step 2: when size1 is a power of two its root is the first node of the path.
  const path = isPow2(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1; // step 3
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    // step 4
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!; // step 5
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    // step 6
    const c = path[i]!;
    if (sn === 0) return false; // 6a
    if (fn % 2 === 1 || fn === sn) {
      // 6b
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c); // 6c
    }
    fn = Math.floor(fn / 2); // 6d
    sn = Math.floor(sn / 2);
  }
  return equal(fr, root1) && equal(sr, root2) && sn === 0; // step 7
}

function isPow2(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
