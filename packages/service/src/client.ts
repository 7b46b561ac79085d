/**
 * `DataLedgerClient`: a small typed client of the dataledger HTTP API. It builds and signs
 * records (reading the head first, since the actor signs index and prev), re-signs and
 * retries when another writer got there first (409 with the current head), signs reads of
 * non-public data with RFC 9421, and turns every problem document into a
 * `DataLedgerError` with the server's code.
 *
 * Confidential members (DESIGN.md "Disclosure policy"): before signing, the client replaces
 * each confidential member of a payload by its salted digest (SD-JWT form, RFC 9901 §4.2) with
 * the ledger's policy (`GET /v1/disclosure-policy`), sends the disclosures beside the records
 * (`{ records, disclosures }`), and hands them back with each receipt: the log itself carries
 * digests only.
 */
import {
  canonicalBytes,
  DataLedgerError,
  didKeyFromPublicKey,
  fromBase64,
  getPublicKey,
  isDataLedgerError,
  parseJson,
  sha256,
  toBase64,
  toHex,
  type JsonValue,
} from '@dataledger/core';
import { resolveJob, type AggregateResult, type AggregationJob, type Contribution } from '@dataledger/aggregation';
import { buildChain, type LedgerRecord, type RecordPayload } from '@dataledger/provenance';
import {
  certificateSubject,
  concealPayload,
  DEFAULT_DISCLOSURE_POLICY,
  disclosureMap,
  issueCertificate as signCertificate,
  parseDisclosuresText,
  payloadDigests,
  policyFromJson,
  type DisclosurePolicy,
  type ErasedDisclosure,
  type RecordType,
  subjectHash,
  type AssetState,
  type CertificateIssued,
  type DataAssetCertificate,
  type JsonObject,
} from '@dataledger/certificates';
import type { RoleEvidenceAnswer, StatusListSlots } from './certificate-desk.ts';
import { signRequest } from './httpsig.ts';
import type { HeadInfo, Receipt } from './append-queue.ts';
import { ROUTE_OF_RECORD_TYPE } from './routes/records.ts';

/** Options of {@link DataLedgerClient}. */
export interface DataLedgerClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string | URL;
  /** The actor's key: signs records and RFC 9421 requests. */
  signer?: { secretKey: Uint8Array };
  /** A fetch implementation (default the global one). */
  fetch?: typeof fetch;
  /** Re-sign-and-retry attempts when the head moved under a write (default 64). */
  maxRetries?: number;
  /**
   * The service's configured public URL (`serve --public-url`), when this client reaches it
   * under another address (a tunnel, a port forward): signed reads cover the public URL's
   * authority (RFC 9421 §2.2.3 `@authority`), which is what the service checks. Default: baseUrl.
   */
  publicUrl?: string | URL;
  /**
   * The ledger's disclosure policy, when the caller knows it (offline signing with
   * {@link DataLedgerClient.buildRecords}). Default: fetched once from `GET /v1/disclosure-policy`.
   */
  disclosurePolicy?: DisclosurePolicy;
}

/** Codes that mean "the head moved: read it again, re-sign, retry". */
const STALE_CODES = new Set(['LEDGER_INDEX_MISMATCH', 'LEDGER_CHAIN_BROKEN', 'LEDGER_TIME_ORDER', 'REGISTRY_INDEX_MISMATCH', 'REGISTRY_TIME_ORDER']);

/** An inclusion proof as served. */
export interface InclusionProofAnswer {
  index: number;
  leafHash: string;
  treeSize: number;
  proof: string[];
  checkpoint?: string;
}

/** A consistency proof as served. */
export interface ConsistencyProofAnswer {
  size1: number;
  size2: number;
  proof: string[];
}

/** A receipt with the signed record it is for (what `submit` returns). */
export interface SubmittedReceipt extends Receipt {
  /** The record as signed and appended. */
  record: LedgerRecord;
  /**
   * The disclosures of the record's confidential members (empty when it has none): the log
   * holds only their digests, so these are what proves the values. The service keeps them in
   * its vault; the writer hands them to whoever it chooses.
   */
  disclosures: string[];
}

/** What `GET /v1/records/{index}/disclosures` answers: the digests of a record and the disclosures the signer may see. */
export interface RecordDisclosuresAnswer {
  index: number;
  /** Every digest the record's payload carries. */
  digests: string[];
  /** The disclosures of those digests this signer may read (checked against `digests`). */
  disclosures: string[];
}

