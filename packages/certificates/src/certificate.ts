/**
 * Data-asset certificates: W3C Verifiable Credentials 2.0 of type
 * `["VerifiableCredential","DataAssetCertificate"]`, secured with an eddsa-jcs-2022
 * Data Integrity proof by the registry, carrying as `evidence` the ledger inclusion proof of
 * their `certificate.issued` record and the signed checkpoint (C2SP tlog-checkpoint) it is
 * proven against, and as `credentialStatus` two Bitstring Status List entries (revocation,
 * suspension). A verifier needs no network: {@link verifyCertificate}.
 */
import { LRUCache } from 'lru-cache';
import { DataLedgerError, didKeyFromPublicKey, equalBytes, fromBase64, getPublicKey, isHash, toBase64, type JsonValue } from '@dataledger/core';
import {
  buildRecord,
  checkRecord,
  hashAndVerifyChecked,
  openCheckpoint,
  parseCheckpoint,
  parseVerifierKey,
  splitNote,
  recordLeafHash,
  verifyInclusion,
  verifyRecordSignature,
  type Checkpoint,
  type CheckedRecord,
  type LedgerRecord,
  type Log,
  type RecordPayload,
} from '@dataledger/provenance';
import { signCredential, verificationMethodOf, verifyCredential, type DataIntegrityProof, type JsonObject } from './dataintegrity.ts';
import { disclosureMap, revealSubject, type OpenedDisclosure } from './disclosure.ts';
import { CertificateError, type CertificatesErrorCode } from './errors.ts';
import type { CertificateIssued } from './payloads.ts';
import { applyRecord, type RegistryState } from './registry.ts';
import { certificateSubject, subjectHash, type CertificateSubject } from './subject.ts';
import { BitstringStatusList, checkStatus, DEFAULT_STATUS_LIST_TTL_MS, statusListCredential, statusListEntry, type StatusPurpose } from './statuslist.ts';

/** The VC 2.0 base context. */
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** The certificate's credential type. */
export const DATA_ASSET_CERTIFICATE = 'DataAssetCertificate';
/** The evidence type of a ledger inclusion proof. */
export const LEDGER_INCLUSION_EVIDENCE = 'LedgerInclusionEvidence';

/** A secured data-asset certificate. */
export type DataAssetCertificate = JsonObject & { proof: DataIntegrityProof };

export { certificateSubject, subjectHash, type CertificateSubject } from './subject.ts';

function certError(code: CertificatesErrorCode, message: string, details: Record<string, unknown> = {}): CertificateError {
  return new CertificateError(code, message, { details });
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

/**
 * The one role-evidence check, shared by {@link issueCertificate} and {@link verifyCertificate}
 * (DESIGN.md: the issuer must hold the `registry` role at issuance): `genesis` is record 0, a
 * `ledger.genesis` signed by the root authority it names; `grant` is a `role.granted` signed by
 * that root, giving `issuer` the `registry` role, logged before the issuance at `issuedIndex`;
 * both are signed by their actors and proven included in the checkpoint `cp` (RFC 9162 §2.1.3.2).
 * @returns null when the evidence holds, else why it does not
 */
function roleEvidenceFault(evidence: { genesis: RecordInclusion; grant: RecordInclusion }, issuer: string, issuedIndex: number, cp: Checkpoint): string | null {
  const { genesis, grant } = evidence;
  for (const inc of [genesis, grant]) {
    if (!verifyRecordSignature(inc.record)) return `${inc.record.type} record ${inc.record.index}: not signed by its actor`;
    if (!verifyInclusion({ leafHash: recordLeafHash(inc.record), index: inc.record.index, treeSize: cp.size, proof: inc.proof, root: cp.rootHash })) {
      return `${inc.record.type} record ${inc.record.index}: inclusion proof does not verify against the checkpoint`;
    }
  }
  const g = genesis.record;
  const root = (g.payload as { rootAuthority?: unknown }).rootAuthority;
  if (g.index !== 0 || g.type !== 'ledger.genesis' || g.actor !== root) return 'genesis: not record 0 signed by the root authority it names';
  const r = grant.record;
  const gp = r.payload as { subject?: unknown; role?: unknown };
  if (r.type !== 'role.granted' || r.actor !== root || gp.subject !== issuer || gp.role !== 'registry') {
    return 'grant: not the root authority granting this issuer the registry role';
  }
  if (!(r.index < issuedIndex)) return 'grant: not logged before the issuance';
  return null;
}

/**
 * Indexes of the records that prove `issuer` holds the `registry` role now: the genesis
 * (index 0) and the `role.granted` in force.
 * @throws DataLedgerError `CERT_EVIDENCE_MISSING` when `issuer` does not hold the role
 */
export function roleEvidenceIndexes(state: RegistryState, issuer: string): { genesis: number; grant: number } {
  const grant = state.roleGrants.get(`${issuer}|registry`);
  if (grant === undefined) throw certError('CERT_EVIDENCE_MISSING', `${issuer}: holds no registry role grant in this ledger`, { issuer });
  return { genesis: 0, grant };
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
  // verifier's business (it decides which log keys it trusts). One note split and one
  // checkpoint parser for the whole project: provenance's (C2SP signed-note, tlog-checkpoint).
  try {
    return parseCheckpoint(splitNote(note).body);
  } catch (cause) {
    throw new DataLedgerError('CERT_EVIDENCE_MISMATCH', `checkpoint: not a C2SP signed checkpoint (${(cause as Error).message})`, { cause });
  }
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
    const fault = roleEvidenceFault(options.roleEvidence, issuer, record.index, cp);
    if (fault !== null) throw certError('CERT_EVIDENCE_MISMATCH', `roleEvidence: ${fault}`);
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
    credentialStatus: [statusListEntry(p.revocationList, p.statusListIndex, 'revocation'), statusListEntry(p.suspensionList, p.statusListIndex, 'suspension')],
    evidence,
  };
  const signOpts: { secretKey: Uint8Array; verificationMethod: string; created?: string } = {
    secretKey,
    verificationMethod: verificationMethodOf(publicKey),
  };
  if (options.created !== undefined) signOpts.created = options.created;
  return signCredential(unsigned, signOpts);
}

