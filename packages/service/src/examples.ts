/**
 * Example values of the OpenAPI document: real signed records, checkpoints, a certificate and
 * a signed read, made with demonstration keys from published seeds, so a reader can check
 * every signature with any Ed25519 library (and must never use those keys for anything).
 */
import type { TSchema } from '@sinclair/typebox';
import { canonicalize, keyPairFromSeed, sha256, toBase64, toBase64Url, utf8Encode, didKeyFromPublicKey, type JsonValue, type KeyPair } from '@dataledger/core';
import {
  CONFIDENTIAL_MEMBERS,
  certificateSubject,
  makeDisclosure,
  type OpenedDisclosure,
  issueCertificate,
  RegistryAuditor,
  statisticsReport,
  subjectHash,
  openDisclosure as openDisclosureOf,
  type AssetState,
  type RegistryState,
  type Violation,
} from '@dataledger/certificates';
import {
  consistencyProof,
  cosignCheckpoint,
  cosignerVerifierKey,
  inclusionProof,
  merkleRoot,
  recordLeafHash,
  signCheckpoint,
  signRecord,
  verifierKey,
  type LedgerRecord,
  type RecordPayload,
} from '@dataledger/provenance';
import { signRequest } from './httpsig.ts';

/** A demonstration key pair from a published seed: never a key of any real ledger. */
function demoKey(name: string): KeyPair {
  return keyPairFromSeed(sha256(utf8Encode(`dataledger documentation example: ${name}`)));
}

const holderKey = demoKey('holder');
const licenseeKey = demoKey('licensee');
const logKey = demoKey('log');
const witnessKey = demoKey('witness');
const rootKey = demoKey('root');
const registryKey = demoKey('registry');
const reviewerKey = demoKey('reviewer');

/** did:key of the example holder (the signer of the example records and the signed read). */
export const EXAMPLE_HOLDER_DID: string = didKeyFromPublicKey(holderKey.publicKey);
const LICENSEE_DID = didKeyFromPublicKey(licenseeKey.publicKey);

const hexOf = (label: string): string => Buffer.from(sha256(utf8Encode(label))).toString('hex');
const b64Of = (label: string): string => toBase64(sha256(utf8Encode(label)));

/** An example registration number. */
export const EXAMPLE_ASSET = 'DA-2026-000017';
/** An example licence id. */
export const EXAMPLE_LICENCE_ID = 'L-2026-0042';
/** An example certificate id. */
export const EXAMPLE_CERTIFICATE_ID = 'urn:uuid:5a1c0f7e-3b7d-4c1e-9a55-0c1d2e3f4a5b';

const TERM = { from: '2026-12-01T00:00:00Z', until: '2027-11-30T00:00:00Z' };

