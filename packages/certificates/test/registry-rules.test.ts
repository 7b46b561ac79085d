/**
 * The registry rules, table-driven: every rule both ways (allowed, and refused with its
 * code), and the authorisation matrix (every record type × every role). A refused record
 * must leave its input state untouched.
 */
import { describe, expect, it } from 'vitest';
import { designWriters } from '../../../test/support/fixtures.ts';
import {
  CERTIFICATES_ERROR_CODES,
  RECORD_TYPES,
  ROLES,
  applyRecord,
  certificateSubject,
  concealPayload,
  disclosureMap,
  emptyRegistryState,
  isAuthorised,
  requiredRoles,
  payloadDigests,
  subjectHash,
  type AssetState,
  type OpenedDisclosure,
  type RecordType,
  type RegistryState,
} from '../src/index.ts';
import {
  Ledger,
  ROLE_HOLDERS,
  appraiser,
  assetPayload,
  bank,
  dumpState,
  exchange,
  foreignCo,
  hex,
  holderA,
  holderB,
  licencePayload,
  makeRecord,
  regulator,
  registry,
  reviewer,
  root,
  stranger,
  subject1,
  subject2,
  timeAt,
  withRoles,
  type Actor,
} from './fixtures.ts';

// ---- the base world ----------------------------------------------------------------------
const base = withRoles(new Ledger());
// The cases below are dated against these windows (an asset valid to the end of 2027, licences
// to the end of 2026), so this world sets them rather than taking the shared fixture's.
const VALIDITY = { from: '2026-01-01T00:00:00Z', until: '2027-12-31T00:00:00Z' };
const TERM = { from: '2026-01-01T00:00:00Z', until: '2026-12-31T00:00:00Z' };
const reg = (rn: string, extra: Parameters<typeof assetPayload>[2] = {}, holder: Actor = holderA): void => {
  base.add(registry, 'asset.registered', assetPayload(rn, holder, { validity: VALIDITY, ...extra }));
};
const review = (rn: string, outcome: 'approved' | 'rejected' = 'approved'): void => {
  base.add(reviewer, 'asset.reviewed', { registrationNumber: rn, outcome, opinion: 'checked' });
};
reg('GEN-1');
review('GEN-1');
reg('IMP-1', { classification: 'important' });
review('IMP-1');
reg('CORE-1', { classification: 'core' });
review('CORE-1');
reg('PER-1', { subjectIdentified: true, subjects: [subject1.did], name: 'Electricity use of enterprises' });
review('PER-1');
reg('UNREV-1');
reg('REJ-1');
review('REJ-1', 'rejected');
reg('FRZ-1');
review('FRZ-1');
base.add(regulator, 'asset.frozen', { registrationNumber: 'FRZ-1', reason: 'investigation' });
reg('CAN-1');
review('CAN-1');
base.add(regulator, 'asset.cancelled', { registrationNumber: 'CAN-1', reason: 'source withdrawn' });
reg('OLD-1', { validity: { from: '2026-01-01T00:00:00Z', until: '2026-01-01T00:10:00Z' } });
review('OLD-1');
reg('GEN-2', {}, holderB);
review('GEN-2');
base.add(holderA, 'licence.granted', licencePayload('LIC-1', 'GEN-1', bank, { sublicensable: true, term: TERM }));
base.add(holderA, 'licence.granted', licencePayload('LIC-2', 'GEN-1', holderB, { term: TERM }));
base.add(registry, 'certificate.issued', {
  certificateId: 'urn:uuid:00000000-0000-4000-8000-000000000001',
  registrationNumber: 'GEN-1',
  statusListIndex: 1,
  revocationList: 'https://registry.example/status/revocation',
  suspensionList: 'https://registry.example/status/suspension',
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: '2027-01-01T00:00:00Z',
  subjectHash: subjectHash(certificateSubject(base.state.assets.get('GEN-1') as AssetState)),
});
base.add(exchange, 'aggregation.opened', { jobId: 'JOB-1', jobHash: hex(2), minContributors: 2 });
const S0: RegistryState = base.state;
// Make sure the base world is past OLD-1's validity.
if (Date.parse(S0.lastTime as string) <= Date.parse('2026-01-01T00:10:00Z')) throw new Error('base world too short');

// ---- cases ---------------------------------------------------------------------------------
type Step = [by: Actor, type: RecordType | string, payload: object, time?: string];
interface Case {
  rule: string;
  steps: Step[];
  /** `ok` or the code of the last step's refusal. */
  expect: 'ok' | string;
  from?: () => RegistryState;
  check?: (s: RegistryState) => void;
}

