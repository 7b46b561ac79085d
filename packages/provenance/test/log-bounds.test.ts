/**
 * The bounds of the append path (DESIGN.md, the ledger): a record's time is never more than the
 * configured skew (default 5 minutes) after the log's clock; a batch has a size cap; a bundle
 * import streams into the store instead of holding the bundle, and a bad bundle still leaves
 * the log exactly as it was. Every refusal is coded and changes nothing.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalize, isDataLedgerError } from '@dataledger/core';
import { buildRecord, Log, memoryStore, openLevelStore, recordLeafHash, type LedgerRecord, type RecordStore } from '../src/index.ts';
import { DEFAULT_MAX_BATCH_RECORDS, DEFAULT_MAX_CLOCK_SKEW_MS } from '../src/log.ts';
import { chain, key, logKey, ORIGIN, snapshot, tempDir } from './support/fixtures.ts';

const dir = tempDir();
afterAll(() => dir.remove());

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isDataLedgerError(err)) return err.code;
    throw err;
  }
  return 'OK';
}

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const at = (ms: number): string => new Date(ms).toISOString();

describe('clock skew', () => {
  it('the default allowed skew is 5 minutes (DESIGN.md)', () => {
    expect(DEFAULT_MAX_CLOCK_SKEW_MS).toBe(5 * 60 * 1000);
  });

  it('refuses a record dated beyond the skew with LEDGER_TIME_AHEAD and writes nothing; at the limit is fine', async () => {
    const store = memoryStore();
    const log = await Log.open(store, { origin: ORIGIN, logKey, now: () => NOW });
    await log.appendBatch(chain(log.head(), 3));
    const before = await snapshot(store);
    const skew = 5 * 60 * 1000;
    for (const time of ['9999-12-31T23:59:59.999Z', at(NOW + skew + 1), at(NOW + 24 * 3600 * 1000)]) {
      const r = buildRecord(log.head(), { type: 'asset.valued', payload: { value: '1.00' }, time }, key(2));
      expect(await codeOf(log.append(r)), time).toBe('LEDGER_TIME_AHEAD');
      // In a batch, behind a good record: all or nothing.
      const good = buildRecord(log.head(), { type: 'x', payload: {}, time: at(NOW) }, key(1));
      const bad = buildRecord({ size: log.size + 1, lastLeafHash: recordLeafHash(good) }, { type: 'x', payload: {}, time }, key(1));
      const err = await log.appendBatch([good, bad]).catch((e: unknown) => e);
      expect(isDataLedgerError(err, 'LEDGER_TIME_AHEAD')).toBe(true);
      expect((err as { details?: { position?: number } }).details?.position).toBe(1);
    }
    expect(await snapshot(store)).toEqual(before);
    expect(log.size).toBe(3);
    // Exactly at the limit, and behind the clock, are accepted.
    await log.append(buildRecord(log.head(), { type: 'x', payload: {}, time: at(NOW + skew) }, key(1)));
    expect(log.size).toBe(4);
    await log.close();
  });

  it('maxClockSkewMs is configurable', async () => {
    const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey, now: () => NOW, maxClockSkewMs: 1000 });
    expect(await codeOf(log.append(buildRecord(log.head(), { type: 'x', payload: {}, time: at(NOW + 1001) }, key(1))))).toBe('LEDGER_TIME_AHEAD');
    expect(await codeOf(log.append(buildRecord(log.head(), { type: 'x', payload: {}, time: at(NOW + 1000) }, key(1))))).toBe('OK');
    await log.close();
    await expect(Log.open(memoryStore(), { origin: ORIGIN, logKey, maxClockSkewMs: -1 })).rejects.toThrow(RangeError);
  });

  it('the real clock is the default: a record dated 9999-12-31 is refused', async () => {
    const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    const r = buildRecord(log.head(), { type: 'x', payload: {}, time: '9999-12-31T00:00:00.000Z' }, key(1));
    expect(await codeOf(log.append(r))).toBe('LEDGER_TIME_AHEAD');
    expect(await codeOf(log.append(buildRecord(log.head(), { type: 'x', payload: {} }, key(1))))).toBe('OK');
    await log.close();
  });
});

describe('appendBatch size cap', () => {
  it('has a documented default and refuses a larger batch with LEDGER_BATCH_TOO_LARGE, writing nothing', async () => {
    expect(DEFAULT_MAX_BATCH_RECORDS).toBe(10_000);
    const store = memoryStore();
    const log = await Log.open(store, { origin: ORIGIN, logKey, maxBatchRecords: 20 });
    const before = await snapshot(store);
    const err = await log.appendBatch(chain(log.head(), 21)).catch((e: unknown) => e);
    expect(isDataLedgerError(err, 'LEDGER_BATCH_TOO_LARGE')).toBe(true);
    expect((err as { details?: unknown }).details).toEqual({ records: 21, limit: 20 });
    expect(await snapshot(store)).toEqual(before);
    expect(await codeOf(log.appendBatch(chain(log.head(), 20)))).toBe('OK');
    expect(log.size).toBe(20);
    await log.close();
  });
});

describe('importBundle streams', () => {
  const N = 3000;
  let exported: string[] = [];

  async function source(): Promise<Log> {
    const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey });
    for (let i = 0; i < N; i += 1000) await log.appendBatch(chain(log.head(), 1000));
    exported = [];
    for await (const l of log.exportBundle()) exported.push(l);
    return log;
  }

  it('writes verified records into the store while reading, invisible until the bundle has verified', async () => {
    const from = await source();
    const store: RecordStore = await openLevelStore(join(dir.path, 'import-ok'));
    const target = await Log.open(store, { origin: ORIGIN, logKey });
    let seenDuringImport = 0;
    async function* lines(): AsyncGenerator<string> {
      for (let i = 0; i < exported.length; i++) {
        if (i === N - 100) {
          // Most records are through: some are already in the store, none is in the log.
          for await (const [k] of store.iterate({ gte: 'r:', lt: 'r;' })) if (k) seenDuringImport++;
          expect(target.size).toBe(0);
          expect(await codeOf(target.get(0))).toBe('LEDGER_INDEX_OUT_OF_RANGE');
        }
        yield exported[i]!;
      }
    }
    const report = await target.importBundle(lines());
    expect(report.valid).toBe(true);
    expect(seenDuringImport).toBeGreaterThan(1000);
    expect(seenDuringImport).toBeLessThan(N);
    expect(target.head()).toEqual(from.head());
    expect(await target.checkpoint()).toBe(await from.checkpoint());
    expect(await target.get(N - 1)).toEqual(await from.get(N - 1));
    expect(await target.inclusionProof(1234)).toEqual(await from.inclusionProof(1234));
    expect(await target.indexOfLeafHash(await from.leafHashAt(2999))).toBe(2999);
    await Promise.all([from.close(), target.close()]);
  });

  it('a bundle that goes bad after thousands of records leaves the store byte for byte as it was', async () => {
    const from = await source();
    const store = await openLevelStore(join(dir.path, 'import-bad'));
    const target = await Log.open(store, { origin: ORIGIN, logKey });
    const before = await snapshot(store);
    const forged: LedgerRecord = { ...(JSON.parse(exported[2901]!) as LedgerRecord), sig: (JSON.parse(exported[2902]!) as LedgerRecord).sig };
    const bad = exported.map((l, i) => (i === 2901 ? `${canonicalize(forged)}\n` : l));
    const err = await target.importBundle(bad).catch((e: unknown) => e);
    expect(isDataLedgerError(err, 'BUNDLE_SIGNATURE_INVALID')).toBe(true);
    expect(await snapshot(store)).toEqual(before);
    // Too many records, found only after some were streamed: the same.
    expect(await codeOf(target.importBundle(exported, { maxRecords: 2500 }))).toBe('BUNDLE_TOO_LARGE');
    expect(await snapshot(store)).toEqual(before);
    // The log still imports the good bundle afterwards.
    expect((await target.importBundle(exported)).valid).toBe(true);
    expect(target.size).toBe(N);
    await Promise.all([from.close(), target.close()]);
  });

  it('refuses a bundle with a record dated beyond the clock skew', async () => {
    const log = await Log.open(memoryStore(), { origin: ORIGIN, logKey, now: () => Date.UTC(2030, 0, 1) });
    await log.append(buildRecord(log.head(), { type: 'x', payload: {}, time: '2029-12-31T23:59:00.000Z' }, key(1)));
    const lines: string[] = [];
    for await (const l of log.exportBundle()) lines.push(l);
    const target = await Log.open(memoryStore(), { origin: ORIGIN, logKey, now: () => Date.UTC(2029, 0, 1) });
    expect(await codeOf(target.importBundle(lines))).toBe('LEDGER_TIME_AHEAD');
    expect(target.size).toBe(0);
    await Promise.all([log.close(), target.close()]);
  });
});
