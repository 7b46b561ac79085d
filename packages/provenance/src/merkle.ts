/**
 * RFC 9162 §2.1 Merkle tree hashes and proofs: one engine over a hash reader (the shape of Go's
 * `sumdb/tlog`). Roots and proofs are planned as the stored subtree hashes they need, read
 * through {@link HashReader}, then hashed together; the `Log` (stored nodes), the tiles client
 * (hash tiles) and a plain list of leaf hashes are readers.
 *
 * - leaf hash    = SHA-256(0x00 ‖ data)                  (§2.1.1)
 * - interior node = SHA-256(0x01 ‖ left ‖ right)          (§2.1.1)
 * - MTH({})      = SHA-256("")                            (§2.1.1)
 *
 * Verifiers treat every argument as attacker-controlled: any hash that is not 32 bytes,
 * any size or index that is not a safe non-negative integer, makes them return false.
 * Builders (`merkleRoot`, `inclusionProof`, `consistencyProof`, and the `read…` forms over a
 * reader) throw instead, since their input comes from the caller's own log.
 */
import { assertHash, equalBytes, HASH_LENGTH, isHash } from '@dataledger/core';
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
 * Where a tree's hashes come from (Go `sumdb/tlog` `HashReader`, addressed by level and
 * position): the hashes of the complete subtrees of 2^`level` leaves at positions
 * [start, start + count), i.e. MTH(D[i·2^level : (i+1)·2^level]) for each position i.
 * The `Log` reads them from its stored nodes, a list of leaf hashes computes them, the tiles
 * client takes them from hash tiles; the proofs below know nothing else of storage.
 */
export interface HashReader {
  nodeHashes(level: number, start: number, count: number): Uint8Array[] | Promise<Uint8Array[]>;
}

/** A stored subtree hash: the complete subtree of 2^level leaves at position `index`. */
interface NodeRef {
  level: number;
  index: number;
}

/** A subtree hash to compute: a stored node, or the interior node of two plans (§2.1.1). */
type Plan = NodeRef | [Plan, Plan];

