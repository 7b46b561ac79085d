/**
 * Parallel signature verification: the worker pool agrees with the one-thread path on every
 * signature, and appends and bundle replays report exactly the same faults with it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalize, sign, verify, isDataLedgerError } from '@dataledger/core';
import { Log, memoryStore, recordLeafHash, buildRecord, verifyBundle, workerVerifier, type LedgerRecord } from '../src/index.ts';
import { chain, key, logKey, ORIGIN } from './support/fixtures.ts';

const pool = workerVerifier({ threads: 2 });
afterAll(() => pool.close());

describe('workerVerifier', () => {
  it('agrees with core verify on valid, forged and malformed signatures', async () => {
    const k = key(5);
    const checks = await fc.sample(fc.record({ msg: fc.uint8Array({ maxLength: 300 }), mode: fc.integer({ min: 0, max: 5 }), bit: fc.nat() }), {
      numRuns: 400,
      seed: 11,
    });
    const items = checks.map(({ msg, mode, bit }) => {
      const signature = sign(msg, k.secretKey);
      const publicKey = new Uint8Array(k.publicKey);
      if (mode === 1) signature[bit % 64]! ^= 1 << (bit % 8);
      if (mode === 2) publicKey[bit % 32]! ^= 1 << (bit % 8); // often not a curve point at all
      const message = mode === 3 ? new Uint8Array([...msg, 1]) : msg;
      if (mode === 4) return { message, signature: signature.subarray(0, 63), publicKey };
      return { message, signature, publicKey };
    });
    const got = await pool.verifyAll(items);
    const want = items.map((c) => {
      try {
        return verify(c.signature, c.message, c.publicKey);
      } catch {
        return false;
      }
    });
    expect(got).toEqual(want);
    expect(got.filter(Boolean).length).toBeGreaterThan(100);
    expect(await pool.verifyAll([])).toEqual([]);
  });
});

describe('parallel verification in Log and verifyBundle', () => {
  const N = 1300; // more than two windows of 512
  const ready = (async () => {
    const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey, verifier: pool });
    const records = chain(log.head(), N);
    await log.appendBatch(records);
    const lines: string[] = [];
    for await (const l of log.exportBundle()) lines.push(l);
    return { log, records, lines };
  })();

  it('appendBatch reports the same first fault with and without the pool', async () => {
    const { records } = await ready;
    const one = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    const par = await Log.open(memoryStore(), { origin: ORIGIN, logKey, verifier: pool });
    const bad = records.slice(0, 100).map((r) => ({ ...r }));
    bad[70] = { ...bad[70]!, sig: bad[71]!.sig };
    bad[80] = { ...bad[80]!, prev: bad[79]!.prev };
    for (const log of [one, par]) {
      const err = await log.appendBatch(bad).catch((e: unknown) => e);
      expect(isDataLedgerError(err, 'LEDGER_SIGNATURE_INVALID')).toBe(true);
      expect((err as { details: { position: number } }).details.position).toBe(70);
      expect(log.size).toBe(0);
      await log.appendBatch(records.slice(0, 100));
      expect(log.size).toBe(100);
    }
    expect(one.head()).toEqual(par.head());
  });

  it('verifyBundle gives identical reports for good and bad bundles', async () => {
    const { lines, records, log } = await ready;
    const withRec = (i: number, r: unknown): string[] => lines.map((l, j) => (j === i + 1 ? `${canonicalize(r)}\n` : l));
    const resigned = buildRecord({ size: 900, lastLeafHash: recordLeafHash(records[899]!) }, { type: 'x', payload: {}, time: records[900]!.time }, key(1));
    const cases: string[][] = [
      lines,
      withRec(100, { ...records[100]!, sig: records[101]!.sig }),
      withRec(1000, { ...records[1000]!, sig: records[101]!.sig }),
      [...withRec(100, { ...records[100]!, sig: records[101]!.sig }).slice(0, 1100), lines[1101]!.replace('"index":1100', '"index":7')],
      withRec(900, resigned),
      lines.slice(0, -1),
      [...lines.slice(0, 700), 'garbage\n', ...lines.slice(700)],
      [...withRec(3, { ...records[3]!, sig: records[4]!.sig }).slice(0, 700), 'garbage\n'],
    ];
    const expected: [string | null, number | null][] = [
      [null, null],
      ['BUNDLE_SIGNATURE_INVALID', 100],
      ['BUNDLE_SIGNATURE_INVALID', 1000],
      ['BUNDLE_SIGNATURE_INVALID', 100], // the earlier signature fault wins over the index fault at 1100
      ['BUNDLE_CHAIN_BROKEN', 901],
      ['BUNDLE_TRUNCATED', N],
      ['BUNDLE_MALFORMED', 699],
      ['BUNDLE_SIGNATURE_INVALID', 3],
    ];
    for (const [k, c] of cases.entries()) {
      const seen1: number[] = [];
      const seen2: number[] = [];
      const a = await verifyBundle(c, { trustedLogKeys: [log.verifierKey], onRecord: (_r, i) => void seen1.push(i) });
      const b = await verifyBundle(c, { trustedLogKeys: [log.verifierKey], verifier: pool, onRecord: (_r, i) => void seen2.push(i) });
      expect(b).toEqual(a);
      expect(seen2).toEqual(seen1);
      expect([a.code, a.firstBadIndex]).toEqual(expected[k]);
      expect(seen1.length).toBe(a.valid ? N : a.size);
    }
    const r = await verifyBundle(lines, { verifier: pool });
    expect(r.valid).toBe(true);
  });

  it('imports through the pool', async () => {
    const { lines, log } = await ready;
    const target = await Log.open(memoryStore(), { origin: ORIGIN, logKey, verifier: pool });
    await target.importBundle(lines);
    expect(target.head()).toEqual(log.head());
    const rec: LedgerRecord = await target.get(5);
    expect(rec.index).toBe(5);
  });
});