/** Arguments of {@link DataLedgerClient.erase}: the payload of a `disclosure.erased` record. */
export interface EraseRequest {
  /** The record whose disclosures are erased. */
  index: number;
  /** Each erased disclosure's digest and the member path it hides (`holder.name`, `person`…). */
  erased: ErasedDisclosure[];
  /** Why (kept on the log). */
  reason: string;
}

/** Arguments of {@link DataLedgerClient.issueCertificate}. */
export interface IssueCertificateRequest {
  registrationNumber: string;
  /** Default: a fresh `urn:uuid:`. */
  certificateId?: string;
  validFrom: string;
  validUntil: string;
  /** The certificate's status slot; default: the service's next free one (`GET /v1/status-lists`). */
  statusSlot?: { revocationList: string; suspensionList: string; statusListIndex: number };
  /** Proof `created`; default now. */
  created?: string;
}

/** A certificate verification as the service answers it. */
export interface CertificateVerificationAnswer {
  verified: boolean;
  /** `active`, `revoked`, `suspended`, `unchecked` or `unknown`. */
  status?: string;
  checks: { name: string; ok: boolean; code?: string }[];
}

/** One item of a batch to build and sign. */
export interface RecordDraft {
  type: string;
  payload: RecordPayload;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A typed client of the dataledger HTTP API. */
export class DataLedgerClient {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The signer's did:key, or null without a signer. */
  readonly did: string | null;
  private readonly signer: { secretKey: Uint8Array } | null;
  private readonly fetchImpl: typeof fetch;
  private readonly maxRetries: number;
  private readonly signedBase: string;
  private policy: Promise<DisclosurePolicy> | null;
  private knownPolicy: DisclosurePolicy | null;
  /** Disclosures of the records {@link DataLedgerClient.buildRecords} concealed, sent with them by `submitRecords`. */
  private readonly builtDisclosures = new WeakMap<LedgerRecord, string[]>();