/** One example payload per record type a client submits (DESIGN.md "The data-asset domain"). */
const EXAMPLE_PAYLOADS: Record<string, RecordPayload> = {
  'role.granted': { subject: EXAMPLE_HOLDER_DID, role: 'holder' },
  'role.revoked': { subject: EXAMPLE_HOLDER_DID, role: 'holder' },
  'asset.registered': {
    registrationNumber: EXAMPLE_ASSET,
    name: 'Provincial power consumption by county, monthly',
    holder: { id: EXAMPLE_HOLDER_DID, foreign: false, name: 'Provincial Energy Data Centre' },
    source: { department: 'Provincial Energy Bureau', authorisationBasis: 'Public data open catalogue 2026 No. 3' },
    classification: 'general',
    rights: ['holding', 'processing-and-use'],
    fingerprint: hexOf('dataset bytes'),
    fingerprintOf: 'data',
    rowCount: 125_000,
    updateFrequency: 'monthly',
    valuation: { amount: '125000.50', currency: 'CNY', method: 'cost' },
    validity: { from: '2026-01-01T00:00:00Z', until: '2027-12-31T00:00:00Z' },
    subjectIdentified: false,
    subjects: [],
  },
  'asset.reviewed': {
    registrationNumber: EXAMPLE_ASSET,
    outcome: 'approved',
    opinion: 'Source and authorisation basis verified',
    reportHash: hexOf('review report'),
  },
  'asset.valued': {
    registrationNumber: EXAMPLE_ASSET,
    valuation: { amount: '180000.00', currency: 'CNY', method: 'income' },
    reportHash: hexOf('valuation report'),
  },
  'asset.changed': { registrationNumber: EXAMPLE_ASSET, changes: { rowCount: 131_000 } },
  'asset.cancelled': { registrationNumber: EXAMPLE_ASSET, reason: 'Superseded by DA-2027-000003' },
  'certificate.issued': {
    certificateId: EXAMPLE_CERTIFICATE_ID,
    registrationNumber: EXAMPLE_ASSET,
    statusListIndex: 17,
    revocationList: 'https://ledger.example/v1/status-lists/revocation-0',
    suspensionList: 'https://ledger.example/v1/status-lists/suspension-0',
    validFrom: '2026-12-01T00:00:00Z',
    validUntil: '2027-11-30T00:00:00Z',
    subjectHash: hexOf('certificate subject'),
  },
  'certificate.suspended': { certificateId: EXAMPLE_CERTIFICATE_ID, reason: 'Valuation under review' },
  'certificate.reinstated': { certificateId: EXAMPLE_CERTIFICATE_ID, reason: 'Review closed' },
  'certificate.revoked': { certificateId: EXAMPLE_CERTIFICATE_ID, reason: 'Asset cancelled' },
  'asset.transferred': {
    registrationNumber: EXAMPLE_ASSET,
    to: { id: LICENSEE_DID, foreign: false, name: 'City Data Exchange' },
    price: { amount: '200000.00', currency: 'CNY' },
    contractHash: hexOf('transfer contract'),
  },
  'licence.granted': {
    licenceId: EXAMPLE_LICENCE_ID,
    registrationNumber: EXAMPLE_ASSET,
    licensee: { id: LICENSEE_DID, foreign: false, name: 'City Data Exchange' },
    purpose: 'credit-assessment',
    scope: ['read', 'analyse'],
    term: TERM,
    sublicensable: false,
    fee: { amount: '12000.00', currency: 'CNY' },
  },
  'licence.revoked': { licenceId: EXAMPLE_LICENCE_ID, reason: 'Term breached' },
  'consent.granted': {
    consentId: 'C-2026-0007',
    registrationNumber: EXAMPLE_ASSET,
    licensee: LICENSEE_DID,
    purpose: 'credit-assessment',
    until: TERM.until,
    person: { name: 'Zhang San' },
  },
  'consent.revoked': { consentId: 'C-2026-0007' },
  'crossborder.approved': { registrationNumber: EXAMPLE_ASSET, party: LICENSEE_DID, purpose: 'joint research', until: TERM.until },
  'asset.frozen': { registrationNumber: EXAMPLE_ASSET, reason: 'Disputed source' },
  'asset.unfrozen': { registrationNumber: EXAMPLE_ASSET, reason: 'Dispute settled' },
  'aggregation.opened': {
    jobId: 'J-2026-0003',
    jobHash: hexOf('job parameters'),
    minContributors: 3,
    maxContributors: 100,
    publicKeyHash: hexOf('public key'),
  },
  'aggregation.contributed': { jobId: 'J-2026-0003', contributionHash: hexOf('contribution'), count: 12 },
  'aggregation.released': { jobId: 'J-2026-0003', resultHash: hexOf('result'), contributors: 3 },
};

/** The C2SP verifier key of the demonstration log. */
export const EXAMPLE_LOG_VKEY: string = verifierKey('ledger.example/log', logKey.publicKey);

/** An example witness cosigner vkey (C2SP tlog-cosignature). */
export const EXAMPLE_WITNESS_VKEY: string = cosignerVerifierKey('witness.example/w1', witnessKey.publicKey);

/**
 * A payload with the confidential members of its type concealed (DESIGN.md "Confidential
 * payloads"), as `concealPayload` does, but with salts derived from `label`, so the examples are
 * the same on every build.
 */
