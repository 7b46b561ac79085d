/**
 * buildChain: the one way to build pre-chained records (DESIGN.md, the ledger): record i has
 * index head.size + i, prev = standard base64 of the previous record's RFC 9162 §2.1.1 leaf hash
 * ("" for record 0), and its actor's Ed25519 signature; a Log accepts the chain as built.
 */
import { describe, expect, it } from 'vitest';
import { canonicalize, didKeyFromPublicKey, sha256, toBase64 } from '@dataledger/core';
import { buildChain, Log, memoryStore, verifyRecordSignature, type ChainHead, type LedgerRecord } from '../src/index.ts';
import { key, logKey, ORIGIN } from './support/fixtures.ts';

const alice = key(1);
const bob = key(2);
const T = '2026-11-26T08:00:00.000Z';

/** The leaf hash by its definition, SHA-256(0x00 ‖ canonical JSON), not by the code under test. */
const leafOf = (r: LedgerRecord): Uint8Array => sha256(new Uint8Array([0]), new TextEncoder().encode(canonicalize(r)));

describe('buildChain', () => {
  it('chains from the empty log: indexes from 0, prev "" then the previous leaf hash, each signed by its signer', async () => {
    const records = buildChain({ size: 0, lastLeafHash: null }, [
      { type: 'ledger.genesis', payload: { n: 0 }, time: T, signer: alice },
      { type: 'test.event', payload: { n: 1 }, time: T, signer: bob },
      { type: 'test.event', payload: { n: 2 }, time: T, signer: alice },
    ]);
    expect(records.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(records[0]!.prev).toBe('');
    expect(records[1]!.prev).toBe(toBase64(leafOf(records[0]!)));
    expect(records[2]!.prev).toBe(toBase64(leafOf(records[1]!)));
    expect(records.map((r) => r.actor)).toEqual([alice, bob, alice].map((k) => didKeyFromPublicKey(k.publicKey)));
    expect(records.every((r) => verifyRecordSignature(r))).toBe(true);

    const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey, now: () => Date.parse(T) });
    await log.appendBatch(records);
    const more = buildChain(log.head(), [{ type: 'test.event', payload: { n: 3 }, signer: bob }]);
    expect(more[0]!.index).toBe(3);
    expect(more[0]!.prev).toBe(toBase64(leafOf(records[2]!)));
    await log.close();
  });

  it('never dates a record before the head or the record before it', () => {
    const future = new Date(Date.now() + 60_000).toISOString();
    const records = buildChain({ size: 1, lastLeafHash: new Uint8Array(32), lastTime: future }, [
      { type: 'test.event', payload: {}, signer: alice },
      { type: 'test.event', payload: {}, signer: alice },
    ]);
    expect(records.map((r) => r.time)).toEqual([future, future]);
    expect(() =>
      buildChain({ size: 1, lastLeafHash: new Uint8Array(32), lastTime: T }, [{ type: 'x', payload: {}, time: '2026-11-26T07:59:59.999Z', signer: alice }]),
    ).toThrow(RangeError);
  });

  it('refuses a bad head', () => {
    const h = new Uint8Array(32);
    const bad: unknown[] = [
      null,
      { size: -1, lastLeafHash: null },
      { size: 1.5, lastLeafHash: h },
      { size: 0, lastLeafHash: h },
      { size: 3, lastLeafHash: null },
      { size: 3, lastLeafHash: new Uint8Array(31) },
      { size: 3, lastLeafHash: h, lastTime: 'yesterday' },
    ];
    for (const head of bad) {
      expect(() => buildChain(head as ChainHead, [{ type: 'x', payload: {}, time: T, signer: alice }])).toThrow(/head/);
    }
  });
});
