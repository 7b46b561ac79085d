/**
 * Erasure at the registry (DESIGN.md: "erasing a disclosure leaves the chain verifiable"; the
 * writers table: `disclosure.erased` by a regulator, or the data subject for its own consent):
 * a regulator erases any record's disclosures, a data subject only those of its own consent;
 * the erased values leave the state; a later rule that needs an erased member refuses the
 * record on the write path and is listed as unchecked by an audit; the audit lists each erasure
 * (what, when, by whom); the certificate subject hash stays checkable, since the digests stay.
 */
import { describe, expect, it } from 'vitest';
import {
  applyRecord,
  auditRecords,
  certificateSubject,
  disclosureDigest,
  disclosureMap,
  openDisclosure,
  payloadDigests,
  revealSubject,
  subjectHash,
  type AssetState,
  type OpenedDisclosure,
  type RegistryRecord,
} from '../src/index.ts';
import {
  Ledger,
  appraiser,
  assetPayload,
  bank,
  holderA,
  holderB,
  licencePayload,
  registry,
  regulator,
  reviewer,
  subject1,
  subject2,
  withRoles,
  codeOf,
} from './fixtures.ts';

const REV = 'https://registry.example/status/revocation';
const SUS = 'https://registry.example/status/suspension';

/** Member path (in the record) → digest, for a record logged concealed. */
function digestsOf(l: Ledger, record: RegistryRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { at, digest } of payloadDigests(record.payload)) {
    const d = l.disclosures.get(digest) as OpenedDisclosure;
    out[at === '' ? d.name : `${at}.${d.name}`] = digest;
  }
  return out;
}

const erase = (l: Ledger, by: typeof regulator, record: RegistryRecord, members: Record<string, string>, reason = 'retention period over'): RegistryRecord =>
  l.add(by, 'disclosure.erased', { index: record.index, erased: Object.entries(members).map(([member, digest]) => ({ digest, member })), reason });

const asset = (l: Ledger, rn: string): AssetState => l.state.assets.get(rn) as AssetState;

