/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile paths, widths for a tree size, the entry
 * bundle encoding, and the write-time refusal of records that no entry bundle can hold. The
 * expectations are the spec's own examples.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDataLedgerError } from '@dataledger/core';
import { buildRecord, decodeEntryBundle, encodeEntryBundle, entryBundlePath, Log, memoryStore, parseTilePath, tilePath, tileWidthAt } from '../src/index.ts';
import { tileIndexPath } from '../src/tlog-tiles.ts';
import { key, logKey, ORIGIN, snapshot } from './support/fixtures.ts';

describe('tile paths (C2SP tlog-tiles "Merkle Tree")', () => {
  it('encodes N in zero-padded 3-digit elements, all but the last prefixed with x', () => {
    // The spec's example: index 1234067 is x001/x234/067.
    expect(tileIndexPath(1234067)).toBe('x001/x234/067');
    expect(tileIndexPath(0)).toBe('000');
    expect(tileIndexPath(999)).toBe('999');
    expect(tileIndexPath(1000)).toBe('x001/000');
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 1, width: 17 })).toBe('tile/2/001.p/17');
    expect(entryBundlePath(1234067, 8)).toBe('tile/entries/x001/x234/067.p/8');
  });

  it('parses the canonical paths and round-trips every index and width', () => {
    expect(parseTilePath('0/x001/x234/067')).toEqual({ kind: 'hashes', level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('entries/x001/x234/067.p/8')).toEqual({ kind: 'entries', level: 0, index: 1234067, width: 8 });
    expect(parseTilePath('63/000.p/255')).toEqual({ kind: 'hashes', level: 63, index: 0, width: 255 });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 256 }), (level, index, width) => {
        const parsed = parseTilePath(tilePath({ level, index, width }).slice('tile/'.length));
        expect(parsed).toEqual({ kind: 'hashes', level, index, width });
      }),
    );
  });

  it('refuses every non-canonical spelling, so each resource has one URL', () => {
    for (const bad of [
      '',
      '0',
      '00/000', // L with a leading zero
      '64/000', // L above 63
      '0/0', // N element not 3 digits
      '0/x000/001', // an empty leading group
      '0/001/002', // a leading group without x
      '0/x001', // the last element with x
      '0/000.p/0', // W below 1
      '0/000.p/256', // a full tile is never .p
      '0/000.p/07', // W with a leading zero
      '0/000.p', // .p without W
      'entries', // no N
      'entries/000.p/1/2',
      '-1/000',
      '0/abc',
    ]) {
      expect(parseTilePath(bad), bad).toBeNull();
    }
  });
});

describe('tile widths (C2SP tlog-tiles "Partial Tiles")', () => {
  it('matches the spec: a tree of 70,000 and a tree of 256', () => {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    // partial level 2 tile of width 1."
    const s = 70_000;
    expect(Array.from({ length: 273 }, (_, n) => tileWidthAt(0, n, s)).every((w) => w === 256)).toBe(true);
    expect(tileWidthAt(0, 273, s)).toBe(112);
    expect(tileWidthAt(0, 274, s)).toBe(0);
    expect(tileWidthAt(1, 0, s)).toBe(256);
    expect(tileWidthAt(1, 1, s)).toBe(17);
    expect(tileWidthAt(2, 0, s)).toBe(1);
    expect(tileWidthAt(3, 0, s)).toBe(0);
    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
    expect(tileWidthAt(0, 0, 256)).toBe(256);
    expect(tileWidthAt(0, 1, 256)).toBe(0);
    expect(tileWidthAt(1, 0, 256)).toBe(1);
  });
});

describe('entry bundles (C2SP tlog-tiles "Log entries")', () => {
  it('are big-endian uint16 length-prefixed entries', () => {
    const e1 = new Uint8Array([0x41]);
    const e2 = new Uint8Array(300).fill(7);
    const bundle = encodeEntryBundle([e1, e2, new Uint8Array()]);
    expect([...bundle.subarray(0, 3)]).toEqual([0x00, 0x01, 0x41]);
    expect([...bundle.subarray(3, 5)]).toEqual([0x01, 0x2c]); // 300
    expect(bundle.length).toBe(3 + 2 + 300 + 2);
    expect(decodeEntryBundle(bundle, 3)).toEqual([e1, e2, new Uint8Array()]);
  });

  it('refuses a truncated bundle, trailing bytes, or another entry count with TILES_MALFORMED', () => {
    const bundle = encodeEntryBundle([new Uint8Array([1, 2, 3]), new Uint8Array([4])]);
    for (const [bytes, count] of [
      [bundle.subarray(0, bundle.length - 1), 2],
      [bundle.subarray(0, 1), 1],
      [new Uint8Array([...bundle, 0]), 2],
      [bundle, 1],
      [bundle, 3],
    ] as const) {
      let code: string | null = null;
      try {
        decodeEntryBundle(bytes, count);
      } catch (e) {
        code = isDataLedgerError(e) ? e.code : 'other';
      }
      expect(code).toBe('TILES_MALFORMED');
    }
  });

  it('cannot hold an entry over 65,535 bytes (LEDGER_ENTRY_TOO_LARGE)', () => {
    expect(() => encodeEntryBundle([new Uint8Array(65_536)])).toThrow(expect.objectContaining({ code: 'LEDGER_ENTRY_TOO_LARGE' }));
    expect(encodeEntryBundle([new Uint8Array(65_535)]).length).toBe(65_537);
  });
});

describe('Log: every record fits an entry bundle', () => {
  it('refuses at write time a record whose canonical bytes exceed 65,535, writing nothing', async () => {
    const store = memoryStore();
    const log = await Log.open(store, { origin: ORIGIN, logKey, maxPayloadBytes: 200_000 });
    const signer = key(1);
    const big = (n: number) =>
      buildRecord(
        { size: log.size, lastLeafHash: log.head().lastLeafHash },
        { type: 'test.event', payload: { blob: 'a'.repeat(n) }, time: '2026-11-26T08:00:00.000Z' },
        signer,
      );
    const before = await snapshot(store);
    let code: string | null = null;
    try {
      await log.append(big(70_000));
    } catch (e) {
      code = isDataLedgerError(e) ? e.code : 'other';
    }
    expect(code).toBe('LEDGER_ENTRY_TOO_LARGE');
    expect(log.size).toBe(0);
    expect(await snapshot(store)).toEqual(before);
    // A record just under the limit is appended and served back byte for byte.
    const ok = big(65_000);
    await log.append(ok);
    const [data] = await log.entryData(0, 1);
    expect(data!.length).toBeLessThanOrEqual(65_535);
    expect(JSON.parse(new TextDecoder().decode(data))).toEqual(ok);
    await log.close();
  });
});
