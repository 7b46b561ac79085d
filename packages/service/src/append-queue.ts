/**
 * The append queue: the single writer of a provenance `Log`, with the registry state kept
 * in memory (rebuilt by replay at open). It sequences every write and group-commits them
 * into `Log.appendBatch`.
 *
 * A write is a submission: one record, or a pre-chained batch of consecutive records from
 * one request, each already parsed and signature-checked at the edge (`verifySignedRecord`:
 * one canonicalisation, one leaf hash). Each drain of the queue takes every pending
 * submission, orders them by their first index, runs the registry rules (`applyRecord`, no
 * rules of our own) on those that extend the head, and appends them in one atomic
 * `Log.appendBatch`. Index, `prev` and time are the log's to check (one home, in
 * provenance); when it refuses a record, only that record's submission is refused and the
 * others are checked again in the next group. A submission is all-or-nothing.
 *
 * Nothing waits in the queue unchecked: signatures are checked at the edge, and the cheap
 * registry checks that do not depend on a record's position (payload schema, role gate) run
 * before a submission is queued, so junk is refused at once instead of sitting among honest
 * writers.
 *
 * The actor signs index and prev, so writers race for each index. Losers are parked and
 * told (409 with the head) to re-sign one at a time, which turns the race into a queue;
 * each actor may park a bounded number of submissions.
 * A record already in the log is answered with its receipt and appended again never.
 *
 * Receipts are deterministic: a record's receipt proves its inclusion in the tree of
 * `index + 1` leaves, against the checkpoint of that size (Ed25519 signatures are
 * deterministic, RFC 8032 §5.1.6), so the same record posted again, even after a restart,
 * gets the same bytes back, with no cache.
 */
import { DataLedgerError, isDataLedgerError, toBase64 } from '@dataledger/core';
import type { LedgerRecord, Log, LogHead, VerifiedRecord } from '@dataledger/provenance';
import {
  applyRecord,
  isAuthorised,
  isRecordType,
  parseAnyPayload,
  ROLE_CHANGING_TYPES,
  revealPayload,
  type JsonObject,
  type OpenedDisclosure,
  type RecordType,
  type RegistryState,
} from '@dataledger/certificates';
import { ServiceError } from './problem.ts';
import { NO_DISCLOSURES, revealedAtEdge, withRevealed, type DisclosuresByDigest } from './disclosures.ts';

/** What a write returns: where the record is and the proof that it is there. */
export interface Receipt {
  /** The record's index in the log. */
  index: number;
  /** Standard base64 of the record's RFC 9162 leaf hash. */
  leafHash: string;
  /** The tree size the inclusion proof and the checkpoint are for: `index + 1`. */
  treeSize: number;
  /** RFC 9162 §2.1.3 inclusion proof, standard base64 hashes. */
  inclusionProof: string[];
  /** The C2SP signed note of the checkpoint of `treeSize` leaves, signed by the log key. */
  checkpoint: string;
}

/** The head a writer needs to build the next record, in wire form. */
export interface HeadInfo {
  size: number;
  /** base64 root hash of the tree of `size` leaves. */
  rootHash: string;
  /** base64 leaf hash of the last record ('' when empty): the next record's `prev`. */
  lastLeafHash: string;
  /** Time of the last record (null when empty); the next record's time must not be earlier. */
  lastTime: string | null;
}

/**
 * Wire form of a log head.
 * @param head - the provenance head
 * @returns sizes and base64 hashes
 */
export function headInfo(head: LogHead): HeadInfo {
  return {
    size: head.size,
    rootHash: toBase64(head.rootHash),
    lastLeafHash: head.lastLeafHash === null ? '' : toBase64(head.lastLeafHash),
    lastTime: head.lastTime,
  };
}

/** Where a record landed: what a receipt is built from (any instance can build it, see the module comment). */
export interface Placement {
  /** The record's index in the log. */
  index: number;
  /** Standard base64 of the record's RFC 9162 leaf hash. */
  leafHash: string;
}

interface Submission {
  /** The checked records, in order. */
  checked: readonly VerifiedRecord[];
  /** Their records (the fields the actor signed). */
  records: readonly LedgerRecord[];
  /** The disclosures of their digests (checked at the edge against them). */
  disclosures: DisclosuresByDigest;
  deadline: number;
  /** Answer with placements only (the receipts are built by the instance that forwarded it). */
  placementsOnly: boolean;
  resolve: (answer: (Receipt | Placement)[]) => void;
  reject: (err: unknown) => void;
}

