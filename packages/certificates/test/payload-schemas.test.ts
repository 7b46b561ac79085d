/**
 * Payload schemas at the edge: every record type has a schema; a valid sample passes, each
 * required member removed or any unknown member added is refused with REGISTRY_PAYLOAD_INVALID;
 * money sent as a JSON number is REGISTRY_MONEY_NOT_DECIMAL.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PAYLOAD_SCHEMAS, RECORD_TYPES, parsePayload, parseRevealedPayload, type PayloadByType, type RecordType } from '../src/index.ts';
import { assetPayload, bank, hex, holderA, licencePayload, root, subject1 } from './fixtures.ts';

const SAMPLES: { [T in RecordType]: PayloadByType[T] } = {
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

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('payload schemas', () => {
  it('every record type has a closed object schema', () => {
    for (const t of RECORD_TYPES) expect(PAYLOAD_SCHEMAS[t]).toMatchObject({ type: 'object', additionalProperties: false });
  });

  it.each(RECORD_TYPES.map((t) => [t] as const))('%s: valid sample passes; missing, unknown and mistyped members are refused', (t) => {
    const sample = SAMPLES[t] as unknown as Record<string, unknown>;
    expect(parsePayload(t, sample)).toBe(sample);
    const required = (PAYLOAD_SCHEMAS[t].required as string[] | undefined) ?? [];
    expect(required.length).toBeGreaterThan(0);
    for (const k of required) {
      const { [k]: _drop, ...rest } = sample;
      expect(
        code(() => parsePayload(t, rest)),
        `${t} without ${k}`,
      ).toBe('REGISTRY_PAYLOAD_INVALID');
    }
    expect(code(() => parsePayload(t, { ...sample, unexpected: true }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload(t, null))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload(t, [sample]))).toBe('REGISTRY_PAYLOAD_INVALID');
  });

  it('money: decimal strings pass, numbers and exponents do not', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.nat(99), (units, cents) => {
        const amount = `${units}.${String(cents).padStart(2, '0')}`;
        expect(() => parsePayload('asset.valued', { registrationNumber: 'DA-1', valuation: { amount, currency: 'CNY', method: 'cost' } })).not.toThrow();
      }),
    );
    for (const amount of [1, 1.5, 0.1 + 0.2]) {
      expect(code(() => parsePayload('asset.valued', { registrationNumber: 'DA-1', valuation: { amount, currency: 'CNY', method: 'cost' } }))).toBe(
        'REGISTRY_MONEY_NOT_DECIMAL',
      );
      expect(code(() => parsePayload('licence.granted', { ...SAMPLES['licence.granted'], fee: { amount, currency: 'CNY' } }))).toBe(
        'REGISTRY_MONEY_NOT_DECIMAL',
      );
    }
    for (const amount of ['1e5', '-1', '01', '1.', '.5', 'NaN', '1,000']) {
      expect(
        code(() => parsePayload('asset.valued', { registrationNumber: 'DA-1', valuation: { amount, currency: 'CNY', method: 'cost' } })),
        amount,
      ).toBe('REGISTRY_PAYLOAD_INVALID');
    }
    expect(code(() => parsePayload('asset.valued', { registrationNumber: 'DA-1', valuation: { amount: '1', currency: 'cny', method: 'cost' } }))).toBe(
      'REGISTRY_PAYLOAD_INVALID',
    );
  });

  it('dates, dids, hashes and unknown types', () => {
    expect(code(() => parsePayload('consent.granted', { ...SAMPLES['consent.granted'], until: '2026-02-30T00:00:00Z' }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('role.granted', { subject: 'did:web:example.com', role: 'holder' }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('role.granted', { subject: bank.did, role: 'king' }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('asset.reviewed', { ...SAMPLES['asset.reviewed'], reportHash: 'AB'.repeat(32) }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('asset.changed', { registrationNumber: 'DA-1', changes: {} }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('asset.sold' as RecordType, {}))).toBe('REGISTRY_UNKNOWN_TYPE');
  });
});

describe('parseRevealedPayload', () => {
  it('only the members named hidden may be absent, whichever list came first', () => {
    const { valuation: _v, ...hidden } = SAMPLES['asset.valued'];
    expect(parseRevealedPayload('asset.valued', hidden, true, ['valuation'])).toBe(hidden);
    expect(code(() => parseRevealedPayload('asset.valued', hidden, true, []))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(parseRevealedPayload('asset.valued', hidden, true, ['valuation'])).toBe(hidden);
  });
});
