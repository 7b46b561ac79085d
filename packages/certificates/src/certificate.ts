/**
 * Data-asset certificates: W3C Verifiable Credentials 2.0 of type
 * `["VerifiableCredential","DataAssetCertificate"]`, secured with an eddsa-jcs-2022
 * Data Integrity proof by the registry, carrying as `evidence` the ledger inclusion proof of
 * their `certificate.issued` record and the signed checkpoint (C2SP tlog-checkpoint) it is
 * proven against, and as `credentialStatus` two Bitstring Status List entries (revocation,
 * suspension). A verifier needs no network: {@link verifyCertificate}.
 */
import { LRUCache } from 'lru-cache';
import { DataLedgerError, canonicalBytes, didKeyFromPublicKey, fromBase64, getPublicKey, sha256, toBase64, toHex } from '@dataledger/core';
import {
  openCheckpoint,
  parseRecord,
  recordLeafHash,
  verifyInclusion,
  verifyRecordSignature,
  type Checkpoint,
  type LedgerRecord,
} from '@dataledger/provenance';
import { signCredential, verificationMethodOf, verifyCredential, type DataIntegrityProof, type JsonObject } from './dataintegrity.ts';
import type { CertificatesErrorCode } from './errors.ts';
import type { CertificateIssued, Role } from './payloads.ts';
import type { AssetState, RegistryState } from './registry.ts';
import { BitstringStatusList, checkStatus, statusListCredential, statusListEntry, type StatusPurpose } from './statuslist.ts';

/** The VC 2.0 base context. */
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** The certificate's credential type. */
export const DATA_ASSET_CERTIFICATE = 'DataAssetCertificate';
/** The evidence type of a ledger inclusion proof. */
export const LEDGER_INCLUSION_EVIDENCE = 'LedgerInclusionEvidence';

/** A secured data-asset certificate. */
export type DataAssetCertificate = JsonObject & { proof: DataIntegrityProof };

/** What the certificate states about the asset, built from the registry state. */
export type CertificateSubject = JsonObject;

function certError(code: CertificatesErrorCode, message: string, details: Record<string, unknown> = {}): DataLedgerError {
  return new DataLedgerError(code, message, { details });
}

/**
 * The `credentialSubject` of an asset's certificate: the asset's registration, source,
 * classification, rights, fingerprint, size, update frequency, valuation and validity.
 * @param asset - the asset as the registry knows it
 */
export function certificateSubject(asset: AssetState): CertificateSubject {
  const holder: JsonObject = { id: asset.holder.id, foreign: asset.holder.foreign };
  if (asset.holder.name !== undefined) holder.name = asset.holder.name;
  const subject: JsonObject = {
    id: asset.holder.id,
    type: 'DataAsset',
    registrationNumber: asset.registrationNumber,
    name: asset.name,
    holder,
    source: { department: asset.source.department, authorisationBasis: asset.source.authorisationBasis },
    classification: asset.classification,
    rights: [...asset.rights],
    fingerprint: { algorithm: 'sha-256', of: asset.fingerprintOf, value: asset.fingerprint },
    rowCount: asset.rowCount,
    updateFrequency: asset.updateFrequency,
    validity: { from: asset.validity.from, until: asset.validity.until },
    subjectIdentified: asset.subjectIdentified,
  };
  if (asset.valuation !== null) {
    subject.valuation = { amount: asset.valuation.amount, currency: asset.valuation.currency, method: asset.valuation.method };
  }
  return subject;
}

/** SHA-256 (hex) of the canonical form of a certificate subject (what `certificate.issued` commits to). */
export function subjectHash(subject: CertificateSubject): string {
  return toHex(sha256(canonicalBytes(subject)));
}

/** Arguments of {@link prepareCertificate}. */
export interface PrepareCertificateOptions {
  registrationNumber: string;
  /** `urn:uuid:…` of the certificate. */
  certificateId: string;
  /** The certificate's bit in both status lists. */
  statusListIndex: number;
  /** URL of the revocation status list credential. */
  revocationList: string;
  /** URL of the suspension status list credential. */
  suspensionList: string;
  validFrom: string;
  validUntil: string;
}

/**
 * Step 1 of issuing: checks that the asset is certifiable (registered, reviewed and approved,
 * not frozen or cancelled) and returns the subject and the `certificate.issued` payload to
 * log. Log the record, then call {@link issueCertificate} with its inclusion proof.
 * @throws DataLedgerError `CERT_ASSET_NOT_CERTIFIABLE` (`details.reason` names why)
 */
