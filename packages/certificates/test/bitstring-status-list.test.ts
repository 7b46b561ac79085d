/**
 * W3C Bitstring Status List v1.0: bit order (§3.1), GZIP + multibase base64url `u`
 * encodedList, 131,072-entry minimum (§4.1), and the validate algorithm (§3.2).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { didKeyFromPublicKey, fromBase64Url, getPublicKey, toBase64Url } from '@dataledger/core';
import {
  BitstringStatusList,
  STATUS_LIST_MIN_ENTRIES,
  checkStatus,
  signCredential,
  statusListCredential,
  statusListEntry,
  verificationMethodOf,
} from '../src/index.ts';

const sk = new Uint8Array(32).fill(5);
const pk = getPublicKey(sk);
const did = didKeyFromPublicKey(pk);
const URL = 'https://registry.example/status/revocation';
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

function signedList(list: BitstringStatusList, purpose: 'revocation' | 'suspension' = 'revocation', extra: Record<string, string> = {}) {
  return signCredential(
    { ...statusListCredential({ id: URL, issuer: did, statusPurpose: purpose, list, validFrom: '2026-01-01T00:00:00Z' }), ...extra },
    { secretKey: sk, verificationMethod: verificationMethodOf(pk) },
  );
}

describe('bitstring', () => {
  it('has at least 131,072 entries and refuses fewer', () => {
    expect(new BitstringStatusList().length).toBe(131_072);
    expect(STATUS_LIST_MIN_ENTRIES).toBe(131_072);
    expect(() => new BitstringStatusList(1024)).toThrow(RangeError);
  });

  it('index 0 is the most significant bit of the first byte; encodedList is u + base64url(GZIP)', () => {
    const l = new BitstringStatusList();
    l.set(0, true);
    l.set(9, true);
    const enc = l.encode();
    expect(enc[0]).toBe('u');
    const raw = gunzipSync(fromBase64Url(enc.slice(1)));
    expect(raw.length).toBe(16_384);
    expect(raw[0]).toBe(0x80);
    expect(raw[1]).toBe(0x40);
    expect(raw[0]! + raw[1]!).toBe(0xc0);
    expect(enc.length).toBeLessThan(200); // an almost empty list compresses well
  });

  it('set/get laws survive encode/decode', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: STATUS_LIST_MIN_ENTRIES - 1 }), { maxLength: 200 }), (idx) => {
        const l = new BitstringStatusList();
        for (const i of idx) l.set(i, true);
        const d = BitstringStatusList.decode(l.encode());
        expect(d.count()).toBe(idx.length);
        for (const i of idx) expect(d.get(i)).toBe(true);
        if (idx.length > 0) {
          d.set(idx[0]!, false);
          expect(d.get(idx[0]!)).toBe(false);
          expect(d.count()).toBe(idx.length - 1);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('decoding refuses malformed, short and out-of-range input with codes', () => {
    expect(code(() => BitstringStatusList.decode('zabc'))).toBe('STATUS_LIST_MALFORMED');
    expect(code(() => BitstringStatusList.decode('u!!'))).toBe('STATUS_LIST_MALFORMED');
    expect(code(() => BitstringStatusList.decode(`u${toBase64Url(new Uint8Array([1, 2, 3]))}`))).toBe('STATUS_LIST_MALFORMED');
    const short = `u${toBase64Url(new Uint8Array(gzipSync(new Uint8Array(1024))))}`;
    expect(code(() => BitstringStatusList.decode(short))).toBe('STATUS_LIST_LENGTH');
    const bomb = `u${toBase64Url(new Uint8Array(gzipSync(new Uint8Array(32 * 1024 * 1024))))}`;
    expect(code(() => BitstringStatusList.decode(bomb))).toBe('STATUS_LIST_MALFORMED');
    const l = new BitstringStatusList();
    expect(code(() => l.get(STATUS_LIST_MIN_ENTRIES))).toBe('STATUS_RANGE');
    expect(code(() => l.set(-1, true))).toBe('STATUS_RANGE');
  });
});

describe('status list credential and entries (§2.1, §2.2, §3.2)', () => {
  it('an entry and a signed list answer the status; a flipped bit is seen', () => {
    const entry = statusListEntry(URL, 94_567, 'revocation');
    expect(entry).toEqual({
      id: `${URL}#94567`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: URL,
    });
    const list = new BitstringStatusList();
    const vc1 = signedList(list);
    expect(vc1.type).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
    expect(checkStatus(entry, vc1)).toEqual({ statusPurpose: 'revocation', set: false });
    list.set(94_567, true);
    expect(checkStatus(entry, signedList(list))).toEqual({ statusPurpose: 'revocation', set: true });
  });

  it('refuses a tampered list, a wrong purpose, a wrong list, an untrusted issuer, an expired list, a bad index', () => {
    const list = new BitstringStatusList();
    const vc = signedList(list);
    const entry = statusListEntry(URL, 7, 'revocation');
    const flipped = new BitstringStatusList();
    flipped.set(7, true);
    const tampered = { ...vc, credentialSubject: { ...(vc.credentialSubject as object), encodedList: flipped.encode() } };
    expect(code(() => checkStatus(entry, tampered))).toBe('STATUS_VERIFICATION');
    expect(code(() => checkStatus(statusListEntry(URL, 7, 'suspension'), vc))).toBe('STATUS_PURPOSE_MISMATCH');
    expect(code(() => checkStatus(statusListEntry('https://other.example/s', 7, 'revocation'), vc))).toBe('STATUS_VERIFICATION');
    expect(code(() => checkStatus(entry, vc, { trustedIssuers: ['did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'] }))).toBe('STATUS_VERIFICATION');
    expect(checkStatus(entry, vc, { trustedIssuers: [did] }).set).toBe(false);
    const expiring = signedList(list, 'revocation', { validUntil: '2026-06-01T00:00:00Z' });
    expect(code(() => checkStatus(entry, expiring, { at: new Date('2026-07-01T00:00:00Z') }))).toBe('STATUS_VERIFICATION');
    expect(code(() => checkStatus({ ...entry, statusListIndex: '999999999' }, vc))).toBe('STATUS_RANGE');
    expect(code(() => checkStatus({ ...entry, statusListIndex: '-1' }, vc))).toBe('STATUS_RANGE');
    expect(code(() => checkStatus({ ...entry, type: 'StatusList2021Entry' }, vc))).toBe('STATUS_VERIFICATION');
  });
});
