/**
 * PMap, the persistent map under the registry state: behaves as a Map (model-based), and
 * every earlier version is unchanged by later updates.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PMap } from '../src/index.ts';

const op = fc.oneof(
  fc.tuple(fc.constant('set' as const), fc.string({ maxLength: 4 }), fc.integer()),
  fc.tuple(fc.constant('delete' as const), fc.string({ maxLength: 4 }), fc.constant(0)),
);

describe('PMap', () => {
  it('agrees with Map, and old versions never change', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        let m = PMap.empty<number>();
        const model = new Map<string, number>();
        const versions: [PMap<number>, [string, number][]][] = [];
        for (const [kind, k, v] of ops) {
          versions.push([m, [...model.entries()]]);
          if (kind === 'set') {
            m = m.set(k, v);
            model.set(k, v);
          } else {
            m = m.delete(k);
            model.delete(k);
          }
          expect(m.size).toBe(model.size);
          expect(m.get(k)).toBe(model.get(k));
          expect(m.has(k)).toBe(model.has(k));
        }
        const sort = (e: [string, number][]): [string, number][] => e.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        expect(sort([...m.entries()])).toEqual(sort([...model.entries()]));
        for (const [old, entries] of versions) expect(sort([...old.entries()])).toEqual(sort(entries));
      }),
      { numRuns: 200 },
    );
  });

  it('deleting an absent key returns the same map; many keys spread over buckets', () => {
    const m = PMap.of([['a', 1]]);
    expect(m.delete('b')).toBe(m);
    let big = PMap.empty<number>();
    for (let i = 0; i < 50_000; i++) big = big.set(`k${i}`, i);
    expect(big.size).toBe(50_000);
    expect(big.get('k49999')).toBe(49_999);
    expect([...big.keys()].length).toBe(50_000);
    expect([...big.values()].reduce((a, b) => a + b, 0)).toBe((49_999 * 50_000) / 2);
  });
});