/** True for 1, 2, 4, … (a loop, not Math.log2, so it stays exact up to 2^53). */
function isPow2(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/** MTH(D[lo:hi]) as stored nodes: aligned perfect subtrees are read, the rest split at k (§2.1.1). */
function planSubtree(lo: number, hi: number): Plan {
  const n = hi - lo;
  if (isPow2(n) && lo % n === 0) {
    let level = 0;
    for (let m = n; m > 1; m /= 2) level++;
    return { level, index: lo / n };
  }
  const k = splitPoint(n);
  return [planSubtree(lo, lo + k), planSubtree(lo + k, hi)];
}

/** PATH(m, D[lo:hi]) of §2.1.3.1, bottom-up. */
function planPath(m: number, lo: number, hi: number, acc: Plan[]): void {
  const n = hi - lo;
  if (n <= 1) return;
  const k = splitPoint(n);
  if (m < k) {
    planPath(m, lo, lo + k, acc);
    acc.push(planSubtree(lo + k, hi));
  } else {
    planPath(m - k, lo + k, hi, acc);
    acc.push(planSubtree(lo, lo + k));
  }
}

/** SUBPROOF(m, D[lo:hi], b) of §2.1.4.1. */
function planSubproof(m: number, lo: number, hi: number, b: boolean, acc: Plan[]): void {
  const n = hi - lo;
  if (m === n) {
    if (!b) acc.push(planSubtree(lo, hi));
    return;
  }
  const k = splitPoint(n);
  if (m <= k) {
    planSubproof(m, lo, lo + k, b, acc);
    acc.push(planSubtree(lo + k, hi));
  } else {
    planSubproof(m - k, lo + k, hi, false, acc);
    acc.push(planSubtree(lo, lo + k));
  }
}

const refKey = (r: NodeRef): string => `${r.level}:${r.index}`;

function collectRefs(plan: Plan, out: Map<string, NodeRef>): void {
  if (Array.isArray(plan)) {
    collectRefs(plan[0], out);
    collectRefs(plan[1], out);
  } else out.set(refKey(plan), plan);
}

/**
 * Reads every stored node the plans need, then hashes them together. Like Go's `tlog`, all
 * reads are planned first: adjacent nodes of one level are one `nodeHashes` call, so a
 * proof costs O(log n) reads whatever the reader. Synchronous when the reader is.
 */
function evaluate(plans: Plan[], reader: HashReader): Uint8Array[] | Promise<Uint8Array[]> {
  const refs = new Map<string, NodeRef>();
  for (const p of plans) collectRefs(p, refs);
  const sorted = [...refs.values()].sort((a, b) => a.level - b.level || a.index - b.index);
  const runs: { level: number; start: number; count: number }[] = [];
  for (const r of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last.level === r.level && last.start + last.count === r.index) last.count++;
    else runs.push({ level: r.level, start: r.index, count: 1 });
  }
  const combine = (rows: Uint8Array[][]): Uint8Array[] => {
    const byKey = new Map<string, Uint8Array>();
    runs.forEach((run, i) => {
      const row = rows[i]!;
      if (!Array.isArray(row) || row.length !== run.count) throw new TypeError(`reader: expected ${run.count} hashes at level ${run.level}`);
      row.forEach((h, j) => {
        assertHash(h, `reader: node ${run.level}:${run.start + j}`);
        byKey.set(`${run.level}:${run.start + j}`, h);
      });
    });
    const run = (p: Plan): Uint8Array => (Array.isArray(p) ? nodeHash(run(p[0]), run(p[1])) : byKey.get(refKey(p))!);
    return plans.map(run);
  };
  const rows = runs.map((r) => reader.nodeHashes(r.level, r.start, r.count));
  if (rows.some((r) => r instanceof Promise)) return Promise.all(rows).then(combine);
  return combine(rows as Uint8Array[][]);
}

function checkSize(size: unknown, name: string): asserts size is number {
  if (!isSafeSize(size)) throw new RangeError(`${name}: expected a non-negative safe integer`);
}

/**
 * RFC 9162 §2.1.1 MTH of the first `treeSize` leaves, from the reader's stored hashes.
 * @returns the root (a promise when the reader is asynchronous); SHA-256("") for size 0
 * @throws RangeError for a size that is not a non-negative safe integer
 */
export function readRoot(reader: HashReader, treeSize: number): Uint8Array | Promise<Uint8Array> {
  checkSize(treeSize, 'treeSize');
  if (treeSize === 0) return EMPTY_ROOT;
  const out = evaluate([planSubtree(0, treeSize)], reader);
  return out instanceof Promise ? out.then((r) => r[0]!) : out[0]!;
}

/**
 * RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `treeSize` leaves, from the
 * reader's stored hashes.
 * @throws RangeError unless 0 ≤ index < treeSize
 */
export function readInclusionProof(reader: HashReader, index: number, treeSize: number): Uint8Array[] | Promise<Uint8Array[]> {
  checkSize(treeSize, 'treeSize');
  if (!isSafeSize(index) || index >= treeSize) throw new RangeError(`index: ${String(index)} is not in [0, ${treeSize})`);
  const plans: Plan[] = [];
  planPath(index, 0, treeSize, plans);
  return evaluate(plans, reader);
}

/**
 * RFC 9162 §2.1.4.1 consistency proof from the tree of `size1` leaves to that of `size2`, from
 * the reader's stored hashes.
 * @returns the proof; empty when the sizes are equal
 * @throws RangeError unless 1 ≤ size1 ≤ size2
 */
