/**
 * The ledger service: a provenance `Log`, the registry state it implies, and the one append
 * queue every write goes through. `openService` builds one over a data directory; tests and
 * embedders build one over any opened `Log` (`new LedgerService({ log, … })`).
 */
import {
  isVerifiedRecord,
  memoryVault,
  verifySignedRecord,
  type DisclosureVault,
  type LedgerRecord,
  type Log,
  type VerifiedRecord,
} from '@dataledger/provenance';
import { CertificateError, DEFAULT_DISCLOSURE_POLICY, DIGEST_PATTERN, openDisclosure, type DisclosurePolicy } from '@dataledger/certificates';
import { checkDisclosures, keepDisclosures, NO_DISCLOSURES, withoutConfidential, type DisclosuresByDigest } from './disclosures.ts';
import type { AggregationKeeping } from '@dataledger/store-postgres';
import type { CertificateDesk } from './certificate-desk.ts';
import type { CosignatureStore } from './cosignatures.ts';
import type { NonceStore } from './httpsig.ts';
import type { RegistryView } from './context.ts';
import { AppendQueue, headInfo, type AppendQueueOptions, type HeadInfo, type Placement, type Receipt, type RegistryRules } from './append-queue.ts';

/** What a certificate verification answers (the exchange's check list). */
export interface CertificateVerdict {
  verified: boolean;
  status?: string;
  checks: { name: string; ok: boolean; code?: string }[];
}

/**
 * Where a service's submissions go instead of its own append queue: on an instance that
 * does not sequence the log, to the one that does (`sequencer.ts`).
 */
export interface SubmissionRouter {
  /**
   * Submits records checked at the edge, with the disclosures of their digests (checked
   * there too); resolves with one receipt per record.
   */
  submit(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest): Promise<Receipt[]>;
  /** Stops routing; called first by {@link LedgerService.close}. */
  close(): Promise<void>;
}

/** Options of {@link LedgerService}. */
export interface LedgerServiceOptions<S> extends AppendQueueOptions, RegistryRules<S> {
  log: Log;
  origin: string;
  /** Payload limit of records, bytes (default 65,536). */
  maxPayloadBytes?: number;
  /** Read access to a registry state (default: an empty view). */
  view?: (state: S) => RegistryView;
  /** The audit of the whole ledger (default: an empty report). */
  audit?: (service: LedgerService<S>) => Promise<unknown>;
  /** Offline certificate verification against this log (default: refuses every certificate). */
  verifyCertificate?: (certificate: unknown, service: LedgerService<S>, raw?: string) => Promise<CertificateVerdict>;
  /** Called after the log is closed (release other resources). */
  onClose?: () => Promise<void>;
  /**
   * Which payload members are confidential (default `DEFAULT_DISCLOSURE_POLICY`): a record
   * carrying one of them in clear is refused, and every digest needs its disclosure.
   */
  disclosurePolicy?: DisclosurePolicy;
  /**
   * Where the disclosures of logged records are kept (default: a memory vault). The service
   * owns it: it is closed with the service. The registry rules' `keep` defaults to putting the
   * disclosures of each group commit here.
   */
  vault?: DisclosureVault;
}

const EMPTY_VIEW: RegistryView = {
  rolesOf: () => [],
  asset: () => undefined,
  licence: () => undefined,
  certificate: () => undefined,
  statistics: () => ({}),
};

/**
 * The opened ledger as the HTTP layer (and the CLI) sees it. Reads go straight to the log;
 * writes go through the one append queue.
 * @typeParam S - the registry state (certificates' `RegistryState` in the service)
 */
export class LedgerService<S = unknown> {
  /** The log's origin line (C2SP tlog-checkpoint). */
  readonly origin: string;
  /** The log's C2SP verifier key (publish it: verifiers trust checkpoints signed by it). */
  readonly logVerifierKey: string;
  /** Payload size limit of records, bytes of canonical JSON. */
  readonly maxPayloadBytes: number;
  /** The underlying log; it also serves the C2SP tlog-tiles routes. */
  readonly log: Log;
  /** Which payload members are confidential on this ledger (`GET /v1/disclosure-policy`). */
  readonly disclosurePolicy: DisclosurePolicy;
  /** The disclosures of logged records (no public route reads it). */
  readonly vault: DisclosureVault;
  /** Signed certificates and status lists the service publishes (absent: not served). */
  certificates?: CertificateDesk;
  /** Where aggregation jobs are kept on disk (absent or null: memory only). */
  aggregationDir?: string | null;
  /**
   * Where aggregation jobs are kept when not in {@link aggregationDir}: with a database, the
   * tables every instance on the log shares (store-postgres `openPostgresAggregation`). The
   * service owns it (closed with the service) and it takes precedence over the directory.
   */
  aggregationKeeping?: AggregationKeeping | null;
  /**
   * The witnesses' cosignatures, when shared with other instances serving the same log (absent:
   * each app keeps its own in memory). Closed by `onClose`'s owner, not by the routes.
   */
  cosignatures?: CosignatureStore;
  /** The nonces of signed reads, when shared with other instances serving the same log (absent: each app's own cache). */
  nonces?: NonceStore;
  readonly #options: LedgerServiceOptions<S>;
  readonly #queue: AppendQueue<S>;
  #router: SubmissionRouter | null = null;
  #closed: Promise<void> | null = null;