const CERT = {
  registrationNumber: 'GEN-1',
  revocationList: 'https://registry.example/status/revocation',
  suspensionList: 'https://registry.example/status/suspension',
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: '2027-01-01T00:00:00Z',
  subjectHash: hex(3),
};
// The certificate.issued record commits to the asset's subject as the base world has it.
const subjectOf = (rn: string): string => {
  const a = S0.assets.get(rn);
  return a === undefined ? hex(3) : subjectHash(certificateSubject(a));
};
const cert = (id: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  certificateId: `urn:uuid:00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
  statusListIndex: id,
  ...CERT,
  subjectHash: subjectOf((extra.registrationNumber as string | undefined) ?? CERT.registrationNumber),
  ...extra,
});
const CERT1 = 'urn:uuid:00000000-0000-4000-8000-000000000001';
const transfer = (rn: string, to: Actor, foreign = false): Record<string, unknown> => ({
  registrationNumber: rn,
  to: { id: to.did, foreign },
  price: { amount: '1000.00', currency: 'CNY' },
});
const consent = (id: string, by: Actor, licensee: Actor, purpose = 'credit-assessment'): Step => [
  by,
  'consent.granted',
  { consentId: id, registrationNumber: 'PER-1', licensee: licensee.did, purpose },
];
const approve = (rn: string, party: Actor): Step => [regulator, 'crossborder.approved', { registrationNumber: rn, party: party.did, purpose: 'research' }];
const lic = (id: string, rn: string, to: Actor, extra: Record<string, unknown> = {}) =>
  licencePayload(id, rn, to, { term: TERM, ...extra } as never) as unknown as Record<string, unknown>;

// Concealed records (DESIGN.md "Confidential members"): the payload as a client logs it under
// the default policy, and the disclosures given beside it (the server's vault).
const DISCLOSURES = new Map<string, OpenedDisclosure>();
interface SealedStep {
  step: Step;
  /** Member path (`valuation`, `holder.name`…) → the digest that hides it. */
  digestOf: Record<string, string>;
}
/** A step whose confidential members are concealed; their disclosures are given unless `withheld`. */
const sealed = (by: Actor, type: RecordType, payload: object, withheld = false): SealedStep => {
  const c = concealPayload(type, payload);
  const opened = disclosureMap(c.disclosures);
  if (!withheld) for (const [k, v] of opened) DISCLOSURES.set(k, v);
  const digestOf: Record<string, string> = {};
  for (const { at, digest } of payloadDigests(c.payload)) {
    const d = opened.get(digest) as OpenedDisclosure;
    digestOf[at === '' ? d.name : `${at}.${d.name}`] = digest;
  }
  return { step: [by, type, c.payload], digestOf };
};
/** The index the k-th step of a case starting from S0 gets. */
const nth = (k: number): number => S0.size + k;
const erase = (by: Actor, index: number, erased: [digest: string, member: string][]): Step => [
  by,
  'disclosure.erased',
  { index, erased: erased.map(([digest, member]) => ({ digest, member })), reason: 'the subject asked' },
];
const SEC = sealed(registry, 'asset.registered', assetPayload('SEC-1', holderA, { validity: VALIDITY, subjectIdentified: true, subjects: [subject1.did] }));
const SEC_WITHHELD = sealed(registry, 'asset.registered', assetPayload('SEC-2', holderA, { validity: VALIDITY }), true);
const SEC_CONSENT = sealed(subject1, 'consent.granted', {
  consentId: 'C-S',
  registrationNumber: 'SEC-1',
  licensee: bank.did,
  purpose: 'credit-assessment',
  person: { name: '张三', idNumber: '11010519491231002X', phone: '13800138000' },
});
const secReview: Step = [reviewer, 'asset.reviewed', { registrationNumber: 'SEC-1', outcome: 'approved', opinion: 'ok' }];
const G25 = 'G25 a rule that needs a concealed member runs on its disclosure, or the record is refused';
const G26 = 'G26 a regulator erases any record disclosures, a data subject those of its own consent';

// biome-ignore format: one row per case, so the table reads (and diffs) as a table.
const CASES: Case[] = [
  // ledger structure
  { rule: 'G1 the genesis record comes first, once, signed by the root authority it names', from: emptyRegistryState, steps: [[root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'x' }]], expect: 'ok' },
  { rule: 'G1 the genesis record comes first, once, signed by the root authority it names', from: emptyRegistryState, steps: [[root, 'role.granted', { subject: registry.did, role: 'registry' }]], expect: 'REGISTRY_GENESIS_REQUIRED' },
  { rule: 'G1 the genesis record comes first, once, signed by the root authority it names', from: emptyRegistryState, steps: [[registry, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'x' }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G1 the genesis record comes first, once, signed by the root authority it names', steps: [[root, 'ledger.genesis', { rootAuthority: root.did, ledgerName: 'x' }]], expect: 'REGISTRY_GENESIS_DUPLICATE' },
  { rule: 'G2 payloads are validated at the edge', steps: [[registry, 'asset.sold', { registrationNumber: 'GEN-1' }]], expect: 'REGISTRY_UNKNOWN_TYPE' },
  { rule: 'G2 payloads are validated at the edge', steps: [[registry, 'asset.registered', { ...assetPayload('NEW-1', holderA), classification: 'secret' }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G2 payloads are validated at the edge', steps: [[registry, 'asset.registered', { ...assetPayload('NEW-1', holderA), extra: 1 }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G2 payloads are validated at the edge', steps: [[registry, 'asset.registered', assetPayload('NEW-1', holderA, { subjectIdentified: true, subjects: [] })]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  // money
  { rule: 'G3 money is a decimal string, never a float', steps: [[appraiser, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: '99999999999.123456', currency: 'CNY', method: 'income' } }]], expect: 'ok' },
  { rule: 'G3 money is a decimal string, never a float', steps: [[appraiser, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: 1.5, currency: 'CNY', method: 'income' } }]], expect: 'REGISTRY_MONEY_NOT_DECIMAL' },
  { rule: 'G3 money is a decimal string, never a float', steps: [[holderA, 'asset.transferred', { ...transfer('GEN-1', holderB), price: { amount: 10, currency: 'CNY' } }]], expect: 'REGISTRY_MONEY_NOT_DECIMAL' },
  { rule: 'G3 money is a decimal string, never a float', steps: [[appraiser, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: '1e5', currency: 'CNY', method: 'cost' } }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  // roles
  { rule: 'G4 only the root authority grants and revokes roles', steps: [[root, 'role.granted', { subject: stranger.did, role: 'exchange' }]], expect: 'ok', check: (s) => expect(s.roles.get(stranger.did)).toEqual(['exchange']) },
  { rule: 'G4 only the root authority grants and revokes roles', steps: [[registry, 'role.granted', { subject: stranger.did, role: 'exchange' }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G4 only the root authority grants and revokes roles', steps: [[root, 'role.granted', { subject: registry.did, role: 'registry' }]], expect: 'REGISTRY_ROLE_ALREADY_HELD' },
  { rule: 'G4 only the root authority grants and revokes roles', steps: [[root, 'role.revoked', { subject: exchange.did, role: 'registry' }]], expect: 'REGISTRY_ROLE_NOT_HELD' },
  { rule: 'G4 only the root authority grants and revokes roles', steps: [[root, 'role.revoked', { subject: registry.did, role: 'registry' }], [registry, 'asset.registered', assetPayload('NEW-1', holderA)]], expect: 'REGISTRY_UNAUTHORISED' },
  // registration
  { rule: 'G5 the registry registers', steps: [[registry, 'asset.registered', assetPayload('NEW-1', holderA)]], expect: 'ok', check: (s) => expect(s.assets.get('NEW-1')?.review).toBe('pending') },
  { rule: 'G5 the registry registers', steps: [[holderA, 'asset.registered', assetPayload('NEW-1', holderA)]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G6 registration numbers and fingerprints are unique (一数一源)', steps: [[registry, 'asset.registered', assetPayload('GEN-1', holderA, { fingerprint: hex(99) })]], expect: 'REGISTRY_REGISTRATION_DUPLICATE' },
  { rule: 'G6 registration numbers and fingerprints are unique (一数一源)', steps: [[registry, 'asset.registered', assetPayload('NEW-1', holderB, { fingerprint: assetPayload('GEN-1', holderA).fingerprint })]], expect: 'REGISTRY_FINGERPRINT_CONFLICT' },
  { rule: 'G6 registration numbers and fingerprints are unique (一数一源)', steps: [[registry, 'asset.registered', assetPayload('NEW-1', holderA, { fingerprint: assetPayload('GEN-1', holderA).fingerprint })]], expect: 'REGISTRY_REGISTRATION_DUPLICATE' },
  { rule: 'G6 registration numbers and fingerprints are unique (一数一源)', steps: [[registry, 'asset.registered', assetPayload('NEW-1', holderB, { fingerprint: assetPayload('CAN-1', holderA).fingerprint })]], expect: 'ok' },
  { rule: 'G7 validity is a time window', steps: [[registry, 'asset.registered', assetPayload('NEW-1', holderA, { validity: { from: '2027-01-01T00:00:00Z', until: '2026-01-01T00:00:00Z' } })]], expect: 'REGISTRY_TERM_INVALID' },
  // review, valuation
  { rule: 'G8 the reviewer reviews', steps: [[reviewer, 'asset.reviewed', { registrationNumber: 'UNREV-1', outcome: 'approved', opinion: 'ok' }]], expect: 'ok', check: (s) => expect(s.assets.get('UNREV-1')?.review).toBe('approved') },
  { rule: 'G8 the reviewer reviews', steps: [[registry, 'asset.reviewed', { registrationNumber: 'UNREV-1', outcome: 'approved', opinion: 'ok' }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G8 the reviewer reviews', steps: [[reviewer, 'asset.reviewed', { registrationNumber: 'NOPE-1', outcome: 'approved', opinion: 'ok' }]], expect: 'REGISTRY_ASSET_UNKNOWN' },
  { rule: 'G9 the appraiser values', steps: [[appraiser, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: '5', currency: 'CNY', method: 'market' } }]], expect: 'ok', check: (s) => expect(s.assets.get('GEN-1')?.valuation?.amount).toBe('5') },
  { rule: 'G9 the appraiser values', steps: [[reviewer, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: '5', currency: 'CNY', method: 'market' } }]], expect: 'REGISTRY_UNAUTHORISED' },
  // supervision
  { rule: 'G10 the regulator freezes and unfreezes', steps: [[regulator, 'asset.frozen', { registrationNumber: 'GEN-1', reason: 'r' }], [holderA, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'REGISTRY_ASSET_FROZEN' },
  { rule: 'G10 the regulator freezes and unfreezes', steps: [[registry, 'asset.frozen', { registrationNumber: 'GEN-1', reason: 'r' }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G10 the regulator freezes and unfreezes', steps: [[regulator, 'asset.frozen', { registrationNumber: 'FRZ-1', reason: 'r' }]], expect: 'REGISTRY_ASSET_FROZEN' },
  { rule: 'G10 the regulator freezes and unfreezes', steps: [[regulator, 'asset.unfrozen', { registrationNumber: 'FRZ-1', reason: 'r' }], [holderA, 'asset.transferred', transfer('FRZ-1', holderB)]], expect: 'ok' },
  { rule: 'G10 the regulator freezes and unfreezes', steps: [[regulator, 'asset.unfrozen', { registrationNumber: 'GEN-1', reason: 'r' }]], expect: 'REGISTRY_ASSET_NOT_FROZEN' },
  { rule: 'G11 the regulator cancels; cancellation is final', steps: [[regulator, 'asset.cancelled', { registrationNumber: 'GEN-1', reason: 'r' }]], expect: 'ok', check: (s) => expect(s.assets.get('GEN-1')?.cancelled).toBe(true) },
  { rule: 'G11 the regulator cancels; cancellation is final', steps: [[registry, 'asset.cancelled', { registrationNumber: 'GEN-1', reason: 'r' }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G11 the regulator cancels; cancellation is final', steps: [[regulator, 'asset.cancelled', { registrationNumber: 'CAN-1', reason: 'r' }]], expect: 'REGISTRY_ASSET_CANCELLED' },
  { rule: 'G11 the regulator cancels; cancellation is final', steps: [[reviewer, 'asset.reviewed', { registrationNumber: 'CAN-1', outcome: 'approved', opinion: 'ok' }]], expect: 'REGISTRY_ASSET_CANCELLED' },
  // change
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [[registry, 'asset.changed', { registrationNumber: 'GEN-1', changes: { name: 'Renamed', rowCount: 5 } }], [holderA, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'ok' },
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [[holderA, 'asset.changed', { registrationNumber: 'GEN-1', changes: { name: 'Renamed' } }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [[registry, 'asset.changed', { registrationNumber: 'GEN-1', changes: { classification: 'important' } }], [holderA, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'REGISTRY_ASSET_UNREVIEWED' },
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [[registry, 'asset.changed', { registrationNumber: 'GEN-1', changes: { fingerprint: assetPayload('IMP-1', holderA).fingerprint } }]], expect: 'REGISTRY_FINGERPRINT_CONFLICT' },
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [[registry, 'asset.changed', { registrationNumber: 'FRZ-1', changes: { name: 'x' } }]], expect: 'REGISTRY_ASSET_FROZEN' },
  // transfer
  { rule: 'G13 only the current holder transfers', steps: [[holderA, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'ok', check: (s) => expect(s.assets.get('GEN-1')?.holder.id).toBe(holderB.did) },
  { rule: 'G13 only the current holder transfers', steps: [[holderB, 'asset.transferred', transfer('GEN-1', bank)]], expect: 'REGISTRY_NOT_HOLDER' },
  { rule: 'G13 only the current holder transfers', steps: [[holderA, 'asset.transferred', transfer('GEN-1', holderB)], [holderA, 'asset.transferred', transfer('GEN-1', bank)]], expect: 'REGISTRY_NOT_HOLDER' },
  { rule: 'G13 only the current holder transfers', steps: [[holderA, 'asset.transferred', transfer('GEN-1', holderB)], [holderB, 'asset.transferred', transfer('GEN-1', bank)]], expect: 'ok' },
  { rule: 'G13 only the current holder transfers', steps: [[stranger, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G13 only the current holder transfers', steps: [[holderA, 'asset.transferred', transfer('GEN-1', holderA)]], expect: 'REGISTRY_SELF_DEALING' },
  // circulation
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[holderA, 'asset.transferred', transfer('UNREV-1', holderB)]], expect: 'REGISTRY_ASSET_UNREVIEWED' },
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[holderA, 'licence.granted', lic('L-9', 'REJ-1', bank)]], expect: 'REGISTRY_ASSET_REJECTED' },
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[holderA, 'licence.granted', lic('L-9', 'FRZ-1', bank)]], expect: 'REGISTRY_ASSET_FROZEN' },
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[holderA, 'asset.transferred', transfer('CAN-1', holderB)]], expect: 'REGISTRY_ASSET_CANCELLED' },
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[holderA, 'asset.transferred', transfer('OLD-1', holderB)]], expect: 'REGISTRY_ASSET_EXPIRED' },
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[holderA, 'asset.transferred', transfer('GEN-1', holderB), '2028-01-01T00:00:00.000Z']], expect: 'REGISTRY_ASSET_EXPIRED' },
  { rule: 'G15 core data never circulates', steps: [[holderA, 'asset.transferred', transfer('CORE-1', holderB)]], expect: 'REGISTRY_CORE_NOT_CIRCULABLE' },
  { rule: 'G15 core data never circulates', steps: [[holderA, 'licence.granted', lic('L-9', 'CORE-1', bank)]], expect: 'REGISTRY_CORE_NOT_CIRCULABLE' },
  { rule: 'G15 core data never circulates', steps: [approve('CORE-1', foreignCo)], expect: 'REGISTRY_CORE_NOT_CIRCULABLE' },
  { rule: 'G15 core data never circulates', steps: [[registry, 'certificate.issued', cert(50, { registrationNumber: 'CORE-1' })]], expect: 'ok' },
  // cross-border
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[holderA, 'asset.transferred', transfer('IMP-1', foreignCo, true)]], expect: 'REGISTRY_CROSSBORDER_NOT_APPROVED' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [approve('IMP-1', foreignCo), [holderA, 'asset.transferred', transfer('IMP-1', foreignCo, true)]], expect: 'ok' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [approve('IMP-1', bank), [holderA, 'licence.granted', { ...lic('L-9', 'IMP-1', foreignCo), licensee: { id: foreignCo.did, foreign: true } }]], expect: 'REGISTRY_CROSSBORDER_NOT_APPROVED' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [approve('GEN-1', foreignCo), [holderA, 'asset.transferred', transfer('IMP-1', foreignCo, true)]], expect: 'REGISTRY_CROSSBORDER_NOT_APPROVED' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[holderA, 'asset.transferred', transfer('IMP-1', holderB)]], expect: 'ok' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[holderA, 'asset.transferred', transfer('GEN-1', foreignCo, true)]], expect: 'ok' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[registry, 'crossborder.approved', { registrationNumber: 'IMP-1', party: foreignCo.did, purpose: 'x' }]], expect: 'REGISTRY_UNAUTHORISED' },
  // licences
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', lic('L-9', 'GEN-1', bank)]], expect: 'ok', check: (s) => expect(s.licences.get('L-9')?.status).toBe('active') },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', { ...lic('L-9', 'GEN-1', bank), purpose: undefined }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', { ...lic('L-9', 'GEN-1', bank), scope: [] }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', lic('LIC-1', 'GEN-1', bank)]], expect: 'REGISTRY_LICENCE_DUPLICATE' },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', lic('L-9', 'GEN-1', bank, { term: { from: '2026-06-01T00:00:00Z', until: '2026-05-01T00:00:00Z' } })]], expect: 'REGISTRY_TERM_INVALID' },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', lic('L-9', 'GEN-1', bank, { term: { from: '2026-01-01T00:00:00Z', until: '2030-01-01T00:00:00Z' } })]], expect: 'REGISTRY_TERM_INVALID' },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderB, 'licence.granted', lic('L-9', 'GEN-1', bank)]], expect: 'REGISTRY_NOT_HOLDER' },
  { rule: 'G17 the holder licenses: licensee, purpose, scope and term, within the asset validity', steps: [[holderA, 'licence.granted', lic('L-9', 'GEN-1', holderA)]], expect: 'REGISTRY_SELF_DEALING' },
  // sub-licences
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'LIC-1', scope: ['read'], term: { from: '2026-02-01T00:00:00Z', until: '2026-03-01T00:00:00Z' } })]], expect: 'ok' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[holderB, 'licence.granted', lic('SUB-1', 'GEN-1', bank, { parentLicenceId: 'LIC-2' })]], expect: 'REGISTRY_SUBLICENCE_NOT_ALLOWED' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'LIC-1', scope: ['read', 'resell'] })]], expect: 'REGISTRY_SUBLICENCE_EXCEEDS' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'LIC-1', term: { from: '2026-02-01T00:00:00Z', until: '2027-02-01T00:00:00Z' } })]], expect: 'REGISTRY_SUBLICENCE_EXCEEDS' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'LIC-1', purpose: 'marketing' })]], expect: 'REGISTRY_SUBLICENCE_EXCEEDS' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[holderB, 'licence.granted', lic('SUB-1', 'GEN-1', exchange, { parentLicenceId: 'LIC-1' })]], expect: 'REGISTRY_NOT_HOLDER' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[holderA, 'licence.revoked', { licenceId: 'LIC-1', reason: 'breach' }], [bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'LIC-1' })]], expect: 'REGISTRY_LICENCE_INACTIVE' },
  { rule: 'G18 a sub-licence needs a live licence that allows it and cannot outlive or exceed it', steps: [[bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'NOPE' })]], expect: 'REGISTRY_LICENCE_UNKNOWN' },
  // licence revocation
  {
    rule: 'G19 the licensor or a regulator revokes a licence; its sub-licences end with it',
    steps: [[bank, 'licence.granted', lic('SUB-1', 'GEN-1', holderB, { parentLicenceId: 'LIC-1' })], [holderA, 'licence.revoked', { licenceId: 'LIC-1', reason: 'breach' }]],
    expect: 'ok',
    check: (s) => {
      expect(s.licences.get('LIC-1')?.status).toBe('revoked');
      expect(s.licences.get('SUB-1')?.status).toBe('revoked');
    },
  },
  { rule: 'G19 the licensor or a regulator revokes a licence; its sub-licences end with it', steps: [[regulator, 'licence.revoked', { licenceId: 'LIC-1', reason: 'order' }]], expect: 'ok' },
  { rule: 'G19 the licensor or a regulator revokes a licence; its sub-licences end with it', steps: [[holderB, 'licence.revoked', { licenceId: 'LIC-1', reason: 'x' }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G19 the licensor or a regulator revokes a licence; its sub-licences end with it', steps: [[holderA, 'licence.revoked', { licenceId: 'LIC-1', reason: 'x' }], [holderA, 'licence.revoked', { licenceId: 'LIC-1', reason: 'x' }]], expect: 'REGISTRY_LICENCE_INACTIVE' },
  { rule: 'G19 the licensor or a regulator revokes a licence; its sub-licences end with it', steps: [[holderA, 'licence.revoked', { licenceId: 'NOPE', reason: 'x' }]], expect: 'REGISTRY_LICENCE_UNKNOWN' },
  // consent (确权授权)
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [[holderA, 'licence.granted', lic('L-9', 'PER-1', bank)]], expect: 'REGISTRY_CONSENT_MISSING' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', subject1, bank), [holderA, 'licence.granted', lic('L-9', 'PER-1', bank)]], expect: 'ok', check: (s) => expect(s.licences.get('L-9')?.consentIds).toEqual(['C-1']) },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', subject1, holderB), [holderA, 'licence.granted', lic('L-9', 'PER-1', bank)]], expect: 'REGISTRY_CONSENT_MISSING' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', subject1, bank, 'marketing'), [holderA, 'licence.granted', lic('L-9', 'PER-1', bank)]], expect: 'REGISTRY_CONSENT_MISSING' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', subject2, bank)], expect: 'REGISTRY_NOT_SUBJECT' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', holderA, bank)], expect: 'REGISTRY_NOT_SUBJECT' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', subject1, bank), consent('C-1', subject1, holderB)], expect: 'REGISTRY_CONSENT_DUPLICATE' },
  {
    rule: 'G21 the subject revokes consent, which ends the licences that depend on it',
    steps: [consent('C-1', subject1, bank), [holderA, 'licence.granted', lic('L-9', 'PER-1', bank)], [subject1, 'consent.revoked', { consentId: 'C-1' }]],
    expect: 'ok',
    check: (s) => expect(s.licences.get('L-9')?.status).toBe('ended'),
  },
  { rule: 'G21 the subject revokes consent, which ends the licences that depend on it', steps: [consent('C-1', subject1, bank), [subject1, 'consent.revoked', { consentId: 'C-1' }], [holderA, 'licence.granted', lic('L-9', 'PER-1', bank)]], expect: 'REGISTRY_CONSENT_MISSING' },
  { rule: 'G21 the subject revokes consent, which ends the licences that depend on it', steps: [consent('C-1', subject1, bank), [holderA, 'consent.revoked', { consentId: 'C-1' }]], expect: 'REGISTRY_NOT_SUBJECT' },
  { rule: 'G21 the subject revokes consent, which ends the licences that depend on it', steps: [[subject1, 'consent.revoked', { consentId: 'C-404' }]], expect: 'REGISTRY_CONSENT_UNKNOWN' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [[holderA, 'asset.transferred', transfer('PER-1', bank)]], expect: 'REGISTRY_CONSENT_MISSING' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [consent('C-1', subject1, bank, 'transfer'), [holderA, 'asset.transferred', transfer('PER-1', bank)]], expect: 'ok' },
  // certificates
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', cert(2)]], expect: 'ok', check: (s) => expect(s.certificates.get(cert(2).certificateId as string)?.status).toBe('active') },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[regulator, 'certificate.issued', cert(2)]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', cert(2, { registrationNumber: 'UNREV-1' })]], expect: 'REGISTRY_ASSET_UNREVIEWED' },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', cert(2, { registrationNumber: 'FRZ-1' })]], expect: 'REGISTRY_ASSET_FROZEN' },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', { ...cert(2), certificateId: CERT1 }]], expect: 'REGISTRY_CERTIFICATE_DUPLICATE' },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', { ...cert(2), statusListIndex: 1 }]], expect: 'REGISTRY_STATUS_INDEX_IN_USE' },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', cert(2, { validUntil: '2029-01-01T00:00:00Z' })]], expect: 'REGISTRY_TERM_INVALID' },
  // Issue "One strict path", B10: the logged subject hash is the asset's, not one of the registry's choosing.
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', cert(2, { subjectHash: hex(9) })]], expect: 'REGISTRY_SUBJECT_MISMATCH' },
  { rule: 'G22 the registry issues certificates for reviewed, unfrozen assets', steps: [[registry, 'certificate.issued', cert(2, { validFrom: '2026-06-01T00:00:00Z', validUntil: '2026-05-01T00:00:00Z' })]], expect: 'REGISTRY_TERM_INVALID' },
  { rule: 'G23 certificate status: suspend, reinstate, revoke (final), by registry or regulator', steps: [[regulator, 'certificate.suspended', { certificateId: CERT1, reason: 'r' }], [registry, 'certificate.reinstated', { certificateId: CERT1, reason: 'r' }], [regulator, 'certificate.revoked', { certificateId: CERT1, reason: 'r' }]], expect: 'ok', check: (s) => expect(s.certificates.get(CERT1)?.status).toBe('revoked') },
  { rule: 'G23 certificate status: suspend, reinstate, revoke (final), by registry or regulator', steps: [[regulator, 'certificate.suspended', { certificateId: CERT1, reason: 'r' }], [regulator, 'certificate.suspended', { certificateId: CERT1, reason: 'r' }]], expect: 'REGISTRY_CERTIFICATE_STATUS' },
  { rule: 'G23 certificate status: suspend, reinstate, revoke (final), by registry or regulator', steps: [[regulator, 'certificate.reinstated', { certificateId: CERT1, reason: 'r' }]], expect: 'REGISTRY_CERTIFICATE_STATUS' },
  { rule: 'G23 certificate status: suspend, reinstate, revoke (final), by registry or regulator', steps: [[regulator, 'certificate.revoked', { certificateId: CERT1, reason: 'r' }], [regulator, 'certificate.reinstated', { certificateId: CERT1, reason: 'r' }]], expect: 'REGISTRY_CERTIFICATE_STATUS' },
  { rule: 'G23 certificate status: suspend, reinstate, revoke (final), by registry or regulator', steps: [[regulator, 'certificate.revoked', { certificateId: 'urn:uuid:x', reason: 'r' }]], expect: 'REGISTRY_CERTIFICATE_UNKNOWN' },
  { rule: 'G23 certificate status: suspend, reinstate, revoke (final), by registry or regulator', steps: [[holderA, 'certificate.revoked', { certificateId: CERT1, reason: 'r' }]], expect: 'REGISTRY_UNAUTHORISED' },
  // aggregation: hashes and counts only
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(10), count: 100 }], [holderB, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(11), count: 50 }], [exchange, 'aggregation.released', { jobId: 'JOB-1', resultHash: hex(12), contributors: 2 }]], expect: 'ok', check: (s) => expect(s.aggregations.get('JOB-1')).toMatchObject({ released: true, rows: 150 }) },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[exchange, 'aggregation.opened', { jobId: 'JOB-1', jobHash: hex(2), minContributors: 2 }]], expect: 'REGISTRY_AGG_DUPLICATE' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.opened', { jobId: 'JOB-2', jobHash: hex(2), minContributors: 2 }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(10), count: 1 }], [holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(11), count: 1 }]], expect: 'REGISTRY_AGG_DUPLICATE_CONTRIBUTION' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-9', contributionHash: hex(10), count: 1 }]], expect: 'REGISTRY_AGG_UNKNOWN' },
  // A job whose opening record names its most contributors: the registry refuses one past it
  // (several instances taking contributions at once cannot record more than the job folds).
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[exchange, 'aggregation.opened', { jobId: 'JOB-3', jobHash: hex(3), minContributors: 1, maxContributors: 1, publicKeyHash: hex(4) }], [holderA, 'aggregation.contributed', { jobId: 'JOB-3', contributionHash: hex(10), count: 1 }]], expect: 'ok', check: (s) => expect(s.aggregations.get('JOB-3')).toMatchObject({ maxContributors: 1, publicKeyHash: hex(4), contributors: [holderA.did] }) },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[exchange, 'aggregation.opened', { jobId: 'JOB-3', jobHash: hex(3), minContributors: 1, maxContributors: 1 }], [holderA, 'aggregation.contributed', { jobId: 'JOB-3', contributionHash: hex(10), count: 1 }], [holderB, 'aggregation.contributed', { jobId: 'JOB-3', contributionHash: hex(11), count: 1 }]], expect: 'REGISTRY_AGG_FULL' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[exchange, 'aggregation.opened', { jobId: 'JOB-3', jobHash: hex(3), minContributors: 2, maxContributors: 1 }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[exchange, 'aggregation.opened', { jobId: 'JOB-3', jobHash: hex(3), minContributors: 1, publicKeyHash: 'not-a-hash' }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(10), count: 1 }], [exchange, 'aggregation.released', { jobId: 'JOB-1', resultHash: hex(12), contributors: 1 }]], expect: 'REGISTRY_AGG_TOO_FEW_CONTRIBUTORS' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(10), count: 1 }], [holderB, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(11), count: 1 }], [regulator, 'aggregation.released', { jobId: 'JOB-1', resultHash: hex(12), contributors: 2 }]], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(10), count: 1 }], [holderB, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(11), count: 1 }], [exchange, 'aggregation.released', { jobId: 'JOB-1', resultHash: hex(12), contributors: 2 }], [bank, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(13), count: 1 }]], expect: 'REGISTRY_AGG_CLOSED' },
  { rule: 'G24 aggregation: hashes and counts only; open, contribute once, release with enough contributors', steps: [[holderA, 'aggregation.contributed', { jobId: 'JOB-1', contributionHash: hex(10), count: 1, values: [1, 2, 3] }]], expect: 'REGISTRY_PAYLOAD_INVALID' },
  // README "Desensitisation": no resident ID or mobile number in clear in a public free-text member
  { rule: 'G2 payloads are validated at the edge', steps: [[registry, 'asset.registered', assetPayload('NEW-4', holderA, { source: { department: 'Records office, contact 13812345678', authorisationBasis: 'Statistics Law art. 7' } })]], expect: 'REGISTRY_PUBLIC_PII' },
  // allowed counterparts
  { rule: 'G2 payloads are validated at the edge', steps: [[registry, 'asset.registered', assetPayload('NEW-2', holderA, { subjectIdentified: true, subjects: [subject2.did] })]], expect: 'ok' },
  { rule: 'G4 only the root authority grants and revokes roles', steps: [[root, 'role.revoked', { subject: exchange.did, role: 'exchange' }]], expect: 'ok', check: (s) => expect(s.roles.get(exchange.did)).toBeUndefined() },
  { rule: 'G7 validity is a time window', steps: [[registry, 'asset.registered', assetPayload('NEW-3', holderA, { validity: { from: '2026-01-01T00:00:00Z', until: '2026-01-01T00:00:01Z' } })]], expect: 'ok' },
  { rule: 'G10 the regulator freezes and unfreezes', steps: [[regulator, 'asset.frozen', { registrationNumber: 'GEN-1', reason: 'r' }]], expect: 'ok', check: (s) => expect(s.assets.get('GEN-1')?.frozen).toBe(true) },
  { rule: 'G14 nothing circulates while unreviewed, rejected, frozen, cancelled or past validity', steps: [[reviewer, 'asset.reviewed', { registrationNumber: 'UNREV-1', outcome: 'approved', opinion: 'ok' }], [holderA, 'licence.granted', lic('L-8', 'UNREV-1', bank)]], expect: 'ok' },
  { rule: 'G21 the subject revokes consent, which ends the licences that depend on it', steps: [consent('C-1', subject1, bank), [subject1, 'consent.revoked', { consentId: 'C-1' }]], expect: 'ok' },
  // review: a party once marked foreign stays foreign (a later record cannot declare it domestic)
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [approve('GEN-1', foreignCo), [holderA, 'licence.granted', lic('L-9', 'IMP-1', foreignCo)]], expect: 'REGISTRY_CROSSBORDER_NOT_APPROVED' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[holderA, 'licence.granted', { ...lic('L-8', 'GEN-1', foreignCo), licensee: { id: foreignCo.did, foreign: true } }], [holderA, 'asset.transferred', transfer('IMP-1', foreignCo)]], expect: 'REGISTRY_CROSSBORDER_NOT_APPROVED' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [approve('GEN-1', foreignCo), approve('IMP-1', foreignCo), [holderA, 'licence.granted', lic('L-9', 'IMP-1', foreignCo)]], expect: 'ok' },
  // review: a licence cannot outlast the cross-border approval or the consent it rests on
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[regulator, 'crossborder.approved', { registrationNumber: 'IMP-1', party: foreignCo.did, purpose: 'research', until: '2026-06-01T00:00:00Z' }], [holderA, 'licence.granted', { ...lic('L-9', 'IMP-1', foreignCo), licensee: { id: foreignCo.did, foreign: true } }]], expect: 'REGISTRY_TERM_INVALID' },
  { rule: 'G16 important data goes abroad only with a crossborder approval for that asset and party', steps: [[regulator, 'crossborder.approved', { registrationNumber: 'IMP-1', party: foreignCo.did, purpose: 'research', until: '2026-06-01T00:00:00Z' }], [holderA, 'licence.granted', lic('L-9', 'IMP-1', foreignCo, { licensee: { id: foreignCo.did, foreign: true }, term: { from: '2026-01-01T00:00:00Z', until: '2026-06-01T00:00:00Z' } })]], expect: 'ok' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [[subject1, 'consent.granted', { consentId: 'C-1', registrationNumber: 'PER-1', licensee: bank.did, purpose: 'credit-assessment', until: '2026-06-01T00:00:00Z' }], [holderA, 'licence.granted', lic('L-9', 'PER-1', bank)]], expect: 'REGISTRY_TERM_INVALID' },
  { rule: 'G20 identified-subject data goes to a third party only with the subject own consent naming it and the purpose', steps: [[subject1, 'consent.granted', { consentId: 'C-1', registrationNumber: 'PER-1', licensee: bank.did, purpose: 'credit-assessment', until: '2026-06-01T00:00:00Z' }], [holderA, 'licence.granted', lic('L-9', 'PER-1', bank, { term: { from: '2026-01-01T00:00:00Z', until: '2026-05-01T00:00:00Z' } })]], expect: 'ok' },
  // confidential members: the rules run on the disclosed values (the write path gives them all)
  { rule: G25, steps: [SEC.step], expect: 'ok', check: (s) => expect(s.assets.get('SEC-1')).toMatchObject({ subjects: [subject1.did], valuation: assetPayload('SEC-1', holderA).valuation, holder: assetPayload('SEC-1', holderA).holder, sealed: { 'holder.name': SEC.digestOf['holder.name'], valuation: SEC.digestOf.valuation, subjects: SEC.digestOf.subjects }, opaque: [] }) },
  { rule: G25, steps: [SEC.step, secReview, SEC_CONSENT.step, [holderA, 'licence.granted', lic('L-9', 'SEC-1', bank)]], expect: 'ok', check: (s) => expect(s.licences.get('L-9')?.consentIds).toEqual(['C-S']) },
  { rule: G25, steps: [SEC.step, secReview, [holderA, 'licence.granted', lic('L-9', 'SEC-1', bank)]], expect: 'REGISTRY_CONSENT_MISSING' },
  { rule: G25, steps: [SEC_WITHHELD.step], expect: 'REGISTRY_DISCLOSURE_REQUIRED' },
  { rule: G25, steps: [SEC.step, secReview, erase(regulator, nth(0), [[SEC.digestOf.subjects as string, 'subjects']]), [holderA, 'licence.granted', lic('L-9', 'SEC-1', bank)]], expect: 'REGISTRY_DISCLOSURE_REQUIRED' },
  { rule: G25, steps: [SEC.step, erase(regulator, nth(0), [[SEC.digestOf.subjects as string, 'subjects']]), SEC_CONSENT.step], expect: 'REGISTRY_DISCLOSURE_REQUIRED' },
  // a disclosed value is checked against its member's schema, as if it had been sent in clear
  { rule: 'G3 money is a decimal string, never a float', steps: [sealed(appraiser, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: 1.5, currency: 'CNY', method: 'income' } }).step], expect: 'REGISTRY_MONEY_NOT_DECIMAL' },
  { rule: 'G3 money is a decimal string, never a float', steps: [sealed(appraiser, 'asset.valued', { registrationNumber: 'GEN-1', valuation: { amount: '1.50', currency: 'CNY', method: 'income' } }).step], expect: 'ok', check: (s) => expect(s.assets.get('GEN-1')?.valuation?.amount).toBe('1.50') },
  { rule: 'G2 payloads are validated at the edge', steps: [sealed(registry, 'asset.registered', assetPayload('NEW-5', holderA, { subjects: 'not a list' as never })).step], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G2 payloads are validated at the edge', steps: [sealed(registry, 'asset.registered', assetPayload('NEW-5', holderA, { holder: { id: holderA.did, foreign: false, name: 7 as never } })).step], expect: 'REGISTRY_PAYLOAD_INVALID' },
  { rule: 'G2 payloads are validated at the edge', steps: [sealed(registry, 'asset.registered', assetPayload('NEW-5', holderA, { subjectIdentified: true, subjects: [] })).step], expect: 'REGISTRY_PAYLOAD_INVALID' },
  // DESIGN.md: a concealed asset.changed always asks for a new review (the public replay cannot tell what changed)
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [sealed(registry, 'asset.changed', { registrationNumber: 'GEN-1', changes: { description: 'by county' } }).step, [holderA, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'REGISTRY_ASSET_UNREVIEWED' },
  { rule: 'G12 the registry records changes; a material change needs a new review', steps: [[registry, 'asset.changed', { registrationNumber: 'GEN-1', changes: { description: 'by county' } }], [holderA, 'asset.transferred', transfer('GEN-1', holderB)]], expect: 'ok' },
  // erasure (the digests stay on the log; the values leave the state)
  { rule: G26, steps: [SEC.step, erase(regulator, nth(0), [[SEC.digestOf.valuation as string, 'valuation']])], expect: 'ok', check: (s) => expect(s.assets.get('SEC-1')).toMatchObject({ valuation: null, subjects: [subject1.did], sealed: { valuation: SEC.digestOf.valuation } }) },
  { rule: G26, steps: [SEC.step, SEC_CONSENT.step, erase(subject1, nth(1), [[SEC_CONSENT.digestOf.person as string, 'person']])], expect: 'ok', check: (s) => expect(s.erasedDigests.get(SEC_CONSENT.digestOf.person as string)).toBe(nth(2)) },
  { rule: G26, steps: [SEC.step, erase(subject1, nth(0), [[SEC.digestOf.subjects as string, 'subjects']])], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: G26, steps: [SEC.step, SEC_CONSENT.step, erase(subject2, nth(1), [[SEC_CONSENT.digestOf.person as string, 'person']])], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: G26, steps: [SEC.step, erase(holderA, nth(0), [[SEC.digestOf['holder.name'] as string, 'holder.name']])], expect: 'REGISTRY_UNAUTHORISED' },
  { rule: G26, steps: [SEC.step, erase(regulator, nth(0) - 1, [[SEC.digestOf.valuation as string, 'valuation']])], expect: 'REGISTRY_ERASURE_INVALID' },
  { rule: G26, steps: [SEC.step, erase(regulator, nth(5), [[SEC.digestOf.valuation as string, 'valuation']])], expect: 'REGISTRY_ERASURE_INVALID' },
  { rule: G26, steps: [SEC.step, SEC_CONSENT.step, erase(regulator, nth(0), [[SEC_CONSENT.digestOf.person as string, 'valuation']])], expect: 'REGISTRY_ERASURE_INVALID' },
  { rule: G26, steps: [SEC.step, erase(regulator, nth(0), [[SEC.digestOf.valuation as string, 'valuation']]), erase(regulator, nth(0), [[SEC.digestOf.valuation as string, 'valuation']])], expect: 'REGISTRY_ERASURE_INVALID' },
  { rule: G26, steps: [SEC.step, erase(regulator, nth(0), [[SEC.digestOf.valuation as string, 'valuation'], [SEC.digestOf.valuation as string, 'valuation']])], expect: 'REGISTRY_ERASURE_INVALID' },
  { rule: G26, steps: [SEC.step, erase(regulator, nth(0), [[SEC.digestOf.valuation as string, 'price']])], expect: 'REGISTRY_ERASURE_INVALID' },
  { rule: G26, steps: [SEC.step, erase(regulator, nth(0), [[SEC.digestOf.valuation as string, 'subjects']])], expect: 'REGISTRY_ERASURE_INVALID' },
];

function runSteps(from: RegistryState, steps: Step[]): { before: RegistryState; last: () => RegistryState } {
  let s = from;
  for (const [by, type, payload, time] of steps.slice(0, -1)) {
    s = applyRecord(s, makeRecord(s.size, by, type, payload, { signed: false, time: time ?? timeAt(s.size) }), { disclosures: DISCLOSURES });
  }
  const [by, type, payload, time] = steps[steps.length - 1] as Step;
  const before = s;
  return {
    before,
    last: () =>
      applyRecord(before, makeRecord(before.size, by, type, payload, { signed: false, time: time ?? timeAt(before.size) }), { disclosures: DISCLOSURES }),
  };
}

describe('registry rules, both ways', () => {
  it('covers every refusal rule code at least once and every rule is tried both ways', () => {
    const codes = new Set(CASES.map((c) => c.expect));
    const rules = new Map<string, Set<string>>();
    for (const c of CASES) {
      const set = rules.get(c.rule) ?? new Set();
      set.add(c.expect === 'ok' ? 'ok' : 'refused');
      rules.set(c.rule, set);
    }
    expect(codes.has('ok')).toBe(true);
    // every REGISTRY_ code is exercised here (three by the shape/index/time test below)
    const exercised = new Set([...codes, 'REGISTRY_INDEX_MISMATCH', 'REGISTRY_TIME_ORDER', 'REGISTRY_RECORD_MALFORMED']);
    expect(CERTIFICATES_ERROR_CODES.filter((c) => c.startsWith('REGISTRY_') && !exercised.has(c))).toEqual([]);
    // and every rule is walked both ways
    expect([...rules].filter(([, set]) => set.size !== 2).map(([r]) => r)).toEqual([]);
    expect(rules.size).toBe(26);
    for (const code of [
      'REGISTRY_UNAUTHORISED',
      'REGISTRY_NOT_HOLDER',
      'REGISTRY_CORE_NOT_CIRCULABLE',
      'REGISTRY_CROSSBORDER_NOT_APPROVED',
      'REGISTRY_CONSENT_MISSING',
      'REGISTRY_SUBLICENCE_EXCEEDS',
      'REGISTRY_FINGERPRINT_CONFLICT',
      'REGISTRY_MONEY_NOT_DECIMAL',
      'REGISTRY_ASSET_EXPIRED',
    ]) {
      expect(codes.has(code)).toBe(true);
    }
  });

  it.each(CASES.map((c, i) => [`${c.rule} → ${c.expect} (#${i})`, c] as const))('%s', (_name, c) => {
    const { before, last } = runSteps((c.from ?? (() => S0))(), c.steps);
    const snapshot = dumpState(before);
    if (c.expect === 'ok') {
      const after = last();
      expect(after.size).toBe(before.size + 1);
      c.check?.(after);
      // the previous state stays valid: persistent updates never write into it
      expect(dumpState(before)).toEqual(snapshot);
    } else {
      let err: unknown;
      try {
        last();
      } catch (e) {
        err = e;
      }
      expect(err, 'expected a refusal').toMatchObject({ name: 'DataLedgerError', code: c.expect, details: { index: before.size } });
      // A refused record leaves its input state untouched.
      expect(dumpState(before)).toEqual(snapshot);
    }
  });

  it('a fingerprint conflict names the existing registration number', () => {
    try {
      applyRecord(
        S0,
        makeRecord(S0.size, registry, 'asset.registered', assetPayload('NEW-1', holderB, { fingerprint: assetPayload('GEN-1', holderA).fingerprint }), {
          signed: false,
        }),
      );
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'REGISTRY_FINGERPRINT_CONFLICT', details: { registrationNumber: 'GEN-1' } });
    }
  });

  it('checks index, time order and record shape', () => {
    const ok = makeRecord(S0.size, registry, 'asset.registered', assetPayload('NEW-1', holderA), { signed: false });
    expect(() => applyRecord(S0, { ...ok, index: S0.size + 1 })).toThrowError(expect.objectContaining({ code: 'REGISTRY_INDEX_MISMATCH' }));
    expect(() => applyRecord(S0, { ...ok, time: '2025-01-01T00:00:00.000Z' })).toThrowError(expect.objectContaining({ code: 'REGISTRY_TIME_ORDER' }));
    expect(() => applyRecord(S0, { ...ok, payload: null } as never)).toThrowError(expect.objectContaining({ code: 'REGISTRY_RECORD_MALFORMED' }));
    expect(() => applyRecord(S0, null as never)).toThrowError(expect.objectContaining({ code: 'REGISTRY_RECORD_MALFORMED' }));
  });
});