function concealExample(type: string, payload: RecordPayload, label: string): { payload: RecordPayload; disclosures: string[] } {
  const out: Record<string, unknown> = { ...payload };
  const disclosures: string[] = [];
  const places = new Map<string, string[]>();
  for (const path of (CONFIDENTIAL_MEMBERS as Readonly<Record<string, readonly string[]>>)[type] ?? []) {
    const dot = path.indexOf('.');
    const at = dot < 0 ? '' : path.slice(0, dot);
    places.set(at, [...(places.get(at) ?? []), dot < 0 ? path : path.slice(dot + 1)]);
  }
  for (const [at, names] of places) {
    const held = at === '' ? out : out[at];
    if (typeof held !== 'object' || held === null || Array.isArray(held)) continue;
    const obj: Record<string, unknown> = at === '' ? out : { ...(held as Record<string, unknown>) };
    const digests: string[] = [];
    for (const name of names) {
      if (!(name in obj)) continue;
      const salt = toBase64Url(sha256(utf8Encode(`${label}|${at}|${name}`))).slice(0, 22);
      const d = makeDisclosure(name, obj[name] as JsonValue, salt);
      delete obj[name];
      digests.push(d.digest);
      disclosures.push(d.disclosure);
    }
    if (digests.length > 0) obj['_sd'] = digests.sort();
    if (at !== '') out[at] = obj;
  }
  return { payload: out as RecordPayload, disclosures };
}

/** A demonstration ledger, replayed by the registry: the source of the read examples. */
interface DemoLedger {
  records: LedgerRecord[];
  /** The disclosures of the records' confidential members, by digest. */
  disclosures: Map<string, OpenedDisclosure>;
  state: RegistryState;
  violations: Violation[];
  /** The signed checkpoint of all the records. */
  checkpoint: string;
  certificate: Record<string, unknown>;
}

let demo: DemoLedger | undefined;

/**
 * Builds (once) a small demonstration ledger through the real record, registry and
 * certificate code: genesis, role grants, a registration, its review, a certificate (issued
 * with the role evidence), a licence, and one record the rules refuse (a valuation by an actor
 * who is no appraiser), all signed by demonstration keys; the checkpoint is signed by the
 * demonstration log key ({@link EXAMPLE_LOG_VKEY}).
 */
function demoLedger(): DemoLedger {
  if (demo !== undefined) return demo;
  const did = (k: KeyPair): string => didKeyFromPublicKey(k.publicKey);
  const disclosures = new Map<string, OpenedDisclosure>();
  const auditor = new RegistryAuditor({ disclosures });
  const records: LedgerRecord[] = [];
  const add = (key: KeyPair, type: string, full: RecordPayload): LedgerRecord => {
    const index = records.length;
    const prev = index === 0 ? '' : toBase64(recordLeafHash(records[index - 1] as LedgerRecord));
    const time = new Date(Date.UTC(2026, 11, 1, 8, 0, index)).toISOString();
    const { payload, disclosures: made } = concealExample(type, full, `demo|${index}`);
    for (const d of made) {
      const opened = openDisclosureOf(d);
      disclosures.set(opened.digest, opened);
    }
    const r = signRecord({ v: 1, index, type, time, actor: did(key), prev, payload }, key.secretKey);
    records.push(r);
    auditor.push(r);
    return r;
  };
  add(rootKey, 'ledger.genesis', { rootAuthority: did(rootKey), ledgerName: 'ledger.example/log' });
  add(rootKey, 'role.granted', { subject: did(registryKey), role: 'registry' });
  add(rootKey, 'role.granted', { subject: did(reviewerKey), role: 'reviewer' });
  add(rootKey, 'role.granted', { subject: EXAMPLE_HOLDER_DID, role: 'holder' });
  add(rootKey, 'role.granted', { subject: LICENSEE_DID, role: 'exchange' });
  add(registryKey, 'asset.registered', EXAMPLE_PAYLOADS['asset.registered'] as RecordPayload);
  add(reviewerKey, 'asset.reviewed', EXAMPLE_PAYLOADS['asset.reviewed'] as RecordPayload);
  const asset = auditor.state.assets.get(EXAMPLE_ASSET) as AssetState;
  const subject = certificateSubject(asset);
  add(registryKey, 'certificate.issued', { ...(EXAMPLE_PAYLOADS['certificate.issued'] as RecordPayload), subjectHash: subjectHash(subject) });
  add(holderKey, 'licence.granted', EXAMPLE_PAYLOADS['licence.granted'] as RecordPayload);
  add(holderKey, 'asset.valued', EXAMPLE_PAYLOADS['asset.valued'] as RecordPayload);
  const leaves = records.map((r) => recordLeafHash(r));
  const checkpoint = signCheckpoint(
    { origin: 'ledger.example/log', size: records.length, rootHash: merkleRoot(leaves) },
    { name: 'ledger.example/log', secretKey: logKey.secretKey },
  );
  const proven = (i: number): { record: LedgerRecord; proof: Uint8Array[] } => ({ record: records[i] as LedgerRecord, proof: inclusionProof(leaves, i) });
  const certificate = issueCertificate({
    subject,
    issued: proven(7),
    checkpoint,
    roleEvidence: { genesis: proven(0), grant: proven(1) },
    secretKey: registryKey.secretKey,
    created: '2026-12-01T08:00:10Z',
  }) as unknown as Record<string, unknown>;
  demo = { records, disclosures, state: auditor.state, violations: [...auditor.violations], checkpoint, certificate };
  return demo;
}

