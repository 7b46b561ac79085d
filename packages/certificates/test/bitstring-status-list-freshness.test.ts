/**
 * Status-list freshness and the status verdict, against the contract:
 * - W3C Bitstring Status List v1.0 §2.2 `ttl` ("time to live" in milliseconds): a list is
 *   evidence of the status only until `validFrom + ttl`; a list signed before a revocation
 *   cannot be replayed past that (issue "One strict path", B9). Everything is evaluated at the
 *   verification time `at`, not at the wall clock.
 * - DESIGN.md: a verifier needs no network; the service signs each status list with its log
 *   key, which an offline verifier already trusts (it signed the certificate's checkpoint).
 * - A certificate verified without a status list says so (`status: 'unchecked'`) and is not
 *   `verified` unless the caller opts out.
 * Runs over a real provenance Log on the memory store, issuing with `issueCertificateOnLog`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Log, buildRecord, memoryStore } from '@dataledger/provenance';
import {
  BitstringStatusList,
  applyRecord,
  checkStatus,
  emptyRegistryState,
  signCredential,
  signStatusListCredential,
  statusListCredential,
  statusListSignerOfLog,
  verificationMethodOf,
  verifyCertificate,
  type DataAssetCertificate,
  type JsonObject,
  type RegistryState,
} from '../src/index.ts';
import { issueCertificateOnLog } from '../src/certificate.ts';
import { actor, assetPayload, holderA, registry, regulator, reviewer, root, stranger, type Actor } from './fixtures.ts';

const logKey = actor(200);
const REV = 'https://registry.example/v1/status-lists/revocation-1';
const SUS = 'https://registry.example/v1/status-lists/suspension-1';
const MIN = 60_000;

let log: Log;
let state: RegistryState = emptyRegistryState();
let cert: DataAssetCertificate;

async function submit(by: Actor, type: string, payload: Record<string, unknown>): Promise<void> {
  const head = log.head();
  const r = buildRecord(head, { type, payload: payload as never, time: new Date().toISOString() }, by);
  state = applyRecord(state, r);
  await log.append(r);
}

beforeAll(async () => {
  log = await Log.open(memoryStore(), { origin: 'registry.example/freshness', logKey });
  await submit(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'freshness' });
  await submit(root, 'role.granted', { subject: registry.did, role: 'registry' });
  await submit(root, 'role.granted', { subject: reviewer.did, role: 'reviewer' });
  await submit(root, 'role.granted', { subject: regulator.did, role: 'regulator' });
  await submit(registry, 'asset.registered', assetPayload('DA-F-1', holderA) as unknown as Record<string, unknown>);
  await submit(reviewer, 'asset.reviewed', { registrationNumber: 'DA-F-1', outcome: 'approved', opinion: 'ok' });
  const issued = await issueCertificateOnLog({
    log,
    state,
    secretKey: registry.secretKey,
    registrationNumber: 'DA-F-1',
    certificateId: 'urn:uuid:0d6f8a52-77e1-4f3a-9a0c-1c2d3e4f5a6b',
    statusListIndex: 7,
    revocationList: REV,
    suspensionList: SUS,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-06-01T00:00:00Z',
  });
  cert = issued.certificate;
  state = issued.state;
});

/** The lists as the service signs them: by the log key, valid from `from`, with `ttl`. */
const logLists = (from: Date, ttl = 5 * MIN): JsonObject[] =>
  [REV, SUS].map((url) => signStatusListCredential(state, url, { secretKey: logKey.secretKey, validFrom: from.toISOString(), ttl }) as JsonObject);
const codes = (v: ReturnType<typeof verifyCertificate>): string[] => v.checks.filter((c) => !c.ok).map((c) => `${c.name}:${c.code}`);

describe('issueCertificateOnLog', () => {
  it('appends the record and carries the issuer role evidence, so the log key alone verifies it', () => {
    const purposes = (cert.evidence as JsonObject[]).map((e) => e.purpose);
    expect(purposes).toEqual(['certificate.issued', 'ledger.genesis', 'role.granted']);
    expect(state.certificates.get(cert.id as string)?.issuedIndex).toBe(log.size - 1);
    const at = new Date();
    const v = verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], statusList: logLists(at), at });
    expect(codes(v)).toEqual([]);
    expect(v).toMatchObject({ verified: true, status: 'active' });
  });

  it('refuses a key without the registry role before appending anything', async () => {
    const size = log.size;
    await expect(
      issueCertificateOnLog({
        log,
        state,
        secretKey: stranger.secretKey,
        registrationNumber: 'DA-F-1',
        certificateId: 'urn:uuid:other',
        statusListIndex: 8,
        revocationList: REV,
        suspensionList: SUS,
        validFrom: '2026-01-01T00:00:00Z',
        validUntil: '2027-06-01T00:00:00Z',
      }),
    ).rejects.toMatchObject({ code: 'CERT_EVIDENCE_MISSING' });
    expect(log.size).toBe(size);
  });
});

describe('the status verdict cannot be missed', () => {
  it('without a status list: status unchecked and not verified', () => {
    const v = verifyCertificate(cert, { trustedLogKeys: [log.verifierKey] });
    expect(v).toMatchObject({ verified: false, status: 'unchecked' });
    expect(codes(v)).toEqual(['status:CERT_STATUS_UNAVAILABLE']);
  });

  it('an explicit opt-out verifies, and still says unchecked', () => {
    const v = verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], skipStatusCheck: true });
    expect(v).toMatchObject({ verified: true, status: 'unchecked' });
    expect(v.checks.some((c) => c.name === 'status')).toBe(false);
  });
});

