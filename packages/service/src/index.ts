/**
 * @dataledger/service: the HTTP service. `buildApp(options)` returns a Fastify instance
 * (listen separately); `openService` opens a data directory's ledger; `DataLedgerClient`
 * is the typed client. Errors are RFC 9457 problem documents with stable codes.
 * @packageDocumentation
 */
// The app: a Fastify instance over a served ledger.
export { buildApp, DEFAULT_LOG_READ_RATE_LIMIT } from './app.ts';
export type { BuildAppOptions } from './app.ts';
export type { LogReadRateLimit, RateLimit, RegistryView } from './context.ts';
// The ledger behind the app: a log, its registry state and the append queue's receipts.
export { LedgerService } from './service.ts';
export type { LedgerServiceOptions, CertificateVerdict, ServedLedger, SubmissionRouter } from './service.ts';
export type {
  Receipt,
  HeadInfo,
  AppendQueueOptions,
  ApplyRecord,
  PrecheckRecords,
  RegistryRules,
  Placement,
  KeepDisclosures,
  ApplyLogged,
} from './append-queue.ts';
// Several instances on one PostgreSQL log: the router of each (its role, failover).
export { Sequencer, vouchKeyOf } from './sequencer.ts';
export type { SequencerOptions, SequencerRole } from './sequencer.ts';
// Confidential members: the edge checks of a write body's disclosures, and who may read them.
export { checkDisclosures, keepDisclosures, mayReadDisclosures, MAX_BODY_DISCLOSURES } from './disclosures.ts';
export type { DisclosuresByDigest } from './disclosures.ts';
export type { CertificateDesk, StatusListSlots, RoleEvidenceAnswer, ProvenRecord } from './certificate-desk.ts';
// A data directory: open its ledger, keys and certificates.
export { openService, dataDirPaths, isOrigin, formatKeyFile, parseKeyFile, applyLogged } from './open.ts';
export type { OpenServiceOptions, DataDirService, DataDirFacts, RootAuthority, KeyFileJson } from './open.ts';
// The typed HTTP client.
export { DataLedgerClient } from './client.ts';
export type {
  DataLedgerClientOptions,
  InclusionProofAnswer,
  ConsistencyProofAnswer,
  RecordDraft,
  SubmittedReceipt,
  RecordDisclosuresAnswer,
  EraseRequest,
  IssueCertificateRequest,
  CertificateVerificationAnswer,
} from './client.ts';
// Request signing (RFC 9421 HTTP Message Signatures), for callers not using the client.
export { signRequest } from './httpsig.ts';
export type { SignableRequest, SignRequestOptions } from './httpsig.ts';
// What the app keeps beside the log (a service's `nonces` and `cosignatures`): its own, or shared by the instances of one PostgreSQL log.
export { NonceCache, sharedNonceStore } from './httpsig.ts';
export type { NonceClaims, NonceStore } from './httpsig.ts';
export { memoryCosignatures } from './cosignatures.ts';
export type { CosignatureStore, KeptCosignature } from './cosignatures.ts';
export { memoryShelf, directoryShelf } from './certificate-desk.ts';
export type { CertificateShelf } from './certificate-desk.ts';
// The write routes: which route carries each record type.
export { ROUTE_OF_RECORD_TYPE } from './routes/records.ts';
// Errors: the service's codes, each code's HTTP status, and RFC 9457 problem documents.
export { SERVICE_ERROR_CODES, ERROR_STATUS } from './errors.ts';
export type { ServiceErrorCode } from './errors.ts';
export { ServiceError } from './problem.ts';
export type { Problem } from './problem.ts';
