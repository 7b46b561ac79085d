/**
 * Test fixtures: actors with fixed keys, payload builders and a record builder that signs
 * records as the ledger does (Ed25519 over the canonical record without `sig`).
 */
import { DataLedgerError, canonicalBytes, didKeyFromPublicKey, getPublicKey, sign, toBase64Url } from '@dataledger/core';
import { assetPayload as sharedAssetPayload, licencePayload as sharedLicencePayload } from '../../../test/support/fixtures.ts';
import type { AssetRegistered, LicenceGranted, OpenedDisclosure, PayloadByType, RecordType, RegistryRecord, RegistryState, Role } from '../src/index.ts';
import { applyRecord, concealPayload, disclosureMap, emptyRegistryState } from '../src/index.ts';

/** An actor. */
export interface Actor {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
  did: string;
}

/** A deterministic actor from a small seed number. */
export function actor(n: number): Actor {
  const secretKey = new Uint8Array(32);
  secretKey[0] = n & 0xff;
  secretKey[1] = (n >> 8) & 0xff;
  secretKey[2] = (n >> 16) & 0xff;
  secretKey[31] = 0x5a;
  const publicKey = getPublicKey(secretKey);
  return { secretKey, publicKey, did: didKeyFromPublicKey(publicKey) };
}

export const root = actor(1);
export const registry = actor(2);
export const reviewer = actor(3);
export const appraiser = actor(4);
export const regulator = actor(5);
export const exchange = actor(6);
export const holderA = actor(7);
export const holderB = actor(8);
export const bank = actor(9);
export const foreignCo = actor(10);
export const subject1 = actor(11);
export const subject2 = actor(12);
export const stranger = actor(13);

export const ROLE_HOLDERS: Record<Role, Actor> = {
  registry,
  reviewer,
  appraiser,
  regulator,
  exchange,
  holder: holderA,
};

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
/** Time of the i-th record: one minute apart from 2026-01-01. */
export const timeAt = (i: number): string => new Date(T0 + i * 60_000).toISOString();

/** A record at `index`, signed by `by` unless `signed` is false (the registry does not check signatures). */
export function makeRecord(
  index: number,
  by: Actor,
  type: RecordType | string,
  payload: object,
  opts: { time?: string; prev?: string; signed?: boolean } = {},
): RegistryRecord {
  const unsigned = {
    v: 1 as const,
    index,
    type,
    time: opts.time ?? timeAt(index),
    actor: by.did,
    prev: opts.prev ?? '',
    payload: payload as RegistryRecord['payload'],
  };
  const sig = opts.signed === false ? 'A'.repeat(86) : toBase64Url(sign(canonicalBytes(unsigned), by.secretKey));
  return { ...unsigned, sig };
}

/** Sequential builder over a live state: `add` builds the next record and applies it. */
export class Ledger {
  state: RegistryState = emptyRegistryState();
  records: RegistryRecord[] = [];
  readonly signed: boolean;
  constructor(signed = false) {
    this.signed = signed;
  }
  next(by: Actor, type: RecordType | string, payload: object, time?: string): RegistryRecord {
    return makeRecord(this.state.size, by, type, payload, { signed: this.signed, ...(time === undefined ? {} : { time }) });
  }
  add(by: Actor, type: RecordType | string, payload: object, time?: string): RegistryRecord {
    const r = this.next(by, type, payload, time);
    this.state = applyRecord(this.state, r, { disclosures: this.disclosures });
    this.records.push(r);
    return r;
  }
  /** Every disclosure made by {@link Ledger.addConcealed}, by digest. */
  readonly disclosures: Map<string, OpenedDisclosure> = new Map();
  /** Adds a record whose confidential members are concealed (the default policy), keeping the disclosures. */
  addConcealed(by: Actor, type: RecordType, payload: object, time?: string): { record: RegistryRecord; disclosures: string[] } {
    const c = concealPayload(type, payload);
    for (const [k, v] of disclosureMap(c.disclosures)) this.disclosures.set(k, v);
    return { record: this.add(by, type, c.payload, time), disclosures: c.disclosures };
  }
}

/** The code of the ledger error `f` throws, or `OK`; any other error is thrown on. */
export function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DataLedgerError) return e.code;
    throw e;
  }
  return 'OK';
}

export const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** An asset.registered payload (the one shared fixture, typed for this package). */
export function assetPayload(rn: string, holder: Actor, extra: Partial<AssetRegistered> = {}): AssetRegistered {
  return sharedAssetPayload(rn, holder, extra) as AssetRegistered;
}

