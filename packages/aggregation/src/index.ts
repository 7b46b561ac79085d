/**
 * @dataledger/aggregation: homomorphic aggregation on node-seal (Microsoft SEAL 4.1).
 * Holders encrypt, an untrusted aggregator adds ciphertexts, and only the key holder
 * decrypts the total, under a release policy.
 * @packageDocumentation
 */
// Errors: the package's error class and its stable codes.
export { AGGREGATION_ERROR_CODES, AggregationError } from './errors.ts';
export type { AggregationErrorCode } from './errors.ts';
// Jobs: what is summed, by which scheme, under which privacy policy.
export { resolveJob } from './job.ts';
export type { AggregationJob, AggregationScheme, PrivacyPolicy, PrivacyMechanism, ResolvedJob, ResolvedPrivacy } from './job.ts';
// Keys: a job's key pair, held by whoever may decrypt.
export { createJobKeys } from './keys.ts';
export type { JobKeys } from './keys.ts';
// Contributions: a holder encrypts and signs its values.
export { encryptContribution, signContribution, contributionTarget } from './contribution.ts';
export type { Contribution, ContributionTarget, Holder, CheckedContribution } from './contribution.ts';
// The aggregator: adds ciphertexts without reading them; anyone can recompute the sum.
export { Aggregator, recomputeAggregate, verifyAggregate, mergeAggregates } from './aggregator.ts';
export type { AggregatorOptions, ContributionReceipt } from './aggregator.ts';
export type { AggregateResult } from './result.ts';
// Release: the key holder decrypts the total under the job's policy.
export { decryptAggregate } from './release.ts';
export type { AggregateRelease, AggregateReleaseJson, ReleaseOptions } from './release.ts';
// Privacy: the budget a job spends on released totals.
export { PrivacyBudget } from './privacy.ts';
// Statistics: encode a histogram, sums of squares, and read means and variances back.
export { histogramValues, withSquares, meanOf, varianceOf } from './stats.ts';