  /**
   * @param options - base URL, signer, fetch, retries
   */
  constructor(options: DataLedgerClientOptions) {
    const base = String(options.baseUrl);
    if (!/^https?:\/\//.test(base)) throw new TypeError('options.baseUrl: expected an http(s) URL');
    this.baseUrl = base.replace(/\/+$/, '');
    this.signer = options.signer === undefined ? null : { secretKey: options.signer.secretKey };
    this.did = this.signer === null ? null : didKeyFromPublicKey(getPublicKey(this.signer.secretKey));
    this.fetchImpl = options.fetch ?? fetch;
    this.maxRetries = options.maxRetries ?? 64;
    const signedBase = options.publicUrl === undefined ? this.baseUrl : String(options.publicUrl).replace(/\/+$/, '');
    if (!/^https?:\/\//.test(signedBase)) throw new TypeError('options.publicUrl: expected an http(s) URL');
    this.signedBase = signedBase;
    this.knownPolicy = options.disclosurePolicy ?? null;
    this.policy = options.disclosurePolicy === undefined ? null : Promise.resolve(options.disclosurePolicy);
  }

  // -------------------------------------------------------------------------------------
  // Transport

  private async send(method: string, path: string, init: { body?: unknown; signed?: boolean; accept?: string } = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    let headers: Record<string, string> = { accept: init.accept ?? 'application/json, application/problem+json' };
    let body: string | undefined;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    if (init.signed === true) {
      if (this.signer === null) throw new TypeError('this read needs a signer: pass options.signer');
      // signRequest adds a fresh nonce each time: the service answers a signature only once.
      const signedUrl = `${this.signedBase}${path}`;
      headers = await signRequest(
        { method, url: signedUrl, headers: { ...headers, host: new URL(signedUrl).host }, ...(body === undefined ? {} : { body }) },
        this.signer,
      );
      // fetch sets Host itself from the URL (the same value).
      delete headers['host'];
    }
    let res: Response;
    try {
      res = await this.fetchImpl(url, { method, headers, ...(body === undefined ? {} : { body }) });
    } catch (cause) {
      throw new DataLedgerError('HTTP_UNREACHABLE', `${method} ${url}: ${(cause as Error).message}`, { cause });
    }
    if (!res.ok) throw await problemError(res);
    return res;
  }

  private async json<T>(method: string, path: string, init: { body?: unknown; signed?: boolean } = {}): Promise<T> {
    const res = await this.send(method, path, init);
    try {
      return readAnswer(await res.text()) as T;
    } catch (cause) {
      throw new DataLedgerError('HTTP_RESPONSE_INVALID', `${method} ${path}: answer is not JSON`, { cause });
    }
  }

  private async text(path: string, signed = false): Promise<string> {
    const res = await this.send('GET', path, { accept: 'text/plain', signed });
    return res.text();
  }

  // -------------------------------------------------------------------------------------
  // Public reads

  /** `GET /health`. */
  health(): Promise<{ status: 'ok'; origin: string; size: number; logKey: string }> {
    return this.json('GET', '/health');
  }

  /** The head the next record must extend. */
  head(): Promise<HeadInfo> {
    return this.json('GET', '/v1/log/head');
  }

  /** The current checkpoint (C2SP signed note text). */
  checkpoint(): Promise<string> {
    return this.text('/v1/log/checkpoint');
  }

  /** The log's C2SP verifier key. */
  async logKey(): Promise<string> {
    return (await this.text('/v1/log/key')).trim();
  }

  /**
   * The ledger's disclosure policy: which members of each record type are logged as digests.
   * Fetched once (`GET /v1/disclosure-policy`) and kept; a service that predates the route
   * (404) conceals the default members.
   * @throws DataLedgerError `DISCLOSURE_POLICY_INVALID` when the service answers a policy
   *   beyond the default (a client never conceals a member the public replay needs)
   */
  disclosurePolicy(): Promise<DisclosurePolicy> {
    if (this.policy === null) {
      const p = this.fetchPolicy();
      this.policy = p;
      // A failure is not cached: the next write asks again.
      p.then(
        (got) => {
          this.knownPolicy = got;
        },
        () => {
          if (this.policy === p) this.policy = null;
        },
      );
    }
    return this.policy;
  }

  private async fetchPolicy(): Promise<DisclosurePolicy> {
    let answer: unknown;
    try {
      answer = await this.json<unknown>('GET', '/v1/disclosure-policy');
    } catch (err) {
      if (isDataLedgerError(err) && err.details?.['status'] === 404) return DEFAULT_DISCLOSURE_POLICY;
      throw err;
    }
    return policyFromJson(answer);
  }

  /**
   * Hands a witness cosignature to the log (C2SP tlog-cosignature): the checkpoint note with
   * the witness's cosignature line, and the witness's cosigner vkey.
   */
  addCosignature(note: string, witnessKey: string): Promise<{ witnessKey: string; size: number }> {
    return this.json('POST', '/v1/log/cosignatures', { body: { note, witnessKey } });
  }

  /** The latest cosigned checkpoint of each witness. */
  cosignatures(): Promise<{ cosignatures: { witnessKey: string; size: number; note: string }[] }> {
    return this.json('GET', '/v1/log/cosignatures');
  }

  /** Records `[start, end)`, paging as needed. */
  async entries(start: number, end: number): Promise<LedgerRecord[]> {
    const out: LedgerRecord[] = [];
    let at = start;
    while (at < end) {
      const page = await this.json<{ start: number; entries: LedgerRecord[] }>('GET', `/v1/log/entries?start=${at}&end=${end}`);
      if (page.entries.length === 0) break;
      out.push(...page.entries);
      at += page.entries.length;
    }
    return out;
  }

  /** One record by index. */
  record(index: number): Promise<LedgerRecord> {
    return this.json('GET', `/v1/log/entries/${index}`);
  }

  /** RFC 9162 inclusion proof, by index or by base64 leaf hash. */
  inclusionProof(query: { index: number; treeSize?: number } | { leafHash: string; treeSize?: number }): Promise<InclusionProofAnswer> {
    const q = new URLSearchParams();
    if ('index' in query) q.set('index', String(query.index));
    else q.set('leafHash', query.leafHash);
    if (query.treeSize !== undefined) q.set('treeSize', String(query.treeSize));
    return this.json('GET', `/v1/log/proof/inclusion?${q.toString()}`);
  }

  /** RFC 9162 consistency proof between two tree sizes (`size2` default: current). */
  consistencyProof(size1: number, size2?: number): Promise<ConsistencyProofAnswer> {
    return this.json('GET', `/v1/log/proof/consistency?size1=${size1}${size2 === undefined ? '' : `&size2=${size2}`}`);
  }

  /** The JSONL bundle, line by line (without the newline). */
  async *exportBundle(): AsyncGenerator<string> {
    const res = await this.send('GET', '/v1/log/export', { accept: 'application/jsonl' });
    if (res.body === null) return;
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let rest = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf('\n')) !== -1) {
        yield rest.slice(0, nl);
        rest = rest.slice(nl + 1);
      }
    }
    rest += decoder.decode();
    if (rest !== '') yield rest;
  }

