/**
 * RecordStore conformance: one suite (test/support/store-conformance.ts), every implementation
 * in this package (memory-level, LevelDB on disk).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import { memoryStore, openLevelStore } from '../src/index.ts';
import { tempDir } from './support/fixtures.ts';
import { describeStoreConformance, type MakeStore } from './support/store-conformance.ts';

const dirs: { remove: () => void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

const implementations: [string, MakeStore][] = [
  ['memory', async () => ({ store: memoryStore() })],
  [
    'level',
    async () => {
      const d = tempDir();
      dirs.push(d);
      return { store: await openLevelStore(d.path), reopen: () => openLevelStore(d.path) };
    },
  ],
];

for (const [name, make] of implementations) describeStoreConformance(name, make);

describe('openLevelStore', () => {
  it('refuses a directory locked by another open store with STORE_IO', async () => {
    const d = tempDir();
    dirs.push(d);
    const first = await openLevelStore(d.path);
    const err = await openLevelStore(d.path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isDataLedgerError(err, 'STORE_IO')).toBe(true);
    await first.close();
  });
});
