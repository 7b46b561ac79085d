/**
 * Selective disclosure in data-asset certificates: an asset registered with its confidential
 * members concealed (SD-JWT digests, RFC 9901 §4.2) is certified over a real provenance Log;
 * the certificate states the log's digests, so its holder hands a verifier only the
 * disclosures it chooses, and a changed or foreign disclosure is refused with a code.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Log, buildRecord, memoryStore } from '@dataledger/provenance';
import {
  applyRecord,
  concealPayload,
  disclosureMap,
  emptyRegistryState,
  issueCertificate,
  makeDisclosure,
  prepareCertificate,
  signCredential,
  verificationMethodOf,
  verifyCertificate,
  type DataAssetCertificate,
  type JsonObject,
  type OpenedDisclosure,
  type RegistryRecord,
  type RegistryState,
} from '../src/index.ts';
import { actor, assetPayload, holderA, holderB, registry, reviewer, root, type Actor } from './fixtures.ts';

const logKey = actor(101);
const AT = new Date('2026-06-01T00:00:00Z');
const VALUATION = { amount: '125000.50', currency: 'CNY', method: 'cost' };

let log: Log;
let state: RegistryState = emptyRegistryState();
let clock = Date.parse('2026-01-01T00:00:00.000Z');
const known = new Map<string, OpenedDisclosure>();

async function submit(by: Actor, type: string, payload: object): Promise<RegistryRecord> {
  clock += 1000;
  const r = buildRecord(log.head(), { type, payload: payload as never, time: new Date(clock).toISOString() }, by);
  state = applyRecord(state, r, { disclosures: known });
  await log.append(r);
  return r;
}

/** Registers an asset with the default policy's members concealed; its disclosures by member name. */
async function registerConcealed(rn: string, holder: Actor): Promise<Record<string, string>> {
  const c = concealPayload('asset.registered', { ...assetPayload(rn, holder), description: `Meter readings of ${rn}` });
  const byName: Record<string, string> = {};
  for (const [digest, d] of disclosureMap(c.disclosures)) {
    known.set(digest, d);
    byName[d.name] = d.disclosure;
  }
  await submit(registry, 'asset.registered', c.payload);
  const review = concealPayload('asset.reviewed', { registrationNumber: rn, outcome: 'approved', opinion: '合规' });
  for (const [digest, d] of disclosureMap(review.disclosures)) known.set(digest, d);
  await submit(reviewer, 'asset.reviewed', review.payload);
  return byName;
}

/** RFC 9901 §4.2.3: base64url (no padding) SHA-256 of the disclosure's ASCII characters. */
const digestOf = (disclosure: string): string => createHash('sha256').update(disclosure, 'ascii').digest('base64url');

let mine: Record<string, string>;
let other: Record<string, string>;
let cert: DataAssetCertificate;
let genesisRecord: RegistryRecord;
let grantRecord: RegistryRecord;

const incl = async (r: RegistryRecord) => ({ record: r as never, proof: await log.inclusionProof(r.index, log.size) });

/** Certifies an asset in its current state, with role evidence. */
async function certify(rn: string, certificateId: string, statusListIndex: number): Promise<DataAssetCertificate> {
  const { subject, payload } = prepareCertificate(state, {
    registrationNumber: rn,
    certificateId,
    statusListIndex,
    revocationList: 'https://registry.example/status/revocation/1',
    suspensionList: 'https://registry.example/status/suspension/1',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
  });
  // The registry's own rule (the logged subjectHash is the hash of the asset's subject) holds
  // for a concealed asset: the record is accepted before it is appended.
  const issued = await submit(registry, 'certificate.issued', payload);
  const checkpoint = await log.checkpoint();
  return issueCertificate({
    subject,
    issued: await incl(issued),
    checkpoint,
    roleEvidence: { genesis: await incl(genesisRecord), grant: await incl(grantRecord) },
    secretKey: registry.secretKey,
    created: '2026-01-01T00:10:00Z',
  });
}

const verify = (c: unknown, disclosures?: readonly string[] | ReadonlyMap<string, OpenedDisclosure>) =>
  verifyCertificate(c, { trustedLogKeys: [log.verifierKey], skipStatusCheck: true, at: AT, ...(disclosures === undefined ? {} : { disclosures }) });
