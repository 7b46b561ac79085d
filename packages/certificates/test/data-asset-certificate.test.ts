/**
 * Data-asset certificates end to end over a real provenance Log: prepare → log the
 * certificate.issued record → issue with its inclusion proof and signed checkpoint →
 * verify offline; status flips through ledger records; every failing check has its code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Log, buildRecord, memoryStore, verifierKey } from '@dataledger/provenance';
import {
  BitstringStatusList,
  applyRecord,
  emptyRegistryState,
  issueCertificate,
  issuanceRecordIndex,
  prepareCertificate,
  statusListCredentialsFromState,
  subjectHash,
  verifyCertificate,
  verifyCredential,
  signCredential,
  verificationMethodOf,
  type DataAssetCertificate,
  type JsonObject,
  type RegistryRecord,
  type RegistryState,
} from '../src/index.ts';
import { actor, assetPayload, holderA, registry, regulator, reviewer, root, type Actor } from './fixtures.ts';
import { referenceVerify } from './reference-eddsa-jcs-2022.ts';

const logKey = actor(100);
const REV = 'https://registry.example/status/revocation/1';
const SUS = 'https://registry.example/status/suspension/1';
const AT = new Date('2026-06-01T00:00:00Z');

let log: Log;
let state: RegistryState = emptyRegistryState();
let clock = Date.parse('2026-01-01T00:00:00.000Z');

async function submit(by: Actor, type: string, payload: Record<string, unknown>): Promise<RegistryRecord> {
  const head = log.head();
  clock += 1000;
  const r = buildRecord(head, { type, payload: payload as never, time: new Date(clock).toISOString() }, by);
  state = applyRecord(state, r); // the rules first, then the log
  await log.append(r);
  return r;
}

let genesis: RegistryRecord;
let grant: RegistryRecord;
let issuedRecord: RegistryRecord;
let cert: DataAssetCertificate;
let certNoRole: DataAssetCertificate;
let checkpoint: string;

const lists = (): JsonObject[] =>
  statusListCredentialsFromState(state, {
    secretKey: registry.secretKey,
    validFrom: '2026-01-01T00:00:00Z',
    ttl: 366 * 86_400_000,
    created: '2026-01-01T00:00:00Z',
  });
const codes = (v: ReturnType<typeof verifyCertificate>): string[] => v.checks.filter((c) => !c.ok).map((c) => `${c.name}:${c.code}`);

beforeAll(async () => {
  log = await Log.open(memoryStore(), { origin: 'registry.example/log', logKey });
  genesis = await submit(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'provincial data assets' });
  grant = await submit(root, 'role.granted', { subject: registry.did, role: 'registry' });
  await submit(root, 'role.granted', { subject: reviewer.did, role: 'reviewer' });
  await submit(root, 'role.granted', { subject: regulator.did, role: 'regulator' });
  await submit(registry, 'asset.registered', { ...assetPayload('DA-2026-0001', holderA), name: '企业用电数据' });
  await submit(reviewer, 'asset.reviewed', { registrationNumber: 'DA-2026-0001', outcome: 'approved', opinion: '合规' });
  const { subject, payload } = prepareCertificate(state, {
    registrationNumber: 'DA-2026-0001',
    certificateId: 'urn:uuid:5a1c0f7e-3b7d-4c1e-9a55-0c1d2e3f4a5b',
    statusListIndex: 42,
    revocationList: REV,
    suspensionList: SUS,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
  });
  issuedRecord = await submit(registry, 'certificate.issued', payload as unknown as Record<string, unknown>);
  checkpoint = await log.checkpoint();
  const size = log.size;
  const incl = async (r: RegistryRecord) => ({ record: r as never, proof: await log.inclusionProof(r.index, size) });
  cert = issueCertificate({
    subject,
    issued: await incl(issuedRecord),
    checkpoint,
    roleEvidence: { genesis: await incl(genesis), grant: await incl(grant) },
    secretKey: registry.secretKey,
    created: '2026-01-01T00:10:00Z',
  });
  certNoRole = issueCertificate({ subject, issued: await incl(issuedRecord), checkpoint, secretKey: registry.secretKey });
});

describe('issueCertificate', () => {
  it('produces a VC 2.0 DataAssetCertificate with evidence and status entries', () => {
    expect(cert['@context']).toEqual(['https://www.w3.org/ns/credentials/v2']);
    expect(cert.type).toEqual(['VerifiableCredential', 'DataAssetCertificate']);
    expect(cert.issuer).toBe(registry.did);
    expect(cert.credentialSubject).toMatchObject({ registrationNumber: 'DA-2026-0001', classification: 'general', name: '企业用电数据' });
    expect((cert.credentialSubject as JsonObject).valuation).toEqual({ amount: '125000.50', currency: 'CNY', method: 'cost' });
    expect(cert.credentialStatus).toEqual([
      { id: `${REV}#42`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '42', statusListCredential: REV },
      { id: `${SUS}#42`, type: 'BitstringStatusListEntry', statusPurpose: 'suspension', statusListIndex: '42', statusListCredential: SUS },
    ]);
    const ev = (cert.evidence as JsonObject[])[0] as JsonObject;
    expect(ev).toMatchObject({
      type: ['LedgerInclusionEvidence'],
      purpose: 'certificate.issued',
      leafIndex: issuedRecord.index,
      treeSize: log.size,
      checkpoint,
    });
    expect(cert.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'eddsa-jcs-2022',
      verificationMethod: verificationMethodOf(registry.publicKey),
    });
  });

  it('verifies with the reference (published) algorithm and with verifyCredential', () => {
    expect(referenceVerify(cert)).toBe(true);
    expect(verifyCredential(cert).verified).toBe(true);
  });

  it('refuses an unreviewed asset and a mismatched subject', () => {
    let s = state;
    s = applyRecord(
      s,
      buildRecord(
        { size: s.size, lastLeafHash: null },
        { type: 'asset.registered', payload: assetPayload('DA-2026-0002', holderA) as never, time: '2026-02-01T00:00:00.000Z' },
        registry,
      ),
    );
    expect(() =>
      prepareCertificate(s, {
        registrationNumber: 'DA-2026-0002',
        certificateId: 'urn:uuid:x',
        statusListIndex: 1,
        revocationList: REV,
        suspensionList: SUS,
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2027-01-01T00:00:00Z',
      }),
    ).toThrowError(expect.objectContaining({ code: 'CERT_ASSET_NOT_CERTIFIABLE' }));
    expect(() =>
      issueCertificate({
        subject: { ...(cert.credentialSubject as JsonObject), rowCount: 1 },
        issued: { record: issuedRecord as never, proof: [] },
        checkpoint,
        secretKey: registry.secretKey,
      }),
    ).toThrowError(expect.objectContaining({ code: 'CERT_EVIDENCE_MISMATCH' }));
    expect(() =>
      issueCertificate({
        subject: cert.credentialSubject as JsonObject,
        issued: { record: issuedRecord as never, proof: [] },
        checkpoint,
        secretKey: regulator.secretKey,
      }),
    ).toThrowError(expect.objectContaining({ code: 'CERT_EVIDENCE_MISMATCH' }));
    // role evidence that is not the registry grant is refused at issue time
    const ev = (cert.evidence as JsonObject[]).map((e) => ({
      record: e.record as never,
      proof: (e.inclusionProof as string[]).map((h) => new Uint8Array(Buffer.from(h, 'base64'))),
    }));
    expect(() =>
      issueCertificate({
        subject: cert.credentialSubject as JsonObject,
        issued: ev[0]!,
        checkpoint,
        roleEvidence: { genesis: ev[0]!, grant: ev[2]! },
        secretKey: registry.secretKey,
      }),
    ).toThrowError(expect.objectContaining({ code: 'CERT_EVIDENCE_MISMATCH' }));
    expect(() =>
      issueCertificate({
        subject: cert.credentialSubject as JsonObject,
        issued: ev[0]!,
        checkpoint,
        roleEvidence: { genesis: ev[1]!, grant: ev[2]! },
        secretKey: registry.secretKey,
      }),
    ).not.toThrow();
  });
});

describe('issueCertificate: the role evidence', () => {
  // A log of its own, appended without the registry rules, so evidence that the rules would
  // never let through can be offered to issuance.
  async function ledgerOf(steps: [Actor, string, Record<string, unknown>][]) {
    const l = await Log.open(memoryStore(), { origin: 'registry.example/log', logKey });
    let t = Date.parse('2026-01-01T00:00:00.000Z');
    const records: RegistryRecord[] = [];
    for (const [by, type, payload] of steps) {
      t += 1000;
      const r = buildRecord(l.head(), { type, payload: payload as never, time: new Date(t).toISOString() }, by);
      await l.append(r);
      records.push(r);
    }
    const cp = await l.checkpoint();
    const incl = async (r: RegistryRecord) => ({ record: r as never, proof: await l.inclusionProof(r.index, l.size) });
    return { records, cp, incl };
  }
  const issue = (w: Awaited<ReturnType<typeof ledgerOf>>, issued: number, g: number, gr: number) => async () =>
    issueCertificate({
      subject: cert.credentialSubject as never,
      issued: await w.incl(w.records[issued]!),
      checkpoint: w.cp,
      roleEvidence: { genesis: await w.incl(w.records[g]!), grant: await w.incl(w.records[gr]!) },
      secretKey: registry.secretKey,
    });
  const genesisBy = (by: Actor): [Actor, string, Record<string, unknown>] => [by, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'x' }];
  const grantOf: [Actor, string, Record<string, unknown>] = [root, 'role.granted', { subject: registry.did, role: 'registry' }];
  const issuedStep = (): [Actor, string, Record<string, unknown>] => [registry, 'certificate.issued', issuedRecord.payload as Record<string, unknown>];

  it('refuses a genesis not signed by the root authority it names', async () => {
    const forged = await ledgerOf([genesisBy(registry), grantOf, issuedStep()]);
    await expect(issue(forged, 2, 0, 1)()).rejects.toMatchObject({ code: 'CERT_EVIDENCE_MISMATCH' });
    const honest = await ledgerOf([genesisBy(root), grantOf, issuedStep()]);
    await expect(issue(honest, 2, 0, 1)()).resolves.toMatchObject({ issuer: registry.did });
  });

  it('refuses a grant logged after the issuance', async () => {
    const w = await ledgerOf([genesisBy(root), grantOf, issuedStep(), grantOf]);
    await expect(issue(w, 2, 0, 3)()).rejects.toMatchObject({ code: 'CERT_EVIDENCE_MISMATCH' });
    await expect(issue(w, 2, 0, 1)()).resolves.toMatchObject({ issuer: registry.did });
  });
});

describe('verifyCertificate (offline)', () => {
  it('passes every check with a trusted log key, role evidence and the status lists', () => {
    const v = verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], statusList: lists(), at: AT });
    expect(v.checks.map((c) => `${c.name}:${c.ok}`)).toEqual([
      'format:true',
      'proof:true',
      'validity:true',
      'checkpoint:true',
      'record:true',
      'inclusion:true',
      'issuer:true',
      'status:true',
    ]);
    expect(v.verified).toBe(true);
  });

  it('the issuer must be trusted or proven registry', () => {
    expect(codes(verifyCertificate(certNoRole, { trustedLogKeys: [log.verifierKey], statusList: lists(), at: AT }))).toEqual(['issuer:CERT_ISSUER_UNTRUSTED']);
    expect(verifyCertificate(certNoRole, { trustedLogKeys: [log.verifierKey], trustedIssuers: [registry.did], statusList: lists(), at: AT }).verified).toBe(
      true,
    );
    // role evidence naming another role does not prove the registry role
    const ev = (cert.evidence as JsonObject[]).map((e) =>
      e.purpose === 'role.granted' ? { ...e, record: { ...(e.record as JsonObject), payload: { subject: registry.did, role: 'reviewer' } } } : e,
    );
    const forged = signCredential(
      { ...stripProof(cert), evidence: ev },
      { secretKey: registry.secretKey, verificationMethod: verificationMethodOf(registry.publicKey) },
    );
    expect(codes(verifyCertificate(forged, { trustedLogKeys: [log.verifierKey], statusList: lists(), at: AT }))).toEqual(['issuer:CERT_ISSUER_UNTRUSTED']);
  });

  it('the checkpoint must be signed by a trusted log key', () => {
    const other = actor(101);
    const otherKey = verifierKey(log.origin, other.publicKey);
    const v = verifyCertificate(cert, { trustedLogKeys: [otherKey], statusList: lists(), at: AT });
    expect(codes(v)).toContain('checkpoint:CERT_CHECKPOINT_UNTRUSTED');
    expect(v.verified).toBe(false);
  });

  it('validity window', () => {
    expect(codes(verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], statusList: lists(), at: new Date('2025-06-01T00:00:00Z') }))).toContain(
      'validity:CERT_NOT_YET_VALID',
    );
    expect(codes(verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], statusList: lists(), at: new Date('2027-06-01T00:00:00Z') }))).toContain(
      'validity:CERT_EXPIRED',
    );
  });

  it('suspension and revocation are ledger records that flip the status lists', async () => {
    const opts = (): Parameters<typeof verifyCertificate>[1] => ({ trustedLogKeys: [log.verifierKey], statusList: lists(), at: AT });
    await submit(regulator, 'certificate.suspended', { certificateId: cert.id as string, reason: 'under investigation' });
    expect(codes(verifyCertificate(cert, opts()))).toEqual(['status:CERT_STATUS_SUSPENDED']);
    await submit(registry, 'certificate.reinstated', { certificateId: cert.id as string, reason: 'cleared' });
    expect(verifyCertificate(cert, opts()).verified).toBe(true);
    await submit(regulator, 'certificate.revoked', { certificateId: cert.id as string, reason: 'source withdrawn' });
    expect(codes(verifyCertificate(cert, opts()))).toEqual(['status:CERT_STATUS_REVOKED']);
    // the certificate was issued before these records: its evidence still proves against the old checkpoint
    expect(codes(verifyCertificate(cert, { ...opts(), statusList: [] }))).toEqual(['status:CERT_STATUS_UNAVAILABLE']);
  });

  it('tampering is caught by the proof, the record match or the inclusion check', () => {
    const o = { trustedLogKeys: [log.verifierKey], trustedIssuers: [registry.did], statusList: listsAtIssue, at: AT };
    // a changed field without re-signing: the proof fails
    expect(codes(verifyCertificate({ ...cert, validUntil: '2030-01-01T00:00:00Z' }, o))).toEqual(expect.arrayContaining(['proof:CERT_PROOF_INVALID']));
    // re-signed by the issuer with another subject: the ledger record does not match
    const resub = signCredential(
      { ...stripProof(cert), credentialSubject: { ...(cert.credentialSubject as JsonObject), classification: 'core' } },
      { secretKey: registry.secretKey, verificationMethod: verificationMethodOf(registry.publicKey) },
    );
    expect(codes(verifyCertificate(resub, o))).toEqual(['record:CERT_EVIDENCE_MISMATCH']);
    // a broken inclusion proof
    const ev = (cert.evidence as JsonObject[]).map((e, i) =>
      i === 0 ? { ...e, inclusionProof: (e.inclusionProof as string[]).map((h, j) => (j === 0 ? Buffer.alloc(32, 1).toString('base64') : h)) } : e,
    );
    const badIncl = signCredential(
      { ...stripProof(cert), evidence: ev },
      { secretKey: registry.secretKey, verificationMethod: verificationMethodOf(registry.publicKey) },
    );
    expect(codes(verifyCertificate(badIncl, o))).toEqual(['inclusion:CERT_INCLUSION_INVALID']);
    // not a certificate at all
    expect(verifyCertificate({ hello: 1 }, o)).toEqual({
      verified: false,
      status: 'unchecked',
      checks: [{ name: 'format', ok: false, code: 'CERT_MALFORMED', message: expect.any(String) }],
      revealed: null,
      disclosed: [],
      concealed: 0,
    });
    expect(verifyCertificate(null, o).verified).toBe(false);
    expect(codes(verifyCertificate({ ...stripProof(cert), evidence: [] }, o))).toEqual(
      expect.arrayContaining(['proof:CERT_PROOF_INVALID', 'record:CERT_EVIDENCE_MISSING']),
    );
  });

  it('sign-mutate-reject: any changed value anywhere in the certificate fails verification', () => {
    const leaves: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]): void => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
      else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
      else leaves.push(path);
    };
    walk(cert, []);
    expect(leaves.length).toBeGreaterThan(60);
    const o = { trustedLogKeys: [log.verifierKey], statusList: listsAtIssue, at: AT };
    fc.assert(
      fc.property(fc.nat(leaves.length - 1), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), (i, value) => {
        const path = leaves[i] as (string | number)[];
        const copy = structuredClone(cert) as Record<string | number, unknown>;
        let at: Record<string | number, unknown> = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
        const last = path[path.length - 1] as string | number;
        fc.pre(at[last] !== value);
        at[last] = value;
        expect(verifyCertificate(copy, o).verified).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('the subject hash in the ledger is the canonical hash of the credentialSubject', () => {
    expect((issuedRecord.payload as { subjectHash: string }).subjectHash).toBe(subjectHash(cert.credentialSubject as JsonObject));
  });
});

let listsAtIssue: JsonObject[];
beforeAll(() => {
  listsAtIssue = lists();
});

// Trusted log and issuer, the status lists as at issuance: what every check below varies.
const base = (): Parameters<typeof verifyCertificate>[1] => ({
  trustedLogKeys: [log.verifierKey],
  trustedIssuers: [registry.did],
  statusList: listsAtIssue,
  at: AT,
});

function stripProof(vc: DataAssetCertificate): JsonObject {
  const { proof: _p, ...rest } = vc;
  return rest;
}

describe('verifyCertificate fails closed (review)', () => {
  it('an invalid evaluation time fails the validity check instead of passing every window', () => {
    const v = verifyCertificate(cert, { ...base(), at: new Date('not a date') });
    expect(v.verified).toBe(false);
    expect(codes(v)).toContain('validity:CERT_MALFORMED');
  });

  it('never throws on a subject that is not canonical JSON (1e400 parses to Infinity)', () => {
    const text = JSON.stringify(cert).replace(/"rowCount":\d+/, '"rowCount":1e400');
    const parsed = JSON.parse(text) as JsonObject;
    expect((parsed.credentialSubject as JsonObject).rowCount).toBe(Infinity);
    let v: ReturnType<typeof verifyCertificate> | undefined;
    expect(() => {
      v = verifyCertificate(parsed, base());
    }).not.toThrow();
    expect(v?.verified).toBe(false);
    expect(codes(v as ReturnType<typeof verifyCertificate>)).toEqual(expect.arrayContaining(['proof:CERT_PROOF_INVALID', 'record:CERT_EVIDENCE_MISMATCH']));
  });

  it('a status list credential that does not verify, or is signed by someone else, fails the status check', () => {
    const rev = listsAtIssue.find((l) => l.id === REV) as JsonObject;
    // bits flipped without re-signing: the list's own proof fails
    const flipped = (): string => {
      const l = new BitstringStatusList();
      l.set(42, true);
      l.set(7, true);
      return l.encode();
    };
    const subject = rev.credentialSubject as JsonObject;
    const tampered = { ...rev, credentialSubject: { ...subject, encodedList: flipped() } };
    expect(tampered.credentialSubject.encodedList).not.toBe(subject.encodedList);
    const v1 = verifyCertificate(cert, { ...base(), statusList: [tampered, ...listsAtIssue.filter((l) => l.id !== REV)] });
    expect(v1.verified).toBe(false);
    expect(codes(v1)).toEqual(['status:STATUS_VERIFICATION']);
    // a well-formed list with the same id, signed by a key that is not the certificate's issuer
    const { proof: _p, ...unsignedRev } = rev;
    const other = actor(102);
    const foreignList = signCredential(
      { ...unsignedRev, issuer: other.did },
      { secretKey: other.secretKey, verificationMethod: verificationMethodOf(other.publicKey) },
    );
    const v2 = verifyCertificate(cert, { ...base(), statusList: [foreignList, ...listsAtIssue.filter((l) => l.id !== REV)] });
    expect(v2.verified).toBe(false);
    expect(codes(v2)).toEqual(['status:STATUS_VERIFICATION']);
  });

  it('the certificate.issued record must name the asset the certificate describes', async () => {
    // A certificate.issued for another (certifiable) asset whose subjectHash is the hash of
    // DA-2026-0001's subject; a certificate for DA-2026-0001 must not ride on it. The registry
    // refuses such a record (REGISTRY_SUBJECT_MISMATCH); a ledger written by other tools may
    // still hold one, so the verifier checks it too.
    await submit(registry, 'asset.registered', { ...assetPayload('DA-2026-0009', holderA), fingerprint: 'e'.repeat(64) });
    await submit(reviewer, 'asset.reviewed', { registrationNumber: 'DA-2026-0009', outcome: 'approved', opinion: 'ok' });
    const subject = cert.credentialSubject as JsonObject;
    const id = 'urn:uuid:5a1c0f7e-3b7d-4c1e-9a55-0c1d2e3f4a99';
    clock += 1000;
    const rec = buildRecord(
      log.head(),
      {
        type: 'certificate.issued',
        payload: {
          certificateId: id,
          registrationNumber: 'DA-2026-0009',
          statusListIndex: 99,
          revocationList: REV,
          suspensionList: SUS,
          validFrom: '2026-01-01T00:00:00Z',
          validUntil: '2027-01-01T00:00:00Z',
          subjectHash: subjectHash(subject),
        },
        time: new Date(clock).toISOString(),
      },
      registry,
    );
    expect(() => applyRecord(state, rec)).toThrowError(expect.objectContaining({ code: 'REGISTRY_SUBJECT_MISMATCH' }));
    await log.append(rec);
    const cp = await log.checkpoint();
    const bad = issueCertificate({
      subject,
      issued: { record: rec as never, proof: await log.inclusionProof(rec.index, log.size) },
      checkpoint: cp,
      secretKey: registry.secretKey,
    });
    const v = verifyCertificate(bad, { ...base(), statusList: lists() });
    expect(v.verified).toBe(false);
    expect(codes(v)).toEqual(['record:CERT_EVIDENCE_MISMATCH']);
  });
});

// A verifier that holds the log (the service's route) checks the issuance record against its
// own leaf at that index: only the ledger can see a split view, where the log key signed two
// different trees and another record stands at that index.
describe('verifyCertificate against the verifier’s own ledger (ledgerLeaf)', () => {
  it('issuanceRecordIndex names the index of the issuance record, or null', () => {
    expect(issuanceRecordIndex(cert)).toBe(issuedRecord.index);
    expect(issuanceRecordIndex({})).toBeNull();
    expect(issuanceRecordIndex(null)).toBeNull();
    expect(issuanceRecordIndex({ evidence: [{ purpose: 'certificate.issued', leafIndex: -1 }] })).toBeNull();
    expect(issuanceRecordIndex({ evidence: [{ purpose: 'certificate.issued', leafIndex: '3' }] })).toBeNull();
  });

  it("the ledger's own leaf at that index: the same checks pass as offline", async () => {
    const leafHash = await log.leafHashAt(issuedRecord.index);
    const v = verifyCertificate(cert, { ...base(), ledgerLeaf: { logKey: log.verifierKey, index: issuedRecord.index, leafHash } });
    expect(v.verified).toBe(true);
    expect(v.checks.map((c) => c.name)).toEqual(verifyCertificate(cert, base()).checks.map((c) => c.name));
  });

  it('another record at that index (a split view) fails the record check, though every proof holds', async () => {
    const other = await log.leafHashAt(issuedRecord.index - 1);
    expect(verifyCertificate(cert, base()).verified).toBe(true);
    const v = verifyCertificate(cert, { ...base(), ledgerLeaf: { logKey: log.verifierKey, index: issuedRecord.index, leafHash: other } });
    expect(v.verified).toBe(false);
    expect(codes(v)).toEqual(['record:CERT_RECORD_NOT_IN_LEDGER']);
  });

  it('a certificate of another log (checkpoint under no trusted key) is judged offline, not against this ledger', async () => {
    const otherLog = verifierKey(log.origin, actor(101).publicKey);
    const other = await log.leafHashAt(issuedRecord.index - 1);
    const v = verifyCertificate(cert, {
      ...base(),
      trustedLogKeys: [otherLog],
      ledgerLeaf: { logKey: log.verifierKey, index: issuedRecord.index, leafHash: other },
    });
    expect(codes(v)).toEqual(['checkpoint:CERT_CHECKPOINT_UNTRUSTED']);
  });

  it('a leaf for another index says nothing about this record: the offline checks decide', async () => {
    const v = verifyCertificate(cert, { ...base(), ledgerLeaf: { logKey: log.verifierKey, index: 0, leafHash: await log.leafHashAt(0) } });
    expect(v.verified).toBe(true);
  });

  it('a malformed ledgerLeaf is the caller’s mistake: a TypeError', () => {
    const logKey = log.verifierKey;
    expect(() => verifyCertificate(cert, { ...base(), ledgerLeaf: { logKey, index: issuedRecord.index, leafHash: new Uint8Array(31) } })).toThrow(TypeError);
    expect(() => verifyCertificate(cert, { ...base(), ledgerLeaf: { logKey, index: -1, leafHash: new Uint8Array(32) } })).toThrow(TypeError);
    expect(() => verifyCertificate(cert, { ...base(), ledgerLeaf: { index: 0, leafHash: new Uint8Array(32) } as never })).toThrow(TypeError);
  });
});
