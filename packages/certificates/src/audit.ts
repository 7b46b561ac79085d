/**
 * A regulator's audit (监管): replay an exported bundle, recheck its integrity (every
 * signature, chain link and the signed checkpoint, via `@dataledger/provenance`) and every
 * registry rule, reporting each violation with its record index and rule code, plus the
 * statistics report (统计报告).
 */
import { type DataLedgerError, isDataLedgerError } from '@dataledger/core';
import { verifyBundle, type BundleReport, type BundleSource, type LedgerRecord } from '@dataledger/provenance';
import type { Classification } from './payloads.ts';
import { CLASSIFICATIONS } from './payloads.ts';
import { maskText } from './masking.ts';
import { applyRecord, emptyRegistryState, skipRecord, type AssetState, type RegistryRecord, type RegistryState, type UncheckedRule } from './registry.ts';
import { type OpenedDisclosure, payloadDigests } from './disclosure.ts';
import type { ErasedDisclosure } from './payloads.ts';

/** One reported violation. */
export interface Violation {
  /** Index of the offending record (null when the fault is not a record's, e.g. the checkpoint). */
  index: number | null;
  /** `REGISTRY_…` for a rule, `BUNDLE_…` for an integrity fault. */
  code: string;
  message: string;
  type?: string;
  actor?: string;
}

/** Status of an asset for reporting, in priority order. */
export type AssetStatus = 'cancelled' | 'frozen' | 'rejected' | 'unreviewed' | 'expired' | 'active';
/** Every asset status. */
export const ASSET_STATUSES: readonly AssetStatus[] = ['cancelled', 'frozen', 'rejected', 'unreviewed', 'expired', 'active'];

/**
 * The reporting status of an asset at `at`: cancelled, else frozen, else rejected, else
 * unreviewed (review pending), else expired (outside its validity), else active.
 */
export function assetStatus(asset: AssetState, at: number): AssetStatus {
  if (asset.cancelled) return 'cancelled';
  if (asset.frozen) return 'frozen';
  if (asset.review === 'rejected') return 'rejected';
  if (asset.review === 'pending') return 'unreviewed';
  if (at < Date.parse(asset.validity.from) || at > Date.parse(asset.validity.until)) return 'expired';
  return 'active';
}

/**
 * The small-cell threshold k of the statistics report (README "Desensitisation (masking
 * table)"): a count cell with 1 to k−1 contributors is suppressed.
 */
export const DEFAULT_MIN_CELL = 5;

/** A count cell of a breakdown: the count, or `null` when suppressed (small cell). */
export type StatisticsCell = number | null;

/**
 * The statistics report (统计报告). Periods are calendar months `YYYY-MM` of record time (UTC).
 * Every breakdown cell with 1 to `minCell`−1 contributors is `null` (suppressed, listed in
 * `suppressed`), and so is one more cell of a breakdown where a single one was (the published
 * total would give it back). Totals are never suppressed.
 */
export interface StatisticsReport {
  /** The time the report describes (the last record's time, or `at`). */
  asOf: string | null;
  /** Records applied. */
  records: number;
  /** The small-cell threshold k the report was made with. */
  minCell: number;
  /**
   * The suppressed cells, each as `<breakdown>.<key>` (`assets.byHolder.did:key:z6Mk…`): the
   * breakdown's path has two dot-separated parts, the key is everything after them.
   */
  suppressed: string[];
  assets: {
    /** Every asset ever registered (cancelled ones included). */
    total: number;
    byClassification: Record<Classification, StatisticsCell>;
    byStatus: Record<AssetStatus, StatisticsCell>;
    /** By current holder (did:key). */
    byHolder: Record<string, StatisticsCell>;
    /**
     * By current source department (`source.department`), masked by the `freeText` rule of the
     * asset's classification: the departments of core assets count under `***`.
     */
    byDepartment: Record<string, StatisticsCell>;
    registeredByPeriod: Record<string, StatisticsCell>;
  };
  transfers: { total: number; byPeriod: Record<string, StatisticsCell> };
  licences: {
    granted: number;
    grantedByPeriod: Record<string, StatisticsCell>;
    /** Every licence ever granted, by purpose (masked by the `freeText` rule of its asset's classification). */
    byPurpose: Record<string, StatisticsCell>;
    revoked: number;
    revokedByPeriod: Record<string, StatisticsCell>;
    /** Status active and within term at `asOf`. */
    active: number;
    /** Ended by a revoked consent. */
    ended: number;
  };
  certificates: {
    issued: number;
    issuedByPeriod: Record<string, StatisticsCell>;
    revoked: number;
    revokedByPeriod: Record<string, StatisticsCell>;
    /** Currently suspended. */
    suspended: number;
    /** Neither revoked nor suspended. */
    active: number;
  };
  aggregations: { opened: number; released: number; contributions: number };
}

