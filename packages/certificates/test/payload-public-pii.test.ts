/**
 * The write-time guard of README "Desensitisation (masking table)": a public free-text member
 * of a payload that carries a resident ID number (GB 11643) or a mobile number in clear is
 * refused by `parsePayload` with `REGISTRY_PUBLIC_PII` and the member's JSON Pointer, so the
 * public log never carries one; masked forms pass; members confidential by default are checked
 * only when the deployment makes them public.
 */
import { describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import { parsePayload, type RecordType } from '../src/index.ts';
import { assetPayload, bank, holderA, licencePayload, root, subject1 } from './fixtures.ts';

const ID = '11010519491231002X';
const MOBILE = '13812345678';

function refusal(
  type: RecordType,
  payload: unknown,
  options: { public?: string[] } = {},
): { code: string; path: unknown; category: unknown; message: string } | 'accepted' {
  try {
    parsePayload(type, payload, options);
    return 'accepted';
  } catch (err) {
    if (!isDataLedgerError(err)) throw err;
    const d = err.details as { path?: unknown; category?: unknown } | undefined;
    return { code: err.code, path: d?.path, category: d?.category, message: err.message };
  }
}

describe('REGISTRY_PUBLIC_PII', () => {
  const asset = (extra: object) => ({ ...assetPayload('PII-1', holderA), ...extra });
  const source = { department: 'Provincial Health Commission', authorisationBasis: 'Regulation No. 3' };

  it('refuses an identifier in clear in each public free-text member, naming the member', () => {
    const cases: [RecordType, unknown, string, string][] = [
      ['ledger.genesis', { rootAuthority: root.did, ledgerName: `ledger of ${ID}` }, '/ledgerName', 'residentId'],
      ['asset.registered', asset({ name: `Patients of Dr Li, tel ${MOBILE}` }), '/name', 'phone'],
      ['asset.registered', asset({ source: { ...source, department: `Clinic (ID ${ID})` } }), '/source/department', 'residentId'],
      ['asset.registered', asset({ source: { ...source, authorisationBasis: `Signed by +86 139-1234-5678` } }), '/source/authorisationBasis', 'phone'],
      [
        'asset.changed',
        { registrationNumber: 'PII-1', changes: { source: { ...source, department: `Desk ${MOBILE}` } } },
        '/changes/source/department',
        'phone',
      ],
      ['asset.changed', { registrationNumber: 'PII-1', changes: { name: `Records of ${ID}` } }, '/changes/name', 'residentId'],
      ['licence.granted', licencePayload('L-1', 'PII-1', bank, { purpose: `credit check of ${ID}` }), '/purpose', 'residentId'],
      ['licence.granted', licencePayload('L-1', 'PII-1', bank, { scope: ['read', `call ${MOBILE}`] }), '/scope/1', 'phone'],
      ['licence.revoked', { licenceId: 'L-1', reason: `complaint from ${MOBILE}` }, '/reason', 'phone'],
      ['certificate.revoked', { certificateId: 'urn:uuid:1', reason: `holder ${ID} deceased` }, '/reason', 'residentId'],
      ['asset.frozen', { registrationNumber: 'PII-1', reason: `report by ${MOBILE}` }, '/reason', 'phone'],
      ['crossborder.approved', { registrationNumber: 'PII-1', party: bank.did, purpose: `visa of ${ID}` }, '/purpose', 'residentId'],
      ['consent.granted', { consentId: 'C-1', registrationNumber: 'PII-1', licensee: bank.did, purpose: `for ${MOBILE}` }, '/purpose', 'phone'],
      // grouped, and in full-width digits
      ['licence.revoked', { licenceId: 'L-1', reason: 'holder 110105 19491231 002X' }, '/reason', 'residentId'],
      ['licence.revoked', { licenceId: 'L-1', reason: '联系电话１３８１２３４５６７８' }, '/reason', 'phone'],
    ];
    for (const [type, payload, path, category] of cases) {
      const r = refusal(type, payload);
      expect(r, `${type} ${path}`).toMatchObject({ code: 'REGISTRY_PUBLIC_PII', path, category });
      // the refusal names the member, never the value (it is logged and sent back)
      const message = (r as { message: string }).message;
      expect(message).not.toContain(ID);
      expect(message).not.toContain('1234');
    }
  });

  it('takes the masked forms, and numbers that are not identifiers', () => {
    expect(refusal('asset.registered', asset({ name: 'Patients of 110105********002X, tel 138****5678' }))).toBe('accepted');
    expect(refusal('licence.revoked', { licenceId: 'L-1', reason: 'invoice 6222021234567890123; ID 110101199003074515' })).toBe('accepted');
    expect(refusal('asset.frozen', { registrationNumber: 'PII-1', reason: 'case 2026-13812' })).toBe('accepted');
  });

  it('leaves confidential members to the disclosure policy, and checks them once made public', () => {
    const described = asset({ description: `Contact ${MOBILE}`, holder: { id: holderA.did, foreign: false, name: `Li Lei ${ID}` } });
    expect(refusal('asset.registered', described)).toBe('accepted');
    expect(refusal('asset.registered', described, { public: ['asset.registered:description'] })).toMatchObject({
      code: 'REGISTRY_PUBLIC_PII',
      path: '/description',
      category: 'phone',
    });
    expect(refusal('asset.registered', described, { public: ['asset.registered:holder.name'] })).toMatchObject({
      path: '/holder/name',
      category: 'residentId',
    });
    const reviewed = { registrationNumber: 'PII-1', outcome: 'approved', opinion: `checked with ${MOBILE}` };
    expect(refusal('asset.reviewed', reviewed)).toBe('accepted');
    // an entry of another record type does not apply
    expect(refusal('asset.reviewed', reviewed, { public: ['asset.registered:opinion'] })).toBe('accepted');
    expect(refusal('asset.reviewed', reviewed, { public: ['asset.reviewed:opinion'] })).toMatchObject({ code: 'REGISTRY_PUBLIC_PII', path: '/opinion' });
    expect(refusal('consent.granted', { consentId: 'C-1', registrationNumber: 'PII-1', licensee: subject1.did, purpose: 'research' })).toBe('accepted');
  });

  it('reports the schema first: a malformed payload is REGISTRY_PAYLOAD_INVALID even with an identifier in it', () => {
    expect(refusal('licence.revoked', { licenceId: 'L-1', reason: `x ${MOBILE}`, extra: 1 })).toMatchObject({ code: 'REGISTRY_PAYLOAD_INVALID' });
  });
});

describe('a whole object made public', () => {
  it("a consent's person published in clear is searched member by member", () => {
    const consent = {
      consentId: 'C-PII-1',
      registrationNumber: 'DA-PII-1',
      licensee: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
      purpose: 'research',
      person: { name: '张三', idNumber: '11010519491231002X' },
    };
    expect(() => parsePayload('consent.granted', consent, { public: ['consent.granted:person'] })).toThrowError(
      expect.objectContaining({ code: 'REGISTRY_PUBLIC_PII', details: expect.objectContaining({ path: '/person/idNumber', category: 'residentId' }) }),
    );
    // Masked, it passes; and without the deployment publishing it, the member is not public text.
    expect(() =>
      parsePayload('consent.granted', { ...consent, person: { name: '张*', idNumber: '110105********002X' } }, { public: ['consent.granted:person'] }),
    ).toThrow(expect.objectContaining({ code: 'REGISTRY_PAYLOAD_INVALID' }));
    expect(parsePayload('consent.granted', consent).person?.name).toBe('张三');
  });
});