  constructor(options: LedgerServiceOptions<S>) {
    this.#options = options;
    this.log = options.log;
    this.origin = options.origin;
    this.logVerifierKey = options.log.verifierKey;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 65_536;
    this.disclosurePolicy = options.disclosurePolicy ?? DEFAULT_DISCLOSURE_POLICY;
    this.vault = options.vault ?? memoryVault();
    // The disclosures of appended records go to this service's vault unless the rules say otherwise.
    const vault = this.vault;
    const rules: RegistryRules<S> = { ...options, keep: options.keep ?? ((state, ds) => keepDisclosures(vault, state, ds)) };
    this.#queue = new AppendQueue<S>(options.log, rules, options);
  }

  /** Number of records in the log. */
  get size(): number {
    return this.log.head().size;
  }

  /** The head a writer builds the next record on. */
  head(): HeadInfo {
    return headInfo(this.log.head());
  }

  /** The C2SP signed note of the current checkpoint. */
  checkpoint(): Promise<string> {
    return this.log.checkpoint();
  }

  /** Records `[start, end)`. @throws DataLedgerError `LEDGER_INDEX_OUT_OF_RANGE` */
  entries(start: number, end: number): Promise<LedgerRecord[]> {
    return this.log.entries(start, end);
  }

  /** Leaf hash of record `index`. */
  leafHashAt(index: number): Promise<Uint8Array> {
    return this.log.leafHashAt(index);
  }

  /** Index of the record with this leaf hash, if any. */
  indexOfLeafHash(leafHash: Uint8Array): Promise<number | undefined> {
    return this.log.indexOfLeafHash(leafHash);
  }

  /** RFC 9162 inclusion proof of `index` in the tree of `treeSize` leaves (default current). */
  inclusionProof(index: number, treeSize?: number): Promise<Uint8Array[]> {
    return this.log.inclusionProof(index, treeSize);
  }

  /** RFC 9162 root hash of the tree of the first `treeSize` records. */
  rootHashAt(treeSize: number): Promise<Uint8Array> {
    return this.log.rootHashAt(treeSize);
  }

  /** RFC 9162 consistency proof between two sizes. */
  consistencyProof(size1: number, size2?: number): Promise<Uint8Array[]> {
    return this.log.consistencyProof(size1, size2);
  }

  /** The JSONL bundle, line by line (header, records, checkpoint). */
  exportBundle(): AsyncIterable<string> {
    return this.log.exportBundle();
  }

  /**
   * Submits records (one, or a pre-chained batch) through the group-commit queue. Records
   * checked at the edge (`verifySignedRecord`) are taken as they are; plain ones (in-process
   * callers) are checked here, once, the same way.
   *
   * Confidential members: each payload must carry those of {@link disclosurePolicy} as
   * digests, and `disclosures` the disclosure of every digest of the submission (and nothing
   * else); they are kept in the {@link vault} in the same group commit as the records. A
   * `disclosure.erased` record must name disclosures the vault holds; once appended, they are
   * erased from the vault.
   * @param records - the records, in order
   * @param disclosures - the disclosures of the records' digests (RFC 9901 §4.2)
   * @returns one receipt per record, once durably appended (or already present)
   * @throws DataLedgerError the failing check's code (`DISCLOSURE_…` for the disclosures);
   *   nothing of the submission is appended
   */
  submit(records: readonly (LedgerRecord | VerifiedRecord)[], disclosures: readonly string[] = []): Promise<Receipt[]> {
    try {
      const checked = this.#verified(records);
      // At the edge of every instance, the sequencer or not: signatures, then disclosures.
      const map = checkDisclosures(checked, disclosures, this.disclosurePolicy);
      const erasures = checked.filter((c) => c.record.type === 'disclosure.erased' && c.record.index >= this.log.head().size);
      const submitted = erasures.length === 0 ? this.#route(checked, map) : this.#erase(checked, map);
      return submitted.catch((err: unknown) => Promise.reject(withoutConfidential(err)));
    } catch (err) {
      return Promise.reject(withoutConfidential(err));
    }
  }

  /**
   * Routes later submissions through `router` (several instances on one log); the router
   * sequences them here with {@link LedgerService.submitHere} while this instance holds the
   * lease. Closed with the service.
   */
  setRouter(router: SubmissionRouter): void {
    this.#router = router;
  }

  /**
   * Submits checked records to this instance's own append queue (what a router does while
   * sequencing), with the disclosures of their digests, checked at the edge (`checkDisclosures`).
   */
  submitHere(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest = NO_DISCLOSURES): Promise<Receipt[]> {
    return this.#queue.submit(checked, disclosures);
  }

  /**
   * As {@link LedgerService.submitHere}, answering where each record landed rather than its
   * receipt (a submission another instance forwarded: it builds the receipts). The
   * disclosures go to the vault as for a submission made here.
   */
  placeHere(checked: readonly VerifiedRecord[], disclosures: DisclosuresByDigest = NO_DISCLOSURES): Promise<Placement[]> {
    return this.#queue.place(checked, disclosures);
  }