export function prepareCertificate(state: RegistryState, options: PrepareCertificateOptions): { subject: CertificateSubject; payload: CertificateIssued } {
  const asset = state.assets.get(options.registrationNumber);
  const reason =
    asset === undefined ? 'unknown' : asset.cancelled ? 'cancelled' : asset.frozen ? 'frozen' : asset.review !== 'approved' ? `review ${asset.review}` : null;
  if (reason !== null || asset === undefined) {
    throw certError('CERT_ASSET_NOT_CERTIFIABLE', `asset ${options.registrationNumber}: not certifiable (${reason})`, {
      registrationNumber: options.registrationNumber,
      reason,
    });
  }
  const subject = certificateSubject(asset);
  return {
    subject,
    payload: {
      certificateId: options.certificateId,
      registrationNumber: options.registrationNumber,
      statusListIndex: options.statusListIndex,
      revocationList: options.revocationList,
      suspensionList: options.suspensionList,
      validFrom: options.validFrom,
      validUntil: options.validUntil,
      subjectHash: subjectHash(subject),
    },
  };
}

/** A ledger record proven included in a checkpoint. */
export interface RecordInclusion {
  record: LedgerRecord;
  /** Inclusion proof of the record's leaf in the checkpoint's tree (RFC 9162 §2.1.3). */
  proof: Uint8Array[];
}

/** Arguments of {@link issueCertificate}. */
export interface IssueCertificateOptions {
  /** The subject returned by {@link prepareCertificate}. */
  subject: CertificateSubject;
  /** The logged `certificate.issued` record and its inclusion proof. */
  issued: RecordInclusion;
  /** The signed checkpoint (C2SP note) the proofs are against. */
  checkpoint: string;
  /**
   * Optional evidence that the issuer holds the `registry` role: the genesis record (index 0,
   * naming the root authority) and the root's `role.granted` record, both proven against the
   * same checkpoint, so verifiers without a trusted-issuer list can check the role offline.
   */
  roleEvidence?: { genesis: RecordInclusion; grant: RecordInclusion };
  /** The registry's Ed25519 seed (it signed the record; it signs the credential). */
  secretKey: Uint8Array;
  /** Proof `created`; default now. */
  created?: string;
}

function inclusionEvidence(inc: RecordInclusion, checkpoint: string, treeSize: number, purpose: string): JsonObject {
  return {
    type: [LEDGER_INCLUSION_EVIDENCE],
    purpose,
    record: inc.record as unknown as JsonObject,
    leafIndex: inc.record.index,
    treeSize,
    inclusionProof: inc.proof.map(toBase64),
    checkpoint,
  };
}

function checkpointBody(note: string): Checkpoint {
  // The issuer checks its own evidence against the checkpoint's root; the signature is the
  // verifier's business (it decides which log keys it trusts).
  const blank = note.indexOf('\n\n');
  if (blank === -1) throw certError('CERT_EVIDENCE_MISMATCH', 'checkpoint: not a signed note');
  const lines = note.slice(0, blank).split('\n');
  const size = Number(lines[1]);
  let rootHash: Uint8Array;
  try {
    rootHash = fromBase64(lines[2] ?? '');
  } catch {
    throw certError('CERT_EVIDENCE_MISMATCH', 'checkpoint: bad root hash');
  }
  return { origin: lines[0] ?? '', size, rootHash };
}

/**
 * Step 2 of issuing: the signed certificate. Checks that the record is the registry's
 * `certificate.issued` for this subject and that its inclusion proof (and the role
 * evidence, if given) verifies against the checkpoint's root.
 * @returns the certificate, signed with eddsa-jcs-2022 by the registry's did:key
 * @throws DataLedgerError `CERT_EVIDENCE_MISMATCH` (record, subject, key or proof do not match)
 */
