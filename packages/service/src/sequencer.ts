/**
 * Several `serve` instances on one PostgreSQL log: each accepts writes and serves every read;
 * the one holding the lease sequences (README "Scaling out").
 *
 * - The **sequencer** (lease holder) puts its own writers' submissions and those the
 *   followers forward through its one append queue: one group commit, one turnstile for
 *   writers racing for an index, whichever instance they came through.
 * - A **follower** checks a submission's signatures and disclosures at its edge, forwards the
 *   checked records (their canonical texts) with the disclosures of their digests through the
 *   cluster's pending table (`{ records, disclosures }`: the disclosures pass through that
 *   table in flight, and its row is deleted once answered), and answers with the receipts the
 *   sequencer wrote, once its own view of the log has reached them. It re-reads the head
 *   whenever a batch commits (the store's `head` notification), and brings its registry up to
 *   it with the vault's disclosures (`applyLogged`), so it serves every read.
 * - **Failover.** Followers try the lease every `leaseRetryMs`. The new sequencer first reads
 *   the head and brings the registry up to it, returns the rows the old one had claimed
 *   without answering to the queue, then serves them (a record already appended is answered
 *   with its receipt, never appended twice).
 * - **Fencing.** The store refuses a batch built on a head that has moved (`STORE_FENCED`):
 *   a sequencer deposed without knowing it writes nothing. It then gives the lease up, reads
 *   the head, and sends the refused submission on again, to whichever instance sequences.
 *
 * Checkpoints: every instance holds the one log key; the checkpoint of a size is a function of
 * that key and the root at that size (Ed25519 is deterministic, RFC 8032 §5.1.6), and the
 * fence keeps one root per size, so no two instances ever sign different checkpoints of one size.
 */
import { createHmac } from 'node:crypto';
import { DataLedgerError, fromBase64, isDataLedgerError, parseJson, toBase64, utf8Encode } from '@dataledger/core';
import { verifySignedRecord, verifyVouchedRecords, vouchRecords, type VerifiedRecord } from '@dataledger/provenance';
import type { LogCluster } from '@dataledger/store-postgres';
import type { Placement, Receipt } from './append-queue.ts';
import { checkDisclosures, withoutConfidential, type DisclosuresByDigest } from './disclosures.ts';
import { ServiceError } from './problem.ts';
import type { LedgerService, SubmissionRouter } from './service.ts';

/** Options of {@link Sequencer}. */
export interface SequencerOptions {
  /** How long a follower waits for the sequencer's answer to a forwarded write, ms (default 10,000). */
  forwardTimeoutMs?: number;
  /** How often a follower tries to take the lease, ms (default 250). */
  leaseRetryMs?: number;
  /** How often a follower re-reads the head besides the notifications, ms (default 1,000). */
  refreshMs?: number;
  /**
   * The secret the instances of one log share to vouch for the signatures they checked
   * ({@link vouchKeyOf} the log key, which every instance holds). A follower tags what it
   * forwards with it; the sequencer then takes the records without checking their signatures
   * again, and checks every one when the tag is missing or wrong. Without it, the sequencer
   * checks every forwarded signature.
   */
  vouchKey?: Uint8Array;
}

/**
 * The vouch key of the instances of one log, derived from the log's signing key (HMAC-SHA-256
 * under a label of its own, so the signing key itself is never used as a MAC key).
 * @param logSecretKey - the log's Ed25519 secret key (seed)
 * @returns 32 bytes
 */
export function vouchKeyOf(logSecretKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', logSecretKey).update('dataledger/forward-vouch/v1').digest());
}

/** The role of an instance. */
export type SequencerRole = 'sequencer' | 'follower';

const td = new TextDecoder('utf-8', { fatal: true });

/** What the sequencer writes into a forwarded submission's row. */
type Outcome = { placed: Placement[] } | { error: { code: string; message: string; details?: Record<string, unknown> } };

/**
 * The router of an instance serving a log with others (see the module comment).
 */
export class Sequencer implements SubmissionRouter {
  readonly #service: LedgerService<unknown>;
  readonly #cluster: LogCluster;
  readonly #forwardTimeoutMs: number;
  readonly #leaseRetryMs: number;
  readonly #refreshMs: number;
  readonly #vouchKey: Uint8Array | null;
  #leading = false;
  #closed = false;
  #campaignTimer: NodeJS.Timeout | null = null;
  #refreshTimer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  /** A promotion or demotion in progress: role changes never overlap. */
  #changing: Promise<void> = Promise.resolve();
  readonly #roleListeners: ((role: SequencerRole, reason: string) => void)[] = [];

