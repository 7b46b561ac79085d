// RFC 8785 JSON Canonicalization Scheme, against the published vectors of
// cyberphone/json-canonicalization `testdata/` (test/vectors/jcs).
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize, toHex } from '../src/index.ts';
import { vectorsPath } from '../../../test/support/vectors.ts';

const names = readdirSync(vectorsPath('jcs', 'input'))
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('RFC 8785 vectors (cyberphone/json-canonicalization testdata)', () => {
  it('has the six published cases', () => {
    expect(names).toEqual(['arrays.json', 'french.json', 'structures.json', 'unicode.json', 'values.json', 'weird.json']);
  });
  for (const name of names) {
    it(`${name}: canonical text and bytes match`, () => {
      const input: unknown = JSON.parse(readFileSync(vectorsPath('jcs', 'input', name), 'utf8'));
      const expected = readFileSync(vectorsPath('jcs', 'output', name), 'utf8');
      const hex = readFileSync(vectorsPath('jcs', 'outhex', name.replace('.json', '.txt')), 'utf8').replace(/\s+/g, '');
      expect(canonicalize(input)).toBe(expected);
      expect(toHex(canonicalBytes(input))).toBe(hex);
    });
  }
});

describe('RFC 8785 §3.2.2.3 number serialisation (samples from the vectors README)', () => {
  const samples: [string, string][] = [
    ['4340000000000001', '9007199254740994'],
    ['4340000000000002', '9007199254740996'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['8000000000000000', '0'],
    ['0', '0'],
  ];
  for (const [ieee, want] of samples) {
    it(`${ieee} → ${want}`, () => {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, BigInt(`0x${ieee}`));
      expect(canonicalize(view.getFloat64(0))).toBe(want);
    });
  }
});

describe('values with no canonical form are refused', () => {
  const bad: [string, unknown][] = [
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['bigint', 1n],
    ['function', () => 1],
    ['symbol', Symbol('x')],
    ['undefined at top level', undefined],
    ['undefined in an array', [1, undefined]],
    ['Date', new Date(0)],
    ['Map', new Map()],
    ['lone high surrogate', '\ud800'],
    ['lone low surrogate in a key', { '\udc00': 1 }],
    ['nested NaN', { a: [{ b: Number.NaN }] }],
  ];
  for (const [label, value] of bad) {
    it(label, () => {
      expect(() => canonicalize(value)).toThrow(TypeError);
    });
  }
  it('a cycle', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(() => canonicalize(a)).toThrow(TypeError);
  });
  it('omits object members whose value is undefined, as JSON.stringify does', () => {
    expect(canonicalize({ b: undefined, a: 1 })).toBe('{"a":1}');
  });
  it('keeps a shared (non-cyclic) sub-object', () => {
    const s = { x: 1 };
    expect(canonicalize({ a: s, b: s })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});

describe('laws', () => {
  it('canonical text parses back to a value with the same canonical text (idempotence)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const c = canonicalize(v);
        expect(canonicalize(JSON.parse(c))).toBe(c);
      }),
    );
  });
  it('does not depend on member insertion order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalize(reversed)).toBe(canonicalize(obj));
      }),
    );
  });
  it('agrees with JSON.stringify on sorted-key values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(canonicalize(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});