/** Arguments of {@link issueCertificateOnLog}. */
export interface IssueCertificateOnLogOptions extends PrepareCertificateOptions {
  /** The log (opened with its key: this appends). */
  log: Log;
  /** The registry state after the log's last record. */
  state: RegistryState;
  /** The registry's Ed25519 seed: signs the record and the credential. */
  secretKey: Uint8Array;
  /** Proof `created`; default now. */
  created?: string;
}

/**
 * Issues a certificate on a local log in one call: checks the asset is certifiable, signs
 * and appends the `certificate.issued` record (after the registry rules accept it), proves it
 * and the issuer's role (genesis and role grant) against the new checkpoint, and signs the
 * credential. The certificate always carries its role evidence, so an offline verifier
 * needs only the log key.
 * @returns the certificate, the logged record and the registry state after it
 * @throws DataLedgerError `CERT_ASSET_NOT_CERTIFIABLE`, `CERT_EVIDENCE_MISSING` (the key holds no
 *   registry role), a `REGISTRY_…` code of the rule that refuses the record, or the log's code
 * @example
 * ```ts
 * const { certificate, state: next } = await issueCertificateOnLog({
 *   log, state, secretKey: registry.secretKey, registrationNumber: 'DL-1',
 *   certificateId: 'urn:uuid:…', statusListIndex: 0, revocationList, suspensionList, validFrom, validUntil,
 * });
 * ```
 */
export async function issueCertificateOnLog(
  options: IssueCertificateOnLogOptions,
): Promise<{ certificate: DataAssetCertificate; record: LedgerRecord; state: RegistryState }> {
  const { log, state, secretKey } = options;
  const issuer = didKeyFromPublicKey(getPublicKey(secretKey));
  const { subject, payload } = prepareCertificate(state, options);
  const evidence = roleEvidenceIndexes(state, issuer);
  const head = log.head();
  const now = new Date().toISOString();
  // A record's time never goes backwards (DESIGN.md, the ledger).
  const time = head.lastTime !== null && head.lastTime > now ? head.lastTime : now;
  const record = buildRecord(head, { type: 'certificate.issued', payload: payload as unknown as RecordPayload, time }, { secretKey });
  // The rules first: a refused record is never appended.
  const next = applyRecord(state, record);
  const appended = (await log.append(record)).record;
  const checkpoint = await log.checkpoint();
  const size = checkpointBody(checkpoint).size;
  const [genesis, grant] = await Promise.all([log.get(evidence.genesis), log.get(evidence.grant)]);
  const [issuedProof, genesisProof, grantProof] = await Promise.all([
    log.inclusionProof(record.index, size),
    log.inclusionProof(evidence.genesis, size),
    log.inclusionProof(evidence.grant, size),
  ]);
  const certificate = issueCertificate({
    subject,
    issued: { record: appended, proof: issuedProof },
    checkpoint,
    roleEvidence: { genesis: { record: genesis, proof: genesisProof }, grant: { record: grant, proof: grantProof } },
    secretKey,
    ...(options.created === undefined ? {} : { created: options.created }),
  });
  return { certificate, record: appended, state: next };
}