/** Options of {@link statisticsReport}. */
export interface StatisticsOptions {
  /** The time statuses are evaluated at (default: the last record's time). */
  at?: Date;
  /** The small-cell threshold k (default {@link DEFAULT_MIN_CELL}; 1 suppresses nothing). */
  minCell?: number;
}

function byPeriod(state: RegistryState, kind: string): { total: number; byPeriod: Record<string, number> } {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [k, n] of state.counters.entries()) {
    const bar = k.indexOf('|');
    if (k.slice(0, bar) !== kind) continue;
    out[k.slice(bar + 1)] = n;
    total += n;
  }
  return { total, byPeriod: sortedKeys(out) };
}

function sortedKeys(cells: Record<string, number>): Record<string, number> {
  const sorted: Record<string, number> = {};
  for (const p of Object.keys(cells).sort()) sorted[p] = cells[p] as number;
  return sorted;
}

// Counts by a free-text key, masked first by the rule of the asset's classification (README
// "Desensitisation (masking table)"): a core asset's key is `***`; below core, a department or
// purpose written before the write-time guard (REGISTRY_PUBLIC_PII) may carry an identifier,
// masked here. Two keys masked alike are one cell.
function countByText<T>(items: Iterable<T>, key: (item: T) => [text: string, classification: Classification]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) {
    const k = maskText(...key(i));
    out[k] = (out[k] ?? 0) + 1;
  }
  return sortedKeys(out);
}

/**
 * Small-cell suppression of one breakdown: primary (1..k−1 contributors), then secondary when a
 * single cell was suppressed, since the breakdown's published total minus the other cells would
 * give it back: the smallest other non-zero cell (else the smallest zero), the first in key
 * order among equals. A breakdown of one cell cannot be protected this way (its total says it).
 */
function suppressCells<K extends string>(path: string, cells: Record<K, number>, k: number, suppressed: string[]): Record<K, StatisticsCell> {
  const keys = Object.keys(cells) as K[];
  const hidden = new Set<K>(keys.filter((key) => cells[key] >= 1 && cells[key] < k));
  if (hidden.size === 1) {
    const rank = (key: K): number => (cells[key] === 0 ? Number.MAX_SAFE_INTEGER : cells[key]);
    let next: K | null = null;
    for (const key of keys) if (!hidden.has(key) && (next === null || rank(key) < rank(next))) next = key;
    if (next !== null) hidden.add(next);
  }
  const out = {} as Record<K, StatisticsCell>;
  for (const key of keys) {
    out[key] = hidden.has(key) ? null : cells[key];
    if (hidden.has(key)) suppressed.push(`${path}.${key}`);
  }
  return out;
}

/**
 * The statistics report of a registry state, small cells suppressed (README "Desensitisation
 * (masking table)": GB/T 37964 suppression, k = `minCell`).
 * @param state - the registry state (e.g. from {@link replayRegistry} or an audit)
 * @param options - `at`: the time statuses are evaluated at (default: the last record's time);
 *   `minCell`: k (default 5)
 * @throws RangeError when `minCell` is not a positive integer
 */
