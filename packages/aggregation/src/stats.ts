/**
 * Statistics over released sums: counts (0/1 values), histograms (one slot per bucket),
 * means (sum / count) and variances from x and x² (both summed in one job).
 */

/**
 * A one-hot histogram contribution: 1 in `bucket`, 0 elsewhere.
 * @param bucket - 0 ≤ bucket < buckets
 * @param buckets - number of buckets (the job's length)
 */
export function histogramValues(bucket: number, buckets: number): bigint[] {
  if (!Number.isSafeInteger(buckets) || buckets < 1) throw new RangeError('buckets: expected a positive integer');
  if (!Number.isSafeInteger(bucket) || bucket < 0 || bucket >= buckets) throw new RangeError('bucket: expected an integer in [0, buckets)');
  const out = new Array<bigint>(buckets).fill(0n);
  out[bucket] = 1n;
  return out;
}

/**
 * The values of a mean-and-variance job: `[x_1…x_k, x_1²…x_k²]`. The job's length is 2k and
 * its maxAbsValue must cover max|x|².
 * @param xs - the contributor's values
 */
export function withSquares(xs: readonly bigint[]): bigint[] {
  return [...xs, ...xs.map((x) => x * x)];
}

/**
 * Mean of a released sum: sum / count.
 * @param sum - released sum
 * @param count - contributions
 */
export function meanOf(sum: bigint, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count: expected a positive integer');
  const c = BigInt(count);
  return Number(sum / c) + Number(sum % c) / count;
}

/**
 * Population variance from the sums of x and x²: (n·Σx² − (Σx)²) / n², computed exactly in
 * integers and rounded once.
 * @param sum - Σx
 * @param sumOfSquares - Σx²
 * @param count - n
 */
export function varianceOf(sum: bigint, sumOfSquares: bigint, count: number): number {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count: expected a positive integer');
  const n = BigInt(count);
  const num = n * sumOfSquares - sum * sum;
  const den = n * n;
  return Number(num / den) + Number(num % den) / Number(den);
}