/**
 * The registry rules, as a pure transition (certificates' `applyRecord`), given the
 * disclosures of the record's digests (the write path has them all).
 */
export type ApplyRecord<S> = (state: S, record: LedgerRecord, disclosures?: DisclosuresByDigest) => S;

/**
 * The registry checks of a submission that do not depend on where it lands in the log
 * (schema, role gate), run before it may wait in the queue; throws the rule's coded error
 * with `details.index`.
 */
export type PrecheckRecords<S> = (state: S, records: readonly LedgerRecord[], disclosures?: DisclosuresByDigest) => void;

/**
 * Applies consecutive records read from the log (appended by another instance on the same
 * store) to a state, leniently: a rule that needs an erased member, or a record the rules
 * refuse, is stepped over as the replay at open does.
 */
export type ApplyLogged<S> = (state: S, records: readonly LedgerRecord[]) => Promise<S>;

/**
 * Stores the disclosures of a group of records before its log batch commits (the vault), and
 * answers how to undo that, run best-effort when the batch fails. `state` is the registry
 * state after the group (its erasures included).
 */
export type KeepDisclosures<S> = (state: S, disclosures: readonly OpenedDisclosure[]) => Promise<() => Promise<void>>;

/** The registry rules the queue applies, and the state it starts from. */
export interface RegistryRules<S> {
  /** The registry transition (certificates' `applyRecord`). */
  readonly apply: ApplyRecord<S>;
  /** Position-independent checks run before a submission is queued (default: none). */
  readonly precheck?: PrecheckRecords<S> | undefined;
  /**
   * Applies records another instance appended, met when catching up with the log
   * ({@link AppendQueue.catchUp}): leniently, each was checked in full when it was written
   * (the service's `applyLogged`, with the vault's disclosures; default: {@link apply} without
   * disclosures, a record the rules refuse leaving the state unchanged).
   */
  readonly applyLogged?: ApplyLogged<S> | undefined;
  /** The registry state after the log's last record (replayed by the caller). */
  readonly state: S;
  /** Where the disclosures of appended records are kept (default: nowhere). */
  readonly keep?: KeepDisclosures<S> | undefined;
}

function withIndex(err: unknown, index: number): unknown {
  if (err instanceof DataLedgerError && err.details?.['index'] === undefined) {
    return new DataLedgerError(err.code, err.message, { cause: err.cause, details: { ...(err.details ?? {}), index } });
  }
  return err;
}

/**
 * The data-asset registry's position-independent checks, in `applyRecord`'s order: a known
 * record type, its payload schema (and money form), and the role gate against the roles as
 * they stand, so a writer that holds no role for the type is refused before it waits. In a
 * pre-chained batch, a later record's role gate sees the roles the earlier ones grant (each is
 * applied in place); once one of them does not apply, the later ones' roles are left to the
 * queue, which checks the whole batch at its place.
 * @param state - the registry state after the last appended record
 * @param records - one submission
 * @throws DataLedgerError `REGISTRY_UNKNOWN_TYPE`, `REGISTRY_PAYLOAD_INVALID`,
 *   `REGISTRY_MONEY_NOT_DECIMAL`, `REGISTRY_UNAUTHORISED` (with `details.index`)
 */
export function registryPrecheck(state: RegistryState, records: readonly LedgerRecord[], disclosures: DisclosuresByDigest = NO_DISCLOSURES): void {
  let s: RegistryState | null = state;
  for (let k = 0; k < records.length; k++) {
    const record = records[k] as LedgerRecord;
    if (!isRecordType(record.type)) {
      throw new DataLedgerError('REGISTRY_UNKNOWN_TYPE', `type: ${record.type} is not a data-asset record type`, {
        details: { index: record.index, type: record.type },
      });
    }
    try {
      // The schema is the revealed payload's (the disclosures were checked complete at the edge,
      // which revealed each payload once).
      const payload =
        disclosures.size === 0
          ? record.payload
          : (revealedAtEdge(disclosures, record) ?? revealPayload(record.type, record.payload as JsonObject, disclosures)).payload;
      parseAnyPayload(record.type, payload);
    } catch (err) {
      throw withIndex(err, record.index);
    }
    // Genesis placement is the position rules' business (applyRecord), not the role gate's.
    if (s !== null && record.type !== 'ledger.genesis' && !isAuthorised(s, record.actor, record.type)) {
      throw new DataLedgerError('REGISTRY_UNAUTHORISED', `${record.type}: ${record.actor} holds no role that may write it`, {
        details: { index: record.index, type: record.type, actor: record.actor },
      });
    }
    // Only a record that changes roles can change a later record's gate: the others (most of
    // a batch) are applied once, by the queue, where they land.
    if (s !== null && k + 1 < records.length && ROLE_CHANGING_TYPES.has(record.type as RecordType)) {
      try {
        s = applyRecord({ ...s, size: record.index, lastTime: null }, record, withRevealed(disclosures, record));
      } catch {
        s = null;
      }
    }
  }
}

