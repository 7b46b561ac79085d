/**
 * @dataledger/service: the HTTP service. `buildApp(options)` returns a Fastify instance
 * (listen separately); `openService` opens a data directory's ledger; `DataLedgerClient`
 * is the typed client. Errors are RFC 9457 problem documents with stable codes.
 * @packageDocumentation
 */
export { buildApp, DEFAULT_BODY_LIMIT, DEFAULT_LOG_READ_RATE_LIMIT } from './app.ts';
export type { BuildAppOptions } from './app.ts';
export type { AppContext, LogReadRateLimit, RateLimit } from './context.ts';
export { LedgerService } from './service.ts';
export type { LedgerServiceOptions, CertificateVerdict, ServedLedger } from './service.ts';
export { headInfo } from './append-queue.ts';
export type { Receipt, HeadInfo, AppendQueueOptions, ApplyRecord, PrecheckRecords, RegistryRules } from './append-queue.ts';
export { DataLedgerClient } from './client.ts';
export type {
  DataLedgerClientOptions,
  InclusionProofAnswer,
  ConsistencyProofAnswer,
  RecordDraft,
  SubmittedReceipt,
  IssueCertificateRequest,
  CertificateVerificationAnswer,
} from './client.ts';
export type { CertificateDesk, CertificateShelf, StatusListSlots, RoleEvidenceAnswer, ProvenRecord } from './certificate-desk.ts';
export { SERVICE_ERROR_CODES, ERROR_STATUS, httpStatusOf } from './errors.ts';
export type { ServiceErrorCode } from './errors.ts';
export { PROBLEM_CONTENT_TYPE, problemOf, problemFromError, ServiceError } from './problem.ts';
export type { Problem } from './problem.ts';
export {
  signRequest,
  verifyRequest,
  contentDigest,
  contentDigestMatches,
  REQUIRED_COVERED_COMPONENTS,
  SIGNATURE_MAX_AGE_SECONDS,
} from './httpsig.ts';
export type { SignableRequest, SignRequestOptions, VerifyRequestOptions } from './httpsig.ts';
export { RECORD_ROUTES, ROUTE_OF_RECORD_TYPE, MAX_BATCH_RECORDS } from './routes/records.ts';
export type { RecordRoute, WriteArea } from './routes/records.ts';
export { MAX_ENTRIES_PER_READ } from './routes/log.ts';
export { openService, dataDirPaths, registryView, DEFAULT_ORIGIN, defaultOriginOf, isOrigin, formatKeyFile, parseKeyFile } from './open.ts';
export type { OpenServiceOptions, DataDirService, DataDirFacts, RootAuthority, KeyFileJson } from './open.ts';
export type { RegistryView } from './context.ts';