function issue(l: Ledger, rn: string, n: number): RegistryRecord {
  return l.add(registry, 'certificate.issued', {
    certificateId: `urn:uuid:00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    registrationNumber: rn,
    statusListIndex: n,
    revocationList: REV,
    suspensionList: SUS,
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2027-01-01T00:00:00Z',
    subjectHash: subjectHash(certificateSubject(asset(l, rn))),
  });
}

/** A world with one concealed, identified asset (holderA's), reviewed, and subject1's concealed consent. */
function world(): { l: Ledger; registered: RegistryRecord; consent: RegistryRecord } {
  const l = withRoles(new Ledger());
  const registered = l.addConcealed(
    registry,
    'asset.registered',
    assetPayload('ER-1', holderA, { subjectIdentified: true, subjects: [subject1.did], description: 'household electricity use' }),
  ).record;
  l.add(reviewer, 'asset.reviewed', { registrationNumber: 'ER-1', outcome: 'approved', opinion: 'ok' });
  const consent = l.addConcealed(subject1, 'consent.granted', {
    consentId: 'C-1',
    registrationNumber: 'ER-1',
    licensee: bank.did,
    purpose: 'credit-assessment',
    person: { name: '张三', idNumber: '11010519491231002X' },
  }).record;
  return { l, registered, consent };
}

describe('who erases', () => {
  it("a regulator erases any record's disclosures, and the values leave the state", () => {
    const { l, registered } = world();
    const reviewed = l.addConcealed(reviewer, 'asset.reviewed', { registrationNumber: 'ER-1', outcome: 'approved', opinion: 'sound' }).record;
    const licence = l.addConcealed(
      holderA,
      'licence.granted',
      licencePayload('L-1', 'ER-1', bank, { licensee: { id: bank.did, foreign: false, name: 'Bank of X' }, fee: { amount: '10.00', currency: 'CNY' } }),
    ).record;
    expect(l.state.licences.get('L-1')?.licensee.name).toBe('Bank of X');
    const before = asset(l, 'ER-1');
    expect(before).toMatchObject({ valuation: assetPayload('ER-1', holderA).valuation, subjects: [subject1.did], description: 'household electricity use' });
    expect(before.holder.name).toBe('Holder');

    const d = digestsOf(l, registered);
    erase(l, regulator, registered, d);
    erase(l, regulator, reviewed, digestsOf(l, reviewed));
    erase(l, regulator, licence, digestsOf(l, licence));

    const after = asset(l, 'ER-1');
    expect(after).toMatchObject({ valuation: null, subjects: null, description: null, opaque: [] });
    expect(after.holder).toEqual({ id: holderA.did, foreign: false });
    // the digests stay: they are on the log, and the certificate states them
    expect(after.sealed).toEqual({ 'holder.name': d['holder.name'], valuation: d.valuation, subjects: d.subjects, description: d.description });
    expect(l.state.licences.get('L-1')?.licensee).toEqual({ id: bank.did, foreign: false });
    for (const digest of [...Object.values(d), ...Object.values(digestsOf(l, licence))]) expect(l.state.erasedDigests.has(digest)).toBe(true);
  });

  it('erases what later records logged too: a valuation, a new holder name, a changed description', () => {
    const { l } = world();
    const valued = l.addConcealed(appraiser, 'asset.valued', {
      registrationNumber: 'ER-1',
      valuation: { amount: '99.00', currency: 'CNY', method: 'market' },
    }).record;
    l.addConcealed(subject1, 'consent.granted', { consentId: 'C-2', registrationNumber: 'ER-1', licensee: holderB.did, purpose: 'transfer' });
    const moved = l.addConcealed(holderA, 'asset.transferred', {
      registrationNumber: 'ER-1',
      to: { id: holderB.did, foreign: false, name: 'Holder B Ltd' },
      price: { amount: '5.00', currency: 'CNY' },
    }).record;
    const changed = l.addConcealed(registry, 'asset.changed', { registrationNumber: 'ER-1', changes: { description: 'by county' } }).record;
    expect(asset(l, 'ER-1')).toMatchObject({ valuation: { amount: '99.00' }, holder: { name: 'Holder B Ltd' }, description: 'by county' });
    erase(l, regulator, valued, digestsOf(l, valued));
    erase(l, regulator, moved, { 'to.name': digestsOf(l, moved)['to.name'] as string });
    erase(l, regulator, changed, digestsOf(l, changed));
    expect(asset(l, 'ER-1')).toMatchObject({ valuation: null, holder: { id: holderB.did, foreign: false }, description: null, subjects: [subject1.did] });
    expect(asset(l, 'ER-1').holder.name).toBeUndefined();
  });

  it('erasing a superseded digest leaves the current value alone', () => {
    const { l, registered } = world();
    l.add(appraiser, 'asset.valued', { registrationNumber: 'ER-1', valuation: { amount: '7.00', currency: 'CNY', method: 'cost' } });
    erase(l, regulator, registered, { valuation: digestsOf(l, registered).valuation as string });
    expect(asset(l, 'ER-1').valuation).toEqual({ amount: '7.00', currency: 'CNY', method: 'cost' });
    expect(asset(l, 'ER-1').sealed.valuation).toBeUndefined();
  });

  it('a data subject erases the disclosures of its own consent only', () => {
    const { l, registered, consent } = world();
    const person = digestsOf(l, consent).person as string;
    // not the asset's, not another subject's consent, and nobody else erases its consent
    expect(codeOf(() => erase(l, subject1, registered, { subjects: digestsOf(l, registered).subjects as string }))).toBe('REGISTRY_UNAUTHORISED');
    expect(codeOf(() => erase(l, subject2, consent, { person }))).toBe('REGISTRY_UNAUTHORISED');
    expect(codeOf(() => erase(l, holderA, consent, { person }))).toBe('REGISTRY_UNAUTHORISED');
    const r = erase(l, subject1, consent, { person });
    expect(l.state.erasedDigests.get(person)).toBe(r.index);
    // the consent itself stands: only the person's identity is gone
    expect(l.state.consents.get('C-1')).toMatchObject({ subject: subject1.did, licensee: bank.did, revoked: false });
    expect(codeOf(() => erase(l, regulator, consent, { person }))).toBe('REGISTRY_ERASURE_INVALID');
  });
});

describe('rules after an erasure', () => {
  /** subject1's subjects erased, then a licence that needs its consent. */
  function erasedSubjects(): { l: Ledger; registered: RegistryRecord; erasure: RegistryRecord } {
    const { l, registered } = world();
    const erasure = erase(l, regulator, registered, { subjects: digestsOf(l, registered).subjects as string });
    return { l, registered, erasure };
  }

  it('a rule that needs erased subjects refuses the record on the write path', () => {
    const { l } = erasedSubjects();
    expect(asset(l, 'ER-1').subjects).toBeNull();
    const licence = l.next(holderA, 'licence.granted', licencePayload('L-1', 'ER-1', bank));
    let err: unknown;
    try {
      applyRecord(l.state, licence, { disclosures: l.disclosures });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'REGISTRY_DISCLOSURE_REQUIRED', details: { index: licence.index, rule: 'REGISTRY_CONSENT_MISSING' } });
    // the subject's own consent cannot be checked either
    const consent = l.next(subject1, 'consent.granted', { consentId: 'C-9', registrationNumber: 'ER-1', licensee: bank.did, purpose: 'p' });
    expect(codeOf(() => applyRecord(l.state, consent, { disclosures: l.disclosures }))).toBe('REGISTRY_DISCLOSURE_REQUIRED');
  });

  it('and an audit of a log that holds such a record lists the rule as unchecked, not passed', () => {
    const { l, erasure } = erasedSubjects();
    // a log operator that appended the licence without the check
    const licence = l.next(holderA, 'licence.granted', licencePayload('L-1', 'ER-1', bank));
    const records = [...l.records, licence];
    const report = auditRecords(records, { disclosures: l.disclosures });
    expect(report.violations).toEqual([]);
    expect(report.complete).toBe(false);
    expect(report.unchecked).toEqual([expect.objectContaining({ rule: 'REGISTRY_CONSENT_MISSING', records: 1, indexes: [licence.index] })]);
    // what was erased, when and by whom
    expect(report.erasures).toEqual([
      {
        index: erasure.index,
        time: erasure.time,
        actor: regulator.did,
        target: (erasure.payload as { index: number }).index,
        erased: (erasure.payload as { erased: unknown }).erased,
        reason: 'retention period over',
      },
    ]);
    expect(report.erasures[0]?.erased).toEqual([{ digest: asset(l, 'ER-1').sealed.subjects, member: 'subjects' }]);
  });
});

describe('certificates after an erasure', () => {
  it('the subject hash logged before the erasure is still the asset subject’s, and a new certificate is issued on the digests', () => {
    const { l, registered } = world();
    const first = issue(l, 'ER-1', 1);
    const d = digestsOf(l, registered);
    erase(l, regulator, registered, { 'holder.name': d['holder.name'] as string, valuation: d.valuation as string });
    const subject = certificateSubject(asset(l, 'ER-1'));
    expect(subject.holder).toEqual({ id: holderA.did, foreign: false, _sd: [d['holder.name']] });
    expect(subject._sd).toEqual([d.valuation]);
    expect(subjectHash(subject)).toBe((first.payload as { subjectHash: string }).subjectHash);
    expect(codeOf(() => issue(l, 'ER-1', 2))).toBe('OK');
    // the holder still holds its disclosures and can show them to a verifier
    const holderName = l.disclosures.get(d['holder.name'] as string) as OpenedDisclosure;
    expect(revealSubject(subject, disclosureMap([holderName.disclosure])).payload.holder).toEqual({ id: holderA.did, foreign: false, name: 'Holder' });
  });

  it('an audit with what the vault still holds checks certificates issued after an erasure, with no violation', () => {
    const { l, registered } = world();
    // the registration's valuation is superseded in clear, then its old disclosure erased
    l.add(appraiser, 'asset.valued', { registrationNumber: 'ER-1', valuation: { amount: '7.00', currency: 'CNY', method: 'cost' } });
    const d = digestsOf(l, registered);
    erase(l, regulator, registered, { valuation: d.valuation as string, 'holder.name': d['holder.name'] as string });
    const cert = issue(l, 'ER-1', 3);
    const vault = new Map([...l.disclosures].filter(([digest]) => !l.state.erasedDigests.has(digest)));
    expect(vault.size).toBe(l.disclosures.size - 2);
    const report = auditRecords(l.records, { disclosures: vault });
    expect(report.violations).toEqual([]);
    // the certificate's subject hash was checked: no rule on it is unchecked
    expect(report.unchecked.filter((u) => u.indexes.includes(cert.index))).toEqual([]);
    const replayed = report.state.assets.get('ER-1') as AssetState;
    expect(subjectHash(certificateSubject(replayed))).toBe((cert.payload as { subjectHash: string }).subjectHash);
    // what the replay could not check is the registration's form and the erasure's member names
    expect(report.unchecked.map((u) => u.rule).sort()).toEqual(['REGISTRY_ERASURE_INVALID', 'REGISTRY_PAYLOAD_INVALID']);
  });

  it('a replay with what the vault still holds reaches the live asset after a transfer’s price and new holder name are erased', () => {
    const { l } = world();
    l.addConcealed(subject1, 'consent.granted', { consentId: 'C-2', registrationNumber: 'ER-1', licensee: holderB.did, purpose: 'transfer' });
    const moved = l.addConcealed(holderA, 'asset.transferred', {
      registrationNumber: 'ER-1',
      to: { id: holderB.did, foreign: false, name: 'Holder B Ltd' },
      price: { amount: '5.00', currency: 'CNY' },
    }).record;
    erase(l, regulator, moved, { price: digestsOf(l, moved).price as string });
    erase(l, regulator, moved, { 'to.name': digestsOf(l, moved)['to.name'] as string });
    const cert = issue(l, 'ER-1', 4);
    const vault = new Map([...l.disclosures].filter(([digest]) => !l.state.erasedDigests.has(digest)));
    const report = auditRecords(l.records, { disclosures: vault });
    expect(report.violations).toEqual([]);
    expect(report.unchecked.filter((u) => u.indexes.includes(cert.index))).toEqual([]);
    const replayed = report.state.assets.get('ER-1') as AssetState;
    const live = asset(l, 'ER-1');
    expect({ sealed: replayed.sealed, opaque: replayed.opaque, holder: replayed.holder }).toEqual({ sealed: live.sealed, opaque: [], holder: live.holder });
  });

  it('an erased disclosure given back to an audit is still a disclosure of its digest (the digest proves it)', () => {
    const { l, registered } = world();
    const d = digestsOf(l, registered);
    erase(l, regulator, registered, { valuation: d.valuation as string });
    const disclosure = (l.disclosures.get(d.valuation as string) as OpenedDisclosure).disclosure;
    expect(disclosureDigest(disclosure)).toBe(d.valuation);
    expect(openDisclosure(disclosure).name).toBe('valuation');
    const report = auditRecords(l.records, { disclosures: l.disclosures });
    expect(report.violations).toEqual([]);
    expect(report.complete).toBe(true);
    expect((report.state.assets.get('ER-1') as AssetState).valuation).toBeNull();
  });
});
