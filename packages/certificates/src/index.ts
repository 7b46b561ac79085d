/**
 * @dataledger/certificates: the data-asset domain. Record payload schemas, the registry
 * state machine and its rules, W3C VC 2.0 certificates with eddsa-jcs-2022 Data Integrity
 * proofs, Bitstring Status Lists, audit and statistics.
 * @packageDocumentation
 */
export { CERTIFICATES_ERROR_CODES } from './errors.ts';
export type { CertificatesErrorCode } from './errors.ts';
export {
  DATA_INTEGRITY_PROOF,
  EDDSA_JCS_2022,
  isDateTimeStamp,
  resolveDidKeyVerificationMethod,
  verificationMethodOf,
  eddsaJcs2022HashData,
  signCredential,
  verifyCredential,
} from './dataintegrity.ts';
export type {
  JsonObject,
  DataIntegrityProof,
  SignCredentialOptions,
  VerificationError,
  CredentialVerificationResult,
  VerifyCredentialOptions,
} from './dataintegrity.ts';