export function issueCertificate(options: IssueCertificateOptions): DataAssetCertificate {
  const { subject, issued, checkpoint, secretKey } = options;
  const publicKey = getPublicKey(secretKey);
  const issuer = didKeyFromPublicKey(publicKey);
  const record = issued.record;
  const p = record.payload as unknown as CertificateIssued;
  if (record.type !== 'certificate.issued') throw certError('CERT_EVIDENCE_MISMATCH', 'issued.record: not a certificate.issued record');
  if (record.actor !== issuer) throw certError('CERT_EVIDENCE_MISMATCH', 'issued.record: not signed by the issuing key');
  if (p.subjectHash !== subjectHash(subject)) throw certError('CERT_EVIDENCE_MISMATCH', 'subject: does not match the logged subjectHash');
  const cp = checkpointBody(checkpoint);
  const proven = (inc: RecordInclusion): boolean =>
    verifyInclusion({ leafHash: recordLeafHash(inc.record), index: inc.record.index, treeSize: cp.size, proof: inc.proof, root: cp.rootHash });
  if (!proven(issued)) throw certError('CERT_EVIDENCE_MISMATCH', 'issued.proof: does not verify against the checkpoint');
  const evidence: JsonObject[] = [inclusionEvidence(issued, checkpoint, cp.size, 'certificate.issued')];
  if (options.roleEvidence !== undefined) {
    const { genesis, grant } = options.roleEvidence;
    if (!proven(genesis) || !proven(grant)) throw certError('CERT_EVIDENCE_MISMATCH', 'roleEvidence: does not verify against the checkpoint');
    const root = (genesis.record.payload as { rootAuthority?: unknown }).rootAuthority;
    const gp = grant.record.payload as { subject?: unknown; role?: unknown };
    if (
      genesis.record.index !== 0 ||
      genesis.record.type !== 'ledger.genesis' ||
      grant.record.type !== 'role.granted' ||
      grant.record.actor !== root ||
      gp.subject !== issuer ||
      gp.role !== 'registry'
    ) {
      throw certError('CERT_EVIDENCE_MISMATCH', 'roleEvidence: not the genesis and the root authority granting this issuer the registry role');
    }
    evidence.push(inclusionEvidence(genesis, checkpoint, cp.size, 'ledger.genesis'), inclusionEvidence(grant, checkpoint, cp.size, 'role.granted'));
  }
  const unsigned: JsonObject = {
    '@context': [VC_V2_CONTEXT],
    id: p.certificateId,
    type: ['VerifiableCredential', DATA_ASSET_CERTIFICATE],
    issuer,
    validFrom: p.validFrom,
    validUntil: p.validUntil,
    credentialSubject: subject,
    credentialStatus: [
      statusListEntry(p.revocationList, p.statusListIndex, 'revocation'),
      statusListEntry(p.suspensionList, p.statusListIndex, 'suspension'),
    ],
    evidence,
  };
  const signOpts: { secretKey: Uint8Array; verificationMethod: string; created?: string } = {
    secretKey,
    verificationMethod: verificationMethodOf(publicKey),
  };
  if (options.created !== undefined) signOpts.created = options.created;
  return signCredential(unsigned, signOpts);
}

// ---------------------------------------------------------------------------------------
// Verification

/** Options of {@link verifyCertificate}. */
export interface VerifyCertificateOptions {
  /** C2SP verifier keys of the logs whose checkpoints are trusted. */
  trustedLogKeys: string[];
  /** Issuer DIDs trusted outright; otherwise the role evidence must prove the `registry` role. */
  trustedIssuers?: readonly string[];
  /** The secured status list credential(s) named by the certificate's entries. */
  statusList?: JsonObject | readonly JsonObject[];
  /** Evaluation time; default now. */
  at?: Date;
}

/** One named check of {@link verifyCertificate}. */
export interface CertificateCheck {
  name: 'format' | 'proof' | 'validity' | 'checkpoint' | 'record' | 'inclusion' | 'issuer' | 'status';
  ok: boolean;
  code?: string;
  message?: string;
}

/** Result of {@link verifyCertificate}: every check, so an exchange sees why. */
export interface CertificateVerification {
  verified: boolean;
  checks: CertificateCheck[];
}

// Opened checkpoints by trusted keys and note text: exchanges verify many certificates
// against the few checkpoints a log publishes.
const checkpointCache = new LRUCache<string, Checkpoint>({ max: 256 });

// verifyCertificate never throws: a subject that is not canonical JSON (e.g. `1e400` parsed
// to Infinity) has no hash and matches nothing.
function safeSubjectHash(subject: JsonObject): string | null {
  try {
    return subjectHash(subject);
  } catch {
    return null;
  }
}