/** The demonstration ledger exported (`GET /v1/log/export`): a bundle that verifies against {@link EXAMPLE_LOG_VKEY}. */
export function exampleBundle(): string {
  const d = demoLedger();
  const lines = [
    JSON.stringify({ format: 'dataledger-bundle/v1', origin: 'ledger.example/log', logKey: EXAMPLE_LOG_VKEY }),
    ...d.records.map((r) => canonicalize(r as never)),
    JSON.stringify(d.checkpoint),
  ];
  return `${lines.join('\n')}\n`;
}

/** A plain JSON copy (what the service's serializer makes of a state object). */
const json = (value: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

/** The disclosures of the demonstration ledger's digests among `digests`. */
const demoDisclosures = (digests: readonly string[]): string[] =>
  digests.flatMap((d) => {
    const o = demoLedger().disclosures.get(d);
    return o === undefined ? [] : [o.disclosure];
  });

/** An example asset as a regulator reads it (`GET /v1/assets/{id}`): values, digests and disclosures. */
export function exampleAssetState(): Record<string, unknown> {
  const a = demoLedger().state.assets.get(EXAMPLE_ASSET) as AssetState;
  return { ...json(a), disclosures: demoDisclosures(Object.values(a.sealed)) };
}

/** An example licence as its licensee reads it (`GET /v1/licences/{id}`). */
export function exampleLicenceState(): Record<string, unknown> {
  const d = demoLedger();
  const l = d.state.licences.get(EXAMPLE_LICENCE_ID);
  const grant = d.records[l?.grantedIndex ?? 0] as LedgerRecord;
  const sd = (grant.payload as { _sd?: string[]; licensee?: { _sd?: string[] } }) ?? {};
  return { ...json(l), fee: EXAMPLE_PAYLOADS['licence.granted']?.['fee'], disclosures: demoDisclosures([...(sd._sd ?? []), ...(sd.licensee?._sd ?? [])]) };
}

/** An example certificate record state (`GET /v1/certificates/{id}`). */
export function exampleCertificateState(): Record<string, unknown> {
  return json(demoLedger().state.certificates.get(EXAMPLE_CERTIFICATE_ID));
}

/**
 * A real example certificate (W3C VC 2.0, eddsa-jcs-2022, with the role evidence of its
 * issuer) from the demonstration ledger; it verifies against {@link EXAMPLE_LOG_VKEY}.
 */
export function exampleCertificate(): Record<string, unknown> {
  return demoLedger().certificate;
}

/** An example verification answer (`POST /v1/certificates/verify`): the example certificate, revoked. */
export const EXAMPLE_VERIFICATION: Record<string, unknown> = {
  verified: false,
  checks: [
    { name: 'format', ok: true },
    { name: 'proof', ok: true },
    { name: 'validity', ok: true },
    { name: 'checkpoint', ok: true },
    { name: 'record', ok: true },
    { name: 'inclusion', ok: true },
    { name: 'issuer', ok: true },
    { name: 'status', ok: false, code: 'CERT_STATUS_REVOKED' },
  ],
};

/** The statistics report of the demonstration ledger (`GET /v1/supervision/statistics`). */
export function exampleStatistics(): Record<string, unknown> {
  return json(statisticsReport(demoLedger().state, { at: new Date('2026-12-02T00:00:00Z') }));
}

/** The audit report of the demonstration ledger (`GET /v1/supervision/audit`): one violation. */
export function exampleAudit(): Record<string, unknown> {
  const d = demoLedger();
  return {
    valid: d.violations.length === 0,
    records: d.records.length,
    violations: json(d.violations),
    statistics: exampleStatistics(),
    integrity: {
      valid: true,
      size: d.records.length,
      firstBadIndex: null,
      code: null,
      reason: null,
      logKey: EXAMPLE_LOG_VKEY,
      trusted: true,
      checkpointNote: d.checkpoint,
    },
  };
}

/** Stands for a SEAL ciphertext or public key in examples (the real ones are hundreds of KB of base64). */
const SEAL_BLOB = 'XqEQBAEAAAB…(base64 of a serialized SEAL object, compr_mode none)';

/** An example statistics job (BFV sums of 12 values per holder). */
export const EXAMPLE_JOB: Record<string, unknown> = {
  id: 'J-2026-0003',
  scheme: 'bfv',
  length: 12,
  maxAbsValue: '1000000',
  maxContributors: 100,
  minContributors: 3,
};

/** An example job as served (`GET /v1/aggregation/jobs/{id}`). */
export const EXAMPLE_JOB_INFO: Record<string, unknown> = {
  job: EXAMPLE_JOB,
  jobHash: hexOf('job parameters'),
  publicKey: SEAL_BLOB,
  contributions: 2,
  minContributors: 3,
  ready: false,
};

/** An example encrypted contribution envelope. */
export const EXAMPLE_CONTRIBUTION: Record<string, unknown> = {
  v: 1,
  type: 'dataledger.aggregation.contribution',
  jobId: 'J-2026-0003',
  jobHash: b64Of('job parameters'),
  keyHash: b64Of('public key'),
  holder: EXAMPLE_HOLDER_DID,
  ciphertextHash: b64Of('ciphertexts'),
  ciphertexts: [SEAL_BLOB],
  sig: toBase64(new Uint8Array(64)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'),
};

/** An example encrypted result (`GET /v1/aggregation/jobs/{id}/result`). */
export const EXAMPLE_RESULT: Record<string, unknown> = {
  v: 1,
  type: 'dataledger.aggregation.result',
  jobId: 'J-2026-0003',
  jobHash: b64Of('job parameters'),
  keyHash: b64Of('public key'),
  count: 3,
  contributions: [b64Of('contribution 1'), b64Of('contribution 2'), b64Of('contribution 3')],
  sum: [SEAL_BLOB],
  sumHash: b64Of('sum'),
};

/** Adds `examples` to a schema (JSON Schema 2020-12 §9.5; OpenAPI 3.1 keeps the array). */
export function withExamples<T extends TSchema>(schema: T, ...examples: unknown[]): T {
  return { ...schema, examples };
}

/** The worked example of a signed read, computed with a demonstration key. */
export interface SignedReadExample {
  method: string;
  url: string;
  keyid: string;
  /** The `Signature-Input` field value. */
  signatureInput: string;
  /** The `Signature` field value. */
  signature: string;
  /** The signature base (RFC 9421 §2.5) that was signed. */
  signatureBase: string;
  /** Hex of the demonstration key's 32-byte seed (published: never use it for anything). */
  seedHex: string;
}

/**
 * Signs a worked example of a signed read (RFC 9421 §3.1) with the demonstration holder key.
 * @param base - the public URL the example is addressed to (default `https://ledger.example`)
 * @returns the request, its signature fields and the signature base
 */
export async function signedReadExample(base = 'https://ledger.example'): Promise<SignedReadExample> {
  const url = new URL(`/v1/assets/${EXAMPLE_ASSET}`, base);
  const created = new Date('2026-12-01T08:00:00Z');
  const headers = await signRequest({ method: 'GET', url: url.href, headers: {} }, holderKey, {
    created,
    expires: new Date(created.getTime() + 300_000),
    nonce: 'a1b2c3d4e5f60718',
  });
  const signatureInput = headers['signature-input'] ?? headers['Signature-Input'] ?? '';
  const signature = headers['signature'] ?? headers['Signature'] ?? '';
  // RFC 9421 §2.5: one line per covered component, then @signature-params (the inner list
  // of Signature-Input, without its label).
  const params = signatureInput.slice(signatureInput.indexOf('=') + 1);
  const signatureBase = [
    `"@method": GET`,
    `"@authority": ${url.host}`,
    `"@path": ${url.pathname}`,
    `"@query": ${url.search === '' ? '?' : url.search}`,
    `"@signature-params": ${params}`,
  ].join('\n');
  const seedHex = Buffer.from(sha256(utf8Encode('dataledger documentation example: holder'))).toString('hex');
  return { method: 'GET', url: url.href, keyid: EXAMPLE_HOLDER_DID, signatureInput, signature, signatureBase, seedHex };
}

// ---------------------------------------------------------------------------------------
// Log examples, all from the demonstration ledger (proofs and signatures verify)

const ORIGIN = 'ledger.example/log';
const signTree = (leaves: Uint8Array[]): string =>
  signCheckpoint({ origin: ORIGIN, size: leaves.length, rootHash: merkleRoot(leaves) }, { name: ORIGIN, secretKey: logKey.secretKey });
const demoLeaves = (): Uint8Array[] => demoLedger().records.map((r) => recordLeafHash(r));

/** The demonstration ledger's checkpoint (C2SP tlog-checkpoint, signed by the demonstration log key). */
export function exampleCheckpoint(): string {
  return demoLedger().checkpoint;
}

/** The example checkpoint cosigned by the example witness (C2SP tlog-cosignature). */
export function exampleCosignedCheckpoint(): string {
  return cosignCheckpoint(exampleCheckpoint(), { name: 'witness.example/w1', secretKey: witnessKey.secretKey, timestamp: 1_796_112_000 });
}

/** The head of the demonstration ledger (`GET /v1/log/head`). */
export function exampleHead(): Record<string, unknown> {
  const d = demoLedger();
  const last = d.records[d.records.length - 1] as LedgerRecord;
  return { size: d.records.length, rootHash: toBase64(merkleRoot(demoLeaves())), lastLeafHash: toBase64(recordLeafHash(last)), lastTime: last.time };
}

/** Index of the demonstration ledger's registration record (the subject of the proof examples). */
export const EXAMPLE_INDEX = 5;

/** An inclusion proof of the registration record in the demonstration ledger (`GET /v1/log/proof/inclusion`). */
export function exampleInclusion(): Record<string, unknown> {
  const leaves = demoLeaves();
  return {
    index: EXAMPLE_INDEX,
    leafHash: toBase64(leaves[EXAMPLE_INDEX] as Uint8Array),
    treeSize: leaves.length,
    proof: inclusionProof(leaves, EXAMPLE_INDEX).map((h) => toBase64(h)),
    checkpoint: exampleCheckpoint(),
  };
}

/** A consistency proof between the demonstration ledger at 6 records and now (`GET /v1/log/proof/consistency`). */
export function exampleConsistency(): Record<string, unknown> {
  const leaves = demoLeaves();
  return { size1: 6, size2: leaves.length, proof: consistencyProof(leaves, 6).map((h) => toBase64(h)) };
}

/** Records of the demonstration ledger from the registration on (`GET /v1/log/entries`). */
export function exampleEntries(): Record<string, unknown> {
  return { start: EXAMPLE_INDEX, entries: demoLedger().records.slice(EXAMPLE_INDEX, EXAMPLE_INDEX + 2) };
}

/**
 * The role evidence of the demonstration certificate (`GET /v1/certificates/{id}/role-evidence`):
 * the genesis and the registry's role grant, proven in the demonstration ledger's tree.
 */
export function exampleRoleEvidence(): Record<string, unknown> {
  const d = demoLedger();
  const leaves = demoLeaves();
  const proven = (i: number): Record<string, unknown> => ({ record: d.records[i] as LedgerRecord, proof: inclusionProof(leaves, i).map((h) => toBase64(h)) });
  return { treeSize: leaves.length, genesis: proven(0), grant: proven(1) };
}

/** One record of the demonstration ledger (`GET /v1/log/entries/{index}`). */
export function exampleEntry(): LedgerRecord {
  return demoLedger().records[EXAMPLE_INDEX] as LedgerRecord;
}

/** A write example: the records a client posts and the receipts it gets back. */
export interface WriteExample {
  /** One record at the head of the demonstration ledger, then a pre-chained batch of two. */
  records: LedgerRecord[];
  /** The receipt of the single record (tree of size head + 1). */
  receipt: Record<string, unknown>;
  /** The receipts of the batch (tree of size head + 2). */
  batchReceipts: Record<string, unknown>[];
  /** The disclosures of each record's confidential members (empty for a type without any). */
  disclosures: string[][];
}

const writes = new Map<string, WriteExample | null>();

/**
 * A write example of a record type: records signed by the demonstration holder key at the head
 * of the demonstration ledger, and the receipts the log would answer (inclusion proofs and
 * checkpoints that verify).
 * @param type - a record type
 * @returns the example, or null when there is no example payload for the type
 */
export function exampleWrite(type: string): WriteExample | null {
  const cached = writes.get(type);
  if (cached !== undefined) return cached;
  const d = demoLedger();
  const payload = type === 'disclosure.erased' ? erasureExample(d) : EXAMPLE_PAYLOADS[type];
  if (payload === undefined) {
    writes.set(type, null);
    return null;
  }
  const records: LedgerRecord[] = [];
  const disclosures: string[][] = [];
  let prev = d.records[d.records.length - 1] as LedgerRecord;
  for (let k = 0; k < 2; k++) {
    const index = d.records.length + k;
    const time = new Date(Date.UTC(2026, 11, 1, 9, 0, k)).toISOString();
    const concealed = concealExample(type, payload, `write|${type}|${k}`);
    prev = signRecord(
      { v: 1, index, type, time, actor: EXAMPLE_HOLDER_DID, prev: toBase64(recordLeafHash(prev)), payload: concealed.payload },
      holderKey.secretKey,
    );
    records.push(prev);
    disclosures.push(concealed.disclosures);
  }
  const receiptOf = (leaves: Uint8Array[], index: number, checkpoint: string): Record<string, unknown> => ({
    index,
    leafHash: toBase64(leaves[index] as Uint8Array),
    treeSize: leaves.length,
    inclusionProof: inclusionProof(leaves, index).map((h) => toBase64(h)),
    checkpoint,
  });
  const one = [...demoLeaves(), recordLeafHash(records[0] as LedgerRecord)];
  const two = [...one, recordLeafHash(records[1] as LedgerRecord)];
  const twoNote = signTree(two);
  const example: WriteExample = {
    records,
    receipt: receiptOf(one, one.length - 1, signTree(one)),
    batchReceipts: [receiptOf(two, two.length - 2, twoNote), receiptOf(two, two.length - 1, twoNote)],
    disclosures,
  };
  writes.set(type, example);
  return example;
}

/** An erasure of the demonstration asset's holder name (`POST /v1/disclosures/erase`). */
function erasureExample(d: DemoLedger): RecordPayload {
  const a = d.state.assets.get(EXAMPLE_ASSET) as AssetState;
  return {
    index: a.registeredIndex,
    erased: [{ digest: a.sealed['holder.name'] as string, member: 'holder.name' }],
    reason: 'Erasure requested by the holder (PIPL art. 47), granted by the regulator',
  };
}