  /** The JSONL bundle as one text. */
  async exportBundleText(): Promise<string> {
    const res = await this.send('GET', '/v1/log/export', { accept: 'application/jsonl' });
    return res.text();
  }

  // -------------------------------------------------------------------------------------
  // Writes

  private requireSigner(): { secretKey: Uint8Array } {
    if (this.signer === null) throw new TypeError('writing needs a signer: pass options.signer');
    return this.signer;
  }

  /**
   * Conceals the confidential members of each draft (DESIGN.md "Disclosure policy"): each
   * becomes a digest in its object's `_sd`, and its disclosure is returned beside the draft.
   * @param drafts - full payloads
   * @param policy - the ledger's policy
   * @returns the drafts to sign, and each draft's disclosures
   */
  private conceal(drafts: readonly RecordDraft[], policy: DisclosurePolicy): { drafts: RecordDraft[]; disclosures: string[][] } {
    const out: RecordDraft[] = [];
    const disclosures: string[][] = [];
    for (const d of drafts) {
      const c = concealPayload(d.type as RecordType, d.payload, policy);
      out.push({ type: d.type, payload: c.payload as unknown as RecordPayload });
      disclosures.push(c.disclosures);
    }
    return { drafts: out, disclosures };
  }

  private signRecords(head: HeadInfo, drafts: readonly RecordDraft[]): LedgerRecord[] {
    const signer = this.requireSigner();
    const lastLeafHash = head.lastLeafHash === '' ? null : fromBase64(head.lastLeafHash);
    return buildChain(
      { size: head.size, lastLeafHash, lastTime: head.lastTime },
      drafts.map((d) => ({ type: d.type, payload: d.payload, signer })),
    );
  }

  /**
   * Builds and signs a chain of records extending `head` (the actor signs index and prev).
   * Times never go backwards, even if this machine's clock is behind the last record.
   * Confidential members are concealed first with the policy this client knows (the one in
   * its options, else the one {@link DataLedgerClient.disclosurePolicy} fetched: await it
   * first, else the default); {@link DataLedgerClient.submitRecords} sends their disclosures.
   */
  buildRecords(head: HeadInfo, drafts: RecordDraft[]): LedgerRecord[] {
    const concealed = this.conceal(drafts, this.knownPolicy ?? DEFAULT_DISCLOSURE_POLICY);
    const records = this.signRecords(head, concealed.drafts);
    records.forEach((r, i) => {
      const d = concealed.disclosures[i] as string[];
      if (d.length > 0) this.builtDisclosures.set(r, d);
    });
    return records;
  }

  /**
   * The disclosures built with these records (by {@link DataLedgerClient.buildRecords}).
   * @param record - a record this client built
   * @returns its disclosures (empty when it has none or was built elsewhere)
   */
  disclosuresOfBuilt(record: LedgerRecord): string[] {
    return [...(this.builtDisclosures.get(record) ?? [])];
  }

  /**
   * Builds, signs and submits one record; re-signs and retries while another writer moved
   * the head first.
   * @returns the receipt
   * @throws DataLedgerError with the server's code (`REGISTRY_UNAUTHORISED`, …)
   */
  async submit(type: string, payload: RecordPayload): Promise<SubmittedReceipt> {
    const [r] = await this.submitBatch([{ type, payload }]);
    return r as SubmittedReceipt;
  }

  /**
   * Builds, signs and submits a chain of records. Consecutive records of one type go in one
   * pre-chained request (one group commit); a chain spanning types goes in several requests.
   * @returns one receipt per draft, in order
   */
  async submitBatch(drafts: RecordDraft[]): Promise<SubmittedReceipt[]> {
    const out: SubmittedReceipt[] = [];
    for (const run of runsOfType(drafts)) out.push(...(await this.submitRun(run)));
    return out;
  }

  private async submitRun(drafts: RecordDraft[]): Promise<SubmittedReceipt[]> {
    const path = routeOf((drafts[0] as RecordDraft).type);
    return this.signAndPost(path, drafts, recordsBody);
  }