/** Options of the append queue. */
export interface AppendQueueOptions {
  /** How long a submission whose index is ahead of the head waits for its predecessors (ms, default 250). */
  aheadWaitMs?: number;
  /** Maximum records appended in one drain (default 4096). */
  maxBatchRecords?: number;
}

const b64 = (h: Uint8Array): string => toBase64(h);
const RECENT_LEAVES = 8192;
/** Most stale submissions waiting for their turn to re-sign. */
const MAX_PARKED = 4096;
/**
 * Most stale submissions one actor may have waiting: an honest writer re-signs one at a
 * time, so a few suffice; past it, the actor is answered at once (409 with the head).
 */
export const MAX_PARKED_PER_ACTOR = 8;
/** How long a writer told to re-sign has before the next parked writer is told. */
const PARK_RELEASE_MS = 40;
/** Records per {@link RegistryRules.applyLogged} call when catching up. */
const CATCH_UP_CHUNK = 1024;

/**
 * The single writer of a log: sequences submissions and group-commits them.
 */
export class AppendQueue<S> {
  private readonly log: Log;
  private readonly apply: ApplyRecord<S>;
  private readonly checkFirst: PrecheckRecords<S> | undefined;
  private readonly applyLogged: ApplyLogged<S> | undefined;
  private readonly keep: KeepDisclosures<S> | undefined;
  /** The registry state after the last appended record. */
  private registryState: S;
  /** The log size {@link registryState} is the state after. */
  private stateSize: number;
  /** The last {@link catchUp} (they run one at a time). */
  private catching: Promise<void> = Promise.resolve();
  private pending: Submission[] = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private readonly aheadWaitMs: number;
  private readonly maxBatchRecords: number;
  private readonly recentLeaves = new Map<number, string>();
  private readonly answering = new Set<Promise<void>>();
  private parked: Submission[] = [];
  /** Parked submissions per actor (of their first record). */
  private readonly parkedBy = new Map<string, number>();
  private parkTimer: NodeJS.Timeout | null = null;
  /** Head size at the last release of a parked writer. */
  private releasedAt = -1;

  /**
   * @param log - the log this queue is the single writer of
   * @param rules - the registry rules and the state after the log's last record
   * @param options - timing and batch bounds
   */
  constructor(log: Log, rules: RegistryRules<S>, options: AppendQueueOptions = {}) {
    this.log = log;
    this.apply = rules.apply;
    this.checkFirst = rules.precheck;
    this.applyLogged = rules.applyLogged;
    this.keep = rules.keep;
    this.registryState = rules.state;
    this.stateSize = log.head().size;
    this.aheadWaitMs = options.aheadWaitMs ?? 250;
    this.maxBatchRecords = options.maxBatchRecords ?? 4096;
  }

  /**
   * Queues a submission (records checked at the edge) and resolves with one receipt per
   * record once they are durably appended (or were already in the log).
   * @throws DataLedgerError the code of the first check that failed (with `details.index`);
   *   `LEDGER_INDEX_MISMATCH` carries `details.head` so the client can re-sign
   */
  submit(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest = NO_DISCLOSURES): Promise<Receipt[]> {
    return this.submitAs(checked, disclosures, false) as Promise<Receipt[]>;
  }

  /**
   * As {@link AppendQueue.submit}, answering with where each record landed instead of its
   * receipt: for a submission forwarded by another instance, which builds the receipts itself
   * (they are a function of the log), so the sequencer spends nothing on them.
   */
  place(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest = NO_DISCLOSURES): Promise<Placement[]> {
    return this.submitAs(checked, disclosures, true) as Promise<Placement[]>;
  }

