/**
 * Ledger records: canonical form (RFC 8785), actor signatures (Ed25519 over the record
 * without `sig`), leaf hashes (RFC 9162 §2.1.1) and strict parsing at the edge.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, didKeyFromPublicKey, keyPairFromSeed, sha256, isDataLedgerError, toBase64 } from '@dataledger/core';
import { buildRecord, leafHash, parseRecord, recordLeafHash, signRecord, verifyRecordSignature, type LedgerRecord } from '../src/index.ts';
import { recordLeafData } from '../src/records.ts';

const alice = keyPairFromSeed(new Uint8Array(32).fill(1));
const bob = keyPairFromSeed(new Uint8Array(32).fill(2));
const TIME = '2026-11-26T08:00:00.000Z';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDataLedgerError(e) ? e.code : `not coded: ${String(e)}`;
  }
  return undefined;
}

const genesis = (): LedgerRecord =>
  buildRecord({ size: 0, lastLeafHash: null }, { type: 'ledger.genesis', payload: { rootAuthority: didKeyFromPublicKey(alice.publicKey) }, time: TIME }, alice);

describe('records', () => {
  it('signs over the canonical record without sig, and hashes the canonical signed record', () => {
    const r = genesis();
    expect(r).toMatchObject({ v: 1, index: 0, prev: '', type: 'ledger.genesis', time: TIME, actor: didKeyFromPublicKey(alice.publicKey) });
    expect(r.sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(verifyRecordSignature(r)).toBe(true);
    const data = recordLeafData(r);
    expect(Buffer.from(data).toString('utf8')).toBe(canonicalize(r));
    expect(recordLeafHash(r)).toEqual(leafHash(data));
    expect(recordLeafHash(r)).toEqual(sha256(new Uint8Array([0]), data));
  });

  it('chains: buildRecord takes index and prev from the head', () => {
    const r0 = genesis();
    const h0 = recordLeafHash(r0);
    const r1 = buildRecord({ size: 1, lastLeafHash: h0 }, { type: 'role.granted', payload: { role: 'registry' } }, bob);
    expect(r1.index).toBe(1);
    expect(r1.prev).toBe(toBase64(h0));
    expect(r1.actor).toBe(didKeyFromPublicKey(bob.publicKey));
    expect(Date.parse(r1.time)).toBeGreaterThan(0);
    expect(verifyRecordSignature(r1)).toBe(true);
  });

  it('refuses to sign as another actor', () => {
    const r = genesis();
    const { sig: _sig, ...unsigned } = r;
    expect(() => signRecord(unsigned, bob.secretKey)).toThrow(TypeError);
  });

  it('the fast canonical form equals RFC 8785 for arbitrary payloads', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string({ minLength: 1, maxLength: 20 }), (payload, t) => {
        const type = `t.${t.replace(/[^A-Za-z0-9._:/-]/g, 'x')}`;
        try {
          canonicalize(payload);
        } catch {
          return; // lone surrogates have no canonical form
        }
        const r: LedgerRecord = buildRecord({ size: 0, lastLeafHash: null }, { type, payload: payload as LedgerRecord['payload'], time: TIME }, alice);
        expect(Buffer.from(recordLeafData(r)).toString('utf8')).toBe(canonicalize(r));
        expect(verifyRecordSignature(r)).toBe(true);
        expect(parseRecord(JSON.parse(JSON.stringify(r)))).toEqual(JSON.parse(canonicalize(r)));
      }),
      { numRuns: 200, seed: 8785 },
    );
  });

  it('any single-bit change to a signed record is rejected', () => {
    const r1 = buildRecord(
      { size: 5, lastLeafHash: sha256(new Uint8Array([5])) },
      { type: 'asset.registered', payload: { id: 'a-1', n: 3, tags: ['x'] }, time: TIME },
      alice,
    );
    const text = canonicalize(r1);
    const bytes = Buffer.from(text, 'utf8');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length * 8 - 1 }), (bit) => {
        const b = Buffer.from(bytes);
        b[bit >> 3]! ^= 1 << (bit & 7);
        let rec: LedgerRecord;
        try {
          rec = parseRecord(b);
        } catch (e) {
          expect(isDataLedgerError(e)).toBe(true);
          return;
        }
        // Still parses (e.g. a letter in the payload changed): the signature must fail, or the
        // record must be byte-identical in canonical form (JSON whitespace is not signed).
        if (canonicalize(rec) !== text) expect(verifyRecordSignature(rec)).toBe(false);
      }),
      { numRuns: 400, seed: 1 },
    );
    // Exhaustively over every bit, too.
    let accepted = 0;
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const b = Buffer.from(bytes);
      b[bit >> 3]! ^= 1 << (bit & 7);
      try {
        const rec = parseRecord(b);
        if (verifyRecordSignature(rec) && canonicalize(rec) !== text) accepted++;
      } catch {
        /* rejected */
      }
    }
    expect(accepted).toBe(0);
  });

  it('parseRecord refuses malformed records with LEDGER_RECORD_MALFORMED', () => {
    const r = genesis();
    const r1 = buildRecord({ size: 1, lastLeafHash: recordLeafHash(r) }, { type: 'x.y', payload: {}, time: TIME }, alice);
    const bad: unknown[] = [
      null,
      42,
      'not json',
      '[]',
      [],
      { ...r, extra: 1 },
      { ...r, v: 2 },
      { ...r, index: -1 },
      { ...r, index: 1.5 },
      { ...r, index: 2 ** 53 },
      { ...r, index: '0' },
      { ...r, type: '' },
      { ...r, type: 'has space' },
      { ...r, time: '2026-11-26T08:00:00Z' },
      { ...r, time: '2026-02-30T08:00:00.000Z' },
      { ...r, time: '2026-02-29T08:00:00.000Z' },
      { ...r, time: '2100-02-29T08:00:00.000Z' },
      { ...r, time: '2026-04-31T08:00:00.000Z' },
      { ...r, time: '2026-13-01T08:00:00.000Z' },
      { ...r, time: '2026-00-01T08:00:00.000Z' },
      { ...r, time: '2026-01-01T24:00:00.000Z' },
      { ...r, time: '2026-01-01T23:59:60.000Z' },
      { ...r, time: 12 },
      { ...r, actor: 'did:example:123' },
      { ...r, actor: `${r.actor}#frag` },
      { ...r, prev: 'AAAA' },
      { ...r1, prev: '' },
      { ...r1, prev: `${r1.prev.slice(0, 42)}B=` },
      { ...r, sig: r.sig.slice(1) },
      { ...r, sig: `${r.sig.slice(0, 85)}B` },
      { ...r, payload: [] },
      { ...r, payload: null },
      { ...r, payload: 'x' },
      { ...r, payload: { n: Number.NaN } },
      new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]),
    ];
    const { sig: _s, ...noSig } = r;
    bad.push(noSig);
    for (const v of bad) expect(codeOf(() => parseRecord(v))).toBe('LEDGER_RECORD_MALFORMED');
    expect(parseRecord(r)).toEqual(r);
    for (const time of ['2024-02-29T23:59:59.999Z', '2000-02-29T00:00:00.000Z', '1999-12-31T23:59:59.000Z']) {
      expect(parseRecord({ ...r, time }).time).toBe(time);
    }
    expect(parseRecord(JSON.stringify(r))).toEqual(r);
  });

  it('parseRecord reads text with the safe reader: a duplicate member (RFC 7493 §2.3) is refused, escaped names read as written', () => {
    const r = genesis();
    const text = canonicalize(r);
    const dup = text.replace('{"actor":', '{"payload":{"rootAuthority":"did:key:other"},"actor":');
    const err = (() => {
      try {
        parseRecord(dup);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(isDataLedgerError(err, 'LEDGER_RECORD_MALFORMED')).toBe(true);
    // After V8's member-name cache is poisoned (nodejs/node#63785), `v` written \u0076 still reads as v.
    JSON.parse('{"actor":"","index":0,"payload":{},"prev":"","sig":"","time":"","type":"","\\\\":0}');
    expect(parseRecord(text.replace(/,"v":1}$/, ',"\\u0076":1}'))).toEqual(r);
    expect(parseRecord(new TextEncoder().encode(text.replace(/,"v":1}$/, ',"\\u0076":1}')))).toEqual(r);
  });

  it('parseRecord enforces a configurable payload limit with LEDGER_PAYLOAD_TOO_LARGE', () => {
    const big = buildRecord({ size: 0, lastLeafHash: null }, { type: 'x', payload: { blob: 'é'.repeat(40_000) }, time: TIME }, alice);
    expect(codeOf(() => parseRecord(big))).toBe('LEDGER_PAYLOAD_TOO_LARGE'); // 80 KB > 64 KiB default
    expect(parseRecord(big, { maxPayloadBytes: 100_000 }).payload).toEqual(big.payload);
    const small = buildRecord({ size: 0, lastLeafHash: null }, { type: 'x', payload: { a: '12345' }, time: TIME }, alice);
    // canonical payload {"a":"12345"} is 13 bytes
    expect(parseRecord(small, { maxPayloadBytes: 13 }).payload).toEqual({ a: '12345' });
    expect(codeOf(() => parseRecord(small, { maxPayloadBytes: 12 }))).toBe('LEDGER_PAYLOAD_TOO_LARGE');
    expect(codeOf(() => parseRecord(JSON.stringify(big)))).toBe('LEDGER_PAYLOAD_TOO_LARGE');
    expect(() => parseRecord(small, { maxPayloadBytes: -1 })).toThrow(RangeError);
  });

  it('a wrong signature verifies false, never throws', () => {
    const r = genesis();
    const other = buildRecord({ size: 0, lastLeafHash: null }, { type: 'ledger.genesis', payload: { rootAuthority: 'x' }, time: TIME }, alice);
    expect(verifyRecordSignature({ ...r, sig: other.sig })).toBe(false);
    expect(verifyRecordSignature({ ...r, actor: didKeyFromPublicKey(bob.publicKey) })).toBe(false);
    expect(verifyRecordSignature({ ...r, sig: 'garbage' })).toBe(false);
    expect(verifyRecordSignature({ ...r, actor: 'did:key:nope' })).toBe(false);
  });

  it('only a well-formed record verifies: the signed text is not that of another value', () => {
    const r = genesis();
    expect(verifyRecordSignature(r)).toBe(true);
    // Each of these printed the same signing text as r (v and index are printed, not escaped) but is not r.
    const lookalikes: unknown[] = [
      { ...r, v: 2 },
      { ...r, index: '0' },
      { ...r, extra: 1 },
      { ...r, v: '1' },
    ];
    for (const x of lookalikes) expect(verifyRecordSignature(x as LedgerRecord)).toBe(false);
    // Leaf hashes are never computed for a record whose printed index or version would lie.
    expect(() => recordLeafHash({ ...r, index: '0' } as unknown as LedgerRecord)).toThrow(TypeError);
    expect(() => recordLeafHash({ ...r, v: 2 } as unknown as LedgerRecord)).toThrow(TypeError);
    // Large payloads are still checked (no edge size limit applies to a signature check).
    const big = buildRecord({ size: 0, lastLeafHash: null }, { type: 'x', payload: { blob: 'x'.repeat(100_000) }, time: TIME }, alice);
    expect(verifyRecordSignature(big)).toBe(true);
  });
});