export function statisticsReport(state: RegistryState, options: StatisticsOptions = {}): StatisticsReport {
  const k = options.minCell ?? DEFAULT_MIN_CELL;
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`options.minCell: expected a positive integer, got ${String(k)}`);
  const asOf = options.at?.toISOString() ?? state.lastTime;
  const at = asOf === null ? 0 : Date.parse(asOf);
  const byClassification = Object.fromEntries(CLASSIFICATIONS.map((c) => [c, 0])) as Record<Classification, number>;
  const byStatus = Object.fromEntries(ASSET_STATUSES.map((s) => [s, 0])) as Record<AssetStatus, number>;
  const byHolder: Record<string, number> = {};
  for (const a of state.assets.values()) {
    byClassification[a.classification]++;
    byStatus[assetStatus(a, at)]++;
    byHolder[a.holder.id] = (byHolder[a.holder.id] ?? 0) + 1;
  }
  let active = 0;
  let ended = 0;
  for (const l of state.licences.values()) {
    if (l.status === 'ended') ended++;
    else if (l.status === 'active' && at >= Date.parse(l.term.from) && at <= Date.parse(l.term.until)) active++;
  }
  let suspended = 0;
  let certActive = 0;
  let revokedNow = 0;
  for (const c of state.certificates.values()) {
    if (c.status === 'suspended') suspended++;
    else if (c.status === 'active') certActive++;
    else revokedNow++;
  }
  let released = 0;
  let contributions = 0;
  for (const j of state.aggregations.values()) {
    if (j.released) released++;
    contributions += j.contributors.length;
  }
  const registered = byPeriod(state, 'asset.registered');
  const transfers = byPeriod(state, 'asset.transferred');
  const granted = byPeriod(state, 'licence.granted');
  const revoked = byPeriod(state, 'licence.revoked');
  const issued = byPeriod(state, 'certificate.issued');
  const certRevoked = byPeriod(state, 'certificate.revoked');
  const suppressed: string[] = [];
  const cells = <K extends string>(path: string, c: Record<K, number>): Record<K, StatisticsCell> => suppressCells(path, c, k, suppressed);
  return {
    asOf,
    records: state.size,
    minCell: k,
    suppressed,
    assets: {
      total: state.assets.size,
      byClassification: cells('assets.byClassification', byClassification),
      byStatus: cells('assets.byStatus', byStatus),
      byHolder: cells('assets.byHolder', byHolder),
      byDepartment: cells(
        'assets.byDepartment',
        countByText(state.assets.values(), (a) => [a.source.department, a.classification]),
      ),
      registeredByPeriod: cells('assets.registeredByPeriod', registered.byPeriod),
    },
    transfers: { total: transfers.total, byPeriod: cells('transfers.byPeriod', transfers.byPeriod) },
    licences: {
      granted: granted.total,
      grantedByPeriod: cells('licences.grantedByPeriod', granted.byPeriod),
      byPurpose: cells(
        'licences.byPurpose',
        countByText(state.licences.values(), (l) => [l.purpose, state.assets.get(l.registrationNumber)?.classification ?? 'general']),
      ),
      revoked: revoked.total,
      revokedByPeriod: cells('licences.revokedByPeriod', revoked.byPeriod),
      active,
      ended,
    },
    certificates: {
      issued: issued.total,
      issuedByPeriod: cells('certificates.issuedByPeriod', issued.byPeriod),
      revoked: revokedNow,
      revokedByPeriod: cells('certificates.revokedByPeriod', certRevoked.byPeriod),
      suspended,
      active: certActive,
    },
    aggregations: { opened: state.aggregations.size, released, contributions },
  };
}

/** The outcome of an audit. */
export interface AuditReport {
  /** True when the bundle is intact and no record breaks a rule. */
  valid: boolean;
  /** The integrity report of the bundle (null for {@link auditRecords}). */
  integrity: BundleReport | null;
  /** Records replayed. */
  records: number;
  /** Every violation, in record order; integrity faults included (code `BUNDLE_…`). */
  violations: Violation[];
  statistics: StatisticsReport;
  /** The registry state after replay (refused records skipped). */
  state: RegistryState;
  /**
   * Rules the replay could not check, because a member they need is concealed and its
   * disclosure was not given (or was erased): never counted as passed.
   */
  unchecked: UncheckedSummary[];
  /** True when every rule of every record was checked (`unchecked` is empty). */
  complete: boolean;
  /** What was erased from the vault, when and by whom (`disclosure.erased` records). */
  erasures: ErasureEntry[];
  /** The disclosures given: how many, how many matched a digest of the ledger. */
  disclosures: { given: number; used: number };
}