  private submitAs(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest, placementsOnly: boolean): Promise<(Receipt | Placement)[]> {
    if (checked.length === 0) return Promise.resolve([]);
    if (this.closing) return Promise.reject(new ServiceError('HTTP_SHUTTING_DOWN', 'the ledger is closing'));
    const records = checked.map((c) => c.record);
    const error = this.precheck(records, disclosures);
    if (error === null) return this.enqueue(checked, records, disclosures, placementsOnly);
    // A record already in the log passes (it is answered with its receipt, even if its
    // writer has lost its role since); that takes a read, so only on this rare path.
    const index = isDataLedgerError(error) ? error.details?.['index'] : undefined;
    const failed = checked.find((c) => c.record.index === index) ?? (checked[0] as VerifiedRecord);
    if (failed.record.index >= this.log.head().size) return Promise.reject(error);
    return this.leafAt(failed.record.index).then((there) => {
      if (there !== b64(failed.leafHash)) throw error;
      if (this.closing) throw new ServiceError('HTTP_SHUTTING_DOWN', 'the ledger is closing');
      return this.enqueue(checked, records, disclosures, placementsOnly);
    });
  }

  /** Queues a checked submission (synchronously, so one made before {@link close} is drained by it). */
  private enqueue(
    checked: readonly VerifiedRecord[],
    records: readonly LedgerRecord[],
    disclosures: DisclosuresByDigest,
    placementsOnly: boolean,
  ): Promise<(Receipt | Placement)[]> {
    return new Promise<(Receipt | Placement)[]>((resolve, reject) => {
      this.pending.push({ checked, records, disclosures, deadline: Date.now() + this.aheadWaitMs, placementsOnly, resolve, reject });
      this.kick();
    });
  }

  /**
   * The position-independent registry checks of the whole submission (the signatures were
   * checked at the edge: the registry rules trust `actor`, and only the signature makes it true).
   * @returns the first failure, or null when the submission passes
   */
  private precheck(records: readonly LedgerRecord[], disclosures: DisclosuresByDigest): unknown {
    if (this.checkFirst === undefined) return null;
    try {
      this.checkFirst(this.registryState, records, disclosures);
      return null;
    } catch (error) {
      return error;
    }
  }