  /**
   * Moves this instance's view up to the log as stored (another instance appended): the head
   * (`Log.refresh`), then the registry state.
   * @returns the size after the refresh
   */
  async refresh(): Promise<number> {
    const size = await this.log.refresh();
    await this.#queue.catchUp();
    return size;
  }

  /**
   * An erasure: each `{ digest, member }` must name a disclosure the vault holds, of that
   * member; after the append the vault deletes them (a crash in between is covered at open,
   * which erases again what the log's `disclosure.erased` records name).
   */
  async #erase(checked: readonly VerifiedRecord[], map: DisclosuresByDigest): Promise<Receipt[]> {
    // One of several instances on a log may see it late: an erasure another instance already
    // appended (a resubmission) is answered with its receipt, not checked against the vault
    // that no longer holds its disclosures.
    if (this.#router !== null) await this.refresh();
    const erasures = checked.filter((c) => c.record.type === 'disclosure.erased' && c.record.index >= this.log.head().size);
    const digests: string[] = [];
    for (const e of erasures) {
      const erased = (e.record.payload as { erased?: unknown }).erased;
      // A malformed payload is the registry's to refuse (REGISTRY_PAYLOAD_INVALID).
      if (!Array.isArray(erased)) continue;
      const items = erased.filter(
        (x): x is { digest: string; member: string } =>
          typeof x === 'object' && x !== null && typeof x.digest === 'string' && DIGEST_PATTERN.test(x.digest) && typeof x.member === 'string',
      );
      const found = await this.vault.getMany(items.map((x) => x.digest));
      items.forEach(({ digest, member }, i) => {
        const d = found[i];
        const name = member.slice(member.lastIndexOf('.') + 1);
        if (d === undefined || openDisclosure(d).name !== name) {
          throw new CertificateError('REGISTRY_ERASURE_INVALID', `${digest}: the vault holds no disclosure of ${member} under this digest`, {
            details: { index: e.record.index, digest, member },
          });
        }
        digests.push(digest);
      });
    }
    // Through the router: on a follower the sequencer appends; the vault is the one all
    // instances share (PostgreSQL), so this instance, which took the write, erases after it.
    const receipts = await this.#route(checked, map);
    if (digests.length > 0) await this.vault.erase(digests);
    return receipts;
  }

  /** This instance's queue, or the router's sequencer (several instances on one log). */
  #route(checked: readonly VerifiedRecord[], map: DisclosuresByDigest): Promise<Receipt[]> {
    return this.#router === null ? this.#queue.submit(checked, map) : this.#router.submit(checked, map);
  }

  /** The receipt of a record already in the log. */
  receiptFor(index: number): Promise<Receipt> {
    return this.#queue.receiptFor(index);
  }

  /** The registry state after the last appended record. */
  registry(): S {
    return this.#queue.state;
  }

  /**
   * Checks records against the registry rules as they stand, without appending (a dry run
   * before work that cannot be undone, such as folding a ciphertext). The registry rules
   * trust `actor`, and only the signature makes it true, so it is checked too.
   * @throws DataLedgerError the rule's code
   */
  check(records: readonly (LedgerRecord | VerifiedRecord)[]): void {
    let st = this.#queue.state;
    for (const v of this.#verified(records)) st = this.#options.apply(st, v.record);
  }

  /** Read access to the registry state after the last appended record. */
  view(): RegistryView {
    return (this.#options.view ?? ((): RegistryView => EMPTY_VIEW))(this.#queue.state);
  }

  /** The audit report of the whole ledger (a regulator's replay). */
  audit(): Promise<unknown> {
    return this.#options.audit === undefined ? Promise.resolve({ violations: [] }) : this.#options.audit(this);
  }

  /**
   * Verifies a certificate offline against this log's key (the exchange's check list).
   * @param certificate - the parsed body
   * @param raw - the body as received, when available
   */
  verifyCertificate(certificate: unknown, raw?: string): Promise<CertificateVerdict> {
    return this.#options.verifyCertificate === undefined
      ? Promise.resolve({ verified: false, checks: [{ name: 'supported', ok: false, code: 'CERT_MALFORMED' }] })
      : this.#options.verifyCertificate(certificate, this, raw);
  }

  /** Finishes in-flight appends, then closes the store. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#router?.close();
      await this.#queue.close();
      await this.log.close();
      await this.vault.close();
      if (this.#options.onClose !== undefined) await this.#options.onClose();
    })();
    return this.#closed;
  }

  #verified(records: readonly (LedgerRecord | VerifiedRecord)[]): VerifiedRecord[] {
    return records.map((r, k) => (isVerifiedRecord(r) ? r : verifySignedRecord(r, this.maxPayloadBytes, k)));
  }
}

/**
 * A {@link LedgerService} whatever its registry state: what the routes take (they read the
 * registry through `view()`, never its state), so a service over any registry can be served.
 */
export type ServedLedger = Omit<LedgerService<unknown>, 'registry'>;