  /**
   * The write loop: conceal the confidential members once (the disclosures, with their
   * salts, stay the same across re-signing), read the head, sign the drafts on it, POST
   * `body(records, disclosures)`; on a stale head (409), re-sign on the head the answer names
   * and retry.
   */
  private async signAndPost(
    path: string,
    drafts: RecordDraft[],
    body: (records: LedgerRecord[], disclosures: string[]) => unknown,
  ): Promise<SubmittedReceipt[]> {
    const concealed = this.conceal(drafts, await this.disclosurePolicy());
    const all = concealed.disclosures.flat();
    let head = await this.head();
    for (let attempt = 0; ; attempt++) {
      const records = this.signRecords(head, concealed.drafts);
      try {
        const answer = await this.json<Receipt | Receipt[]>('POST', path, { body: body(records, all) });
        const receipts = Array.isArray(answer) ? answer : [answer];
        if (receipts.length !== records.length) throw new DataLedgerError('HTTP_RESPONSE_INVALID', 'one receipt per record expected');
        return receipts.map((r, i) => ({ ...r, record: records[i] as LedgerRecord, disclosures: concealed.disclosures[i] as string[] }));
      } catch (err) {
        if (!isDataLedgerError(err) || !STALE_CODES.has(err.code) || attempt >= this.maxRetries) throw err;
        const pd = (err.details?.['problem'] as { details?: { head?: Partial<HeadInfo> } } | undefined)?.details;
        const h = pd?.head;
        // The service tells contending writers to re-sign one at a time; back off only when
        // that keeps failing (another client sharing this key, a clock far behind).
        if (attempt >= 4) await sleep(Math.random() * Math.min(1000, 2 ** attempt));
        head =
          h !== undefined && typeof h.size === 'number' && typeof h.lastLeafHash === 'string' && h.size > head.size
            ? { size: h.size, lastLeafHash: h.lastLeafHash, lastTime: h.lastTime ?? null, rootHash: '' }
            : await this.head();
      }
    }
  }

  /**
   * Submits records already signed (no re-signing: a stale one fails with its code).
   * Consecutive records of one type go in one request, each with the disclosures of its
   * digests: those {@link DataLedgerClient.buildRecords} made, and those given.
   * @param records - signed records, their confidential members already concealed
   * @param options.disclosures - disclosures of records signed elsewhere (each goes with the
   *   request whose records carry its digest; one that matches none is not sent)
   */
  async submitRecords(records: LedgerRecord[], options: { disclosures?: readonly string[] } = {}): Promise<Receipt[]> {
    const given = disclosureMap(options.disclosures ?? []);
    const out: Receipt[] = [];
    for (const run of runsOfType(records)) {
      const path = routeOf((run[0] as LedgerRecord).type);
      const disclosures = new Set<string>();
      for (const r of run) {
        for (const d of this.builtDisclosures.get(r) ?? []) disclosures.add(d);
        for (const { digest } of payloadDigests(r.payload)) {
          const d = given.get(digest);
          if (d !== undefined) disclosures.add(d.disclosure);
        }
      }
      const answer = await this.json<Receipt | Receipt[]>('POST', path, { body: recordsBody(run, [...disclosures]) });
      out.push(...(Array.isArray(answer) ? answer : [answer]));
    }
    return out;
  }

  /** Submits one record already signed (with its disclosures: see {@link DataLedgerClient.submitRecords}). */
  async submitRecord(record: LedgerRecord, options: { disclosures?: readonly string[] } = {}): Promise<Receipt> {
    const [r] = await this.submitRecords([record], options);
    return r as Receipt;
  }

  /**
   * Erases disclosures from the service's vault: signs and posts a `disclosure.erased` record
   * (a regulator; or the data subject, for its own consent). The digests stay on the log, so
   * the chain still verifies; the values are gone from the vault and from every later export.
   * @param request - the record index, each `{ digest, member }` erased, the reason
   * @returns the receipt of the erasure record
   * @throws DataLedgerError the server's code (`REGISTRY_ERASURE_INVALID`, `REGISTRY_UNAUTHORISED`…)
   */
  async erase(request: EraseRequest): Promise<SubmittedReceipt> {
    const [receipt] = await this.signAndPost(
      routeOf('disclosure.erased'),
      [{ type: 'disclosure.erased', payload: { index: request.index, erased: request.erased, reason: request.reason } as unknown as RecordPayload }],
      recordsBody,
    );
    return receipt as SubmittedReceipt;
  }

  // -------------------------------------------------------------------------------------
  // Domain reads

  /** `POST /v1/certificates/verify`: a certificate in, the check list out (public, rate-limited). */
  verifyCertificate(certificate: unknown): Promise<CertificateVerificationAnswer> {
    return this.json('POST', '/v1/certificates/verify', { body: certificate });
  }

  /** The signed certificate as its registry published it (public). */
  getCertificate(id: string): Promise<DataAssetCertificate> {
    return this.json('GET', `/v1/certificates/${encodeURIComponent(id)}`);
  }

