/**
 * The ledger service: a provenance log, the registry state it implies, and the one append
 * queue every write goes through. `openService` builds one over a data directory;
 * `createLedgerService` builds one over any opened log (tests, embedding).
 */
import { DataLedgerError } from '@dataledger/core';
import { verifyRecordSignature, type LedgerRecord, type TileReader } from '@dataledger/provenance';
import type { LedgerService, RegistryView } from './context.ts';
import { AppendQueue, headInfo, type AppendQueueOptions, type AppendTarget, type ApplyRecord, type HeadInfo, type PrecheckRecords, type Receipt } from './ledger.ts';

/** The provenance `Log` surface the service uses (structural). */
export interface LogLike extends AppendTarget {
  /** The log's C2SP verifier key. */
  readonly verifierKey: string;
  /** Records `[start, end)`. */
  entries(start: number, end: number): Promise<LedgerRecord[]> | AsyncIterable<LedgerRecord>;
  /** RFC 9162 consistency proof. */
  consistencyProof(size1: number, size2?: number): Promise<Uint8Array[]>;
  /** Root hash of the tree of the first `treeSize` records. */
  rootHashAt(treeSize: number): Promise<Uint8Array>;
  /** JSONL bundle lines. */
  exportBundle(): AsyncIterable<string>;
  /** Closes the store. */
  close(): Promise<void>;
}

/** Options of {@link createLedgerService}. */
export interface CreateLedgerServiceOptions<S> extends AppendQueueOptions {
  log: LogLike;
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
  readonly log: LogLike;
}

function isTileReader(log: LogLike): log is LogLike & TileReader {
  const l = log as Partial<TileReader>;
  return typeof l.nodeHashes === 'function' && typeof l.entryData === 'function';
}

async function collect(it: Promise<LedgerRecord[]> | AsyncIterable<LedgerRecord>): Promise<LedgerRecord[]> {
  if (Symbol.asyncIterator in (it as object)) {
    const out: LedgerRecord[] = [];
    for await (const r of it as AsyncIterable<LedgerRecord>) out.push(r);
    return out;
  }
  return it as Promise<LedgerRecord[]>;
}

/**
 * A ledger service over an opened log.
 * @param options - the log, its origin, the registry transition and replayed state
 * @returns the service
 */
export function createLedgerService<S>(options: CreateLedgerServiceOptions<S>): StatefulLedgerService<S> {
  const { log } = options;
  const seq = { log, apply: options.apply, precheck: options.precheck, state: options.state };
  const queue = new AppendQueue<S>(seq, options);
  let closed: Promise<void> | null = null;
  const view = options.view ?? ((): RegistryView => EMPTY_VIEW);
  const service: StatefulLedgerService<S> = {
    origin: options.origin,
    logVerifierKey: log.verifierKey,
    maxPayloadBytes: options.maxPayloadBytes ?? 65_536,
    log,
    get size(): number {
      return log.head().size;
    },
    head: (): HeadInfo => headInfo(log.head()),
    checkpoint: () => log.checkpoint(),
    entries: (start, end) => collect(log.entries(start, end)),
    leafHashAt: (i) => log.leafHashAt(i),
    indexOfLeafHash: (h) => log.indexOfLeafHash(h),
    inclusionProof: (i, n) => log.inclusionProof(i, n),
    consistencyProof: (a, b) => log.consistencyProof(a, b),
    rootHashAt: (n) => log.rootHashAt(n),
    exportBundle: () => log.exportBundle(),
    // The provenance Log reads tiles itself; a log that cannot (a test double) serves none.
    ...(isTileReader(log) ? { tiles: log } : {}),
    submit: (records: LedgerRecord[]): Promise<Receipt[]> => queue.submit(records),
    receiptFor: (i) => queue.receiptFor(i),
    registry: () => seq.state,
    check: (records: LedgerRecord[]): void => {
      // The registry rules trust `actor`; only the signature makes it true. Callers run this
      // before work that cannot be undone (folding a contribution), so check it here rather
      // than leave it to Log.appendBatch.
      let st = seq.state;
      for (const r of records) {
        if (!verifyRecordSignature(r)) {
          throw new DataLedgerError('LEDGER_SIGNATURE_INVALID', `record ${r.index}: not a valid signature by ${r.actor}`, { details: { index: r.index } });
        }
        st = options.apply(st, r);
      }
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