function openTrustedCheckpoint(note: string, keys: string[]): Checkpoint {
  const key = `${keys.join('\n')}\n\n${note}`;
  const hit = checkpointCache.get(key);
  if (hit !== undefined) return hit;
  const { checkpoint } = openCheckpoint(note, keys);
  checkpointCache.set(key, checkpoint);
  return checkpoint;
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface OpenedEvidence {
  record: LedgerRecord;
  leafIndex: number;
  treeSize: number;
  proof: Uint8Array[];
  checkpoint: string;
}

function openEvidence(e: unknown): OpenedEvidence {
  if (!isObj(e) || !Array.isArray(e.type) || !e.type.includes(LEDGER_INCLUSION_EVIDENCE)) {
    throw certError('CERT_EVIDENCE_MISSING', 'evidence: not a ledger inclusion proof');
  }
  const { leafIndex, treeSize, inclusionProof, checkpoint } = e;
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || !Array.isArray(inclusionProof) || typeof checkpoint !== 'string') {
    throw certError('CERT_MALFORMED', 'evidence: malformed inclusion proof');
  }
  if (inclusionProof.length > 64) throw certError('CERT_MALFORMED', 'evidence.inclusionProof: too long');
  let record: LedgerRecord;
  let proof: Uint8Array[];
  try {
    record = parseRecord(e.record);
    proof = inclusionProof.map((h) => fromBase64(h as string));
  } catch {
    throw certError('CERT_MALFORMED', 'evidence: malformed record or proof');
  }
  return { record, leafIndex: leafIndex as number, treeSize: treeSize as number, proof, checkpoint };
}

/**
 * Verifies a data-asset certificate offline. Checks, each reported by name:
 * `format`; `proof` (eddsa-jcs-2022 by the issuer's did:key); `validity` (validFrom ≤ at ≤
 * validUntil); `checkpoint` (signed by a trusted log key); `record` (the evidence is the
 * issuer's signed `certificate.issued` record for this certificate id, subject, status
 * entries and validity); `inclusion` (RFC 9162 proof of that record against the checkpoint);
 * `issuer` (trusted, or proven to hold the `registry` role by a genesis and role grant in the
 * same log); `status` (neither revoked nor suspended in the issuer's status lists).
 *
 * The role evidence proves the grant, not the absence of a later revocation; pass
 * `trustedIssuers` where that matters.
 * @param cert - the certificate as presented
 * @param options - trusted log keys, trusted issuers, status list credentials, time
 * @returns `{ verified, checks }`; never throws for a bad certificate
 */