  /** Stops accepting writes and waits for every queued submission to finish. */
  async close(): Promise<void> {
    this.closing = true;
    while (this.running !== null || this.pending.length > 0) {
      if (this.running === null) this.kick(true);
      await this.running;
    }
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.parkTimer !== null) clearTimeout(this.parkTimer);
    while (this.parked.length > 0) this.releaseParked(true);
    await Promise.all([...this.answering]);
  }

  private kick(force = false): void {
    if (this.running !== null) return;
    if (this.pending.length === 0) return;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.running = this.drain(force).finally(() => {
      this.running = null;
      this.releaseParked(false);
      // Submissions that arrived during the drain form the next group.
      if (this.pending.length > 0) {
        const waitingOnly = this.pending.every((s) => (s.records[0] as LedgerRecord).index > this.log.head().size);
        if (waitingOnly && !this.closing) this.schedule();
        else this.kick();
      }
    });
  }

  /**
   * Writers that lost the race for an index are parked and told to re-sign one at a time,
   * oldest first, each when the head has moved and nobody else is about to take the next
   * index: every re-signed record then lands, instead of all losers racing again (a
   * turnstile; throughput is one record per round trip and group commit, as the chain
   * allows). A released writer that does not come back within a moment frees the next one.
   */
  private releaseParked(force: boolean): void {
    if (this.parkTimer !== null) {
      clearTimeout(this.parkTimer);
      this.parkTimer = null;
    }
    if (this.parked.length === 0) return;
    const head = this.log.head();
    // One writer per head: release the next only once the head has moved past the last release.
    if (!force && (head.size <= this.releasedAt || this.pending.some((p) => (p.records[0] as LedgerRecord).index === head.size))) {
      this.armParkTimer();
      return;
    }
    this.releasedAt = head.size;
    const sub = this.parked.shift() as Submission;
    const first = sub.records[0] as LedgerRecord;
    this.unpark(first.actor);
    sub.reject(
      new DataLedgerError('LEDGER_INDEX_MISMATCH', `record index ${first.index} is behind the head (size ${head.size})`, {
        details: { index: first.index, queued: this.parked.length, ...this.headDetails(head.size, head.lastLeafHash, head.lastTime) },
      }),
    );
    this.armParkTimer();
  }

  private unpark(actor: string): void {
    const n = (this.parkedBy.get(actor) ?? 1) - 1;
    if (n <= 0) this.parkedBy.delete(actor);
    else this.parkedBy.set(actor, n);
  }

  private armParkTimer(): void {
    if (this.parked.length === 0 || this.closing || this.parkTimer !== null) return;
    this.parkTimer = setTimeout(() => {
      this.parkTimer = null;
      if (this.running === null) this.releaseParked(true);
      else this.armParkTimer();
    }, PARK_RELEASE_MS);
    this.parkTimer.unref();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const next = Math.min(...this.pending.map((s) => s.deadline));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.kick(true);
      },
      Math.max(1, next - Date.now()),
    );
    this.timer.unref();
  }

  private headDetails(size: number, last: Uint8Array | null, lastTime: string | null): Record<string, unknown> {
    return { head: { size, lastLeafHash: last === null ? '' : b64(last), lastTime } };
  }

  private async drain(force: boolean): Promise<void> {
    const batch = this.pending;
    try {
      await this.drainGroup(force);
    } catch (err) {
      // A failure outside any one submission's checks (the store, a bug): fail the whole
      // group rather than leave a writer waiting for ever. Nothing was appended.
      for (const sub of batch) sub.reject(err);
      const failed = new Set(batch);
      this.pending = this.pending.filter((p) => !failed.has(p));
    }
  }

  private async drainGroup(force: boolean): Promise<void> {
    const log = this.log;
    const head = log.head();
    let size = head.size;
    let last = head.lastLeafHash;
    let lastTime = head.lastTime;
    let state = this.registryState;
    const toAppend: VerifiedRecord[] = [];
    /** Each appended record's submission and the head that submission extends (for a refusal's details). */
    const toAppendRef: { sub: Submission; k: number; head: Record<string, unknown> }[] = [];
    const stale: Submission[] = [];
    const accepted: { sub: Submission; indexes: number[] }[] = [];

    let remaining = this.pending;
    this.pending = [];
    remaining.sort((a, b) => (a.records[0] as LedgerRecord).index - (b.records[0] as LedgerRecord).index);
    let progress = true;
    while (progress && remaining.length > 0) {
      progress = false;
      const later: Submission[] = [];
      for (const sub of remaining) {
        if (toAppend.length >= this.maxBatchRecords) {
          later.push(sub);
          continue;
        }
        // Records already in the log (a resubmission) are answered with their receipt.
        const indexes: number[] = [];
        let k = 0;
        for (; k < sub.records.length; k++) {
          const rec = sub.records[k] as LedgerRecord;
          if (rec.index >= size) break;
          // A resubmission sits at its own index: compare with the leaf hash there (recent
          // leaves are remembered, so the many stale submissions of contended writers cost
          // no store read).
          const key = b64(leafOf(sub, k));
          const ref = toAppendRef[rec.index - head.size];
          const there = rec.index >= head.size ? (ref === undefined ? '' : b64(leafOf(ref.sub, ref.k))) : await this.leafAt(rec.index);
          if (there !== key) break;
          indexes.push(rec.index);
        }
        if (k < sub.records.length) {
          const first = sub.records[k] as LedgerRecord;
          if (first.index > size) {
            later.push(sub);
            continue;
          }
          if (first.index < size) {
            stale.push(sub);
            continue;
          }
          // The registry rules on the rest of the submission, all-or-nothing. Index, prev
          // and time are Log.appendBatch's to check (below): a record it refuses singles out
          // its submission only.
          const extended = this.headDetails(size, last, lastTime);
          let s = state;
          let z = size;
          let t = lastTime;
          let failure: unknown = null;
          for (; k < sub.records.length; k++) {
            const rec = sub.records[k] as LedgerRecord;
            try {
              s = this.apply(s, rec, sub.disclosures);
            } catch (err) {
              failure = err;
              break;
            }
            indexes.push(z);
            z++;
            t = rec.time;
          }
          if (failure !== null) {
            sub.reject(withHead(failure, extended));
            continue;
          }
          for (let j = sub.records.length - (z - size); j < sub.records.length; j++) {
            toAppend.push(sub.checked[j] as VerifiedRecord);
            toAppendRef.push({ sub, k: j, head: extended });
          }
          // The next submission in this group extends this one's last record.
          const l = leafOf(sub, sub.records.length - 1);
          state = s;
          size = z;
          last = l;
          lastTime = t;
          progress = true;
        }
        accepted.push({ sub, indexes });
      }
      remaining = later;
    }
    // Writers that lost the race for an index wait their turn (see releaseParked); past a
    // bound (memory), they are answered at once.
    for (const sub of stale) {
      const actor = (sub.records[0] as LedgerRecord).actor;
      const mine = this.parkedBy.get(actor) ?? 0;
      if (this.parked.length < MAX_PARKED && mine < MAX_PARKED_PER_ACTOR && !this.closing) {
        this.parked.push(sub);
        this.parkedBy.set(actor, mine + 1);
      } else {
        const first = sub.records[0] as LedgerRecord;
        sub.reject(
          new DataLedgerError('LEDGER_INDEX_MISMATCH', `record index ${first.index} is behind the head (size ${size})`, {
            details: { index: first.index, ...this.headDetails(size, last, lastTime) },
          }),
        );
      }
    }
    // Submissions ahead of the head wait briefly for their predecessors (pipelined batches).
    const now = Date.now();
    for (const sub of remaining) {
      if (!force && now < sub.deadline && !this.closing) this.pending.push(sub);
      else if (toAppend.length >= this.maxBatchRecords) this.pending.push(sub);
      else {
        const first = sub.records[0] as LedgerRecord;
        sub.reject(
          new DataLedgerError('LEDGER_INDEX_MISMATCH', `record index ${first.index} is ahead of the head (size ${size})`, {
            details: { index: first.index, ...this.headDetails(size, last, lastTime) },
          }),
        );
      }
    }

    // The disclosures go to the vault before the log batch commits, so a record on the log
    // always has its disclosures kept (a resubmission's are put again: the vault is
    // content-addressed). A failed batch leaves entries no record references: undone best-effort.
    let undo: (() => Promise<void>) | null = null;
    if (this.keep !== undefined) {
      const kept = accepted.flatMap((a) => [...a.sub.disclosures.values()]);
      if (kept.length > 0) undo = await this.keep(state, kept);
    }
    if (toAppend.length > 0) {
      let results: readonly { leafHash: Uint8Array }[];
      try {
        results = await log.appendBatch(toAppend);
      } catch (err) {
        if (undo !== null) await undo().catch(() => undefined);
        // The batch is all-or-nothing. When the log names the record that failed (its index,
        // prev or time), refuse only its submission and check the others again in the next group.
        const position = isDataLedgerError(err) ? err.details?.['position'] : undefined;
        const ref = typeof position === 'number' ? toAppendRef[position] : undefined;
        if (ref === undefined) {
          for (const a of accepted) a.sub.reject(err);
          return;
        }
        const owner = ref.sub;
        // The log's position is in the group; the writer knows its own submission.
        owner.reject(withHead(err, { ...ref.head, position: ref.k }));
        this.pending = [...accepted.map((a) => a.sub).filter((x) => x !== owner), ...this.pending];
        return;
      }
      this.registryState = state;
      this.stateSize = size;
      for (let i = 0; i < toAppend.length; i++) {
        const ref = toAppendRef[i] as { sub: Submission; k: number };
        this.rememberLeaf((toAppend[i] as VerifiedRecord).record.index, b64(results[i]?.leafHash ?? leafOf(ref.sub, ref.k)));
      }
    }
    if (accepted.length === 0) return;
    // The receipts only read the log (each against the fixed tree of index + 1 leaves): they
    // are answered while the next group is already being checked and appended.
    const answering = this.answer(accepted);
    this.answering.add(answering);
    void answering.finally(() => this.answering.delete(answering));
  }

  private async answer(accepted: { sub: Submission; indexes: number[] }[]): Promise<void> {
    for (const { sub, indexes } of accepted) {
      try {
        if (sub.placementsOnly) sub.resolve(indexes.map((index, j) => ({ index, leafHash: b64(leafOf(sub, j)) })));
        else sub.resolve(await Promise.all(indexes.map((index, j) => this.receiptAt(index, leafOf(sub, j)))));
      } catch (err) {
        sub.reject(err);
      }
    }
  }

  /**
   * The receipt of record `index`: its RFC 9162 inclusion proof in the tree of `index + 1`
   * leaves and the signed checkpoint of that tree. A function of the log alone, so the same
   * record always gets the same bytes.
   */
  private async receiptAt(index: number, leaf: Uint8Array): Promise<Receipt> {
    const log = this.log;
    const treeSize = index + 1;
    const [proof, checkpoint] = await Promise.all([log.inclusionProof(index, treeSize), log.checkpointAt(treeSize)]);
    return { index, leafHash: b64(leaf), treeSize, inclusionProof: proof.map(b64), checkpoint };
  }

  private rememberLeaf(index: number, leaf: string): void {
    if (this.recentLeaves.size >= RECENT_LEAVES) this.recentLeaves.delete(this.recentLeaves.keys().next().value as number);
    this.recentLeaves.set(index, leaf);
  }

  private async leafAt(index: number): Promise<string> {
    return this.recentLeaves.get(index) ?? b64(await this.log.leafHashAt(index));
  }

  /**
   * Brings the registry state up to the log's view after another instance appended (the view
   * moved by `Log.refresh`): the new records are applied in order with
   * {@link RegistryRules.applyLogged} (the vault's disclosures, leniently, as the replay at
   * open does; never the write path's strict rules, which would refuse a concealed record
   * `REGISTRY_DISCLOSURE_REQUIRED` and let this state drift). Waits for a drain in progress.
   */
  catchUp(): Promise<void> {
    // One at a time: each starts from where the previous one left the state, so when a call
    // resolves the state has reached the log's view as it stood when the call was made.
    const run = this.catching.then(() => this.catchUpNow());
    this.catching = run.catch(() => undefined);
    return run;
  }

  private async catchUpNow(): Promise<void> {
    while (this.running !== null) await this.running;
    const from = this.stateSize;
    const to = this.log.head().size;
    if (to <= from) return;
    let s = this.registryState;
    // In chunks: `applyLogged` reads the vault's disclosures of a chunk's digests in one query.
    let chunk: LedgerRecord[] = [];
    for await (const r of this.log.records(from, to)) {
      chunk.push(r);
      if (chunk.length >= CATCH_UP_CHUNK) {
        s = await this.applyLoggedRecords(s, chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) s = await this.applyLoggedRecords(s, chunk);
    // Only if no append of this queue moved the state meanwhile.
    if (this.stateSize === from) {
      this.registryState = s;
      this.stateSize = to;
    }
  }

  /** {@link RegistryRules.applyLogged}, or its default. */
  private async applyLoggedRecords(state: S, records: readonly LedgerRecord[]): Promise<S> {
    if (this.applyLogged !== undefined) return this.applyLogged(state, records);
    let s = state;
    for (const r of records) {
      try {
        s = this.apply(s, r);
      } catch {
        // Refused by the rules: stepped over, as the replay at open (RegistryAuditor) does.
      }
    }
    return s;
  }

  /** The registry state after the last appended record. */
  get state(): S {
    return this.registryState;
  }

  /** The signed checkpoint of the current head. */
  async checkpointText(): Promise<string> {
    return this.log.checkpoint();
  }

  /**
   * The receipt of a record already in the log: the same one its writer got (proof and
   * checkpoint at size `index + 1`).
   */
  async receiptFor(index: number): Promise<Receipt> {
    return this.receiptAt(index, await this.log.leafHashAt(index));
  }
}

/** The leaf hash of record `k` of a submission (computed once, at the edge). */
function leafOf(sub: Submission, k: number): Uint8Array {
  return (sub.checked[k] as VerifiedRecord).leafHash;
}

/**
 * The error with the head its submission extended (so the writer can re-sign: index, prev and
 * time refusals), and its position in its own submission when the log named one.
 */
function withHead(err: unknown, extended: Record<string, unknown>): unknown {
  if (!(err instanceof DataLedgerError)) return err;
  const { position, ...head } = extended;
  const positioned = position !== undefined && typeof err.details?.['position'] === 'number';
  const needsHead = err.code === 'LEDGER_INDEX_MISMATCH' || err.code === 'LEDGER_CHAIN_BROKEN' || err.code === 'LEDGER_TIME_ORDER';
  if (!positioned && !needsHead) return err;
  const details = { ...(err.details ?? {}), ...(needsHead ? head : {}), ...(positioned ? { position } : {}) };
  return new DataLedgerError(err.code, err.message, { cause: err.cause, details });
}
