/**
 * What the route plugins share: the opened ledger service and the HTTP limits.
 */
import type { LedgerRecord } from '@dataledger/provenance';
import type { ServedLedger } from './service.ts';
import type { NonceStore } from './httpsig.ts';
import type { CosignatureStore } from './cosignatures.ts';

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
  /**
   * Whether `reader` may see the disclosures of a logged record (default: regulators and the
   * root authority only).
   */
  mayReadDisclosures?(reader: string, record: LedgerRecord): boolean;
}

/** Shared by every route plugin. */
export interface AppContext {
  service: ServedLedger;
  batchBodyLimit: number;
  contributionBodyLimit: number;
  maxPayloadBytes: number;
  verifyRateLimit: { max: number; timeWindow: number | string } | false;
  signatureMaxAgeSeconds: number;
  /** Witness cosigner vkeys whose cosignatures are accepted (empty: none). */
  witnessKeys: readonly string[];
  /** The service's public URL (signed reads cover its authority); null: the Host header. */
  publicUrl: string | null;
  /** Nonces of signed reads, remembered for their lifetime (replay protection); shared by the instances of one PostgreSQL log. */
  nonces: NonceStore;
  /** The newest cosignature of each witness; shared by the instances of one PostgreSQL log. */
  cosignatures: CosignatureStore;
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