  /** A certificate as the registry records it: issuer, status lists, status (public). */
  getCertificateState(id: string): Promise<Record<string, unknown>> {
    return this.json('GET', `/v1/certificates/${encodeURIComponent(id)}/state`);
  }

  /**
   * Publishes a signed certificate (`PUT /v1/certificates/{id}`); the service checks it
   * against the ledger first.
   * @returns the certificate as published
   */
  publishCertificate(certificate: DataAssetCertificate): Promise<DataAssetCertificate> {
    return this.json('PUT', `/v1/certificates/${encodeURIComponent(String(certificate['id']))}`, { body: certificate });
  }

  /** A status list credential, by id (`revocation-1`) or by the URL a certificate names. */
  statusList(idOrUrl: string): Promise<JsonObject> {
    if (/^https?:\/\//.test(idOrUrl)) return this.absoluteJson(idOrUrl);
    return this.json('GET', `/v1/status-lists/${encodeURIComponent(idOrUrl)}`);
  }

  /**
   * Every status list credential a certificate names (`credentialStatus[].statusListCredential`),
   * fetched from where it names them: what an exchange keeps to verify offline.
   */
  async statusListsFor(certificate: DataAssetCertificate): Promise<JsonObject[]> {
    const cs = certificate['credentialStatus'];
    const urls = new Set<string>();
    for (const e of Array.isArray(cs) ? cs : [cs]) {
      const u = typeof e === 'object' && e !== null && !Array.isArray(e) ? e['statusListCredential'] : undefined;
      if (typeof u === 'string') urls.add(u);
    }
    return Promise.all([...urls].map((u) => this.statusList(u)));
  }

  /** The status lists served and the next free status slot. */
  statusListSlots(): Promise<StatusListSlots> {
    return this.json('GET', '/v1/status-lists');
  }

  private async absoluteJson<T>(url: string): Promise<T> {
    let res: Response;
    try {
      res = await this.fetchImpl(url, { headers: { accept: 'application/json, application/problem+json' } });
    } catch (cause) {
      throw new DataLedgerError('HTTP_UNREACHABLE', `GET ${url}: ${(cause as Error).message}`, { cause });
    }
    if (!res.ok) throw await problemError(res);
    try {
      return readAnswer(await res.text()) as T;
    } catch (cause) {
      throw new DataLedgerError('HTTP_RESPONSE_INVALID', `GET ${url}: answer is not JSON`, { cause });
    }
  }

  /**
   * Issues a certificate in one call, as the registry (this client's key): reads the asset,
   * takes a free status slot, logs the `certificate.issued` record, fetches the role evidence
   * (genesis and this registry's role grant) proven against the receipt's checkpoint, signs
   * the credential (eddsa-jcs-2022) and publishes it. The certificate verifies offline with
   * the log key alone; its status lists are served at the URLs it names.
   * @returns the signed certificate and the receipt of its record
   * @throws DataLedgerError the server's code (`REGISTRY_ASSET_UNREVIEWED`, `HTTP_FORBIDDEN`…),
   *   `CERT_EVIDENCE_MISMATCH` when what the service answered does not prove what it must
   * @example
   * ```ts
   * const { certificate } = await registry.issueCertificate({ registrationNumber: 'DL-1', validFrom, validUntil });
   * ```
   */
  async issueCertificate(request: IssueCertificateRequest): Promise<{ certificate: DataAssetCertificate; receipt: SubmittedReceipt }> {
    const signer = this.requireSigner();
    const asset = await this.getAsset(request.registrationNumber);
    const subject = certificateSubject(asset as unknown as AssetState);
    const certificateId = request.certificateId ?? `urn:uuid:${crypto.randomUUID()}`;
    let receipt: SubmittedReceipt | null = null;
    for (let attempt = 0; receipt === null; attempt++) {
      const slot = request.statusSlot ?? (await this.statusListSlots()).next;
      const payload: CertificateIssued = {
        certificateId,
        registrationNumber: request.registrationNumber,
        statusListIndex: slot.statusListIndex,
        revocationList: slot.revocationList,
        suspensionList: slot.suspensionList,
        validFrom: request.validFrom,
        validUntil: request.validUntil,
        subjectHash: subjectHash(subject),
      };
      try {
        receipt = await this.submit('certificate.issued', payload as unknown as RecordPayload);
      } catch (err) {
        // Another registry took the slot between our read and our write: take the next one.
        if (!isDataLedgerError(err) || err.code !== 'REGISTRY_STATUS_INDEX_IN_USE' || request.statusSlot !== undefined || attempt >= 8) throw err;
      }
    }
    const ev = await this.json<RoleEvidenceAnswer>('GET', `/v1/certificates/${encodeURIComponent(certificateId)}/role-evidence?treeSize=${receipt.treeSize}`);
    const proofOf = (p: string[]): Uint8Array[] => p.map((h) => fromBase64(h));
    const certificate = signCertificate({
      subject,
      issued: { record: receipt.record, proof: proofOf(receipt.inclusionProof) },
      checkpoint: receipt.checkpoint,
      roleEvidence: {
        genesis: { record: ev.genesis.record, proof: proofOf(ev.genesis.proof) },
        grant: { record: ev.grant.record, proof: proofOf(ev.grant.proof) },
      },
      secretKey: signer.secretKey,
      ...(request.created === undefined ? {} : { created: request.created }),
    });
    await this.publishCertificate(certificate);
    return { certificate, receipt };
  }

  /** An asset's details (signed read: any role holder). */
  getAsset(registrationNumber: string): Promise<Record<string, unknown>> {
    return this.json('GET', `/v1/assets/${encodeURIComponent(registrationNumber)}`, { signed: true });
  }

  /** A licence (signed read: any role holder). */
  getLicence(id: string): Promise<Record<string, unknown>> {
    return this.json('GET', `/v1/licences/${encodeURIComponent(id)}`, { signed: true });
  }

  /**
   * A record's digests and the disclosures this signer may read (signed read): regulators
   * all; the asset's holder its own asset's records; a licensee its licence; the data subject
   * its consent; anyone else none.
   * @throws DataLedgerError `HTTP_RESPONSE_INVALID` when a disclosure answered is not one of
   *   the record's digests; `DISCLOSURE_MALFORMED`
   */
  async disclosuresOf(index: number): Promise<RecordDisclosuresAnswer> {
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('index: expected a non-negative integer');
    const answer = await this.json<RecordDisclosuresAnswer>('GET', `/v1/records/${index}/disclosures`, { signed: true });
    const digests = new Set(Array.isArray(answer?.digests) ? answer.digests : []);
    // The answer is untrusted: every disclosure must hash to a digest the record carries.
    for (const d of disclosureMap(Array.isArray(answer?.disclosures) ? answer.disclosures : []).values()) {
      if (!digests.has(d.digest)) throw new DataLedgerError('HTTP_RESPONSE_INVALID', `record ${index}: a disclosure answered matches none of its digests`);
    }
    return answer;
  }

  /**
   * Every disclosure the vault holds for records `[0, size)` (signed read: regulator), as
   * `export --disclosures` writes them beside a bundle of that size.
   * @param size - the tree size of the bundle (default: the current one)
   * @returns the disclosures, each checked to be well formed
   * @throws CertificateError `DISCLOSURE_MALFORMED`
   */
  async exportDisclosures(size?: number): Promise<string[]> {
    if (size !== undefined && (!Number.isSafeInteger(size) || size < 0)) throw new RangeError('size: expected a non-negative integer');
    return parseDisclosuresText(await this.text(`/v1/supervision/disclosures${size === undefined ? '' : `?size=${size}`}`, true));
  }

  /** The supervision audit report (signed read: regulator). */
  auditReport(): Promise<Record<string, unknown>> {
    return this.json('GET', '/v1/supervision/audit', { signed: true });
  }

  /** The statistics report (统计报告; signed read: regulator). */
  statisticsReport(): Promise<Record<string, unknown>> {
    return this.json('GET', '/v1/supervision/statistics', { signed: true });
  }

  // -------------------------------------------------------------------------------------
  // Encrypted statistics

  /**
   * Opens an encrypted statistics job: posts its parameters and public key (both public)
   * with the `aggregation.opened` record signed by this client (an exchange or regulator).
   * @param job - the job (`maxAbsValue` as a number or decimal string)
   * @param publicKey - the serialized job public key (`createJobKeys(job).publicKey`); the
   *   secret key never leaves the key holder
   */
  async openAggregationJob(job: AggregationJob, publicKey: Uint8Array): Promise<SubmittedReceipt> {
    const r = resolveJob(job);
    const jobJson = JSON.parse(JSON.stringify(job, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))) as unknown;
    const [receipt] = await this.signAndPost(
      '/v1/aggregation/jobs',
      [
        {
          type: 'aggregation.opened',
          payload: {
            jobId: r.id,
            jobHash: toHex(r.hash),
            minContributors: r.minContributors,
            // The registry bounds the contributors by it; other instances check the key by its hash.
            maxContributors: r.maxContributors,
            publicKeyHash: toHex(sha256(publicKey)),
          },
        },
      ],
      (records) => ({ record: records[0], job: jobJson, publicKey: toBase64(publicKey) }),
    );
    return receipt as SubmittedReceipt;
  }