// ---- authorisation matrix ----------------------------------------------------------------
/** A payload for `type` that passes every rule except (possibly) the role gate, from S0. */
function validPayload(type: RecordType, n: number): object {
  switch (type) {
    case 'ledger.genesis':
      return { rootAuthority: root.did, ledgerName: 'x' };
    case 'role.granted':
      return { subject: stranger.did, role: 'exchange' };
    case 'role.revoked':
      return { subject: exchange.did, role: 'exchange' };
    case 'asset.registered':
      return assetPayload(`MX-${n}`, holderA) as unknown as Record<string, unknown>;
    case 'asset.reviewed':
      return { registrationNumber: 'UNREV-1', outcome: 'approved', opinion: 'ok' };
    case 'asset.valued':
      return { registrationNumber: 'GEN-1', valuation: { amount: '1.00', currency: 'CNY', method: 'cost' } };
    case 'certificate.issued':
      return cert(100 + n);
    case 'certificate.suspended':
    case 'certificate.revoked':
      return { certificateId: CERT1, reason: 'r' };
    case 'certificate.reinstated':
      return { certificateId: cert(60).certificateId, reason: 'r' };
    case 'asset.transferred':
      return transfer('GEN-1', bank);
    case 'licence.granted':
      return lic(`L-${n}`, 'GEN-1', bank);
    case 'licence.revoked':
      return { licenceId: 'LIC-2', reason: 'r' };
    case 'asset.frozen':
      return { registrationNumber: 'GEN-1', reason: 'r' };
    case 'asset.unfrozen':
      return { registrationNumber: 'FRZ-1', reason: 'r' };
    case 'asset.changed':
      return { registrationNumber: 'GEN-1', changes: { name: 'x' } };
    case 'asset.cancelled':
      return { registrationNumber: 'GEN-1', reason: 'r' };
    case 'crossborder.approved':
      return { registrationNumber: 'IMP-1', party: foreignCo.did, purpose: 'x' };
    case 'consent.granted':
      return { consentId: `C-${n}`, registrationNumber: 'PER-1', licensee: bank.did, purpose: 'p' };
    case 'consent.revoked':
      return { consentId: 'C-M' };
    case 'aggregation.opened':
      return { jobId: `J-${n}`, jobHash: hex(5), minContributors: 1 };
    case 'aggregation.contributed':
      return { jobId: 'JOB-1', contributionHash: hex(6), count: 1 };
    case 'aggregation.released':
      return { jobId: 'JOB-M', resultHash: hex(7), contributors: 1 };
    case 'disclosure.erased':
      return { index: erasable.index, erased: [{ digest: erasable.digest, member: 'person' }], reason: 'the subject asked' };
  }
}

