/**
 * The RecordStore conformance suite (abstract-level style): every implementation runs the same
 * checks of the contract in `src/store.ts`. Importable so that stores in other packages
 * (`@dataledger/store-postgres`) run it too.
 */
import { describe, expect, it } from 'vitest';
import { isDataLedgerError } from '@dataledger/core';
import type { RecordStore } from '../../src/index.ts';

/** Makes a fresh, empty store; `reopen` (durable stores only) opens the same storage again. */
export type MakeStore = () => Promise<{ store: RecordStore; reopen?: () => Promise<RecordStore> }>;

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const s = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : new TextDecoder().decode(v));

/**
 * Registers the conformance suite for one RecordStore implementation.
 * @param name - the implementation's name, shown in the test titles
 * @param make - opens a fresh, empty store for each test
 */
export function describeStoreConformance(name: string, make: MakeStore): void {
  describe(`RecordStore conformance: ${name}`, () => {
    it('gets what a batch put, undefined for missing keys', async () => {
      const { store } = await make();
      expect(await store.get('a')).toBeUndefined();
      await store.batch([
        { type: 'put', key: 'a', value: b('1') },
        { type: 'put', key: 'b', value: b('2') },
      ]);
      expect(s(await store.get('a'))).toBe('1');
      expect((await store.getMany(['b', 'zz', 'a'])).map(s)).toEqual(['2', undefined, '1']);
      expect(await store.getMany([])).toEqual([]);
      const v = await store.get('a');
      expect(v).toBeInstanceOf(Uint8Array);
      await store.batch([{ type: 'del', key: 'a' }]);
      expect(await store.get('a')).toBeUndefined();
      await store.close();
    });

    it('iterates in key order within [gte, lt) with a limit', async () => {
      const { store } = await make();
      const keys = ['r:0003', 'r:0001', 'n:00', 'r:0002', 'r:0010', 's'];
      await store.batch(keys.map((k) => ({ type: 'put', key: k, value: b(k) })));
      const got: string[] = [];
      for await (const [k, v] of store.iterate({ gte: 'r:', lt: 'r;' })) {
        expect(s(v)).toBe(k);
        got.push(k);
      }
      expect(got).toEqual(['r:0001', 'r:0002', 'r:0003', 'r:0010']);
      const limited: string[] = [];
      for await (const [k] of store.iterate({ gte: 'r:0002', limit: 2 })) limited.push(k);
      expect(limited).toEqual(['r:0002', 'r:0003']);
      const all: string[] = [];
      for await (const [k] of store.iterate({})) all.push(k);
      expect(all).toEqual([...keys].sort());
      await store.close();
    });

    it('iterates more entries than one internal page', async () => {
      const { store } = await make();
      const n = 2500;
      await store.batch(Array.from({ length: n }, (_, i) => ({ type: 'put' as const, key: `k:${String(i).padStart(5, '0')}`, value: b(String(i)) })));
      let i = 0;
      for await (const [k] of store.iterate({ gte: 'k:', lt: 'k;' })) expect(k).toBe(`k:${String(i++).padStart(5, '0')}`);
      expect(i).toBe(n);
      await store.close();
    });

    it('applies a batch atomically: a failing batch leaves nothing behind', async () => {
      const { store } = await make();
      await store.batch([{ type: 'put', key: 'keep', value: b('x') }]);
      // A value that cannot be encoded makes the whole batch fail before anything is applied.
      await expect(
        store.batch([
          { type: 'put', key: 'new1', value: b('y') },
          { type: 'put', key: 'new2', value: undefined as unknown as Uint8Array },
        ]),
      ).rejects.toThrow();
      expect(await store.get('new1')).toBeUndefined();
      expect(s(await store.get('keep'))).toBe('x');
      await store.close();
    });

    it('rejects operations after close with STORE_CLOSED; close is idempotent', async () => {
      const { store } = await make();
      await store.close();
      await store.close();
      for (const op of [() => store.get('a'), () => store.getMany(['a']), () => store.batch([{ type: 'del', key: 'a' }])]) {
        const err = await op().then(
          () => null,
          (e: unknown) => e,
        );
        expect(isDataLedgerError(err, 'STORE_CLOSED')).toBe(true);
      }
    });

    it('persists across reopen when durable', async () => {
      const { store, reopen } = await make();
      if (reopen === undefined) return await store.close(); // memory: nothing to persist
      await store.batch([{ type: 'put', key: 'p', value: b('persisted') }]);
      await store.close();
      const again = await reopen();
      expect(s(await again.get('p'))).toBe('persisted');
      await again.close();
    });

    it('applies the operations of one batch in order: the last one on a key wins', async () => {
      const { store } = await make();
      await store.batch([
        { type: 'put', key: 'x', value: b('1') },
        { type: 'del', key: 'x' },
        { type: 'put', key: 'y', value: b('1') },
        { type: 'del', key: 'y' },
        { type: 'put', key: 'y', value: b('2') },
        { type: 'put', key: 'z', value: b('1') },
        { type: 'put', key: 'z', value: b('3') },
      ]);
      expect((await store.getMany(['x', 'y', 'z'])).map(s)).toEqual([undefined, '2', '3']);
      await store.close();
    });

    it('keeps arbitrary bytes exactly, including empty values and zero bytes', async () => {
      const { store } = await make();
      const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await store.batch([
        { type: 'put', key: 'bin', value: bytes },
        { type: 'put', key: 'empty', value: new Uint8Array() },
      ]);
      const [bin, empty] = await store.getMany(['bin', 'empty']);
      expect(bin).toEqual(bytes);
      expect(empty).toEqual(new Uint8Array());
      await store.close();
    });
  });
}