  /** A job's public parameters, public key (base64) and progress. */
  aggregationJob(
    jobId: string,
  ): Promise<{ job: Record<string, unknown>; jobHash: string; publicKey: string; contributions: number; minContributors: number; ready: boolean }> {
    return this.json('GET', `/v1/aggregation/jobs/${encodeURIComponent(jobId)}`);
  }

  /**
   * Submits this holder's encrypted contribution with its `aggregation.contributed` record.
   * @param contribution - from `encryptContribution(job, publicKey, values, { secretKey })` with this client's key
   * @param count - rows the contribution covers (default 1)
   */
  async contribute(jobId: string, contribution: Contribution, count = 1): Promise<SubmittedReceipt> {
    const { ciphertexts: _c, ...rest } = contribution;
    void _c;
    const contributionHash = toHex(sha256(canonicalBytes(rest as unknown as JsonValue)));
    const [receipt] = await this.signAndPost(
      `/v1/aggregation/jobs/${encodeURIComponent(jobId)}/contributions`,
      [{ type: 'aggregation.contributed', payload: { jobId, contributionHash, count } }],
      (records) => ({ record: records[0], contribution }),
    );
    return receipt as SubmittedReceipt;
  }

  /** The encrypted aggregate (`HTTP_RESULT_NOT_READY` before `minContributors`). Decrypt it with `decryptAggregate` where the secret key is. */
  aggregationResult(jobId: string): Promise<AggregateResult> {
    return this.json('GET', `/v1/aggregation/jobs/${encodeURIComponent(jobId)}/result`);
  }

