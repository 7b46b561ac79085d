/**
 * A record checked once at a trust boundary (`verifySignedRecord`) is appended without its
 * signature being verified again, and the log still checks its place: index, prev and time
 * (DESIGN.md, The ledger), and its own payload limit.
 */
import { describe, expect, it } from 'vitest';
import { generateKeyPair, toBase64 } from '@dataledger/core';
import { buildRecord, isVerifiedRecord, Log, memoryStore, recordLeafHash, verifySignedRecord, type LedgerRecord, type LogHead } from '../src/index.ts';
import type { SignatureCheck, SignatureVerifier } from '../src/verify-pool.ts';

const logKey = generateKeyPair();
const alice = generateKeyPair();

/** A verifier that counts the signatures it is asked to check (and checks none). */
function countingVerifier(): SignatureVerifier & { checked: number } {
  const v = {
    checked: 0,
    verifyAll: (checks: SignatureCheck[]): Promise<boolean[]> => {
      v.checked += checks.length;
      return Promise.resolve(checks.map(() => true));
    },
    close: (): Promise<void> => Promise.resolve(),
  };
  return v;
}

function chain(head: Pick<LogHead, 'size' | 'lastLeafHash'>, n: number): LedgerRecord[] {
  const out: LedgerRecord[] = [];
  let h = head;
  for (let i = 0; i < n; i++) {
    const r = buildRecord(h, { type: 'note', payload: { i } }, alice);
    out.push(r);
    h = { size: r.index + 1, lastLeafHash: recordLeafHash(r) };
  }
  return out;
}

describe('verifySignedRecord', () => {
  it('answers the RFC 9162 leaf hash and a frozen record; refuses a forged signature', () => {
    const r = buildRecord({ size: 0, lastLeafHash: null }, { type: 'note', payload: { a: 1 } }, alice);
    const v = verifySignedRecord(r);
    expect(isVerifiedRecord(v)).toBe(true);
    expect(isVerifiedRecord({ ...v })).toBe(false);
    expect(toBase64(v.leafHash)).toBe(toBase64(recordLeafHash(r)));
    expect(Object.isFrozen(v.record)).toBe(true);
    const forged = { ...r, sig: r.sig.startsWith('A') ? `B${r.sig.slice(1)}` : `A${r.sig.slice(1)}` };
    expect(() => verifySignedRecord(forged, undefined, 3)).toThrow(
      expect.objectContaining({ code: 'LEDGER_SIGNATURE_INVALID', details: expect.objectContaining({ position: 3 }) }),
    );
  });
});

describe('Log.appendBatch of verified records', () => {
  it('does not verify their signatures again; plain records still are', async () => {
    const verifier = countingVerifier();
    const log = await Log.open(memoryStore(), { origin: 'test.example/verified', logKey: { secretKey: logKey.secretKey }, verifier });
    await log.appendBatch(chain(log.head(), 20).map((r) => verifySignedRecord(r)));
    expect(log.size).toBe(20);
    expect(verifier.checked).toBe(0);
    await log.appendBatch(chain(log.head(), 20));
    expect(verifier.checked).toBe(20);
    await log.close();
  });

  it('still refuses a verified record out of place, and one over its payload limit', async () => {
    const log = await Log.open(memoryStore(), { origin: 'test.example/verified', logKey: { secretKey: logKey.secretKey }, maxPayloadBytes: 64 });
    const [a, b] = chain(log.head(), 2) as [LedgerRecord, LedgerRecord];
    await expect(log.appendBatch([verifySignedRecord(b)])).rejects.toMatchObject({ code: 'LEDGER_INDEX_MISMATCH' });
    await log.append(a);
    const wrongPrev = buildRecord({ size: 1, lastLeafHash: new Uint8Array(32) }, { type: 'note', payload: {} }, alice);
    await expect(log.appendBatch([verifySignedRecord(wrongPrev)])).rejects.toMatchObject({ code: 'LEDGER_CHAIN_BROKEN' });
    const big = buildRecord(log.head(), { type: 'note', payload: { x: 'y'.repeat(100) } }, alice);
    await expect(log.appendBatch([verifySignedRecord(big)])).rejects.toMatchObject({ code: 'LEDGER_PAYLOAD_TOO_LARGE' });
    const ahead = buildRecord(log.head(), { type: 'note', payload: {}, time: new Date(Date.now() + 3_600_000).toISOString() }, alice);
    await expect(log.appendBatch([verifySignedRecord(ahead)])).rejects.toMatchObject({ code: 'LEDGER_TIME_AHEAD' });
    expect(log.size).toBe(1);
    await log.close();
  });
});