// ---------------------------------------------------------------------------------------
// Verification

/** Options of {@link verifyCertificate}. */
export interface VerifyCertificateOptions {
  /** C2SP verifier keys of the logs whose checkpoints are trusted. */
  trustedLogKeys: string[];
  /** Issuer DIDs trusted outright; otherwise the role evidence must prove the `registry` role. */
  trustedIssuers?: readonly string[];
  /**
   * The secured status list credential(s) named by the certificate's entries. Accepted
   * signers: the certificate's issuer, or the log that signed the certificate's checkpoint
   * (the did:key of that trusted log key: the service signs its lists so).
   */
  statusList?: JsonObject | readonly JsonObject[];
  /**
   * Verify without status lists: the result says `status: 'unchecked'` and may be verified.
   * Without this opt-out, a missing status list fails the `status` check.
   */
  skipStatusCheck?: boolean;
  /** Evaluation time of everything (certificate, proofs, status lists and their `ttl`); default now. */
  at?: Date;
  /**
   * Disclosures the holder chose to hand over (SD-JWT form, RFC 9901 §4.2), as strings or
   * opened ({@link disclosureMap}). Each must match a digest of the subject: a changed or
   * foreign one fails the `disclosures` check, and the certificate is then not verified.
   */
  disclosures?: readonly string[] | ReadonlyMap<string, OpenedDisclosure>;
  /**
   * For a verifier that holds the log the certificate names (the service's route): that log's
   * verifier key and its own leaf hash at the index of the certificate's issuance record
   * ({@link issuanceRecordIndex}), read before the call. When `logKey` (one of
   * `trustedLogKeys`) signed the certificate's checkpoint, the record must be that very leaf.
   * Another record at that index (a split view: the log key signed two different trees) fails
   * the `record` check with `CERT_RECORD_NOT_IN_LEDGER`, which no offline verifier can see; the
   * log's own record is not signature-checked again, since the log checked it when it was
   * appended. Offline verifiers leave this out.
   */
  ledgerLeaf?: { logKey: string; index: number; leafHash: Uint8Array };
}

/** One named check of {@link verifyCertificate}. */
export interface CertificateCheck {
  name: 'format' | 'proof' | 'validity' | 'checkpoint' | 'record' | 'inclusion' | 'issuer' | 'disclosures' | 'status';
  ok: boolean;
  code?: string;
  message?: string;
}

/**
 * The certificate's status as far as the verification could tell: `active` (neither bit set in
 * fresh lists), `revoked`, `suspended`, `unchecked` (no status list was given), or `unknown`
 * (a list was given but could not be used: stale, untrusted signer, malformed).
 */
export type CertificateStatusVerdict = 'active' | 'revoked' | 'suspended' | 'unchecked' | 'unknown';

/** Result of {@link verifyCertificate}: every check, so an exchange sees why. */
export interface CertificateVerification {
  verified: boolean;
  /** The status verdict; `unchecked` is never silent: without `skipStatusCheck` it fails verification. */
  status: CertificateStatusVerdict;
  checks: CertificateCheck[];
  /**
   * The subject with the disclosed members in place and every `_sd` removed (null when the
   * certificate is malformed, or when its digests or the disclosures could not be read). Worth
   * only what `verified` says.
   */
  revealed: JsonObject | null;
  /** The members disclosed, by path in the subject (`valuation`, `holder.name`). */
  disclosed: readonly CertificateDisclosedMember[];
  /** How many of the subject's digests stay concealed (no disclosure given for them). */
  concealed: number;
}

/** A member of a certificate subject put back from its disclosure. */
export interface CertificateDisclosedMember {
  /** Its path in `credentialSubject` (`valuation`, `holder.name`). */
  readonly path: string;
  /** The digest in the subject's `_sd` that the disclosure matched. */
  readonly digest: string;
  readonly value: JsonValue;
}