  /**
   * @param service - this instance's service (its log opened on a fenced store)
   * @param cluster - the cluster of the log's schema
   * @param options - timings
   */
  constructor(service: LedgerService<unknown>, cluster: LogCluster, options: SequencerOptions = {}) {
    this.#service = service;
    this.#cluster = cluster;
    this.#forwardTimeoutMs = options.forwardTimeoutMs ?? 10_000;
    this.#leaseRetryMs = options.leaseRetryMs ?? 250;
    this.#refreshMs = options.refreshMs ?? 1000;
    this.#vouchKey = options.vouchKey ?? null;
  }

  /** This instance's role now. */
  get role(): SequencerRole {
    return this.#leading ? 'sequencer' : 'follower';
  }

  /** Calls `listener` on every change of role, with its reason. */
  onRole(listener: (role: SequencerRole, reason: string) => void): void {
    this.#roleListeners.push(listener);
  }

  /**
   * Starts: as the sequencer when this process already holds the lease (it took it at open),
   * else as a follower that tries to take it.
   */
  async start(leading: boolean): Promise<void> {
    this.#cluster.onHead(() => this.#refreshSoon());
    this.#cluster.onLeaseLost(() => void this.#demote('the lease session ended'));
    if (leading) await this.#promote('held the lease at start');
    else this.#campaign();
    const tick = (): void => {
      this.#refreshTimer = setTimeout(() => {
        this.#refreshSoon();
        tick();
      }, this.#refreshMs);
      this.#refreshTimer.unref();
    };
    tick();
  }

  submit(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest): Promise<Receipt[]> {
    return this.#submit(checked, disclosures, 0);
  }

  async #submit(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest, attempt: number): Promise<Receipt[]> {
    if (!this.#leading) return this.#forward(checked, disclosures);
    try {
      return await this.#service.submitHere(checked, disclosures);
    } catch (err) {
      if (!isFenced(err) || attempt > 0) throw err;
      // Deposed without knowing it: nothing was written. Step down, then send it on.
      await this.#demote('a batch was fenced: another instance moved the head');
      return this.#submit(checked, disclosures, attempt + 1);
    }
  }

  async #forward(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest): Promise<Receipt[]> {
    // The disclosures travel with their records, so the sequencer keeps them in the vault in
    // the records' group commit, as for a write it took itself.
    const ds = [...disclosures.values()].map((o) => JSON.stringify(o.disclosure));
    // The signatures were checked at this edge: vouched for, the sequencer need not check them again.
    const vouch = this.#vouchKey === null ? '' : `,"vouch":"${toBase64(vouchRecords(checked, this.#vouchKey))}"`;
    const body = utf8Encode(`{"records":[${checked.map((c) => c.texts.leaf).join(',')}],"disclosures":[${ds.join(',')}]${vouch}}`);
    let bytes: Uint8Array;
    try {
      bytes = await this.#cluster.forward(body, this.#forwardTimeoutMs);
    } catch (err) {
      const details = isDataLedgerError(err) ? (err.details ?? {}) : {};
      throw new ServiceError('HTTP_SEQUENCER_UNAVAILABLE', `the write could not be sequenced: ${(err as Error).message}`, { details, cause: err });
    }
    const outcome = parseJson(td.decode(bytes), { maxBytes: Infinity }) as unknown as Outcome;
    if ('error' in outcome) {
      const e = outcome.error;
      throw new DataLedgerError(e.code, e.message, e.details === undefined ? {} : { details: e.details });
    }
    // The receipts are built here, from this instance's view of the log once it has reached
    // the records (read-your-writes for the writer): the same bytes the sequencer would send.
    const need = Math.max(...outcome.placed.map((p) => p.index + 1));
    for (let i = 0; i < 5 && this.#service.size < need; i++) await this.#service.refresh();
    return Promise.all(
      outcome.placed.map(async (p) => {
        const receipt = await this.#service.receiptFor(p.index);
        if (receipt.leafHash !== p.leafHash) throw new ServiceError('HTTP_INTERNAL', `record ${p.index}: the log holds another leaf than the sequencer placed`);
        return receipt;
      }),
    );
  }

  /** The sequencer's side of a forwarded submission: its outcome, or null to leave it for the next sequencer. */
  async #handle(body: Uint8Array): Promise<Uint8Array | null> {
    let outcome: Outcome;
    try {
      const forwarded = parseJson(td.decode(body), { maxBytes: Infinity }) as unknown;
      const { records, disclosures, vouch } = forwardedBody(forwarded);
      // The follower checked the signatures and disclosures. A row alone is not its word (anyone
      // who can write the table can write a row): the signatures are taken as checked only when
      // the row carries the follower's vouch, a MAC under the key only the log's instances hold,
      // and checked again otherwise. The disclosures are checked here in any case.
      const max = this.#service.maxPayloadBytes;
      const checked =
        this.#vouchKey !== null && vouch !== undefined
          ? verifyVouchedRecords(records, vouch, this.#vouchKey, max)
          : records.map((r, k) => verifySignedRecord(r, max, k));
      const map = checkDisclosures(checked, disclosures, this.#service.disclosurePolicy);
      outcome = { placed: await this.#service.placeHere(checked, map) };
    } catch (err) {
      if (isFenced(err)) {
        void this.#demote('a batch was fenced: another instance moved the head');
        return null;
      }
      if (isDataLedgerError(err) && err.code === 'HTTP_SHUTTING_DOWN') return null;
      // The row is read by the follower only, but a refusal never names a confidential value.
      const shown = withoutConfidential(err);
      outcome = isDataLedgerError(shown)
        ? { error: { code: shown.code, message: shown.message, ...(shown.details === undefined ? {} : { details: shown.details }) } }
        : { error: { code: 'HTTP_INTERNAL', message: 'the sequencer failed' } };
    }
    return utf8Encode(JSON.stringify(outcome));
  }

  #campaign(): void {
    if (this.#closed || this.#leading || this.#campaignTimer !== null) return;
    this.#campaignTimer = setTimeout(() => {
      this.#campaignTimer = null;
      if (this.#closed || this.#leading) return;
      this.#cluster.tryLead().then(
        (ok) => (ok ? this.#promote('took over the lease') : this.#campaign()),
        () => this.#campaign(),
      );
    }, this.#leaseRetryMs);
    this.#campaignTimer.unref();
  }

  #promote(reason: string): Promise<void> {
    this.#changing = this.#changing.then(async () => {
      if (this.#closed) return;
      try {
        // The head the old sequencer left, and the registry after it, before any append here.
        await this.#service.refresh();
        await this.#cluster.resetClaims();
      } catch {
        await this.#cluster.release();
        this.#campaign();
        return;
      }
      if (!this.#cluster.leading) {
        this.#campaign();
        return;
      }
      this.#leading = true;
      this.#cluster.serve((body) => this.#handle(body));
      for (const l of this.#roleListeners) l('sequencer', reason);
    });
    return this.#changing;
  }

  #demote(reason: string): Promise<void> {
    this.#changing = this.#changing.then(async () => {
      if (!this.#leading) return;
      this.#leading = false;
      // The lease first: another instance may take over while the submissions this one
      // claimed finish (any append of theirs is fenced once the other has appended).
      await this.#cluster.release();
      await this.#cluster.stopServing();
      for (const l of this.#roleListeners) l('follower', reason);
      this.#refreshSoon();
      this.#campaign();
    });
    return this.#changing;
  }

  /** Re-reads the head (followers; one refresh at a time, another after it if asked meanwhile). */
  #refreshSoon(): void {
    if (this.#leading || this.#closed) return;
    if (this.#refreshing !== null) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = this.#service
      .refresh()
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.#refreshing = null;
        if (this.#refreshAgain) {
          this.#refreshAgain = false;
          this.#refreshSoon();
        }
      });
  }

  /** Stops routing: the sequencer answers what it claimed, then gives the lease up. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of [this.#campaignTimer, this.#refreshTimer]) if (t !== null) clearTimeout(t);
    await this.#changing;
    await this.#refreshing;
    await this.#cluster.close();
    this.#leading = false;
  }
}

/**
 * The parts of a forwarded submission: `{ records, disclosures, vouch? }` (an array of records
 * alone, the form before confidential members, is read as having no disclosures). A vouch that
 * is not base64 is read as absent (every signature is then checked).
 */
function forwardedBody(body: unknown): { records: unknown[]; disclosures: unknown[]; vouch?: Uint8Array } {
  if (Array.isArray(body)) return { records: body, disclosures: [] };
  if (typeof body === 'object' && body !== null) {
    const { records, disclosures, vouch } = body as { records?: unknown; disclosures?: unknown; vouch?: unknown };
    if (Array.isArray(records) && (disclosures === undefined || Array.isArray(disclosures))) {
      let tag: Uint8Array | undefined;
      try {
        if (typeof vouch === 'string') tag = fromBase64(vouch);
      } catch {
        tag = undefined;
      }
      return { records, disclosures: disclosures ?? [], ...(tag === undefined ? {} : { vouch: tag }) };
    }
  }
  throw new ServiceError('HTTP_BAD_REQUEST', 'a forwarded submission is not { records, disclosures }');
}

function isFenced(err: unknown): boolean {
  return isDataLedgerError(err) && err.code === 'STORE_FENCED';
}
