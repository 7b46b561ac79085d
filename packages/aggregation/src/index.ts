/**
 * @dataledger/aggregation: homomorphic aggregation on node-seal (Microsoft SEAL 4.1).
 * Holders encrypt, an untrusted aggregator adds ciphertexts, and only the key holder
 * decrypts the total, under a release policy.
 * @packageDocumentation
 */
export { AGGREGATION_ERROR_CODES, AggregationError } from './errors.ts';
export type { AggregationErrorCode } from './errors.ts';
export {
  resolveJob,
  POLY_MODULUS_DEGREE,
  MAX_JOB_LENGTH,
  MAX_CONTRIBUTORS,
  MAX_PLAIN_MODULUS_BITS,
  MIN_PLAIN_MODULUS_BITS,
  CKKS_MAX_SUM_BITS,
  CKKS_DEFAULT_EPSILON,
} from './job.ts';
export type { AggregationJob, AggregationScheme, PrivacyPolicy, PrivacyMechanism, ResolvedJob, ResolvedPrivacy } from './job.ts';
export { createJobKeys, publicKeyHash } from './keys.ts';
export type { JobKeys } from './keys.ts';
export {
  encryptContribution,
  signContribution,
  contributionTarget,
  checkContribution,
  CONTRIBUTION_TYPE,
} from './contribution.ts';
export type { Contribution, ContributionTarget, Holder, CheckedContribution } from './contribution.ts';
export { Aggregator, recomputeAggregate, verifyAggregate, mergeAggregates } from './aggregator.ts';
export type { AggregatorOptions, ContributionReceipt } from './aggregator.ts';
export { RESULT_TYPE } from './result.ts';
export type { AggregateResult } from './result.ts';
export { decryptAggregate } from './release.ts';
export type { AggregateRelease, AggregateReleaseJson, ReleaseOptions } from './release.ts';
export { PrivacyBudget, privacyBudgetFor, sampleDiscreteLaplace, laplaceNoise } from './privacy.ts';
export { CKKS_COEFF_MODULUS_BITS, CKKS_SCALE } from './seal.ts';
export { histogramValues, withSquares, meanOf, varianceOf } from './stats.ts';
