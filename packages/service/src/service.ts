/**
 * The ledger service: a provenance log, the registry state it implies, and the one append
 * queue every write goes through. `openService` builds one over a data directory;
 * `createLedgerService` builds one over any opened log (tests, embedding).
 */
import { isVerifiedRecord, verifySignedRecord, type LedgerRecord, type Log, type VerifiedRecord } from '@dataledger/provenance';
import type { LedgerService, RegistryView } from './context.ts';
import { AppendQueue, headInfo, type AppendQueueOptions, type ApplyRecord, type HeadInfo, type PrecheckRecords, type Receipt } from './append-queue.ts';

/** Options of {@link createLedgerService}. */
export interface CreateLedgerServiceOptions<S> extends AppendQueueOptions {
  log: Log;
  origin: string;
  /** The registry transition (certificates' `applyRecord`). */
  apply: ApplyRecord<S>;
  /** The registry state after the log's last record (replayed by the caller). */
  state: S;
  /** Position-independent registry checks run before a submission may wait in the queue (e.g. `registryPrecheck`). */
  precheck?: PrecheckRecords<S>;
  /** Payload limit of records, bytes (default 65,536). */
  maxPayloadBytes?: number;
  /** Read access to a registry state (default: an empty view). */
  view?: (state: S) => RegistryView;
  /** The audit of the whole ledger (default: an empty report). */
  audit?: (service: StatefulLedgerService<S>) => Promise<unknown>;
  /** Offline certificate verification against this log (default: refuses every certificate). */
  verifyCertificate?: (
    certificate: unknown,
    service: StatefulLedgerService<S>,
    raw?: string,
  ) => Promise<{ verified: boolean; status?: string; checks: { name: string; ok: boolean; code?: string }[] }>;
  /** Called after the log is closed (release other resources). */
  onClose?: () => Promise<void>;
}

/** A {@link LedgerService} that also exposes its registry state. */
export interface StatefulLedgerService<S> extends LedgerService {
  /** The registry state after the last appended record. */
  registry(): S;
  /** The underlying log. */
  readonly log: Log;
}

/**
 * A ledger service over an opened log.
 * @param options - the log, its origin, the registry transition and replayed state
 * @returns the service
 */
export function createLedgerService<S>(options: CreateLedgerServiceOptions<S>): StatefulLedgerService<S> {
  const { log } = options;
  const maxPayloadBytes = options.maxPayloadBytes ?? 65_536;
  // In-process callers may hand plain records: they are checked here, once, like the edge's.
  const verified = (records: readonly (LedgerRecord | VerifiedRecord)[]): VerifiedRecord[] =>
    records.map((r, k) => (isVerifiedRecord(r) ? r : verifySignedRecord(r, maxPayloadBytes, k)));
  const seq = { log, apply: options.apply, precheck: options.precheck, state: options.state };
  const queue = new AppendQueue<S>(seq, options);
  let closed: Promise<void> | null = null;
  const view = options.view ?? ((): RegistryView => EMPTY_VIEW);
  const service: StatefulLedgerService<S> = {
    origin: options.origin,
    logVerifierKey: log.verifierKey,
    maxPayloadBytes,
    log,
    get size(): number {
      return log.head().size;
    },
    head: (): HeadInfo => headInfo(log.head()),
    checkpoint: () => log.checkpoint(),
    entries: (start, end) => log.entries(start, end),
    leafHashAt: (i) => log.leafHashAt(i),
    indexOfLeafHash: (h) => log.indexOfLeafHash(h),
    inclusionProof: (i, n) => log.inclusionProof(i, n),
    consistencyProof: (a, b) => log.consistencyProof(a, b),
    rootHashAt: (n) => log.rootHashAt(n),
    exportBundle: () => log.exportBundle(),
    tiles: log,
    submit: (records: readonly (LedgerRecord | VerifiedRecord)[]): Promise<Receipt[]> => {
      try {
        return queue.submit(verified(records));
      } catch (err) {
        return Promise.reject(err);
      }
    },
    receiptFor: (i) => queue.receiptFor(i),
    registry: () => seq.state,
    check: (records: readonly (LedgerRecord | VerifiedRecord)[]): void => {
      // The registry rules trust `actor`; only the signature makes it true. Callers run this
      // before work that cannot be undone (folding a contribution).
      let st = seq.state;
      for (const v of verified(records)) st = options.apply(st, v.record);
    },
    view: () => view(seq.state),
    audit: () => (options.audit === undefined ? Promise.resolve({ violations: [] }) : options.audit(service)),
    verifyCertificate: (c, raw) =>
      options.verifyCertificate === undefined
        ? Promise.resolve({ verified: false, checks: [{ name: 'supported', ok: false, code: 'CERT_MALFORMED' }] })
        : options.verifyCertificate(c, service, raw),
    close(): Promise<void> {
      closed ??= (async () => {
        await queue.close();
        await log.close();
        if (options.onClose !== undefined) await options.onClose();
      })();
      return closed;
    },
  };
  return service;
}

const EMPTY_VIEW: RegistryView = {
  rolesOf: () => [],
  asset: () => undefined,
  licence: () => undefined,
  certificate: () => undefined,
  statistics: () => ({}),
};