/** One rule a replay could not check, over all the records it concerns. */
export interface UncheckedSummary {
  /** The rule, by the code it raises when broken. */
  rule: string;
  /** Records it could not be checked on. */
  records: number;
  /** The first of their indexes (at most 20). */
  indexes: number[];
  /** Why, for the first of them. */
  reason: string;
}

/** One `disclosure.erased` record, as the audit reports it. */
export interface ErasureEntry {
  /** The erasure record's index, time and signer. */
  index: number;
  time: string;
  actor: string;
  /** The record whose disclosures were erased. */
  target: number;
  erased: ErasedDisclosure[];
  reason: string;
}

/** Options of {@link RegistryAuditor}. */
export interface RegistryAuditorOptions {
  /** Disclosures by digest (`disclosureMap`): with them, the rules on concealed members are checked too. */
  disclosures?: ReadonlyMap<string, OpenedDisclosure>;
}

/** Incremental rule audit: feed records in order, collect violations. */
export class RegistryAuditor {
  #state: RegistryState = emptyRegistryState();
  readonly violations: Violation[] = [];
  readonly erasures: ErasureEntry[] = [];
  readonly #unchecked = new Map<string, UncheckedSummary>();
  readonly #disclosures: ReadonlyMap<string, OpenedDisclosure>;
  readonly #used = new Set<string>();
  readonly #onUnchecked = (u: UncheckedRule): void => {
    const s = this.#unchecked.get(u.rule);
    if (s === undefined) this.#unchecked.set(u.rule, { rule: u.rule, records: 1, indexes: [u.index], reason: u.reason });
    else if (s.indexes[s.indexes.length - 1] !== u.index) {
      s.records++;
      if (s.indexes.length < 20) s.indexes.push(u.index);
    }
  };

  constructor(options: RegistryAuditorOptions = {}) {
    this.#disclosures = options.disclosures ?? new Map();
  }

  /** Applies one record; a refused record is reported and skipped. */
  push(record: RegistryRecord): void {
    // A disclosure of a record that breaks a rule still matches a digest of the ledger: only
    // a disclosure of no digest at all is foreign.
    if (this.#disclosures.size > 0) {
      for (const d of digestsOf(record?.payload)) if (this.#disclosures.has(d)) this.#used.add(d);
    }
    try {
      this.#state = applyRecord(this.#state, record, { disclosures: this.#disclosures, unchecked: this.#onUnchecked });
      if (record.type === 'disclosure.erased') {
        const p = record.payload as unknown as { index: number; erased: ErasedDisclosure[]; reason: string };
        this.erasures.push({ index: record.index, time: record.time, actor: record.actor, target: p.index, erased: p.erased, reason: p.reason });
      }
    } catch (err) {
      if (!isDataLedgerError(err)) throw err;
      const e = err as DataLedgerError;
      const v: Violation = { index: typeof record?.index === 'number' ? record.index : this.#state.size, code: e.code, message: e.message };
      if (typeof record?.type === 'string') v.type = record.type;
      if (typeof record?.actor === 'string') v.actor = record.actor;
      this.violations.push(v);
      this.#state = skipRecord(this.#state, record ?? {});
    }
  }
  /** The state so far. */
  get state(): RegistryState {
    return this.#state;
  }
  /** The rules not checked so far. */
  get unchecked(): UncheckedSummary[] {
    return [...this.#unchecked.values()];
  }
  /** Disclosures given and used so far. */
  get disclosures(): { given: number; used: number } {
    return { given: this.#disclosures.size, used: this.#used.size };
  }
  /**
   * The violation of disclosures that match no digest of the ledger (changed, or another
   * ledger's), or null: a disclosure that cannot be checked against a digest is never trusted.
   */
  foreignDisclosures(): Violation | null {
    const foreign = this.#disclosures.size - this.#used.size;
    if (foreign === 0) return null;
    return { index: null, code: 'DISCLOSURE_FOREIGN', message: `${foreign} disclosure(s) match no digest of this ledger (changed, or from another ledger)` };
  }
  /** The report's disclosure fields. */
  summary(): Pick<AuditReport, 'unchecked' | 'complete' | 'erasures' | 'disclosures'> {
    const unchecked = this.unchecked;
    return { unchecked, complete: unchecked.length === 0, erasures: this.erasures, disclosures: this.disclosures };
  }
}

/**
 * The digests a record's payload carries, or none when its `_sd` is malformed: that record is
 * refused by {@link applyRecord} and reported, the auditor itself never throws on it.
 */
function digestsOf(payload: unknown): string[] {
  try {
    return payloadDigests(payload).map((d) => d.digest);
  } catch (err) {
    if (!isDataLedgerError(err)) throw err;
    return [];
  }
}

/**
 * Audits records already read (no integrity check: use {@link auditBundle} for bundles).
 * @param records - ledger records in order
 * @param options - the statistics report's `at` and `minCell` ({@link statisticsReport}), and
 *   disclosures by digest (rules on concealed members are checked with them)
 */
export function auditRecords(
  records: Iterable<RegistryRecord>,
  options: StatisticsOptions & { disclosures?: ReadonlyMap<string, OpenedDisclosure> } = {},
): AuditReport {
  const a = new RegistryAuditor(options.disclosures === undefined ? {} : { disclosures: options.disclosures });
  for (const r of records) a.push(r);
  const violations = [...a.violations];
  const foreign = a.foreignDisclosures();
  if (foreign !== null) violations.push(foreign);
  const statsOpts: StatisticsOptions = {};
  if (options.at !== undefined) statsOpts.at = options.at;
  if (options.minCell !== undefined) statsOpts.minCell = options.minCell;
  return {
    valid: violations.length === 0,
    integrity: null,
    records: a.state.size,
    violations,
    statistics: statisticsReport(a.state, statsOpts),
    state: a.state,
    ...a.summary(),
  };
}

/** Options of {@link auditBundle}. */
export interface AuditBundleOptions {
  /** Log keys the bundle's checkpoint must be signed by (default: the bundle header's own key). */
  trustedLogKeys?: string[];
  /** Payload size limit per record. */
  maxPayloadBytes?: number;
  /** Time statuses are evaluated at (default: the last record's time). */
  at?: Date;
  /** Disclosures by digest (`disclosureMap`): with them, the rules on concealed members are checked too. */
  disclosures?: ReadonlyMap<string, OpenedDisclosure>;
  /** The statistics report's small-cell threshold k (default {@link DEFAULT_MIN_CELL}). */
  minCell?: number;
}

/**
 * Replays a JSONL bundle: integrity via provenance's `verifyBundle` (every signature, chain
 * link, the Merkle root against the signed checkpoint) and every registry rule, continuing
 * past rule violations so that all are reported. An integrity fault stops the replay (records
 * after it cannot be trusted) and is reported as a violation with its `BUNDLE_…` code.
 * @param source - the bundle (`log.exportBundle()`, a file stream, lines)
 * @param options - trusted log keys, limits, report time
 */
export async function auditBundle(source: BundleSource, options: AuditBundleOptions = {}): Promise<AuditReport> {
  const a = new RegistryAuditor(options.disclosures === undefined ? {} : { disclosures: options.disclosures });
  const opts: Parameters<typeof verifyBundle>[1] = { onRecord: (record: LedgerRecord) => a.push(record) };
  if (options.trustedLogKeys !== undefined) opts.trustedLogKeys = options.trustedLogKeys;
  if (options.maxPayloadBytes !== undefined) opts.maxPayloadBytes = options.maxPayloadBytes;
  const integrity = await verifyBundle(source, opts);
  const violations = [...a.violations];
  if (!integrity.valid) {
    violations.push({ index: integrity.firstBadIndex, code: integrity.code ?? 'BUNDLE_MALFORMED', message: integrity.reason ?? 'invalid bundle' });
  }
  const foreign = a.foreignDisclosures();
  if (foreign !== null) violations.push(foreign);
  const statsOpts: StatisticsOptions = {};
  if (options.at !== undefined) statsOpts.at = options.at;
  if (options.minCell !== undefined) statsOpts.minCell = options.minCell;
  return {
    valid: integrity.valid && violations.length === 0,
    integrity,
    records: a.state.size,
    violations,
    statistics: statisticsReport(a.state, statsOpts),
    state: a.state,
    ...a.summary(),
  };
}
