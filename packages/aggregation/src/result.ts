/**
 * Aggregate results: the folded sum and what it is the sum of.
 *
 * ```
 * { v: 1, type: 'dataledger.aggregation.result', jobId, jobHash, keyHash, count,
 *   contributions: [base64 contribution hash…] (sorted), sum: [base64 ciphertext…],
 *   sumHash: base64 SHA-256 over the sum ciphertexts }
 * ```
 * Ciphertext addition is exact arithmetic modulo each RNS prime, so it is commutative and
 * associative: whoever holds the listed contributions recomputes the same sum, byte for
 * byte, in any order and with any split into partial aggregates.
 */
import { sha256, toBase64 } from '@dataledger/core';
import { base64Length } from './contribution.ts';
import { aggError } from './errors.ts';
import { type SealShape, checkCiphertextBytes, ciphertextByteLength } from './format.ts';

/** `type` of a result envelope. */
export const RESULT_TYPE = 'dataledger.aggregation.result';

/** A (partial or final) aggregate. JSON-safe. */
export interface AggregateResult {
  v: 1;
  type: typeof RESULT_TYPE;
  jobId: string;
  jobHash: string;
  keyHash: string;
  /** Number of contributions folded (= contributions.length). */
  count: number;
  /** Sorted base64 hashes of the folded contributions. */
  contributions: string[];
  /** Base64 serialized sum ciphertexts (compr_mode none); empty when count is 0. */
  sum: string[];
  /** Base64 SHA-256 over the serialized sum ciphertexts. */
  sumHash: string;
}

/** A result that passed its checks, with the sum decoded. */
export interface CheckedResult {
  count: number;
  contributions: string[];
  sum: Uint8Array[];
}

/** Builds a result envelope. */
export function buildResult(
  target: { jobId: string; jobHash: string; keyHash: string },
  contributions: Iterable<string>,
  sum: readonly Uint8Array[],
): AggregateResult {
  const list = [...contributions].sort();
  return {
    v: 1,
    type: RESULT_TYPE,
    jobId: target.jobId,
    jobHash: target.jobHash,
    keyHash: target.keyHash,
    count: list.length,
    contributions: list,
    sum: sum.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')),
    sumHash: toBase64(sha256(...sum)),
  };
}

const FIELDS = new Set(['v', 'type', 'jobId', 'jobHash', 'keyHash', 'count', 'contributions', 'sum', 'sumHash']);
const B64_32 = /^[A-Za-z0-9+/]{43}=$/;

function bad(message: string): never {
  throw aggError('AGG_RESULT_INVALID', message);
}

/**
 * Checks an untrusted result envelope: shape, job and key binding, distinct sorted
 * contribution hashes, count ≤ maxContributors, and the sum's layout and hash.
 * @throws DataLedgerError `AGG_RESULT_INVALID`, `AGG_JOB_MISMATCH`, `AGG_KEY_MISMATCH`, `AGG_CIPHERTEXT_TOO_LARGE`, `AGG_PARAMS_MISMATCH`
 */
export function checkResult(
  value: unknown,
  target: { jobId: string; jobHash: string; keyHash: string | null },
  maxContributors: number,
  ciphertextCount: number,
  shape: SealShape,
): CheckedResult {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad('result: expected an object');
  const r = value as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!FIELDS.has(k)) bad(`result: unknown field ${k}`);
  if (r['v'] !== 1 || r['type'] !== RESULT_TYPE) bad('result: not a v1 aggregate result');
  if (r['jobId'] !== target.jobId || r['jobHash'] !== target.jobHash) throw aggError('AGG_JOB_MISMATCH', 'result: for another job');
  if (typeof r['keyHash'] !== 'string' || (target.keyHash !== null && r['keyHash'] !== target.keyHash)) {
    throw aggError('AGG_KEY_MISMATCH', 'result: under another public key');
  }
  const count = r['count'];
  const list = r['contributions'];
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) bad('result.count: expected a count');
  if (count > maxContributors) throw aggError('AGG_CAPACITY_EXCEEDED', 'result: more contributions than the job allows');
  if (!Array.isArray(list) || list.length !== count) bad('result.contributions: expected count hashes');
  for (let i = 0; i < list.length; i++) {
    const h: unknown = list[i];
    if (typeof h !== 'string' || !B64_32.test(h)) bad('result.contributions: expected base64 hashes');
    // Sorted and strictly increasing: one canonical form, and no contribution counted twice.
    if (i > 0 && !((list[i - 1] as string) < h)) bad('result.contributions: not sorted or repeated');
  }
  const sum = r['sum'];
  if (!Array.isArray(sum) || sum.length !== (count === 0 ? 0 : ciphertextCount)) bad('result.sum: wrong number of ciphertexts');
  const cap = base64Length(ciphertextByteLength(shape));
  const bytes: Uint8Array[] = [];
  for (let i = 0; i < sum.length; i++) {
    const s: unknown = sum[i];
    if (typeof s !== 'string') bad('result.sum: expected base64');
    if (s.length > cap) throw aggError('AGG_CIPHERTEXT_TOO_LARGE', `result.sum[${i}]: larger than a ciphertext of this job`);
    const buf = Buffer.from(s, 'base64');
    const b = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    checkCiphertextBytes(b, shape, `result.sum[${i}]`, 'AGG_RESULT_INVALID');
    bytes.push(b);
  }
  if (typeof r['sumHash'] !== 'string' || r['sumHash'] !== toBase64(sha256(...bytes))) bad('result.sumHash: does not match the sum');
  return { count, contributions: list as string[], sum: bytes };
}