/** A licence.granted payload (the one shared fixture, typed for this package). */
export function licencePayload(id: string, rn: string, licensee: Actor, extra: Partial<LicenceGranted> = {}): LicenceGranted {
  return sharedLicencePayload(id, rn, licensee, extra) as LicenceGranted;
}

/** Genesis and one holder of each role. */
export function withRoles(l: Ledger): Ledger {
  l.add(root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'test ledger' });
  for (const [role, who] of Object.entries(ROLE_HOLDERS)) l.add(root, 'role.granted', { subject: who.did, role });
  l.add(root, 'role.granted', { subject: holderB.did, role: 'holder' });
  l.add(root, 'role.granted', { subject: bank.did, role: 'holder' });
  return l;
}

/** A plain, order-independent snapshot of a registry state (for equality checks). */
export function dumpState(s: RegistryState): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v !== null && typeof v === 'object' && 'entries' in v && typeof (v as { entries: unknown }).entries === 'function') {
      out[k] = [...(v as { entries(): Iterable<[string, unknown]> }).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    } else out[k] = v;
  }
  return JSON.parse(JSON.stringify(out));
}

/** A valid payload of every record type (the payload schemas' samples; other tests override members). */
export const SAMPLE_PAYLOADS: { readonly [T in RecordType]: PayloadByType[T] } = {
  'ledger.genesis': { rootAuthority: root.did, ledgerName: 'x' },
  'role.granted': { subject: bank.did, role: 'holder' },
  'role.revoked': { subject: bank.did, role: 'holder' },
  'asset.registered': assetPayload('DA-1', holderA, { subjectIdentified: true, subjects: [subject1.did], description: 'd' }),
  'asset.reviewed': { registrationNumber: 'DA-1', outcome: 'approved', opinion: 'ok', reportHash: hex(1) },
  'asset.valued': { registrationNumber: 'DA-1', valuation: { amount: '0.01', currency: 'CNY', method: 'market' }, reportHash: hex(2) },
  'certificate.issued': {
    certificateId: 'urn:uuid:5a1c0f7e-3b7d-4c1e-9a55-0c1d2e3f4a5b',
    registrationNumber: 'DA-1',
    statusListIndex: 0,
    revocationList: 'https://r.example/rev',
    suspensionList: 'https://r.example/sus',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00.000Z',
    subjectHash: hex(3),
  },
  'certificate.suspended': { certificateId: 'c-1', reason: 'r' },
  'certificate.reinstated': { certificateId: 'c-1', reason: 'r' },
  'certificate.revoked': { certificateId: 'c-1', reason: 'r' },
  'asset.transferred': {
    registrationNumber: 'DA-1',
    to: { id: bank.did, foreign: true, name: 'Bank' },
    price: { amount: '10', currency: 'USD' },
    contractHash: hex(4),
  },
  'licence.granted': licencePayload('L-1', 'DA-1', bank, { parentLicenceId: 'L-0', fee: { amount: '1.5', currency: 'CNY' } }),
  'licence.revoked': { licenceId: 'L-1', reason: 'r' },
  'asset.frozen': { registrationNumber: 'DA-1', reason: 'r' },
  'asset.unfrozen': { registrationNumber: 'DA-1', reason: 'r' },
  'asset.changed': { registrationNumber: 'DA-1', changes: { rowCount: 5, validity: { from: '2026-01-01T00:00:00Z', until: '2027-01-01T00:00:00Z' } } },
  'asset.cancelled': { registrationNumber: 'DA-1', reason: 'r' },
  'crossborder.approved': { registrationNumber: 'DA-1', party: bank.did, purpose: 'p', until: '2027-01-01T00:00:00Z' },
  'consent.granted': { consentId: 'C-1', registrationNumber: 'DA-1', licensee: bank.did, purpose: 'p', until: '2027-01-01T00:00:00Z' },
  'consent.revoked': { consentId: 'C-1' },
  'aggregation.opened': { jobId: 'J-1', jobHash: hex(5), minContributors: 3 },
  'aggregation.contributed': { jobId: 'J-1', contributionHash: hex(6), count: 10 },
  'aggregation.released': { jobId: 'J-1', resultHash: hex(7), contributors: 3 },
  'disclosure.erased': { index: 7, erased: [{ digest: 'q'.repeat(43), member: 'valuation' }], reason: 'court order' },
};
