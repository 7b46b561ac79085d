/**
 * @dataledger/certificates: the data-asset domain. Record payload schemas, the registry
 * state machine and its rules, W3C VC 2.0 certificates with eddsa-jcs-2022 Data Integrity
 * proofs, Bitstring Status Lists, audit and statistics.
 * @packageDocumentation
 */
// Confidential members: SD-JWT disclosures, the disclosure policy, concealing and revealing.
export {
  DIGEST_PATTERN,
  MAX_DISCLOSURE_LENGTH,
  CONFIDENTIAL_MEMBERS,
  DEFAULT_DISCLOSURE_POLICY,
  disclosureDigest,
  makeDisclosure,
  openDisclosure,
  openDisclosuresText,
  parseDisclosuresText,
  formatDisclosuresText,
  disclosureMap,
  disclosurePolicy,
  policyJson,
  policyFromJson,
  concealPayload,
  payloadDigests,
  revealPayload,
  revealSubject,
  checkConcealed,
} from './disclosure.ts';
export type { Disclosure, OpenedDisclosure, DisclosurePolicy, PayloadDigest, RevealedPayload } from './disclosure.ts';
// Errors: the package's error class and its stable codes.
export { CERTIFICATES_ERROR_CODES, CertificateError } from './errors.ts';
export type { CertificatesErrorCode } from './errors.ts';
// Data Integrity proofs (eddsa-jcs-2022) on W3C Verifiable Credentials.
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
// Bitstring Status Lists: entries, list credentials, status checks.
export {
  STATUS_LIST_MIN_ENTRIES,
  STATUS_LIST_MAX_ENTRIES,
  DEFAULT_STATUS_LIST_TTL_MS,
  BitstringStatusList,
  statusListEntry,
  statusListCredential,
  checkStatus,
} from './statuslist.ts';
export type {
  StatusPurpose,
  BitstringStatusListEntry,
  StatusListCredentialFields,
  CheckStatusOptions,
  StatusCheck,
} from './statuslist.ts';
// A persistent map, the registry state's building block.
export { PMap } from './pmap.ts';
// Record payloads: vocabularies, schemas, and the one table of record types.
export {
  ROLES,
  CLASSIFICATIONS,
  RIGHTS_TYPES,
  UPDATE_FREQUENCIES,
  VALUATION_METHODS,
  RECORD_TYPES,
  isRecordType,
  DidSchema,
  RegistrationNumberSchema,
  IdentifierSchema,
  Sha256HexSchema,
  DateTimeSchema,
  DecimalSchema,
  CurrencySchema,
  HttpsUrlSchema,
  MoneySchema,
  ValuationSchema,
  PartySchema,
  ValiditySchema,
  DataSourceSchema,
  RECORD_TYPE_TABLE,
  PAYLOAD_SCHEMAS,
  parsePayload,
  parseRevealedPayload,
  parseAnyPayload,
} from './payloads.ts';
export type {
  Role,
  Classification,
  RightsType,
  UpdateFrequency,
  ValuationMethod,
  RecordType,
  Money,
  Valuation,
  Party,
  Validity,
  DataSource,
  LedgerGenesis,
  RoleChange,
  AssetRegistered,
  AssetReviewed,
  AssetValued,
  CertificateIssued,
  CertificateStatusChange,
  AssetTransferred,
  LicenceGranted,
  LicenceRevoked,
  AssetSupervision,
  AssetChanges,
  AssetChanged,
  CrossborderApproved,
  ConsentGranted,
  PersonInfo,
  ConsentRevoked,
  AggregationOpened,
  AggregationContributed,
  AggregationReleased,
  DisclosureErased,
  ErasedDisclosure,
  PayloadByType,
  ParsePayloadOptions,
  Authorisation,
  RecordTypeRow,
} from './payloads.ts';
// The registry state machine: apply records, replay a log, check roles.
export {
  emptyRegistryState,
  applyRecord,
  skipRecord,
  replayRegistry,
  requiredRoles,
  rolesOf,
  isAuthorised,
  ROLE_CHANGING_TYPES,
  periodOf,
} from './registry.ts';
export type {
  RegistryRecord,
  RegistryState,
  ReviewStatus,
  AssetState,
  LicenceState,
  ConsentState,
  CrossborderState,
  CertificateStatus,
  CertificateState,
  AggregationState,
  ApplyOptions,
  UncheckedRule,
  SealedRecord,
} from './registry.ts';
// Data-asset certificates: prepare, issue, verify, and status lists from registry state.
export {
  VC_V2_CONTEXT,
  DATA_ASSET_CERTIFICATE,
  LEDGER_INCLUSION_EVIDENCE,
  certificateSubject,
  subjectHash,
  prepareCertificate,
  issueCertificate,
  roleEvidenceIndexes,
  verifyCertificate,
  certificateStatus,
  issuanceRecordIndex,
  statusListsFromState,
  statusListCredentialsFromState,
  signStatusListCredential,
  statusListSignerOfLog,
} from './certificate.ts';
export type {
  DataAssetCertificate,
  CertificateSubject,
  PrepareCertificateOptions,
  RecordInclusion,
  IssueCertificateOptions,
  VerifyCertificateOptions,
  CertificateCheck,
  CertificateVerification,
  CertificateDisclosedMember,
  CertificateStatusVerdict,
  CertificateStatusOptions,
  StatusListSigningOptions,
} from './certificate.ts';
// Audit and statistics over a registry or a bundle.
export { ASSET_STATUSES, DEFAULT_MIN_CELL, assetStatus, statisticsReport, RegistryAuditor, auditRecords, auditBundle } from './audit.ts';
export type {
  Violation,
  AssetStatus,
  StatisticsCell,
  StatisticsOptions,
  StatisticsReport,
  AuditReport,
  AuditBundleOptions,
  UncheckedSummary,
  ErasureEntry,
  RegistryAuditorOptions,
} from './audit.ts';
// Desensitisation (脱敏): the masking table and its helpers (GB/T 37964).
export {
  MASK_CATEGORIES,
  MASK_COMPOUND_SURNAMES,
  MASKING_TABLE,
  SUPPRESSED_VALUE,
  isResidentId,
  isMobileNumber,
  findIdentifiers,
  publicTextPii,
  PUBLIC_TEXT_MEMBERS,
  maskValue,
  maskText,
  desensitise,
} from './masking.ts';
export type { MaskCategory, MaskingRow, FoundIdentifier, DesensitiseSpec, PublicTextFinding } from './masking.ts';