/** The concealed consent of subject1 in the matrix's world, whose disclosure an erasure names. */
const erasable = { index: -1, digest: '' };

describe('authorisation matrix: every record type × every role', () => {
  // A world where each role-specific ownership precondition is met by the role's holder.
  const w = new Ledger();
  w.state = S0;
  w.add(subject1, 'consent.granted', { consentId: 'C-M', registrationNumber: 'PER-1', licensee: bank.did, purpose: 'p' });
  const concealed = w.addConcealed(subject1, 'consent.granted', {
    consentId: 'C-E',
    registrationNumber: 'PER-1',
    licensee: bank.did,
    purpose: 'p',
    person: { name: '张三', phone: '13800138000' },
  });
  erasable.index = concealed.record.index;
  erasable.digest = (concealed.record.payload as { _sd: string[] })._sd[0] as string;
  // JOB-M: opened by the exchange and by the regulator's job JOB-R; one contribution each.
  w.add(exchange, 'aggregation.opened', { jobId: 'JOB-M', jobHash: hex(8), minContributors: 1 });
  w.add(holderB, 'aggregation.contributed', { jobId: 'JOB-M', contributionHash: hex(9), count: 1 });
  w.add(registry, 'certificate.issued', cert(60));
  w.add(regulator, 'certificate.suspended', { certificateId: cert(60).certificateId, reason: 'r' });
  const W = w.state;
  const actors: [string, Actor][] = [
    ...ROLES.map((r) => [r, ROLE_HOLDERS[r]] as [string, Actor]),
    ['root authority', root],
    ['data subject', subject1],
    ['no role', stranger],
  ];

  // The expectation is DESIGN.md's table (copied in test/support/fixtures.ts), never the code's.
  const design = designWriters();

  it("the record types are DESIGN.md's, and requiredRoles names its roles", () => {
    const designed = [...design.keys()];
    expect([...RECORD_TYPES].sort()).toEqual(designed.sort());
    for (const t of RECORD_TYPES) expect([...requiredRoles(t)].sort(), t).toEqual([...(design.get(t)?.anyOf ?? [])].sort());
    expect(() => requiredRoles('asset.sold')).toThrowError(expect.objectContaining({ code: 'REGISTRY_UNKNOWN_TYPE' }));
  });

  const rows: [RecordType, string, Actor][] = [];
  for (const t of RECORD_TYPES) for (const [name, who] of actors) rows.push([t, name, who]);

  it.each(rows.map(([t, name, who], i) => [t, name, who, i] as const))('%s by %s', (type, name, who, n) => {
    const auth = design.get(type)!;
    const gatePasses = auth.genesis
      ? false // only at index 0
      : auth.rootAuthority
        ? who === root
        : auth.dataSubject
          ? true
          : auth.anyOf.includes(name);
    expect(isAuthorised(W, who.did, type)).toBe(gatePasses);
    let code: string | undefined;
    try {
      applyRecord(W, makeRecord(W.size, who, type, validPayload(type, n), { signed: false }));
    } catch (e) {
      code = (e as { code: string }).code;
    }
    if (type === 'ledger.genesis') expect(code).toBe('REGISTRY_GENESIS_DUPLICATE');
    else if (type === 'disclosure.erased') expect(code).toBe(who === subject1 || name === 'regulator' ? undefined : 'REGISTRY_UNAUTHORISED');
    else if (!gatePasses) expect(code).toBe('REGISTRY_UNAUTHORISED');
    else if (auth.dataSubject) expect(code).toBe(who === subject1 ? undefined : 'REGISTRY_NOT_SUBJECT');
    else if (type === 'asset.transferred' || (type === 'licence.granted' && name === 'holder')) expect(code).toBe(undefined);
    else if (type === 'licence.revoked')
      expect(code).toBe(undefined); // holder is the licensor; regulator may revoke
    else if (type === 'aggregation.contributed') expect(code).toBe(undefined);
    else if (type === 'aggregation.released') expect(code).toBe(name === 'exchange' ? undefined : 'REGISTRY_UNAUTHORISED');
    else expect(code).toBe(undefined);
  });
});
