/**
 * Vouched records: an HMAC-SHA-256 over the canonical texts of records one instance of a log
 * verified lets another instance holding the same secret take them without checking their
 * signatures again. The tag format is pinned here by hand (uint32 big-endian UTF-8 length, then
 * the RFC 8785 text, for each record in order), so a record with a bad signature and a correct
 * tag proves the signature check is skipped, and every other case proves it is not.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize, keyPairFromSeed } from '@dataledger/core';
import { vouchTagByHand } from './support/vouch.ts';
import { buildChain, isVerifiedRecord, Log, memoryStore, verifySignedRecord, verifyVouchedRecords, vouchRecords, type LedgerRecord } from '../src/index.ts';

const actor = keyPairFromSeed(new Uint8Array(32).fill(7));
const key = new Uint8Array(32).fill(42);

function chain(count: number): LedgerRecord[] {
  return buildChain(
    { size: 0, lastLeafHash: null },
    Array.from({ length: count }, (_, i) => ({ type: 'note', payload: { n: i, text: `记录 ${i}` }, time: '2026-11-01T00:00:00.000Z', signer: actor })),
  );
}

/** The record with its signature replaced by another valid-looking one (of another message). */
function badSignature(r: LedgerRecord, other: LedgerRecord): LedgerRecord {
  return { ...r, sig: other.sig };
}

describe('vouchRecords / verifyVouchedRecords', () => {
  it('tags verified records with the HMAC of their length-prefixed canonical texts', () => {
    const records = chain(3);
    const verified = records.map((r) => verifySignedRecord(r));
    expect(vouchRecords(verified, key)).toEqual(vouchTagByHand(records, key));
  });

  it('takes records under a correct tag without checking their signatures', () => {
    const [a, b] = chain(2) as [LedgerRecord, LedgerRecord];
    const forged = badSignature(a, b);
    expect(() => verifySignedRecord(forged)).toThrow(expect.objectContaining({ code: 'LEDGER_SIGNATURE_INVALID' }));
    const out = verifyVouchedRecords([forged], vouchTagByHand([forged], key), key);
    expect(out).toHaveLength(1);
    expect(isVerifiedRecord(out[0])).toBe(true);
    expect(out[0]!.record.sig).toBe(b.sig);
  });

  it('checks every signature when the tag is missing, of other records, under another key, or not 32 bytes', () => {
    const [a, b] = chain(2) as [LedgerRecord, LedgerRecord];
    const forged = badSignature(b, a);
    const cases: (Uint8Array | undefined)[] = [
      undefined,
      vouchTagByHand([a, b], key),
      vouchTagByHand([a, forged], new Uint8Array(32).fill(43)),
      vouchTagByHand([a, forged], key).subarray(0, 31),
      vouchTagByHand([forged, a], key),
    ];
    for (const tag of cases) {
      let err: unknown = null;
      try {
        verifyVouchedRecords([a, forged], tag, key);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'LEDGER_SIGNATURE_INVALID', details: { position: 1 } });
    }
    // Good signatures pass with no tag at all.
    expect(verifyVouchedRecords([a, b], undefined, key).map((v) => v.record)).toEqual([a, b]);
  });

  it('gives records Log.appendBatch takes as verified, with the same leaf hashes', async () => {
    const records = chain(4);
    const tag = vouchRecords(
      records.map((r) => verifySignedRecord(r)),
      key,
    );
    const vouched = verifyVouchedRecords(records, tag, key);
    const log = await Log.open(memoryStore(), { origin: 'vouch.example/log', logKey: keyPairFromSeed(new Uint8Array(32).fill(9)) });
    const appended = await log.appendBatch(vouched);
    expect(appended.map((r) => r.leafHash)).toEqual(records.map((r) => verifySignedRecord(r).leafHash));
    await log.close();
  });

  it('refuses to vouch for records not verified here, and keys shorter than 32 bytes', () => {
    const records = chain(1);
    const fake = { record: records[0]!, texts: { leaf: canonicalize(records[0]!) }, leafHash: new Uint8Array(32) };
    expect(() => vouchRecords([fake as never], key)).toThrow(TypeError);
    expect(() => vouchRecords([verifySignedRecord(records[0]!)], new Uint8Array(16))).toThrow(TypeError);
    expect(() => verifyVouchedRecords(records, undefined, new Uint8Array(16))).toThrow(TypeError);
  });
});