// Opened checkpoints by trusted keys and note text: exchanges verify many certificates
// against the few checkpoints a log publishes.
const checkpointCache = new LRUCache<string, { checkpoint: Checkpoint; verifiedBy: string[] }>({ max: 256 });

// verifyCertificate never throws: a subject that is not canonical JSON (e.g. `1e400` parsed
// to Infinity) has no hash and matches nothing.
function safeSubjectHash(subject: JsonObject): string | null {
  try {
    return subjectHash(subject);
  } catch {
    return null;
  }
}

function openTrustedCheckpoint(note: string, keys: string[]): { checkpoint: Checkpoint; verifiedBy: string[] } {
  const key = `${keys.join('\n')}\n\n${note}`;
  const hit = checkpointCache.get(key);
  if (hit !== undefined) return hit;
  const opened = openCheckpoint(note, keys);
  checkpointCache.set(key, opened);
  return opened;
}

/**
 * The did:key under which a log signs its status lists: the Ed25519 key of its C2SP verifier
 * key. An offline verifier already trusts that key (it signed the certificate's checkpoint),
 * so it needs nothing more to trust the lists.
 * @param logVerifierKey - the log's C2SP verifier key
 */
export function statusListSignerOfLog(logVerifierKey: string): string {
  return didKeyFromPublicKey(parseVerifierKey(logVerifierKey).publicKey);
}