  /** Records the release of a result (signed by the job's opener): its sum hash and count. */
  async releaseAggregation(jobId: string, result: Pick<AggregateResult, 'sumHash' | 'count'>): Promise<SubmittedReceipt> {
    const [receipt] = await this.signAndPost(
      `/v1/aggregation/jobs/${encodeURIComponent(jobId)}/release`,
      [{ type: 'aggregation.released', payload: { jobId, resultHash: toHex(fromBase64(result.sumHash)), contributors: result.count } }],
      (records) => records[0],
    );
    return receipt as SubmittedReceipt;
  }

  /** Sends any request (for routes without a typed method); problems become errors. */
  request<T>(method: string, path: string, init: { body?: unknown; signed?: boolean } = {}): Promise<T> {
    return this.json<T>(method, path, init);
  }
}

/**
 * The body of a write: a record, an array of records, or, when confidential members were
 * concealed, the envelope `{ records, disclosures }` (DESIGN.md "The wire").
 */
function recordsBody(records: LedgerRecord[], disclosures: readonly string[]): unknown {
  if (disclosures.length > 0) return { records, disclosures };
  return records.length === 1 ? records[0] : records;
}

function routeOf(type: string): string {
  const path = ROUTE_OF_RECORD_TYPE[type];
  if (path === undefined) throw new TypeError(`type: no write route for ${type}`);
  if (type.startsWith('aggregation.')) throw new TypeError(`type: ${type} is written by openAggregationJob / contribute / releaseAggregation`);
  return path;
}

function runsOfType<T extends { type: string }>(items: T[]): T[][] {
  const runs: T[][] = [];
  for (const it of items) {
    const last = runs[runs.length - 1];
    if (last !== undefined && (last[0] as T).type === it.type) last.push(it);
    else runs.push([it]);
  }
  return runs;
}

/**
 * A service's answer is untrusted input too: read with core's safe reader (nodejs/node#63785;
 * RFC 7493 duplicate names refused). The bound fits the largest answer (a page of entries).
 */
function readAnswer(text: string): unknown {
  return parseJson(text, { maxBytes: 128 * 1024 * 1024 });
}

async function problemError(res: Response): Promise<DataLedgerError> {
  let problem: { code?: unknown; detail?: unknown } | null = null;
  try {
    problem = readAnswer(await res.text()) as { code?: unknown; detail?: unknown };
  } catch {
    problem = null;
  }
  if (problem !== null && typeof problem === 'object' && typeof problem.code === 'string') {
    return new DataLedgerError(problem.code, typeof problem.detail === 'string' ? problem.detail : problem.code, {
      details: { status: res.status, problem },
    });
  }
  return new DataLedgerError('HTTP_RESPONSE_INVALID', `HTTP ${res.status} without a problem document`, { details: { status: res.status } });
}