const failing = (v: ReturnType<typeof verifyCertificate>): string[] => v.checks.filter((c) => !c.ok).map((c) => `${c.name}:${c.code}`);

beforeAll(async () => {
  log = await Log.open(memoryStore(), { origin: 'registry.example/sd', logKey });
  genesisRecord = await submit(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'provincial data assets' });
  grantRecord = await submit(root, 'role.granted', { subject: registry.did, role: 'registry' });
  await submit(root, 'role.granted', { subject: reviewer.did, role: 'reviewer' });
  await submit(root, 'role.granted', { subject: holderB.did, role: 'holder' });
  mine = await registerConcealed('DA-2026-0101', holderA);
  other = await registerConcealed('DA-2026-0102', holderB);
  cert = await certify('DA-2026-0101', 'urn:uuid:0b9e8a52-6f0e-4d2c-8d7e-2a1f3c4b5d6e', 7);
});

describe('a certificate of a concealed asset', () => {
  it('states the digests the log carries for the holder name and the valuation, never their values', () => {
    const s = cert.credentialSubject as JsonObject;
    expect(s._sd).toEqual([digestOf(mine.valuation as string)]);
    expect(s.valuation).toBeUndefined();
    expect(s.holder).toEqual({ id: holderA.did, foreign: false, _sd: [digestOf(mine.name as string)] });
    // Members a certificate does not state are absent, even as digests.
    expect(JSON.stringify(s)).not.toContain(digestOf(mine.description as string));
    expect(JSON.stringify(cert)).not.toContain('125000.50');
  });

  it('verifies with no disclosures: both members stay concealed and there is no disclosures check', () => {
    const v = verify(cert);
    expect(failing(v)).toEqual([]);
    expect(v.verified).toBe(true);
    expect(v.checks.map((c) => c.name)).not.toContain('disclosures');
    expect(v.concealed).toBe(2);
    expect(v.disclosed).toEqual([]);
    expect(v.revealed).toMatchObject({ registrationNumber: 'DA-2026-0101', holder: { id: holderA.did, foreign: false } });
    expect(v.revealed).not.toHaveProperty('valuation');
    expect(v.revealed).not.toHaveProperty('_sd');
    expect(v.revealed).not.toHaveProperty(['holder', 'name']);
  });

  it('verifies with the valuation disclosure alone: the valuation is revealed, the holder name stays concealed', () => {
    const v = verify(cert, [mine.valuation as string]);
    expect(v.verified).toBe(true);
    expect(v.checks).toContainEqual({ name: 'disclosures', ok: true });
    expect(v.revealed?.valuation).toEqual(VALUATION);
    expect(v.revealed).not.toHaveProperty(['holder', 'name']);
    expect(v.disclosed).toEqual([{ path: 'valuation', digest: digestOf(mine.valuation as string), value: VALUATION }]);
    expect(v.concealed).toBe(1);
  });

  it('verifies with every disclosure, given as strings or opened', () => {
    for (const given of [[mine.valuation as string, mine.name as string], disclosureMap([mine.name as string, mine.valuation as string])]) {
      const v = verify(cert, given);
      expect(v.verified).toBe(true);
      expect(v.concealed).toBe(0);
      expect(v.revealed?.valuation).toEqual(VALUATION);
      expect(v.revealed?.holder).toEqual({ id: holderA.did, foreign: false, name: 'Holder' });
      expect(v.disclosed.map((d) => d.path).sort()).toEqual(['holder.name', 'valuation']);
    }
  });

  it('refuses a disclosure changed by one character of its value (DISCLOSURE_FOREIGN)', () => {
    const text = Buffer.from(mine.valuation as string, 'base64url').toString('utf8');
    expect(text).toContain('"125000.50"');
    const changed = Buffer.from(text.replace('"125000.50"', '"925000.50"'), 'utf8').toString('base64url');
    const v = verify(cert, [changed]);
    expect(v.verified).toBe(false);
    expect(failing(v)).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
    expect(v.revealed).toBeNull();
  });

  it('refuses a disclosure with one character that is not base64url (DISCLOSURE_MALFORMED)', () => {
    const d = mine.valuation as string;
    const v = verify(cert, [`${d.slice(0, 10)}!${d.slice(11)}`]);
    expect(v.verified).toBe(false);
    expect(failing(v)).toEqual(['disclosures:DISCLOSURE_MALFORMED']);
  });

  it('refuses every one-character change of a disclosure, wherever it falls (sign-mutate-reject)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const d = mine.valuation as string;
    fc.assert(
      fc.property(fc.nat({ max: d.length - 1 }), fc.constantFrom(...alphabet), (i, ch) => {
        fc.pre(d[i] !== ch);
        const v = verify(cert, [mine.name as string, `${d.slice(0, i)}${ch}${d.slice(i + 1)}`]);
        const check = v.checks.find((c) => c.name === 'disclosures');
        // Whatever the bytes decode to, the digest is over the characters (RFC 9901 §4.2.3).
        expect(v.verified).toBe(false);
        expect(['DISCLOSURE_FOREIGN', 'DISCLOSURE_MALFORMED']).toContain(check?.code);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('refuses the same value disclosed again under a fresh salt: only the signed digest counts', () => {
    const v = verify(cert, [makeDisclosure('valuation', VALUATION).disclosure]);
    expect(failing(v)).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
  });

  it('refuses a disclosure of another asset, even beside the right ones (DISCLOSURE_FOREIGN)', () => {
    expect(failing(verify(cert, [other.valuation as string]))).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
    const v = verify(cert, [mine.valuation as string, other.name as string]);
    expect(v.verified).toBe(false);
    expect(failing(v)).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
  });

  it('refuses a disclosure of this asset for a member the certificate does not state (DISCLOSURE_FOREIGN)', () => {
    expect(failing(verify(cert, [mine.description as string]))).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
    expect(failing(verify(cert, [mine.subjects as string]))).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
  });

  it('refuses a disclosure whose digest the subject lists at a place its member does not belong (DISCLOSURE_MISMATCH)', () => {
    // A subject signed by the registry that lists the description's digest where only the
    // valuation may be concealed: the proof holds, the disclosure does not belong there.
    const { proof: _proof, ...unsigned } = cert;
    const subject = { ...(cert.credentialSubject as JsonObject), _sd: [digestOf(mine.description as string)] };
    const forged = signCredential(
      { ...unsigned, credentialSubject: subject },
      { secretKey: registry.secretKey, verificationMethod: verificationMethodOf(registry.publicKey) },
    );
    const v = verify(forged, [mine.description as string]);
    expect(v.checks).toContainEqual(expect.objectContaining({ name: 'proof', ok: true }));
    expect(v.checks).toContainEqual(expect.objectContaining({ name: 'disclosures', ok: false, code: 'DISCLOSURE_MISMATCH' }));
    expect(v.verified).toBe(false);
  });

  it('a changed subject digest breaks the proof and the record, whatever the disclosures', () => {
    const subject = { ...(cert.credentialSubject as JsonObject), _sd: [digestOf(other.valuation as string)] };
    const v = verify({ ...cert, credentialSubject: subject }, [other.valuation as string]);
    expect(failing(v)).toEqual(expect.arrayContaining(['proof:CERT_PROOF_INVALID', 'record:CERT_EVIDENCE_MISMATCH']));
    expect(v.verified).toBe(false);
  });
});

describe('a certificate after a concealed transfer', () => {
  it("states the new holder's name as the transfer's digest: that disclosure reveals it, the registration's is foreign", async () => {
    const t = concealPayload('asset.transferred', { registrationNumber: 'DA-2026-0102', to: { id: holderA.did, foreign: false, name: 'Second Holder' } });
    const toName = t.disclosures[0] as string;
    for (const [digest, d] of disclosureMap(t.disclosures)) known.set(digest, d);
    await submit(holderB, 'asset.transferred', t.payload);
    const c = await certify('DA-2026-0102', 'urn:uuid:3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a99', 8);
    expect((c.credentialSubject as JsonObject).holder).toEqual({ id: holderA.did, foreign: false, _sd: [digestOf(toName)] });
    const v = verify(c, [toName, other.valuation as string]);
    expect(failing(v)).toEqual([]);
    expect(v.revealed?.holder).toEqual({ id: holderA.did, foreign: false, name: 'Second Holder' });
    expect(v.revealed?.valuation).toEqual(VALUATION);
    // The name logged at registration is the former holder's: not what this certificate states.
    expect(failing(verify(c, [other.name as string]))).toEqual(['disclosures:DISCLOSURE_FOREIGN']);
  });
});
