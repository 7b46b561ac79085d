/**
 * Payload schemas at the edge: every record type has a schema; a valid sample passes, each
 * required member removed or any unknown member added is refused with REGISTRY_PAYLOAD_INVALID;
 * money sent as a JSON number is REGISTRY_MONEY_NOT_DECIMAL.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PAYLOAD_SCHEMAS, RECORD_TYPES, parsePayload, parseRevealedPayload, type RecordType } from '../src/index.ts';
import { SAMPLE_PAYLOADS, bank } from './fixtures.ts';

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
    const sample = SAMPLE_PAYLOADS[t] as unknown as Record<string, unknown>;
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
      expect(code(() => parsePayload('licence.granted', { ...SAMPLE_PAYLOADS['licence.granted'], fee: { amount, currency: 'CNY' } }))).toBe(
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
    expect(code(() => parsePayload('consent.granted', { ...SAMPLE_PAYLOADS['consent.granted'], until: '2026-02-30T00:00:00Z' }))).toBe(
      'REGISTRY_PAYLOAD_INVALID',
    );
    expect(code(() => parsePayload('role.granted', { subject: 'did:web:example.com', role: 'holder' }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('role.granted', { subject: bank.did, role: 'king' }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('asset.reviewed', { ...SAMPLE_PAYLOADS['asset.reviewed'], reportHash: 'AB'.repeat(32) }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('asset.changed', { registrationNumber: 'DA-1', changes: {} }))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(code(() => parsePayload('asset.sold' as RecordType, {}))).toBe('REGISTRY_UNKNOWN_TYPE');
  });
});

describe('parseRevealedPayload', () => {
  it('only the members named hidden may be absent, whichever list came first', () => {
    const { valuation: _v, ...hidden } = SAMPLE_PAYLOADS['asset.valued'];
    expect(parseRevealedPayload('asset.valued', hidden, true, ['valuation'])).toBe(hidden);
    expect(code(() => parseRevealedPayload('asset.valued', hidden, true, []))).toBe('REGISTRY_PAYLOAD_INVALID');
    expect(parseRevealedPayload('asset.valued', hidden, true, ['valuation'])).toBe(hidden);
  });
});
