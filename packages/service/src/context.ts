/**
 * What the route plugins share: the opened ledger service and the HTTP limits.
 */
import type { LedgerRecord, TileReader, VerifiedRecord } from '@dataledger/provenance';
import type { CertificateDesk } from './certificate-desk.ts';
import type { HeadInfo, Receipt } from './append-queue.ts';
import type { NonceCache } from './httpsig.ts';

/**
 * Read access to the registry state, in the terms the routes need. Built from the
 * certificates state by `openService`; any registry can provide one.
 */
export interface RegistryView {
  /** Roles currently held by an actor (`root` for the root authority). */
  rolesOf(did: string): readonly string[];
  /** An asset by registration number. */
  asset(id: string): unknown;
  /** A licence by id. */
  licence(id: string): unknown;
  /** A certificate by id (public). */
  certificate(id: string): unknown;
  /** The statistics report (统计报告). */
  statistics(): unknown;
  /** An aggregation job as the ledger records it (undefined when never opened). */
  aggregation?(jobId: string): unknown;
}

/**
 * The opened ledger as the HTTP layer (and the CLI) sees it; `openService` returns one.
 * Reads go straight to the log; writes go through the one append queue.
 */
export interface LedgerService {
  /** The log's origin line (C2SP tlog-checkpoint). */
  readonly origin: string;
  /** The log's C2SP verifier key (publish it: verifiers trust checkpoints signed by it). */
  readonly logVerifierKey: string;
  /** Number of records in the log. */
  readonly size: number;
  /** Payload size limit of records, bytes of canonical JSON. */
  readonly maxPayloadBytes: number;
  /** The head a writer builds the next record on. */
  head(): HeadInfo;
  /** The C2SP signed note of the current checkpoint. */
  checkpoint(): Promise<string>;
  /** Records `[start, end)`. @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` */
  entries(start: number, end: number): Promise<LedgerRecord[]>;
  /** Leaf hash of record `index`. */
  leafHashAt(index: number): Promise<Uint8Array>;
  /** Index of the record with this leaf hash, if any. */
  indexOfLeafHash(leafHash: Uint8Array): Promise<number | undefined>;
  /** RFC 9162 inclusion proof of `index` in the tree of `treeSize` leaves (default current). */
  inclusionProof(index: number, treeSize?: number): Promise<Uint8Array[]>;
  /** RFC 9162 root hash of the tree of the first `treeSize` records. */
  rootHashAt(treeSize: number): Promise<Uint8Array>;
  /** RFC 9162 consistency proof between two sizes. */
  consistencyProof(size1: number, size2?: number): Promise<Uint8Array[]>;
  /** The JSONL bundle, line by line (header, records, checkpoint). */
  exportBundle(): AsyncIterable<string>;
  /** Stored subtree hashes and entry bytes, for the C2SP tlog-tiles routes (absent: no tiles served). */
  readonly tiles?: TileReader;
  /**
   * Submits records (one, or a pre-chained batch) through the group-commit queue.
   * @returns one receipt per record, once durably appended (or already present)
   * @throws DataLedgerError the failing check's code; nothing of the submission is appended
   */
  submit(records: readonly (LedgerRecord | VerifiedRecord)[]): Promise<Receipt[]>;
  /** Where aggregation jobs are kept on disk (null: memory only). */
  readonly aggregationDir?: string | null;
  /** Read access to the registry state after the last appended record. */
  view(): RegistryView;
  /** Signed certificates and status lists the service publishes (absent: not served). */
  readonly certificates?: CertificateDesk;
  /** The audit report of the whole ledger (a regulator's replay). */
  audit(): Promise<unknown>;
  /**
   * Verifies a certificate offline against this log's key (the exchange's check list).
   * @param certificate - the parsed body
   * @param raw - the body as received, when available (keys the cache of time-independent checks)
   */
  verifyCertificate(certificate: unknown, raw?: string): Promise<{ verified: boolean; status?: string; checks: { name: string; ok: boolean; code?: string }[] }>;
  /**
   * Checks records against the registry rules as they stand, without appending (a dry run
   * before work that cannot be undone, such as folding a ciphertext).
   * @throws DataLedgerError the rule's code
   */
  check(records: readonly (LedgerRecord | VerifiedRecord)[]): void;
  /** The receipt of a record already in the log. */
  receiptFor(index: number): Promise<Receipt>;
  /** Finishes in-flight appends, then closes the store. */
  close(): Promise<void>;
}

/** Shared by every route plugin. */
export interface AppContext {
  service: LedgerService;
  batchBodyLimit: number;
  contributionBodyLimit: number;
  maxPayloadBytes: number;
  verifyRateLimit: { max: number; timeWindow: number | string } | false;
  signatureMaxAgeSeconds: number;
  /** Witness cosigner vkeys whose cosignatures are accepted (empty: none). */
  witnessKeys: readonly string[];
  /** The service's public URL (signed reads cover its authority); null: the Host header. */
  publicUrl: string | null;
  /** Nonces of signed reads, remembered for their lifetime (replay protection). */
  nonces: NonceCache;
  /** Per-client rate limits of the log reads (entries, proofs, export); false: none. */
  logReadRateLimit: LogReadRateLimit | false;
}

/** A fastify rate limit: at most `max` requests per `timeWindow` (ms or a duration string) per client. */
export interface RateLimit {
  max: number;
  timeWindow: number | string;
}

/** Per-client rate limits of the transparency-log reads (each route counted on its own). */
export interface LogReadRateLimit {
  /** `GET /v1/log/entries` and `/v1/log/entries/:index`. */
  entries: RateLimit;
  /** `GET /v1/log/proof/inclusion` and `/v1/log/proof/consistency`. */
  proofs: RateLimit;
  /** `GET /v1/log/export` (the whole ledger). */
  export: RateLimit;
}