describe('Bitstring Status List §2.2 ttl, evaluated at the verification time', () => {
  it('a list past its ttl at `at` is refused with STATUS_LIST_STALE', () => {
    const t0 = new Date('2026-06-01T00:00:00Z');
    const lists = logLists(t0);
    const opts = { trustedLogKeys: [log.verifierKey], statusList: lists };
    expect(verifyCertificate(cert, { ...opts, at: new Date(t0.getTime() + 4 * MIN) }).verified).toBe(true);
    expect(verifyCertificate(cert, { ...opts, at: new Date(t0.getTime() + 5 * MIN) }).verified).toBe(true);
    const late = verifyCertificate(cert, { ...opts, at: new Date(t0.getTime() + 5 * MIN + 1) });
    expect(late).toMatchObject({ verified: false, status: 'unknown' });
    expect(codes(late)).toEqual(['status:STATUS_LIST_STALE']);
  });

  it('a pre-revocation list cannot hide a later revocation once its ttl has run out', async () => {
    const before = new Date();
    const stale = logLists(before);
    await submit(regulator, 'certificate.revoked', { certificateId: cert.id as string, reason: 'source withdrawn' });
    const opts = { trustedLogKeys: [log.verifierKey] };
    // the fresh list says revoked
    expect(codes(verifyCertificate(cert, { ...opts, statusList: logLists(new Date()) }))).toEqual(['status:CERT_STATUS_REVOKED']);
    // the old list, presented after its ttl, is refused rather than read as "active"
    const v = verifyCertificate(cert, { ...opts, statusList: stale, at: new Date(before.getTime() + 6 * MIN) });
    expect(v.verified).toBe(false);
    expect(codes(v)).toEqual(['status:STATUS_LIST_STALE']);
  });

  it('a list is checked for validity at `at`, not now: not yet valid, expired, proof expired', () => {
    const list = new BitstringStatusList();
    const signed = (fields: Partial<Parameters<typeof statusListCredential>[0]>, expires?: string): JsonObject =>
      signCredential(statusListCredential({ id: REV, issuer: registry.did, statusPurpose: 'revocation', list, ...fields }), {
        secretKey: registry.secretKey,
        verificationMethod: verificationMethodOf(registry.publicKey),
        ...(expires === undefined ? {} : { expires }),
      });
    const entry = { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '3', statusListCredential: REV };
    // valid from 2020 to 2021: fine at 2020-06, refused now (2026) and before 2020
    const old = signed({ validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' });
    expect(checkStatus(entry, old, { at: new Date('2020-06-01T00:00:00Z') }).set).toBe(false);
    expect(() => checkStatus(entry, old)).toThrowError(expect.objectContaining({ code: 'STATUS_VERIFICATION' }));
    expect(() => checkStatus(entry, old, { at: new Date('2019-06-01T00:00:00Z') })).toThrowError(expect.objectContaining({ code: 'STATUS_VERIFICATION' }));
    // a proof that expires in 2021 verifies at 2020-06 and not after (the cached decoding is re-checked)
    const expiring = signed({ validFrom: '2020-01-01T00:00:00Z' }, '2021-01-01T00:00:00Z');
    expect(checkStatus(entry, expiring, { at: new Date('2020-06-01T00:00:00Z') }).set).toBe(false);
    expect(() => checkStatus(entry, expiring, { at: new Date('2022-01-01T00:00:00Z') })).toThrowError(expect.objectContaining({ code: 'STATUS_VERIFICATION' }));
    // ttl counts from validFrom
    const ttl = signed({ validFrom: '2020-01-01T00:00:00Z', ttl: 1000 });
    expect(checkStatus(entry, ttl, { at: new Date('2020-01-01T00:00:01Z') }).set).toBe(false);
    expect(() => checkStatus(entry, ttl, { at: new Date('2020-01-01T00:00:01.001Z') })).toThrowError(expect.objectContaining({ code: 'STATUS_LIST_STALE' }));
    // a ttl that is not integer milliseconds is malformed
    const bad = signCredential(
      {
        ...statusListCredential({ id: REV, issuer: registry.did, statusPurpose: 'revocation', list, validFrom: '2020-01-01T00:00:00Z' }),
        credentialSubject: { id: `${REV}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: list.encode(), ttl: '1000' },
      },
      { secretKey: registry.secretKey, verificationMethod: verificationMethodOf(registry.publicKey) },
    );
    expect(() => checkStatus(entry, bad, { at: new Date('2020-01-01T00:00:00Z') })).toThrowError(expect.objectContaining({ code: 'STATUS_LIST_MALFORMED' }));
  });
});

describe('who may sign the lists', () => {
  it('the log that signed the certificate checkpoint, or the issuer; a stranger is refused', () => {
    const at = new Date();
    expect(statusListSignerOfLog(log.verifierKey)).toBe(verificationMethodOf(logKey.publicKey).split('#')[0]);
    const byIssuer = [REV, SUS].map(
      (url) => signStatusListCredential(state, url, { secretKey: registry.secretKey, validFrom: at.toISOString() }) as JsonObject,
    );
    expect(verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], statusList: byIssuer, at }).status).not.toBe('unknown');
    const byStranger = [REV, SUS].map(
      (url) => signStatusListCredential(state, url, { secretKey: stranger.secretKey, validFrom: at.toISOString() }) as JsonObject,
    );
    const v = verifyCertificate(cert, { trustedLogKeys: [log.verifierKey], statusList: byStranger, at });
    expect(v).toMatchObject({ verified: false, status: 'unknown' });
    expect(codes(v)).toEqual(['status:STATUS_VERIFICATION']);
  });
});