function isReadonlyMap<K, V>(v: readonly unknown[] | ReadonlyMap<K, V>): v is ReadonlyMap<K, V> {
  return !Array.isArray(v);
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface OpenedEvidence {
  record: LedgerRecord;
  /** The record's shape check and canonical texts, computed once (signature and leaf hash share them). */
  checked: CheckedRecord;
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
  let checked: CheckedRecord;
  let proof: Uint8Array[];
  try {
    // As parseRecord, keeping the canonical texts for the signature and the leaf hash.
    checked = checkRecord(e.record);
    proof = inclusionProof.map((h) => fromBase64(h as string));
  } catch {
    throw certError('CERT_MALFORMED', 'evidence: malformed record or proof');
  }
  return { record: checked.record, checked, leafIndex: leafIndex as number, treeSize: treeSize as number, proof, checkpoint };
}

// The issuance evidence of a certificate: the one whose purpose says so, else the first.
function issuanceEvidence(evidence: readonly unknown[]): unknown {
  return evidence.find((e) => isObj(e) && e.purpose === 'certificate.issued') ?? evidence[0];
}

/**
 * The log index of a certificate's issuance record, as {@link verifyCertificate} finds its
 * evidence, or null when the certificate carries none it could read. Only a hint for what to
 * read before verifying (`ledgerLeaf`); nothing about the certificate is checked.
 * @param cert - an untrusted certificate
 */
export function issuanceRecordIndex(cert: unknown): number | null {
  const evidence = isObj(cert) && Array.isArray(cert.evidence) ? cert.evidence : [];
  const e = issuanceEvidence(evidence);
  const index = isObj(e) ? e.leafIndex : undefined;
  return Number.isSafeInteger(index) && (index as number) >= 0 ? (index as number) : null;
}

/** Options of {@link certificateStatus}. */
export interface CertificateStatusOptions {
  /** The secured status list credential(s) the certificate's entries name. */
  statusList: JsonObject | readonly JsonObject[];
  /** Verification time of the lists (validity, proof expiry, `ttl`). */
  at: Date;
  /** DIDs whose status lists are accepted. */
  trustedSigners: readonly string[];
  /** No status list is not a failure (the verdict still says `unchecked`). */
  skipStatusCheck?: boolean;
}

/**
 * The status of a certificate from its status lists (Bitstring Status List §3.2): one verdict
 * and the one `status` check behind it. Revocation wins over suspension, and a set bit in a
 * list that could be read wins over a list that could not. This is the status step of
 * {@link verifyCertificate}; the service's verification route calls it too, so both give the
 * same verdict and codes.
 * @param cert - the certificate (its `credentialStatus` entries)
 * @param options - lists, time, accepted signers
 * @returns the verdict and the check (null when unchecked by the caller's choice)
 */
export function certificateStatus(cert: unknown, options: CertificateStatusOptions): { status: CertificateStatusVerdict; check: CertificateCheck | null } {
  const lists = Array.isArray(options.statusList) ? (options.statusList as readonly JsonObject[]) : [options.statusList as JsonObject];
  const cs = isObj(cert) ? cert.credentialStatus : undefined;
  const entries = Array.isArray(cs) ? cs : cs === undefined ? [] : [cs];
  if (entries.length === 0) return { status: 'unknown', check: { name: 'status', ok: false, code: 'CERT_MALFORMED', message: 'no credentialStatus' } };
  if (lists.length === 0) {
    return {
      status: 'unchecked',
      check:
        options.skipStatusCheck === true
          ? null
          : { name: 'status', ok: false, code: 'CERT_STATUS_UNAVAILABLE', message: 'status not checked: no status list credential given' },
    };
  }
  let failure: CertificateCheck | null = null;
  let revoked = false;
  let suspended = false;
  for (const entry of entries) {
    const listUrl = isObj(entry) ? entry.statusListCredential : undefined;
    const list = lists.find((l) => isObj(l) && l.id === listUrl);
    if (list === undefined) {
      failure ??= { name: 'status', ok: false, code: 'CERT_STATUS_UNAVAILABLE', message: `no status list credential for ${String(listUrl)}` };
      continue;
    }
    try {
      const s = checkStatus(entry, list, { at: options.at, trustedIssuers: options.trustedSigners });
      if (s.set && s.statusPurpose === 'revocation') revoked = true;
      if (s.set && s.statusPurpose === 'suspension') suspended = true;
    } catch (err) {
      failure ??= { name: 'status', ok: false, code: (err as { code?: string }).code ?? 'CERT_STATUS_UNAVAILABLE', message: (err as Error).message };
    }
  }
  if (revoked) return { status: 'revoked', check: { name: 'status', ok: false, code: 'CERT_STATUS_REVOKED', message: 'revocation bit set' } };
  if (suspended) return { status: 'suspended', check: { name: 'status', ok: false, code: 'CERT_STATUS_SUSPENDED', message: 'suspension bit set' } };
  if (failure !== null) return { status: 'unknown', check: failure };
  return { status: 'active', check: { name: 'status', ok: true } };
}

/**
 * Verifies a data-asset certificate offline. Checks, each reported by name:
 * `format`; `proof` (eddsa-jcs-2022 by the issuer's did:key); `validity` (validFrom ≤ at ≤
 * validUntil); `checkpoint` (signed by a trusted log key); `record` (the evidence is the
 * issuer's signed `certificate.issued` record for this certificate id, subject, status
 * entries and validity); `inclusion` (RFC 9162 proof of that record against the checkpoint);
 * `issuer` (trusted, or proven to hold the `registry` role by a genesis and role grant in the
 * same log); `status` ({@link certificateStatus}: neither revoked nor suspended in status lists
 * signed by the issuer or by the log that signed the checkpoint, each fresh at `at` per its
 * `ttl`). Without status lists the status is `unchecked` and fails verification unless the
 * caller passes `skipStatusCheck: true`. With `disclosures`, `disclosures` (each one matches a
 * digest of the subject: `DISCLOSURE_FOREIGN` when changed or of another asset or member,
 * `DISCLOSURE_MISMATCH`, `DISCLOSURE_MALFORMED`); the result's `revealed` is the subject with
 * the disclosed members in place, `concealed` the number of digests left hidden.
 *
 * The role evidence proves the grant, not the absence of a later revocation; pass
 * `trustedIssuers` where that matters.
 * @param cert - the certificate as presented
 * @param options - trusted log keys, trusted issuers, status list credentials, time
 * @returns `{ verified, status, checks, revealed, disclosed, concealed }`; never throws for a bad certificate
 * @throws TypeError when `options.ledgerLeaf` is not `{ logKey, index, leafHash }` with a 32-byte hash (a caller's mistake)
 * @example
 * ```ts
 * const lists = await Promise.all(urls.map(async (u) => (await fetch(u)).json()));
 * const { verified, status, checks } = verifyCertificate(cert, { trustedLogKeys: [logVkey], statusList: lists });
 * // With the disclosures the holder chose to hand over (the disclosures file format):
 * const { verified: ok, revealed } = verifyCertificate(cert, { trustedLogKeys: [logVkey], statusList: lists, disclosures: parseDisclosuresText(text) });
 * ```
 */
export function verifyCertificate(cert: unknown, options: VerifyCertificateOptions): CertificateVerification {
  const ll = options.ledgerLeaf;
  if (
    ll !== undefined &&
    (ll === null || typeof ll !== 'object' || typeof ll.logKey !== 'string' || !Number.isSafeInteger(ll.index) || ll.index < 0 || !isHash(ll.leafHash))
  ) {
    throw new TypeError('options.ledgerLeaf: expected { logKey, index, leafHash } with a 32-byte leaf hash');
  }
  const checks: CertificateCheck[] = [];
  let status: CertificateStatusVerdict = 'unchecked';
  let revealed: JsonObject | null = null;
  let disclosed: CertificateDisclosedMember[] = [];
  let concealed = 0;
  const result = (): CertificateVerification => ({
    verified: checks.length > 0 && checks.every((c) => c.ok),
    status,
    checks,
    revealed,
    disclosed,
    concealed,
  });
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
  // The trusted log keys that signed the certificate's checkpoint.
  let checkpointSigners: readonly string[] = [];
  try {
    issuedEv = openEvidence(issuanceEvidence(evidence));
  } catch (err) {
    fail('record', (err as DataLedgerError).code ?? 'CERT_EVIDENCE_MISSING', (err as Error).message);
  }
  if (issuedEv !== null) {
    try {
      const opened = openTrustedCheckpoint(issuedEv.checkpoint, options.trustedLogKeys);
      cp = opened.checkpoint;
      checkpointSigners = opened.verifiedBy;
      checks.push({ name: 'checkpoint', ok: true });
    } catch (err) {
      fail('checkpoint', 'CERT_CHECKPOINT_UNTRUSTED', `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim());
    }
    const r = issuedEv.record;
    const p = r.payload as unknown as CertificateIssued;
    const entries = Array.isArray(cert.credentialStatus) ? cert.credentialStatus : [cert.credentialStatus];
    const entryMatches = (purpose: StatusPurpose, list: string): boolean =>
      entries.some((e) => isObj(e) && e.statusPurpose === purpose && e.statusListCredential === list && e.statusListIndex === String(p.statusListIndex));
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
    // The verifier's own ledger at that index, when it holds the log (options.ledgerLeaf) and
    // the certificate claims that log (a checkpoint its key signed): a certificate of another
    // log is that log's business, and the offline checks speak for it.
    const held = ll !== undefined && ll.index === issuedEv.leafIndex && checkpointSigners.includes(ll.logKey) ? ll.leafHash : null;
    // One UTF-8 encoding of the record's canonical text gives the leaf hash (RFC 9162 §2.1.1)
    // and the signed bytes; the signature is checked only when the record matches, and not
    // when the ledger says whether the record is its own.
    const { leaf, ok: signed } = hashAndVerifyChecked(issuedEv.checked, recordOk && held === null);
    if (!recordOk) fail('record', 'CERT_EVIDENCE_MISMATCH', 'the certificate.issued record does not match the certificate');
    else if (held !== null && !equalBytes(leaf, held))
      fail('record', 'CERT_RECORD_NOT_IN_LEDGER', "the issuance record is not the ledger's record at its index");
    else if (!signed) fail('record', 'CERT_RECORD_INVALID', 'record signature does not verify');
    else checks.push({ name: 'record', ok: true });
    if (cp !== null) {
      const ok =
        issuedEv.treeSize === cp.size &&
        verifyInclusion({ leafHash: leaf, index: issuedEv.leafIndex, treeSize: cp.size, proof: issuedEv.proof, root: cp.rootHash });
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
        // The evidence encoding: each proof is against the issuance's own checkpoint, at the
        // record's own index. The role rule itself is the one issuance applies.
        const sameTree = (ev: OpenedEvidence): boolean => ev.checkpoint === issuedEv?.checkpoint && ev.leafIndex === ev.record.index;
        const fault =
          !sameTree(genesis) || !sameTree(grant)
            ? 'role evidence is not against the issuance checkpoint'
            : roleEvidenceFault({ genesis, grant }, issuer, issuedEv.record.index, cp);
        ok = fault === null;
        why = fault === null ? why : `role evidence does not prove the registry role: ${fault}`;
      }
    } catch (err) {
      why = (err as Error).message;
    }
    if (ok) checks.push({ name: 'issuer', ok: true });
    else fail('issuer', 'CERT_ISSUER_UNTRUSTED', why);
  }

  // disclosures: the holder hands over the disclosures it chooses (RFC 9901 §4.2); each must
  // match a digest the signed subject carries (§7.1 step 3: a disclosure whose digest is not
  // in the credential is refused, not ignored: it would state a value the issuer never signed).
  // Without disclosures there is no check unless the subject's digests cannot be read.
  try {
    const given = options.disclosures;
    const map = given === undefined ? new Map<string, OpenedDisclosure>() : isReadonlyMap(given) ? given : disclosureMap(given);
    const r = revealSubject(cert.credentialSubject as JsonObject, map);
    revealed = r.payload;
    disclosed = r.revealed.map(({ path, digest }) => ({ path, digest, value: (map.get(digest) as OpenedDisclosure).value }));
    concealed = r.hidden.length;
    if (given !== undefined) checks.push({ name: 'disclosures', ok: true });
  } catch (err) {
    fail('disclosures', (err as { code?: string }).code ?? 'DISCLOSURE_MALFORMED', (err as Error).message);
  }

  const st = certificateStatus(cert, {
    statusList: options.statusList ?? [],
    at: new Date(at),
    trustedSigners: [issuer, ...checkpointSigners.map(statusListSignerOfLog)],
    ...(options.skipStatusCheck === undefined ? {} : { skipStatusCheck: options.skipStatusCheck }),
  });
  status = st.status;
  if (st.check !== null) checks.push(st.check);
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
export function statusListsFromState(
  state: RegistryState,
  length?: number,
): Map<string, { purpose: StatusPurpose; issuer: string; list: BitstringStatusList }> {
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

/** Options of signing status lists from the ledger's state. */
export interface StatusListSigningOptions {
  /** The signer's Ed25519 seed (the issuer's, or the log's: see {@link statusListSignerOfLog}). */
  secretKey: Uint8Array;
  /** `validFrom` of the list credential; default now. The `ttl` counts from it. */
  validFrom?: string;
  validUntil?: string;
  /** `ttl` in milliseconds (Bitstring Status List §2.2); default {@link DEFAULT_STATUS_LIST_TTL_MS}. */
  ttl?: number;
  /** Entries per list (default 131,072). */
  length?: number;
  /** Proof `created`; default now. */
  created?: string;
}

function signList(url: string, purpose: StatusPurpose, list: BitstringStatusList, options: StatusListSigningOptions): JsonObject {
  const pk = getPublicKey(options.secretKey);
  const issuer = didKeyFromPublicKey(pk);
  const fields: Parameters<typeof statusListCredential>[0] = {
    id: url,
    issuer,
    statusPurpose: purpose,
    list,
    validFrom: options.validFrom ?? new Date().toISOString(),
    ttl: options.ttl ?? DEFAULT_STATUS_LIST_TTL_MS,
  };
  if (options.validUntil !== undefined) fields.validUntil = options.validUntil;
  const sign: { secretKey: Uint8Array; verificationMethod: string; created?: string } = {
    secretKey: options.secretKey,
    verificationMethod: verificationMethodOf(pk),
  };
  if (options.created !== undefined) sign.created = options.created;
  return signCredential(statusListCredential(fields), sign);
}

/**
 * The signed status list credential at `url` as the ledger's state implies it, whoever issued
 * its certificates (the service signs every list with its log key).
 * @param state - the registry state
 * @param url - the list's URL (what certificates name in `statusListCredential`)
 * @param options - signer, validity, `ttl`
 * @returns the credential, or undefined when no certificate names that list
 */
export function signStatusListCredential(state: RegistryState, url: string, options: StatusListSigningOptions): JsonObject | undefined {
  const e = statusListsFromState(state, options.length).get(url);
  return e === undefined ? undefined : signList(url, e.purpose, e.list, options);
}

/**
 * Signed status list credentials of every list whose certificates `secretKey`'s DID issued,
 * each with a `validFrom` (default now) and a `ttl` (default {@link DEFAULT_STATUS_LIST_TTL_MS}).
 * @param state - the registry state
 * @param options - the issuer's seed, validity and `ttl` of the lists, list length
 */
export function statusListCredentialsFromState(state: RegistryState, options: StatusListSigningOptions): JsonObject[] {
  const issuer = didKeyFromPublicKey(getPublicKey(options.secretKey));
  const out: JsonObject[] = [];
  for (const [url, e] of statusListsFromState(state, options.length)) {
    if (e.issuer === issuer) out.push(signList(url, e.purpose, e.list, options));
  }
  return out;
}