export function readConsistencyProof(reader: HashReader, size1: number, size2: number): Uint8Array[] | Promise<Uint8Array[]> {
  checkSize(size2, 'size2');
  if (!isSafeSize(size1) || size1 < 1 || size1 > size2) throw new RangeError(`size1: ${String(size1)} is not in [1, ${size2}]`);
  if (size1 === size2) return [];
  const plans: Plan[] = [];
  planSubproof(size1, 0, size2, true, plans);
  return evaluate(plans, reader);
}

/**
 * MTH of a perfect tree (§2.1.1 with every split at the middle) whose bottom row is `hashes`,
 * a power-of-two count: how a stored hash is computed from the row below it.
 */
export function perfectRoot(hashes: readonly Uint8Array[]): Uint8Array {
  let row = hashes;
  while (row.length > 1) {
    const next: Uint8Array[] = [];
    for (let j = 0; j < row.length; j += 2) next.push(nodeHash(row[j]!, row[j + 1]!));
    row = next;
  }
  return row[0]!;
}

/**
 * A list of leaf hashes as a {@link HashReader}: a stored hash at level L is computed from its
 * 2^L leaves, so a proof over a list costs O(n) hashes (a `Log` stores them instead).
 * The caller has checked every leaf is 32 bytes.
 */
export function leafListReader(leafHashes: readonly Uint8Array[]): HashReader {
  return {
    nodeHashes(level: number, start: number, count: number): Uint8Array[] {
      const span = 2 ** level;
      if ((start + count) * span > leafHashes.length)
        throw new RangeError(`nodes: level ${level} [${start}, +${count}) are not complete in the tree of ${leafHashes.length}`);
      const out: Uint8Array[] = [];
      for (let i = start; i < start + count; i++) {
        // A frontier over the span, not perfectRoot of a slice: no copies, no row arrays.
        const f = new MerkleFrontier();
        for (let j = i * span; j < (i + 1) * span; j++) f.push(leafHashes[j]!);
        out.push(f.root());
      }
      return out;
    },
  };
}

/** The result of a reader known to be synchronous (a {@link leafListReader}). */
function now<T>(value: T | Promise<T>): T {
  if (value instanceof Promise) throw new TypeError('reader: expected a synchronous reader');
  return value;
}

/**
 * RFC 9162 §2.1.1 Merkle Tree Hash of a list of leaf hashes.
 * @param leafHashes - 32-byte leaf hashes, in order
 * @returns the root; SHA-256("") for the empty list
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a leaf hash is not 32 bytes
 */
export function merkleRoot(leafHashes: Uint8Array[]): Uint8Array {
  checkLeaves(leafHashes);
  return now(readRoot(leafListReader(leafHashes), leafHashes.length));
}

/**
 * RFC 9162 §2.1.3.1 inclusion proof (audit path) of leaf `index` in the tree of all `leafHashes`.
 * @throws RangeError when `index` is not in [0, leafHashes.length)
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a leaf hash is not 32 bytes
 */
export function inclusionProof(leafHashes: Uint8Array[], index: number): Uint8Array[] {
  checkLeaves(leafHashes);
  return now(readInclusionProof(leafListReader(leafHashes), index, leafHashes.length));
}

/**
 * RFC 9162 §2.1.4.1 consistency proof between the first `size1` leaves and all `leafHashes`.
 * @returns the proof; empty when `size1` equals the tree size
 * @throws RangeError when `size1` is not in [1, leafHashes.length]
 * @throws DataLedgerError `CORE_HASH_LENGTH` when a leaf hash is not 32 bytes
 */
export function consistencyProof(leafHashes: Uint8Array[], size1: number): Uint8Array[] {
  checkLeaves(leafHashes);
  return now(readConsistencyProof(leafListReader(leafHashes), size1, leafHashes.length));
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
  return sn === 0 && equalBytes(r, root); // step 5
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
    if (proof.length !== 0 || !equalBytes(root1, root2)) return false;
    return size1 > 0 || equalBytes(root1, EMPTY_ROOT);
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
  return equalBytes(fr, root1) && equalBytes(sr, root2) && sn === 0; // step 7
}