export function verifyCertificate(cert: unknown, options: VerifyCertificateOptions): CertificateVerification {
  const checks: CertificateCheck[] = [];
  const result = (): CertificateVerification => ({ verified: checks.length > 0 && checks.every((c) => c.ok), checks });
  const fail = (name: CertificateCheck['name'], code: string, message: string): void => {
    checks.push({ name, ok: false, code, message });
  };
  // An invalid `at` (NaN) would make every time comparison false and pass the validity and
  // status-list windows: fail closed instead.
  const at = options.at instanceof Date ? options.at.getTime() : options.at === undefined ? Date.now() : Number.NaN;

  // format
  const types = isObj(cert) ? cert.type : undefined;
  const ctx = isObj(cert) ? cert['@context'] : undefined;
  if (
    !isObj(cert) ||
    !Array.isArray(types) ||
    !types.includes('VerifiableCredential') ||
    !types.includes(DATA_ASSET_CERTIFICATE) ||
    !Array.isArray(ctx) ||
    ctx[0] !== VC_V2_CONTEXT ||
    typeof cert.id !== 'string' ||
    typeof cert.issuer !== 'string' ||
    !isObj(cert.credentialSubject) ||
    typeof cert.validFrom !== 'string' ||
    typeof cert.validUntil !== 'string'
  ) {
    fail('format', 'CERT_MALFORMED', 'not a DataAssetCertificate (VC 2.0)');
    return result();
  }
  checks.push({ name: 'format', ok: true });
  const issuer = cert.issuer as string;

  // proof
  const pv = verifyCredential(cert, options.at === undefined ? {} : { at: options.at });
  if (pv.verified) checks.push({ name: 'proof', ok: true });
  else fail('proof', 'CERT_PROOF_INVALID', pv.errors.map((e) => e.code).join(', '));

  // validity window
  const from = Date.parse(cert.validFrom as string);
  const until = Date.parse(cert.validUntil as string);
  if (Number.isNaN(at)) fail('validity', 'CERT_MALFORMED', 'options.at: not a valid Date');
  else if (Number.isNaN(from) || Number.isNaN(until)) fail('validity', 'CERT_MALFORMED', 'validFrom/validUntil: not dates');
  else if (at < from) fail('validity', 'CERT_NOT_YET_VALID', 'not valid yet');
  else if (at > until) fail('validity', 'CERT_EXPIRED', 'expired');
  else checks.push({ name: 'validity', ok: true });

  // ledger evidence
  const evidence = Array.isArray(cert.evidence) ? cert.evidence : [];
  let issuedEv: OpenedEvidence | null = null;
  let cp: Checkpoint | null = null;
  try {
    issuedEv = openEvidence(evidence.find((e) => isObj(e) && e.purpose === 'certificate.issued') ?? evidence[0]);
  } catch (err) {
    fail('record', (err as DataLedgerError).code ?? 'CERT_EVIDENCE_MISSING', (err as Error).message);
  }
  if (issuedEv !== null) {
    try {
      cp = openTrustedCheckpoint(issuedEv.checkpoint, options.trustedLogKeys);
      checks.push({ name: 'checkpoint', ok: true });
    } catch (err) {
      fail('checkpoint', 'CERT_CHECKPOINT_UNTRUSTED', `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim());
    }
    const r = issuedEv.record;
    const p = r.payload as unknown as CertificateIssued;
    const entries = Array.isArray(cert.credentialStatus) ? cert.credentialStatus : [cert.credentialStatus];
    const entryMatches = (purpose: StatusPurpose, list: string): boolean =>
      entries.some(
        (e) => isObj(e) && e.statusPurpose === purpose && e.statusListCredential === list && e.statusListIndex === String(p.statusListIndex),
      );
    // The record must name this very certificate and this very asset (the subject hash alone
    // does not bind the record's registrationNumber to the subject's).
    const subject = cert.credentialSubject as JsonObject;
    const recordOk =
      r.type === 'certificate.issued' &&
      r.actor === issuer &&
      r.index === issuedEv.leafIndex &&
      p.certificateId === cert.id &&
      typeof p.registrationNumber === 'string' &&
      p.registrationNumber === subject.registrationNumber &&
      p.validFrom === cert.validFrom &&
      p.validUntil === cert.validUntil &&
      p.subjectHash === safeSubjectHash(subject) &&
      entryMatches('revocation', p.revocationList) &&
      entryMatches('suspension', p.suspensionList);
    if (!recordOk) fail('record', 'CERT_EVIDENCE_MISMATCH', 'the certificate.issued record does not match the certificate');
    else if (!verifyRecordSignature(r)) fail('record', 'CERT_RECORD_INVALID', 'record signature does not verify');
    else checks.push({ name: 'record', ok: true });
    if (cp !== null) {
      const ok =
        issuedEv.treeSize === cp.size &&
        verifyInclusion({ leafHash: recordLeafHash(r), index: issuedEv.leafIndex, treeSize: cp.size, proof: issuedEv.proof, root: cp.rootHash });
      if (ok) checks.push({ name: 'inclusion', ok: true });
      else fail('inclusion', 'CERT_INCLUSION_INVALID', 'inclusion proof does not verify against the checkpoint');
    }
  }

  // issuer: trusted outright, or proven registry by genesis + role grant in the same log
  if (options.trustedIssuers?.includes(issuer) === true) {
    checks.push({ name: 'issuer', ok: true });
  } else {
    let ok = false;
    let why = 'issuer not trusted and no role evidence';
    try {
      const g = evidence.find((e) => isObj(e) && e.purpose === 'ledger.genesis');
      const gr = evidence.find((e) => isObj(e) && e.purpose === 'role.granted');
      if (g !== undefined && gr !== undefined && cp !== null && issuedEv !== null) {
        const genesis = openEvidence(g);
        const grant = openEvidence(gr);
        const root = (genesis.record.payload as { rootAuthority?: unknown }).rootAuthority;
        const gp = grant.record.payload as { subject?: unknown; role?: Role };
        const proven = (ev: OpenedEvidence): boolean =>
          ev.checkpoint === issuedEv?.checkpoint &&
          ev.leafIndex === ev.record.index &&
          verifyRecordSignature(ev.record) &&
          verifyInclusion({ leafHash: recordLeafHash(ev.record), index: ev.leafIndex, treeSize: (cp as Checkpoint).size, proof: ev.proof, root: (cp as Checkpoint).rootHash });
        ok =
          genesis.record.index === 0 &&
          genesis.record.type === 'ledger.genesis' &&
          genesis.record.actor === root &&
          grant.record.type === 'role.granted' &&
          grant.record.actor === root &&
          gp.subject === issuer &&
          gp.role === 'registry' &&
          grant.record.index < issuedEv.record.index &&
          proven(genesis) &&
          proven(grant);
        why = 'role evidence does not prove the registry role';
      }
    } catch (err) {
      why = (err as Error).message;
    }
    if (ok) checks.push({ name: 'issuer', ok: true });
    else fail('issuer', 'CERT_ISSUER_UNTRUSTED', why);
  }

  // status
  const lists = options.statusList === undefined ? [] : Array.isArray(options.statusList) ? options.statusList : [options.statusList];
  const entries = Array.isArray(cert.credentialStatus) ? cert.credentialStatus : cert.credentialStatus === undefined ? [] : [cert.credentialStatus];
  if (entries.length === 0) {
    fail('status', 'CERT_MALFORMED', 'no credentialStatus');
  } else {
    let statusFailed = false;
    for (const entry of entries) {
      const listUrl = isObj(entry) ? entry.statusListCredential : undefined;
      const list = lists.find((l) => isObj(l) && l.id === listUrl);
      if (list === undefined) {
        fail('status', 'CERT_STATUS_UNAVAILABLE', `no status list credential for ${String(listUrl)}`);
        statusFailed = true;
        continue;
      }
      try {
        const s = checkStatus(entry, list, { at: new Date(at), trustedIssuers: [issuer] });
        if (s.set) {
          fail('status', s.statusPurpose === 'revocation' ? 'CERT_STATUS_REVOKED' : 'CERT_STATUS_SUSPENDED', `${s.statusPurpose} bit set`);
          statusFailed = true;
        }
      } catch (err) {
        fail('status', (err as { code?: string }).code ?? 'CERT_STATUS_UNAVAILABLE', (err as Error).message);
        statusFailed = true;
      }
    }
    if (!statusFailed) checks.push({ name: 'status', ok: true });
  }
  return result();
}

// ---------------------------------------------------------------------------------------
// Status lists from the ledger

/**
 * The status lists as the ledger records them: for every list URL named by a certificate,
 * a bitstring with the bits of revoked (revocation lists) or suspended (suspension lists)
 * certificates set. Suspension and revocation are ledger records; the lists follow.
 * @param state - the registry state
 * @param length - entries per list (default 131,072)
 */
export function statusListsFromState(state: RegistryState, length?: number): Map<string, { purpose: StatusPurpose; issuer: string; list: BitstringStatusList }> {
  const out = new Map<string, { purpose: StatusPurpose; issuer: string; list: BitstringStatusList }>();
  const listFor = (url: string, purpose: StatusPurpose, issuer: string): BitstringStatusList => {
    let e = out.get(url);
    if (e === undefined) {
      e = { purpose, issuer, list: new BitstringStatusList(length) };
      out.set(url, e);
    }
    return e.list;
  };
  for (const c of state.certificates.values()) {
    const rev = listFor(c.revocationList, 'revocation', c.issuer);
    const sus = listFor(c.suspensionList, 'suspension', c.issuer);
    if (c.status === 'revoked') rev.set(c.statusListIndex, true);
    if (c.status === 'suspended') sus.set(c.statusListIndex, true);
  }
  return out;
}

/**
 * Signed status list credentials of every list whose certificates `secretKey`'s DID issued.
 * @param state - the registry state
 * @param options - the issuer's seed, validity of the lists, list length
 */
export function statusListCredentialsFromState(
  state: RegistryState,
  options: { secretKey: Uint8Array; validFrom?: string; validUntil?: string; length?: number; created?: string },
): JsonObject[] {
  const pk = getPublicKey(options.secretKey);
  const issuer = didKeyFromPublicKey(pk);
  const out: JsonObject[] = [];
  for (const [url, e] of statusListsFromState(state, options.length)) {
    if (e.issuer !== issuer) continue;
    const fields: Parameters<typeof statusListCredential>[0] = { id: url, issuer, statusPurpose: e.purpose, list: e.list };
    if (options.validFrom !== undefined) fields.validFrom = options.validFrom;
    if (options.validUntil !== undefined) fields.validUntil = options.validUntil;
    const sign: { secretKey: Uint8Array; verificationMethod: string; created?: string } = { secretKey: options.secretKey, verificationMethod: verificationMethodOf(pk) };
    if (options.created !== undefined) sign.created = options.created;
    out.push(signCredential(statusListCredential(fields), sign));
  }
  return out;
}
